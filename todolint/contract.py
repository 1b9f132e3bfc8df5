"""The data-model contract (`policies/contract.yaml`) loaded into a frozen value.

The contract holds every number, name and pattern the rules check, plus the environment matrix,
so that a team can change what "correct" means without touching code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ContractError(Exception):
    """The contract file is missing or malformed; the message names the file and the key."""


def policies_dir() -> Path:
    """The built-in policies folder: inside the wheel, or beside the package in a source checkout."""
    # The package folder itself (importlib.resources would cost ~10 ms of imports for the same answer).
    packaged = Path(__file__).resolve().parent / "policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "policies"


def default_contract_path() -> Path:
    return policies_dir() / "contract.yaml"


def _freeze(value: Any) -> Any:
    """Turn nested dicts and lists into read-only mappings and tuples."""
    if isinstance(value, Mapping):
        return _FrozenDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


class _FrozenDict(dict[str, Any]):
    """A dict that refuses writes, so rules cannot change the contract another rule reads."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("the contract is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: kv[0])))


@dataclass(frozen=True)
class Contract:
    """The environment matrix plus the rest of contract.yaml, read-only."""

    path: str
    environments: tuple[str, ...]
    release_pattern: str
    namespace_pattern: str
    #: Groups of candidate values files; the first existing file of each group is used.
    values_files: tuple[tuple[str, ...], ...]
    data: Mapping[str, Any]
    #: (chart, release pattern, namespace pattern): a repository's per-chart layout (its config's
    #: `charts:` entries), over the two patterns above; the rules read names through the methods below.
    chart_patterns: tuple[tuple[str, str, str], ...] = ()

    def release_for(self, chart: str, env: str) -> str:
        pattern = next((r for name, r, _ in self.chart_patterns if name == chart), self.release_pattern)
        return pattern.format(chart=chart, env=env)

    def namespace_for(self, chart: str, env: str) -> str:
        pattern = next((n for name, _, n in self.chart_patterns if name == chart), self.namespace_pattern)
        return pattern.format(chart=chart, env=env)

    @property
    def apps(self) -> Mapping[str, Any]:
        apps = self.data.get("apps")
        return apps if isinstance(apps, Mapping) else {}


def load_contract(path: str | os.PathLike[str] | None = None) -> Contract:
    """Read and check the contract; raise ContractError with one clear line on any problem."""
    file = Path(path) if path is not None else default_contract_path()
    try:
        # libyaml's loader: the pure-Python one takes ~30 ms for the contract alone.
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise ContractError(f"{file}: contract file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(f"{file}: cannot read contract: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ContractError(f"{file}{where}: contract is not valid YAML") from None
    if not isinstance(raw, dict):
        raise ContractError(f"{file}: contract must be a mapping")

    def need(key: str, kind: type) -> Any:
        value = raw.get(key)
        if not isinstance(value, kind):
            raise ContractError(f"{file}: key {key!r} must be a {kind.__name__}")
        return value

    environments = need("environments", list)
    if not environments or not all(isinstance(e, str) and e for e in environments):
        raise ContractError(f"{file}: key 'environments' must list environment names")
    groups: list[tuple[str, ...]] = []
    for group in need("values_files", list):
        names = [group] if isinstance(group, str) else group
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ContractError(f"{file}: key 'values_files' must list file names or lists of them")
        groups.append(tuple(names))
    return Contract(
        path=str(file),
        environments=tuple(environments),
        release_pattern=need("release", str),
        namespace_pattern=need("namespace", str),
        values_files=tuple(groups),
        data=_freeze(raw),
    )
