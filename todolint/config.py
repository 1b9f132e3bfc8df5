"""User configuration: `.todolint.yaml`, or `[tool.todolint]` in pyproject.toml, validated by JSON Schema.

The file is found from the working directory upward (stopping at the repository root), or named with
`--config FILE`. In one folder `.todolint.yaml` wins over pyproject.toml. Paths in the file are relative
to the file. The command line wins over the file, the file over the built-in defaults: every field here
is None (or empty) when the file does not set it, so that the CLI can tell "unset" from "default".
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todolint.discover import display_path
from todolint.models import Severity
from todolint.suppress import Exemption, rule_matches

if TYPE_CHECKING:
    from todolint.rules.base import Rule  # the rules load only when a run checks objects (todolint.results)

YAML_NAMES = (".todolint.yaml", ".todolint.yml")
PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """The config file is unreadable or invalid; the message is one line naming the file and the key."""


@dataclass(frozen=True)
class Config:
    """What the config file says; None means "not set here"."""

    file: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severities: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    environments: tuple[str, ...] | None = None
    renderer: str | None = None
    kube_version: str | None = None
    contract: str | None = None
    policies: tuple[str, ...] | None = None
    baseline: str | None = None
    exemptions: tuple[Exemption, ...] = ()


def schema() -> dict[str, Any]:
    # Beside this module in the wheel and in a checkout (importlib.resources costs ~10 ms of imports).
    text = (Path(__file__).resolve().parent / "config.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def _toml() -> Any:
    """The TOML parser: tomllib, or tomli on Python 3.10."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - Python 3.10

    return tomli  # pragma: no cover


def _decoded(raw: bytes, errors: str) -> str:
    """UTF-8 text with universal newlines, as `Path.read_text` gives it."""
    return raw.decode("utf-8", errors).replace("\r\n", "\n").replace("\r", "\n")


def _has_table(pyproject: Path) -> bool:
    try:
        raw = pyproject.read_bytes()
    except OSError:
        return False
    toml = _toml()
    try:
        data = toml.loads(_decoded(raw, "strict"))
    except (UnicodeDecodeError, toml.TOMLDecodeError):
        # A broken pyproject.toml that may not even be ours: mention it only if it names todolint.
        return "[tool.todolint" in _decoded(raw, "replace")
    tool = data.get("tool")
    return isinstance(tool, dict) and "todolint" in tool


def find_config(start: Path) -> Path | None:
    """The nearest `.todolint.yaml` or pyproject.toml with `[tool.todolint]`, from `start` up to the repo root."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in YAML_NAMES:
            if (folder / name).is_file():
                return folder / name
        if (folder / PYPROJECT).is_file() and _has_table(folder / PYPROJECT):
            return folder / PYPROJECT
        if (folder / ".git").exists():
            return None
    return None


def _read_raw(path: Path) -> tuple[Any, str, dict[int, int]]:
    """The config data, how to name where it sits, and the line of each exemption (by index)."""
    shown = display_path(path)
    from todolint.render import MAX_RENDER_BYTES

    try:
        # The limit rendered YAML has, told before reading: an 85 MB config once ran past 120 s.
        if path.stat().st_size > MAX_RENDER_BYTES:
            raise ConfigError(f"{shown}: larger than {MAX_RENDER_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot read config: {exc}") from None
    if path.suffix == ".toml":
        toml = _toml()
        try:
            data = toml.loads(text)
        except toml.TOMLDecodeError as exc:
            raise ConfigError(f"{shown}: not valid TOML: {exc}") from None
        tool = data.get("tool")
        raw = tool.get("todolint") if isinstance(tool, dict) else None
        if raw is None:
            raise ConfigError(f"{shown}: no [tool.todolint] table")
        headers = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[tool.todolint.exemptions]]"]
        return raw, f"{shown}: [tool.todolint]", dict(enumerate(headers))
    from todolint.parse import DocumentProblem, read_document

    try:
        raw, fields = read_document(text)
    except DocumentProblem as exc:
        where = f":{exc.line}" if exc.line is not None else ""
        raise ConfigError(f"{shown}{where}: {exc.message}") from None
    exemptions = raw.get("exemptions") if isinstance(raw, dict) else None
    count = len(exemptions) if isinstance(exemptions, list) else 0
    lines = {n: fields[("exemptions", n)] for n in range(count) if ("exemptions", n) in fields}
    return ({} if raw is None else raw), shown, lines


def _where(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validate(raw: Any, where: str) -> None:
    # Imported here: jsonschema costs ~50 ms to import, and most runs have no config file to check.
    import jsonschema  # type: ignore[import-untyped]

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return
    error = errors[0]
    at = _where(list(error.absolute_path))
    prefix = f"{where}: {at}: " if at else f"{where}: "
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(k for k in error.instance if k not in allowed)[0]
        import difflib  # only to suggest a name for a mistake

        close = difflib.get_close_matches(unknown, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(allowed)})"
        raise ConfigError(f"{prefix}unknown key {unknown!r}{hint}")
    raise ConfigError(f"{prefix}{error.message}")


def load_config(path: Path) -> Config:
    """Read, validate and resolve one config file; raise ConfigError with one clear line."""
    raw, where, exemption_lines = _read_raw(path)
    _validate(raw, where)
    base = path.resolve().parent
    shown = display_path(path)

    def rel(value: str) -> str:
        return display_path(base / value)

    def strings(key: str) -> tuple[str, ...] | None:
        value = raw.get(key)
        return None if value is None else tuple(value)

    exemptions = tuple(
        Exemption(
            reason=item["reason"].strip(),
            rules=tuple(item.get("rules", ())),
            chart=item.get("chart", "*"),
            env=item.get("env", "*"),
            kind=item.get("kind", "*"),
            name=item.get("name", "*"),
            file=shown,
            line=exemption_lines.get(n),
        )
        for n, item in enumerate(raw.get("exemptions", ()))
    )
    policies = raw.get("policies")
    return Config(
        file=shown,
        select=strings("select"),
        ignore=strings("ignore"),
        severities={key: Severity.parse(value) for key, value in raw.get("severity", {}).items()},
        fail_on=Severity.parse(raw["fail-on"]) if "fail-on" in raw else None,
        environments=strings("environments"),
        renderer=raw.get("renderer"),
        kube_version=raw.get("kube-version"),
        contract=rel(raw["contract"]) if "contract" in raw else None,
        policies=None if policies is None else tuple(rel(p) for p in policies),
        baseline=rel(raw["baseline"]) if "baseline" in raw else None,
        exemptions=exemptions,
    )


def resolve_config(explicit: str | None, *, start: Path | None = None, disabled: bool = False) -> Config:
    """`--config FILE`, else the nearest config file, else an empty Config (`--no-config`: always empty)."""
    if disabled:
        return Config()
    if explicit is not None:
        return load_config(Path(explicit))
    found = find_config(start or Path.cwd())
    return load_config(found) if found is not None else Config()


def check_rule_names(config: Config, rules: Sequence[Rule]) -> None:
    """Every code, prefix or name the config mentions must match a rule: a typo must not silently do nothing."""

    def check(key: str, selectors: Sequence[str]) -> None:
        for selector in selectors:
            if not any(rule_matches(rule, selector) for rule in rules):
                raise ConfigError(f"{config.file}: {key}: no rule matches {selector!r} (see `todolint rules`)")

    check("select", config.select or ())
    check("ignore", config.ignore or ())
    check("severity", list(config.severities))
    for n, exemption in enumerate(config.exemptions):
        check(f"exemptions[{n}].rules", exemption.rules)


def check_selectors(option: str, selectors: Sequence[str], rules: Sequence[Rule]) -> None:
    """Every `--select`/`--ignore` value must match a rule (code, prefix, name or category), as in the
    config: a typo (`--select secuirty`) must not silently select nothing."""
    import difflib

    known = sorted({r.name for r in rules} | {r.category for r in rules} | {r.code for r in rules})
    for selector in selectors:
        if not any(rule_matches(rule, selector) for rule in rules):
            close = difflib.get_close_matches(selector, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see `todolint rules`"
            raise ConfigError(f"{option}: no rule matches {selector!r} ({hint})")


def severities_for(rules: Sequence[Rule], overrides: Mapping[str, Severity]) -> dict[str, Severity]:
    """Config severities by code, prefix or name → one severity per rule code; the longest match wins."""
    out: dict[str, Severity] = {}
    for rule in rules:
        matching = [s for s in overrides if rule_matches(rule, s)]
        if matching:
            out[rule.code] = overrides[max(matching, key=lambda s: (s == rule.name, len(s)))]
    return out


__all__ = [
    "Config",
    "ConfigError",
    "check_rule_names",
    "check_selectors",
    "find_config",
    "load_config",
    "resolve_config",
    "schema",
    "severities_for",
]
