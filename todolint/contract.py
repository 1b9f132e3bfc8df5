"""The data-model contract (`policies/contract.yaml`) loaded into a frozen value.

The contract holds every number, name and pattern the rules check, plus the environment matrix,
so that a team can change what "correct" means without touching code. It is validated against
`policies/contract.schema.json` when it loads: a missing, unknown or mistyped key is one error line
naming the file, the line and the key, so that no rule is switched off by a value it cannot read.
The typed fields of `Contract` (`contract.app("todo-backend").probes["liveness"].period_seconds`,
`contract.replicas.max`) can therefore rely on the shape; `Contract.data` keeps the YAML as read, for
the policies' `{{ contract.x.y }}` placeholders and the fixes' contract paths.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from todolint.contract_problems import first_problem, key_path, line_of


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
    """The built-in contract, `contract.yaml` in the policies folder."""
    return policies_dir() / "contract.yaml"


def schema_path() -> Path:
    """The contract's JSON Schema (draft 2020-12), beside the built-in contract."""
    return policies_dir() / "contract.schema.json"


def schema() -> dict[str, Any]:
    """The contract's JSON Schema, parsed."""
    try:
        data: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContractError(f"{schema_path()}: cannot read the contract schema: {exc}") from None
    return data


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


# --- the typed contract ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One probe of an app (`apps.<app>.probes.liveness`): HTTP GET path, period and failure threshold."""

    path: str
    period_seconds: int
    failure_threshold: int


@dataclass(frozen=True)
class App:
    """One application of the contract (`apps.<name>`)."""

    name: str
    #: The container port, the probes' port and the Service port.
    port: int
    #: The image repository's basename.
    image: str
    #: Words that identify the app in a chart written by others (docs/apps.md).
    match: tuple[str, ...]
    #: By kind: "liveness", "readiness".
    probes: Mapping[str, Probe]
    service_types: tuple[str, ...]
    config_keys: tuple[str, ...]
    #: Keys read from the pre-created Secret; none means the app reads no Secret.
    secret_keys: tuple[str, ...]
    #: Files the chart's templates/ folder holds.
    templates: tuple[str, ...]


@dataclass(frozen=True)
class Bounds:
    """A closed range of whole numbers (`replicas`, `node_port_range`)."""

    min: int
    max: int


@dataclass(frozen=True)
class ApiUrl:
    """The frontend → backend link: `key` in `from_app`'s config is `format` for `to_app`'s Service."""

    from_app: str
    key: str
    to_app: str
    #: Placeholders {service}, {port}, {namespace}.
    format: str


@dataclass(frozen=True)
class Database:
    """What a database in the cluster looks like: its images, Service ports and chart names."""

    images: tuple[str, ...]
    ports: tuple[int, ...]
    charts: tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    """The environment matrix plus the rest of contract.yaml, read-only and typed."""

    path: str
    environments: tuple[str, ...]
    release_pattern: str
    namespace_pattern: str
    #: Groups of candidate values files; the first existing file of each group is used.
    values_files: tuple[tuple[str, ...], ...]
    #: The YAML as read (frozen): what `{{ contract.x.y }}` placeholders and fix paths look up.
    data: Mapping[str, Any]
    #: The apps by name, in the contract's order.
    applications: Mapping[str, App]
    #: Object name patterns by kind ({release}, {app}).
    names: Mapping[str, str]
    #: Label name → value pattern ({app}, {release}, {app_version}, {chart}, {chart_version}).
    labels: Mapping[str, str]
    selector_labels: tuple[str, ...]
    #: "selector" (a pod template carries the selector labels) or "all" (every label of `labels`).
    pod_template_labels: str
    replicas: Bounds
    node_port_range: Bounds
    api_url: ApiUrl
    secret_name_patterns: tuple[str, ...]
    secret_name_settings: tuple[str, ...]
    database: Database
    #: (chart, release pattern, namespace pattern): a repository's per-chart layout (its config's
    #: `charts:` entries), over the two patterns above; the rules read names through the methods below.
    chart_patterns: tuple[tuple[str, str, str], ...] = ()

    def release_for(self, chart: str, env: str) -> str:
        """The release name of `chart` in `env`: its config entry's pattern, else the contract's."""
        pattern = next((r for name, r, _ in self.chart_patterns if name == chart), self.release_pattern)
        return pattern.format(chart=chart, env=env)

    def namespace_for(self, chart: str, env: str) -> str:
        """The namespace of `chart` in `env`: its config entry's pattern, else the contract's."""
        pattern = next((n for name, _, n in self.chart_patterns if name == chart), self.namespace_pattern)
        return pattern.format(chart=chart, env=env)

    def app(self, name: str) -> App | None:
        """The app of that name, or None when the contract has no such app."""
        return self.applications.get(name)

    @property
    def apps(self) -> Mapping[str, Any]:
        """The `apps:` mapping as read (name → its YAML mapping), as placeholders look it up."""
        apps: Mapping[str, Any] = self.data["apps"]
        return apps


def _app(name: str, raw: Mapping[str, Any]) -> App:
    probes = {
        kind: Probe(path=p["path"], period_seconds=p["periodSeconds"], failure_threshold=p["failureThreshold"])
        for kind, p in raw["probes"].items()
    }
    return App(
        name=name,
        port=raw["port"],
        image=raw["image"],
        match=tuple(raw.get("match", ())),
        probes=_FrozenDict(probes),
        service_types=tuple(raw["service_types"]),
        config_keys=tuple(raw["config_keys"]),
        secret_keys=tuple(raw["secret_keys"]),
        templates=tuple(raw["templates"]),
    )


def _build(raw: Mapping[str, Any], file: Path) -> Contract:
    """The Contract of a validated mapping."""
    database = raw["database"]
    return Contract(
        path=str(file),
        environments=tuple(raw["environments"]),
        release_pattern=raw["release"],
        namespace_pattern=raw["namespace"],
        values_files=tuple((group,) if isinstance(group, str) else tuple(group) for group in raw["values_files"]),
        data=_freeze(raw),
        applications=_FrozenDict({name: _app(name, spec) for name, spec in raw["apps"].items()}),
        names=_FrozenDict(raw["names"]),
        labels=_FrozenDict(raw["labels"]),
        selector_labels=tuple(raw["selector_labels"]),
        pod_template_labels=raw.get("pod_template_labels", "selector"),
        replicas=Bounds(**raw["replicas"]),
        node_port_range=Bounds(**raw["node_port_range"]),
        api_url=ApiUrl(**raw["api_url"]),
        secret_name_patterns=tuple(raw["secret_name_patterns"]),
        secret_name_settings=tuple(raw.get("secret_name_settings", ())),
        database=Database(tuple(database["images"]), tuple(database["ports"]), tuple(database["charts"])),
    )


class ValidatedMemo(Protocol):
    """Contracts validated before, by `validation_key`: a warm run then loads no schema validator."""

    def __contains__(self, key: object) -> bool:
        """Whether the contract of this key was found valid before."""
        ...

    def add(self, key: str) -> None:
        """Remember that the contract of this key is valid."""
        ...


def validation_key(text: str) -> str:
    """What decides whether a contract text is valid: the text, the schema, the validator library and
    this module (by path, size, times and inode)."""
    import hashlib
    import importlib.util

    validator = importlib.util.find_spec("jsonschema_rs")
    parts = [text]
    for file in (str(schema_path()), __file__, validator.origin if validator and validator.origin else "-"):
        try:
            info = os.stat(file)
            parts.append(f"{file}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}")
        except OSError:
            parts.append(f"{file}:missing")
    try:
        parts.append(schema_path().read_text(encoding="utf-8"))
    except OSError:
        parts.append("no schema")
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def load_contract(path: str | os.PathLike[str] | None = None, *, validated: ValidatedMemo | None = None) -> Contract:
    """Read and check the contract; raise ContractError with one clear line on any problem.

    With `validated`, a contract whose `validation_key` it holds is not validated again (the schema
    validator costs ~10 ms to import, which a warm run otherwise never pays); one found valid is added.
    An invalid contract is never remembered, so its error is always worded afresh.
    """
    file = Path(path) if path is not None else default_contract_path()
    try:
        text = file.read_text(encoding="utf-8")
        # libyaml's loader: the pure-Python one takes ~30 ms for the contract alone.
        raw = yaml.load(text, Loader=_LOADER)
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
    key = validation_key(text) if validated is not None else ""
    problem = None if validated is not None and key in validated else first_problem(raw, schema())
    if problem is None and validated is not None:
        validated.add(key)
    if problem is not None:
        at, message = problem
        line = line_of(text, at)
        where = f"{file}:{line}" if line is not None else str(file)
        raise ContractError(f"{where}: {key_path(at)}: {message}" if at else f"{where}: {message}")
    return _build(raw, file)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


__all__ = [
    "ApiUrl",
    "App",
    "Bounds",
    "Contract",
    "ContractError",
    "Database",
    "Probe",
    "default_contract_path",
    "load_contract",
    "policies_dir",
    "schema",
    "schema_path",
]
