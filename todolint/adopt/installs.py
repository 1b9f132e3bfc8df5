"""The install commands a repository holds → per chart and environment: the release, namespace, values
files and (non-secret) `--set` keys they give, each with the command that gives it (`deploy.sh:12`).

A command is matched to a chart by its chart argument, as a path from the folder it runs in (the
repository's root or the file's folder when the file does not say) or as the end of a chart's path.
Its environment is its context's (a loop's value, a job's `environment:`), else its values files'
(`values-prod.yaml` → prod), else a known environment word in its namespace or release. A command that
names none applies to every environment. Where commands disagree, the one for that environment wins,
then the likelier source (model.SOURCES), then the first found.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from todolint.adopt.envs import DEFAULT_ENV, best_naming, env_of_files, env_word_in, is_env_word, ordered
from todolint.adopt.model import ENV, ROOT_ANCHOR, Install
from todolint.adopt.scan import find_installs
from todolint.contract import Contract
from todolint.discover import ChartRef

T = TypeVar("T")
#: Words of a `--set` key that make it a secret's, besides the contract's secret_name_patterns.
_SECRET_WORDS = frozenset({"SECRET", "PASSWORD", "PASSWD", "PWD", "PASS", "TOKEN", "CREDENTIAL", "CREDENTIALS"})
_SECRET_WORDS |= {"AUTH", "DSN", "PRIVATE", "CERT", "APIKEY", "CONNECTIONSTRING"}
_CREDENTIAL_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


@dataclass(frozen=True)
class Said(Generic[T]):
    """A setting as an install command gives it, and where that command is."""

    value: T
    origin: str


@dataclass(frozen=True)
class EnvInstall:
    """What the install commands give one chart in one environment (None: nothing known)."""

    release: Said[str] | None = None
    namespace: Said[str] | None = None
    #: Values files after the chart's values.yaml, relative to the chart folder.
    values: Said[tuple[str, ...]] | None = None
    sets: Said[tuple[tuple[str, str], ...]] | None = None


@dataclass(frozen=True)
class ChartInstalls:
    """How the repository installs one chart."""

    chart: ChartRef
    environments: tuple[str, ...]
    by_env: dict[str, EnvInstall] = field(default_factory=dict)
    #: `--set` keys that look like a secret's, left out of the committed config: (key, command).
    secrets: tuple[tuple[str, str], ...] = ()
    #: Every command that installs it, in the order found.
    origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Candidate:
    """One command, matched to a chart, its paths made chart-relative."""

    install: Install
    order: int
    env: str | None
    values: tuple[str, ...] | None
    pattern_envs: tuple[str, ...]


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [w for w in re.split(r"[\s._\-\[\]]+", spaced.upper()) if w]


def secret_key(contract: Contract, key: str, value: str | None) -> bool:
    """Whether a `--set` key (or its value) looks like a secret's: such a value never goes in the config."""
    words = _words(key)
    if value is not None and _CREDENTIAL_URL.search(value):
        return True
    if any(w in _SECRET_WORDS for w in words) or (words and words[-1] == "KEY"):
        return True
    joined = "_".join(words)
    return any("_".join(_words(p)) in joined for p in contract.secret_name_patterns if _words(p))


def _chart_folders(root: Path, charts: Sequence[ChartRef]) -> dict[str, ChartRef]:
    folders: dict[str, ChartRef] = {}
    for chart in charts:
        try:
            rel = Path(chart.path).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        folders["" if rel == "." else rel] = chart
    return folders


def _normal(path: str) -> str | None:
    normal = posixpath.normpath(path)
    if normal.startswith(("..", "/")):
        return None
    return "" if normal == "." else normal


def _locate(install: Install, folders: dict[str, ChartRef]) -> tuple[str, str] | None:
    """(chart folder, the folder the command's paths start from) of the chart the command installs."""
    chart = install.chart
    if chart is None or ENV in chart or "://" in chart or chart.endswith((".tgz", ".tar.gz")):
        return None
    if chart.startswith(ROOT_ANCHOR):
        rel = _normal(chart[len(ROOT_ANCHOR) :])
        return (rel, "") if rel is not None and rel in folders else None
    for base in install.bases:
        rel = _normal(posixpath.join(base, chart))
        if rel is not None and rel in folders:
            return rel, base
    tail = _normal(chart)
    if not tail:
        return None
    ends = [f for f in folders if f == tail or f.endswith("/" + tail)]
    return (ends[0], ends[0][: -len(tail)].rstrip("/")) if len(ends) == 1 else None


def _values(install: Install, chart_rel: str, base: str) -> tuple[str, ...] | None:
    """The command's values files relative to the chart folder, its values.yaml left out; None when
    one of them is unknown."""
    out: list[str] = []
    for value in install.values:
        if value is None:
            return None
        path = (
            _normal(value[len(ROOT_ANCHOR) :])
            if value.startswith(ROOT_ANCHOR)
            else _normal(posixpath.join(base, value))
        )
        if path is None:
            return None
        relative = posixpath.relpath(path or ".", chart_rel or ".")
        if relative != "values.yaml":
            out.append(relative)
    return tuple(out)


def _pattern_envs(chart_dir: Path, values: Sequence[str], install: Install) -> tuple[str, ...]:
    """The environments a command with `{env}` reaches: those that have its values files, and the ones
    its context offers."""
    found: set[str] = set(install.env_choices)
    for value in values:
        if ENV not in value or value.count(ENV) != 1:
            continue
        prefix, suffix = value.split(ENV)
        if ".." in prefix.split("/"):
            continue  # a file outside the chart: its environments are not looked for
        for path in sorted(chart_dir.glob(f"{prefix}*{suffix}")):
            rel = path.relative_to(chart_dir).as_posix()
            env = rel[len(prefix) : len(rel) - len(suffix)]
            if path.is_file() and is_env_word(env) and "/" not in env:
                found.add(env)
    return tuple(ordered(found))


def _fill(install: Install, env: str) -> Install:
    def one(value: str | None) -> str | None:
        return None if value is None else value.replace(ENV, env)

    return Install(
        file=install.file,
        line=install.line,
        source=install.source,
        chart=install.chart,
        bases=install.bases,
        release=one(install.release),
        namespace=one(install.namespace),
        values=tuple(one(v) for v in install.values),
        sets=install.sets,
        env=env,
        env_choices=install.env_choices,
    )


def _candidate(install: Install, order: int, chart_rel: str, base: str, chart_dir: Path) -> _Candidate:
    has_env = any(ENV in (v or "") for v in (install.release, install.namespace, *install.values))
    if has_env and install.env is not None:
        install, has_env = _fill(install, install.env), False
    values = _values(install, chart_rel, base)
    if has_env:
        return _Candidate(install, order, None, values, _pattern_envs(chart_dir, values or (), install))
    env = install.env or env_of_files(values or ()) or env_word_in(install.namespace or "")
    env = env or env_word_in(install.release or "")
    return _Candidate(install, order, env, values, ())


def chart_installs(
    root: Path, charts: Sequence[ChartRef], contract: Contract, installs: Sequence[Install] | None = None
) -> dict[str, ChartInstalls]:
    """How the repository below `root` installs each of `charts` that a command installs, by chart path."""
    root = root.resolve()
    folders = _chart_folders(root, charts)
    by_chart: dict[str, list[_Candidate]] = {}
    for order, install in enumerate(find_installs(root) if installs is None else installs):
        found = _locate(install, folders)
        if found is not None:
            chart_rel, base = found
            chart_dir = root / chart_rel if chart_rel else root
            by_chart.setdefault(chart_rel, []).append(_candidate(install, order, chart_rel, base, chart_dir))
    return {folders[rel].path: _chart(folders[rel], found, contract) for rel, found in by_chart.items()}


def _chart(chart: ChartRef, candidates: list[_Candidate], contract: Contract) -> ChartInstalls:
    # Commands for named environments say which are installed; one that takes the environment as a
    # parameter reaches those it offers and those with its values files, when none is named.
    envs = ordered({c.env for c in candidates if c.env}) or ordered({e for c in candidates for e in c.pattern_envs})
    if not envs:
        envs = list(best_naming(Path(chart.path))[1]) or [DEFAULT_ENV]
    secrets: list[tuple[str, str]] = []
    by_env = {env: _env_install(env, candidates, contract, secrets) for env in envs}
    origins = list(dict.fromkeys(c.install.origin for c in sorted(candidates, key=lambda c: c.order)))
    return ChartInstalls(chart, tuple(envs), by_env, tuple(dict.fromkeys(secrets)), tuple(origins))


def _env_install(
    env: str, candidates: list[_Candidate], contract: Contract, secrets: list[tuple[str, str]]
) -> EnvInstall:
    """One environment's settings: from its own commands first, then from those for every environment."""
    ranked = sorted(
        (c for c in candidates if c.env in (env, None)),
        key=lambda c: (c.env is None, c.install.rank, c.order),
    )
    filled = [
        (c, _fill(c.install, env), tuple(v.replace(ENV, env) for v in c.values) if c.values is not None else None)
        for c in ranked
    ]
    release = next((Said(i.release, i.origin) for _, i, _ in filled if i.release is not None), None)
    namespace = next((Said(i.namespace, i.origin) for _, i, _ in filled if i.namespace is not None), None)
    # A command for every environment that passes no values file says nothing about an environment's files.
    values = next((Said(v, i.origin) for c, i, v in filled if v is not None and (v or c.env is not None)), None)
    sets = None
    if filled:
        first = filled[0][1]
        kept = []
        for key, value in first.sets:
            if secret_key(contract, key, value):
                secrets.append((key, first.origin))
            elif value is not None:
                kept.append((key, value))
        sets = Said(tuple(kept), first.origin) if kept else None
    return EnvInstall(release, namespace, values, sets)
