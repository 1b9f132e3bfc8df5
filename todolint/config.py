"""User configuration: `.todolint.yaml`, or `[tool.todolint]` in pyproject.toml, validated by JSON Schema.

The file is found from the working directory upward (stopping at the repository root), or named with
`--config FILE`. In one folder `.todolint.yaml` wins over pyproject.toml. Paths in the file are relative
to the file. The command line wins over the file, the file over the built-in defaults: every field here
is None (or empty) when the file does not set it, so that the CLI can tell "unset" from "default".
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todolint.discover import EVERY_ENV, ChartLayout, Layout, PatternError, check_pattern, display_path
from todolint.models import Severity
from todolint.suppress import Exemption, rule_matches

if TYPE_CHECKING:
    from todolint.rules.base import Rule  # the rules load only when a run checks objects (todolint.result_cache)

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
    #: The repository's layout: release and namespace patterns, values files, --set, per-chart overrides.
    layout: Layout = field(default_factory=Layout)


def schema_path() -> Path:
    """The JSON Schema (draft 2020-12) of `.todolint.yaml` and `[tool.todolint]`, which `todolint config
    --schema` prints and `todolint init` points editors at."""
    # Beside this module in the wheel and in a checkout (importlib.resources costs ~10 ms of imports).
    return Path(__file__).resolve().parent / "config.schema.json"


def schema() -> dict[str, Any]:
    """That schema, parsed: what every config file is checked against before any setting is read."""
    text = schema_path().read_text(encoding="utf-8")
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


def has_todolint_table(pyproject: Path) -> bool:
    """Whether this pyproject.toml holds `[tool.todolint]` (or names it, when it is not valid TOML)."""
    return _has_table(pyproject)


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
    if "propertyNames" in error.schema_path:  # a key, not a value, is wrong: say what a key may be
        rule = schema()["$defs"]["chart-key"]["description"]
        raise ConfigError(f"{prefix}{error.instance!r}: not a chart key ({rule[0].lower()}{rule[1:].rstrip('.')})")
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(k for k in error.instance if k not in allowed)[0]
        import difflib  # only to suggest a name for a mistake

        close = difflib.get_close_matches(unknown, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(allowed)})"
        raise ConfigError(f"{prefix}unknown key {unknown!r}{hint}")
    raise ConfigError(f"{prefix}{error.message}")


def set_expression(key: str, value: object) -> str:
    """`key=value` as Helm's --set reads it: booleans in YAML's spelling, commas escaped."""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"{key}={text.replace(chr(92), chr(92) * 2).replace(',', chr(92) + ',')}"


def _chart_layout(raw: Mapping[str, Any], where: str) -> ChartLayout:
    """One layer of layout settings (the top level, or one entry of `charts:`), its patterns checked."""
    for key in ("release", "namespace"):
        if key in raw:
            check_pattern(raw[key], f"{where}{key}")
    values = raw.get("values")
    if isinstance(values, list):
        values = {EVERY_ENV: values}
    groups: dict[str, tuple[tuple[str, ...], ...]] | None = None
    if values is not None:
        groups = {}
        for env, entries in values.items():
            groups[env] = tuple((entry,) if isinstance(entry, str) else tuple(entry) for entry in entries)
            for group in groups[env]:
                for pattern in group:
                    check_pattern(pattern, f"{where}values")
    sets = raw.get("set")
    return ChartLayout(
        release=raw.get("release"),
        namespace=raw.get("namespace"),
        values=groups,
        set_values=None
        if sets is None
        else {env: tuple(set_expression(k, v) for k, v in pairs.items()) for env, pairs in sets.items()},
    )


def is_folder_key(key: str) -> bool:
    """Whether a `charts:` key names a chart folder (it has a `/`: `helm/todo-app`, `./chart`) rather
    than a chart's name (Chart.yaml's `name`, which has none)."""
    return "/" in key


def _chart_folder(key: str, base: Path, where: str) -> str:
    """A `charts:` folder key → the folder, resolved against the config file's folder."""
    if key.startswith("/") or "\\" in key or re.match(r"^[A-Za-z]:", key):
        raise ConfigError(
            f"{where}: charts.{key}: a chart folder is written relative to the config file, with `/` "
            "between folders (`helm/todo-app`, `./chart`)"
        )
    return (base / key).resolve().as_posix()


def _layout(raw: Mapping[str, Any], where: str, shown: str, base: Path) -> Layout:
    charts = raw.get("charts", {})
    try:
        return Layout(
            source=shown,
            every=_chart_layout(raw, f"{where}: "),
            charts={
                name: _chart_layout(entry, f"{where}: charts.{name}.")
                for name, entry in charts.items()
                if not is_folder_key(name)
            },
            folders={
                key: (_chart_folder(key, base, where), _chart_layout(entry, f"{where}: charts.{key}."))
                for key, entry in charts.items()
                if is_folder_key(key)
            },
        )
    except PatternError as exc:
        raise ConfigError(str(exc)) from None


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
        layout=_layout(raw, where, shown, base),
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
    """Every code, prefix, name or category the config mentions must match a rule: a typo must not
    silently do nothing."""
    where = f"{config.file}: "
    check_selectors(f"{where}select", config.select or (), rules)
    check_selectors(f"{where}ignore", config.ignore or (), rules)
    check_selectors(f"{where}severity", list(config.severities), rules)
    for n, exemption in enumerate(config.exemptions):
        check_selectors(f"{where}exemptions[{n}].rules", exemption.rules, rules)


def check_selectors(where: str, selectors: Sequence[str], rules: Sequence[Rule]) -> None:
    """Raise ConfigError for the first selector (from the config or --select/--ignore) that matches no
    rule, suggesting the nearest code, name or category."""
    for selector in selectors:
        if any(rule_matches(rule, selector) for rule in rules):
            continue
        import difflib  # only to suggest a name for a mistake

        known = sorted({part for rule in rules for part in (rule.code, rule.name, rule.category)})
        # A code typed with the letter O for zero (TL1OO) is the commonest slip; then the nearest spelling.
        digits = selector.upper().replace("O", "0")
        close = [digits] if any(rule_matches(r, digits) for r in rules) else []
        if not close and not re.fullmatch(r"TL[0-9O]*", selector, re.IGNORECASE):  # a code prefix has no near miss
            close = difflib.get_close_matches(selector, known, n=1, cutoff=0.7)
        hint = f"did you mean {close[0]!r}?" if close else "see `todolint rules`"
        raise ConfigError(f"{where}: no rule matches {selector!r} ({hint})")


def severities_for(rules: Sequence[Rule], overrides: Mapping[str, Severity]) -> dict[str, Severity]:
    """Config severities by code, prefix, name or category → one severity per rule code: a name wins,
    then the longest code prefix, then the category."""
    out: dict[str, Severity] = {}
    for rule in rules:
        matching = [s for s in overrides if rule_matches(rule, s)]
        if matching:
            best = max(matching, key=lambda s: (s == rule.name, rule.code.startswith(s.upper()), len(s)))
            out[rule.code] = overrides[best]
    return out


__all__ = [
    "Config",
    "ConfigError",
    "check_rule_names",
    "check_selectors",
    "find_config",
    "has_todolint_table",
    "is_folder_key",
    "load_config",
    "resolve_config",
    "schema",
    "schema_path",
    "set_expression",
    "severities_for",
]
