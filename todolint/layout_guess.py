"""What a chart's files and the repository's install commands say about the chart's layout, for
`todolint init` to write and `todolint config` to explain.

From the files: environments and the values-file naming from the values files' names, the namespace
from a `namespace:` (or `global.namespace:`) the values set, the release from the chart's shape (a chart
with subcharts, or whose own templates run both apps, is one release, `{chart}`; other charts one per
environment, `{chart}-{env}`). From the install commands (`todolint.adopt`): the environments they
install, their release, namespace, values files and non-secret `--set` keys, which win over the files'.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml

from todolint.adopt import ChartInstalls, Said, renders_both_apps
from todolint.adopt.envs import best_naming, generalise
from todolint.config import set_expression
from todolint.contract import Contract
from todolint.discover import EVERY_ENV, ChartRef, MatrixRow, chart_meta

UMBRELLA_RELEASE = "{chart}"
PER_ENV_RELEASE = "{chart}-{env}"
T = TypeVar("T")


@dataclass(frozen=True)
class ChartGuess:
    """What the files of one chart, and the commands that install it, say about its layout."""

    chart: ChartRef
    naming: str | None
    environments: tuple[str, ...]
    release: str
    namespace: str | None
    why_release: str
    #: Values-file patterns relative to the chart, by environment (EVERY_ENV: every one); None: none found.
    values: Mapping[str, tuple[str, ...]] | None = None
    #: `--set` keys and values by environment (EVERY_ENV: every one); None: none.
    set_values: Mapping[str, tuple[tuple[str, str], ...]] | None = None
    #: Setting ("release", "namespace", "values", "set") → the commands that give it (`deploy.sh:12`).
    said: Mapping[str, str] = field(default_factory=dict)
    #: How the repository installs the chart, when a command does.
    installs: ChartInstalls | None = None
    #: The key of its `charts:` entry: its name, or its folder when another chart has the same name.
    key: str = ""


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


def _has_subcharts(chart_dir: Path) -> bool:
    """A chart that holds or depends on local subcharts."""
    subcharts = chart_dir / "charts"
    if subcharts.is_dir() and any((sub / "Chart.yaml").is_file() for sub in subcharts.iterdir()):
        return True
    deps = chart_meta(chart_dir).get("dependencies")
    return isinstance(deps, list) and any(
        isinstance(d, dict) and str(d.get("repository", "")).startswith("file://") for d in deps
    )


def _origins(said: Sequence[Said[T]]) -> str:
    return ", ".join(dict.fromkeys(s.origin for s in said))


def _one_pattern(said: Mapping[str, Said[str] | None], chart: str = "") -> tuple[str, str] | None:
    """The pattern every environment's value fits (`todo-{env}`, `{chart}`), and the commands; None when
    the commands say nothing or give values no one pattern fits."""
    known = {env: s for env, s in said.items() if s is not None}
    patterns = {generalise(s.value, env=env, chart=chart) for env, s in known.items()}
    if len(patterns) != 1:
        return None
    return patterns.pop(), _origins(list(known.values()))


def _env_word(env: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(env) + r"(?![A-Za-z0-9])")


def _values_patterns(
    chart_dir: Path, said: Mapping[str, Said[tuple[str, ...]] | None]
) -> tuple[dict[str, tuple[str, ...]], str] | None:
    """The values files the commands give, as one list of patterns for every environment when one fits
    (a pattern whose file an environment lacks is left out for it, as the config reads it), else per
    environment; and the commands."""
    known = {env: s for env, s in said.items() if s is not None}
    if not known:
        return None
    origins = _origins(list(known.values()))
    general = {env: tuple(_env_word(env).sub("{env}", v) for v in s.value) for env, s in known.items()}
    longest = max(general.values(), key=len)

    def existing(files: Sequence[str]) -> tuple[str, ...]:
        return tuple(f for f in files if (chart_dir / f).is_file())

    if all(existing([p.replace("{env}", env) for p in longest]) == existing(s.value) for env, s in known.items()):
        return {EVERY_ENV: longest}, origins
    return {env: s.value for env, s in known.items()}, origins


def _sets(
    said: Mapping[str, Said[tuple[tuple[str, str], ...]] | None],
) -> tuple[dict[str, tuple[tuple[str, str], ...]], str] | None:
    known = {env: s for env, s in said.items() if s is not None}
    if not known:
        return None
    origins = _origins(list(known.values()))
    values = {s.value for s in known.values()}
    if len(values) == 1 and len(known) == len(said):
        return {EVERY_ENV: values.pop()}, origins
    return {env: s.value for env, s in known.items()}, origins


def guess_chart(
    chart: ChartRef, contract: Contract, installs: ChartInstalls | None = None, key: str = ""
) -> ChartGuess:
    """What the chart's files say (the values-file naming that names the most environments, of equals the
    first in NAMINGS; those environments; the release by the chart's shape; the namespace its values set),
    then what the commands that install it say, which wins."""
    chart_dir = Path(chart.path)
    naming, envs = best_naming(chart_dir)
    why = ""
    if _has_subcharts(chart_dir):
        why = "an umbrella chart: one release for the whole app"
    elif renders_both_apps(chart_dir, contract):
        why = "its templates render both apps: one release for the whole app"
    guess = ChartGuess(
        chart=chart,
        naming=naming,
        environments=envs,
        release=UMBRELLA_RELEASE if why else PER_ENV_RELEASE,
        namespace=_namespace_pattern(chart_dir, naming, envs),
        why_release=why,
        values={EVERY_ENV: (naming,)} if naming else None,
        key=key or chart.name,
    )
    return guess if installs is None else _installed(guess, installs, chart_dir)


def _installed(guess: ChartGuess, installs: ChartInstalls, chart_dir: Path) -> ChartGuess:
    """The guess with what the install commands say over it."""
    by_env = installs.by_env
    name = guess.chart.name
    said: dict[str, str] = {}
    release = _one_pattern({env: e.release for env, e in by_env.items()}, name)
    namespace = _one_pattern({env: e.namespace for env, e in by_env.items()})
    values = _values_patterns(chart_dir, {env: e.values for env, e in by_env.items()})
    sets = _sets({env: e.sets for env, e in by_env.items()})
    for key, found in (("release", release), ("namespace", namespace), ("values", values), ("set", sets)):
        if found is not None:
            said[key] = found[1]
    return ChartGuess(
        chart=guess.chart,
        naming=guess.naming,
        environments=installs.environments,
        release=release[0] if release is not None else guess.release,
        namespace=namespace[0] if namespace is not None else guess.namespace,
        why_release="" if release is not None else guess.why_release,
        values=values[0] if values is not None else guess.values,
        set_values=sets[0] if sets is not None else None,
        said=said,
        installs=installs,
        key=guess.key,
    )


def command_origins(
    rows: Sequence[MatrixRow], installs: Mapping[str, ChartInstalls]
) -> dict[tuple[str, str], dict[str, str]]:
    """(chart path, env) → setting → the command that gives the value the row has (`deploy.sh:12`), for
    each setting an install command gives as the config does."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        target, origins = row.target, row.origins
        found = installs.get(target.chart_path)
        env = found.by_env.get(target.env) if found is not None else None
        if env is None:
            continue
        said: dict[str, str] = {}
        if env.release is not None and env.release.value == target.release and origins.release != "command line":
            said["release"] = env.release.origin
        if (
            env.namespace is not None
            and env.namespace.value == target.namespace
            and origins.namespace != "command line"
        ):
            said["namespace"] = env.namespace.origin
        if env.values is not None and "command line" not in origins.values:
            chart_dir = Path(target.chart_path)
            files = tuple((chart_dir / v).as_posix() for v in env.values.value if (chart_dir / v).is_file())
            if files == target.values_files:
                said["values"] = env.values.origin
        sets = tuple(set_expression(k, v) for k, v in env.sets.value) if env.sets is not None else None
        if env.sets is not None and "command line" not in origins.set_values and sets == target.set_values:
            said["set"] = env.sets.origin
        if said:
            out[(target.chart_path, target.env)] = said
    return out


__all__ = ["PER_ENV_RELEASE", "UMBRELLA_RELEASE", "ChartGuess", "command_origins", "guess_chart"]
