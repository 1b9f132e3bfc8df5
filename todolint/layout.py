"""Adopting todolint on a repository: `todolint init` guesses the layout and writes `.todolint.yaml`;
`todolint config` shows the matrix the settings give.

The guesses come from the files only: environments and the values-file naming from the values files'
names (`values-{env}.yaml`, `values.{env}.yaml`, `values/{env}.yaml`, `env/{env}/values.yaml`), the
namespace from a `namespace:` (or `global.namespace:`) the values set, and the release from the chart's
shape (an umbrella chart is one release, `{chart}`; other charts one per environment, `{chart}-{env}`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from todolint.config import PYPROJECT, YAML_NAMES, has_todolint_table, schema_path
from todolint.contract import Contract
from todolint.discover import ChartRef, MatrixRow, chart_meta, discover

#: The usual order of environments, so that a guessed matrix reads as people write it.
ENV_ORDER = ("dev", "development", "test", "qa", "staging", "stage", "uat", "preprod", "prod", "production")
#: The values-file namings todolint recognises, the most common first.
NAMINGS = (
    "values-{env}.yaml",
    "values.{env}.yaml",
    "values/{env}.yaml",
    "env/{env}/values.yaml",
    "environments/{env}/values.yaml",
    "values-{env}.yml",
    "values.{env}.yml",
    "values/{env}.yml",
)
UMBRELLA_RELEASE = "{chart}"
PER_ENV_RELEASE = "{chart}-{env}"


class LayoutError(Exception):
    """`todolint init` cannot write the file; the message is one line for the user."""


@dataclass(frozen=True)
class ChartGuess:
    """What the files of one chart say about its layout."""

    chart: ChartRef
    naming: str | None
    environments: tuple[str, ...]
    release: str
    namespace: str | None
    why_release: str


def _envs_named(chart_dir: Path, naming: str) -> list[str]:
    """The environments that have a values file of this naming in the chart."""
    prefix, suffix = naming.split("{env}")
    found = []
    for path in sorted(chart_dir.glob(f"{prefix}*{suffix}")):
        env = path.relative_to(chart_dir).as_posix()[len(prefix) : -len(suffix)]
        if path.is_file() and env and "/" not in env and "." not in env:
            found.append(env)
    return found


def _values_namespace(path: Path) -> str | None:
    """The namespace a values file sets: `namespace:` or `global.namespace:` (a non-empty string)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    shared = data.get("global")
    for value in (data.get("namespace"), shared.get("namespace") if isinstance(shared, dict) else None):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _namespace_pattern(chart_dir: Path, naming: str | None, envs: Sequence[str]) -> str | None:
    """One namespace for every environment, a pattern with {env}, or None when the values say nothing."""
    base = _values_namespace(chart_dir / "values.yaml")
    if not envs or naming is None:
        return base
    by_env = {env: _values_namespace(chart_dir / naming.format(env=env)) or base for env in envs}
    names = set(by_env.values())
    if None in names:
        return None
    if len(names) == 1:
        return names.pop()
    patterns = {str(ns).replace(env, "{env}") for env, ns in by_env.items()}
    every_env_named = all(env in str(ns) for env, ns in by_env.items())
    return patterns.pop() if len(patterns) == 1 and every_env_named else None


def _is_umbrella(chart_dir: Path) -> bool:
    """A chart that holds or depends on local subcharts: the whole app as one release."""
    subcharts = chart_dir / "charts"
    if subcharts.is_dir() and any((sub / "Chart.yaml").is_file() for sub in subcharts.iterdir()):
        return True
    deps = chart_meta(chart_dir).get("dependencies")
    return isinstance(deps, list) and any(
        isinstance(d, dict) and str(d.get("repository", "")).startswith("file://") for d in deps
    )


def guess_chart(chart: ChartRef) -> ChartGuess:
    """What the chart's files say: the values-file naming that names the most environments (of equals, the
    first in NAMINGS; None when no file has one), those environments, the release pattern (`{chart}` for an
    umbrella chart, else `{chart}-{env}`) and the namespace the values set."""
    chart_dir = Path(chart.path)
    found = [(len(_envs_named(chart_dir, n)), -i, n) for i, n in enumerate(NAMINGS)]
    count, _, naming = max(found)
    envs = tuple(_envs_named(chart_dir, naming)) if count else ()
    umbrella = _is_umbrella(chart_dir)
    return ChartGuess(
        chart=chart,
        naming=naming if count else None,
        environments=envs,
        release=UMBRELLA_RELEASE if umbrella else PER_ENV_RELEASE,
        namespace=_namespace_pattern(chart_dir, naming if count else None, envs),
        why_release="an umbrella chart: one release for the whole app" if umbrella else "",
    )


def _ordered(envs: set[str]) -> list[str]:
    known = [env for env in ENV_ORDER if env in envs]
    return known + sorted(envs - set(known))


def _agreed(values: Sequence[str | None], default: str | None) -> str | None:
    """The value every chart agrees on; else the default (and each chart says its own under `charts:`)."""
    return values[0] if values and values[0] is not None and len(set(values)) == 1 else default


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML string, quoted wherever YAML would need it


#: Where `todolint config --schema` is kept for an editor, beside the config it describes.
SCHEMA_COPY = ".todolint.schema.json"


def _schema_line(folder: Path) -> str:
    """The editor's schema modeline, by a path relative to the repository: an absolute path into this
    machine's site-packages would be wrong on every other machine the file is committed to."""
    schema = schema_path()
    if (folder / SCHEMA_COPY).is_file():
        return f"# yaml-language-server: $schema={SCHEMA_COPY}"
    if schema.is_relative_to(folder):
        return f"# yaml-language-server: $schema={schema.relative_to(folder).as_posix()}"
    return (
        f"# For editor completion: `todolint config --schema > {SCHEMA_COPY}`, then make this line "
        f"`# yaml-language-server: $schema={SCHEMA_COPY}`."
    )


def config_text(root: Path, guesses: Sequence[ChartGuess], contract: Contract) -> str:
    """The commented `.todolint.yaml` for these guesses."""
    envs = _ordered({env for g in guesses for env in g.environments}) or list(contract.environments)
    namings = [g.naming for g in guesses]
    values = _agreed(namings, None)
    release = _agreed([g.release for g in guesses], PER_ENV_RELEASE) or PER_ENV_RELEASE
    namespace = _agreed([g.namespace for g in guesses], contract.namespace_pattern) or contract.namespace_pattern
    found_envs = "found in the values files' names" if any(namings) else "the contract's: no values-<env> file found"
    lines = [
        _schema_line(root),
        "# todolint's configuration, written by `todolint init` from the charts it found. Check the guesses,",
        "# run `todolint config` to see the chart × environment matrix they give, then commit this file.",
        "",
        f"# The environments to lint ({found_envs}).",
        f"environments: [{', '.join(_q(env) for env in envs)}]",
        "",
        "# Helm release name and namespace of a chart in an environment; placeholders: {chart}, {env}.",
        f"release: {_q(release)}",
        f"namespace: {_q(namespace)}",
    ]
    if values:
        lines += [
            "",
            "# Values files read after the chart's values.yaml, relative to the chart folder ({chart}, {env}).",
            f"values: [{_q(values)}]",
        ]
    lines += _chart_entries(guesses, release=release, namespace=namespace, values=values)
    return "\n".join(lines) + "\n"


def _chart_entries(guesses: Sequence[ChartGuess], *, release: str, namespace: str, values: str | None) -> list[str]:
    """`charts:` entries for the charts that differ from the settings above."""
    entries: list[str] = []
    for guess in sorted(guesses, key=lambda g: g.chart.name):
        own: list[str] = []
        if guess.release != release:
            note = f"  # {guess.why_release}" if guess.why_release else ""
            own.append(f"    release: {_q(guess.release)}{note}")
        if guess.namespace is not None and guess.namespace != namespace:
            own.append(f"    namespace: {_q(guess.namespace)}  # from its values files")
        if guess.naming is not None and guess.naming != values:
            own.append(f"    values: [{_q(guess.naming)}]")
        if own:
            entries += [f"  {_q(guess.chart.name)}:  # {guess.chart.path}", *own]
    if not entries:
        return []
    return ["", "# Charts that differ from the settings above (by the name in Chart.yaml).", "charts:", *entries]


def init(root: Path, contract: Contract, *, force: bool) -> tuple[Path, tuple[ChartGuess, ...]]:
    """Write `root/.todolint.yaml` from what the charts below `root` say; refuse to overwrite a config
    (or to shadow `[tool.todolint]` in pyproject.toml) without `force`."""
    target = root / YAML_NAMES[0]
    if not force:
        for name in YAML_NAMES:
            if (root / name).is_file():
                raise LayoutError(f"{root / name}: exists; `todolint init --force` overwrites it")
        if (root / PYPROJECT).is_file() and has_todolint_table(root / PYPROJECT):
            raise LayoutError(
                f"{root / PYPROJECT}: holds [tool.todolint]; `todolint init --force` writes {target.name}, "
                "which wins over it"
            )
    charts = discover([str(root)]).charts
    guesses = tuple(guess_chart(chart) for chart in charts)
    text = config_text(root, guesses, contract)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LayoutError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return target, guesses


def unmatched_entries(entries: Iterable[str], found: Sequence[str]) -> list[str]:
    """One note per `charts.<name>` entry that names none of the charts found, with the closest name."""
    notes = []
    for name in sorted(entries):
        if name not in found:
            close = difflib.get_close_matches(name, found, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"found: {', '.join(found) or 'none'}"
            notes.append(f"charts.{name}: names no chart found here ({hint})")
    return notes


def matrix_text(rows: Sequence[MatrixRow], *, config_file: str | None, kube: str, unmatched: Sequence[str] = ()) -> str:
    """`todolint config`: the chart × environment table, then where each chart's settings come from."""
    header = ("chart", "env", "release", "namespace", "values files", "set")
    table = [header] + [
        (
            r.target.chart,
            r.target.env,
            r.target.release,
            r.target.namespace,
            " ".join(r.target.values_files) or "-",
            " ".join(r.target.set_values) or "-",
        )
        for r in rows
    ]
    origins: dict[str, tuple[str, ...]] = {}
    for r in rows:
        o = r.origins
        origins.setdefault(r.target.chart_path, (r.target.chart_path, o.release, o.namespace, o.values, o.set_values))
    sources = [("chart folder", "release from", "namespace from", "values from", "set from"), *origins.values()]
    lines = [f"config: {config_file or '(none: the contract defaults)'}", f"Kubernetes schemas: {kube}", ""]
    notes = [f"note: {config_file}: {note}" for note in unmatched]
    return "\n".join([*lines, *_columns(table), "", *_columns(sources), *(["", *notes] if notes else [])]) + "\n"


def matrix_json(rows: Sequence[MatrixRow], *, config_file: str | None, kube: str, unmatched: Sequence[str] = ()) -> str:
    """`todolint config --format json`: each chart × environment with its release, namespace, values files
    and `--set` expressions, and where each of them comes from (`from`), with the config file, the Kubernetes
    version and the notes on unmatched `charts.<name>` entries."""
    data = {
        "config": config_file,
        "kube_version": kube,
        "notes": list(unmatched),
        "targets": [
            {
                "chart": r.target.chart,
                "chart_path": r.target.chart_path,
                "env": r.target.env,
                "release": r.target.release,
                "namespace": r.target.namespace,
                "values": list(r.target.values_files),
                "set": list(r.target.set_values),
                "from": {
                    "release": r.origins.release,
                    "namespace": r.origins.namespace,
                    "values": r.origins.values,
                    "set": r.origins.set_values,
                },
            }
            for r in rows
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def summary(path: Path, guesses: Sequence[ChartGuess]) -> str:
    """What `todolint init` tells the user it did."""
    charts = ", ".join(f"{g.chart.name} ({g.naming or 'values.yaml only'})" for g in guesses) or "no chart"
    return f"wrote {path}: {len(guesses)} chart{'s' if len(guesses) != 1 else ''}: {charts}\n"
