"""From the paths a user typed to the chart × environment matrix and the pre-rendered inputs.

A path may be a chart folder, a folder holding charts, any file inside a chart (as pre-commit passes
them: the file maps to the chart that owns it), a pre-rendered manifest file, or `-` for stdin.
"""

from __future__ import annotations

import dataclasses
import os
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from todolint.chart_facts import chart_yaml_bytes
from todolint.contract import Contract
from todolint.models import Target

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
#: Folders never searched for charts: VCS metadata, caches, virtualenvs, vendored subcharts.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


class DiscoveryError(Exception):
    """A path that names nothing lintable; the message is one line for the user."""


@dataclass(frozen=True)
class ChartRef:
    """A chart folder on disk and its name (from Chart.yaml, else the folder name)."""

    path: str
    name: str
    #: How the matrix and the reports name it: `name (path)` when another chart found has its name, else "".
    label: str = ""

    @property
    def shown(self) -> str:
        """The chart's name in the matrix, findings and reports: its label, else its name."""
        return self.label or self.name


def chart_label(name: str, path: str) -> str:
    """`todo-app (helm-chart)`: how a chart is told apart from another of its name, by its folder."""
    return f"{name} ({path})"


@dataclass(frozen=True)
class ManifestInput:
    """Pre-rendered manifests: a file path, or `-` for standard input."""

    path: str


@dataclass(frozen=True)
class Inputs:
    """What the user's paths name: charts, and pre-rendered manifest inputs."""

    charts: tuple[ChartRef, ...]
    manifests: tuple[ManifestInput, ...]


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when below it."""
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(path)
    return rel.as_posix() or "."


def chart_name(chart_dir: Path) -> str:
    """The chart's name from Chart.yaml; the folder name when Chart.yaml is unreadable.

    An unreadable Chart.yaml is not an error here: the renderer reports it with its own words.
    """
    meta = chart_meta(chart_dir)
    name = meta.get("name")
    return name if isinstance(name, str) and name.strip() else chart_dir.resolve().name


def chart_meta(chart_dir: Path) -> dict[str, object]:
    """Chart.yaml as a mapping of YAML's types; empty when it is missing, not a regular file, or not YAML."""
    raw = chart_yaml_bytes(chart_dir)
    if raw is None:
        return {}
    try:
        meta = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, ValueError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


def is_library(chart_dir: Path) -> bool:
    """Library charts hold only helpers: Helm renders them through the charts that depend on them."""
    return chart_meta(chart_dir).get("type") == "library"


def looks_like_chart(path: Path) -> bool:
    """A chart folder, or one that lost its Chart.yaml (templates/ and values.yaml): the renderer says so."""
    if (path / "Chart.yaml").is_file():
        return True
    return (path / "templates").is_dir() and (path / "values.yaml").is_file() and not (path / "Chart.yaml").exists()


def owning_chart(path: Path) -> Path | None:
    """The chart folder that owns `path` (the nearest ancestor with a Chart.yaml), if any.

    A subchart vendored under `<chart>/charts/` belongs to its parent: the parent is what is rendered.
    """
    found: Path | None = None
    for parent in [path, *path.parents] if path.is_dir() else list(path.parents):
        if (parent / "Chart.yaml").is_file():
            found = parent
            if parent.parent.name != "charts" or not (parent.parent.parent / "Chart.yaml").is_file():
                return found
    return found


def _charts_below(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        if "Chart.yaml" in filenames or looks_like_chart(Path(dirpath)):
            found.append(Path(dirpath))
            dirnames.clear()  # subcharts are rendered through their parent
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
    return found


def discover(paths: Sequence[str], *, only_charts: bool = False) -> Inputs:
    """Sort the user's paths into charts and manifest inputs, each once, in a stable order.

    `only_charts` (the pre-commit hook, which passes every changed file): a path that belongs to no
    chart is skipped, not read as a manifest and not an error; pre-rendered manifests are linted only
    when named outside the hook.
    """
    charts: dict[Path, ChartRef] = {}
    manifests: list[ManifestInput] = []
    libraries: list[str] = []

    def add_chart(chart_dir: Path) -> None:
        key = chart_dir.resolve()
        if is_library(chart_dir):
            libraries.append(display_path(chart_dir))
        elif key not in charts:
            charts[key] = ChartRef(path=display_path(chart_dir), name=chart_name(chart_dir))

    for raw in paths:
        if raw == "-":
            manifests.append(ManifestInput("-"))
            continue
        path = Path(raw)
        if not path.exists():
            raise DiscoveryError(f"{raw}: no such file or directory")
        if path.is_dir():
            if looks_like_chart(path):
                add_chart(path)
                continue
            below = _charts_below(path)
            if below:
                for chart_dir in below:
                    add_chart(chart_dir)
                continue
            owner = owning_chart(path)
            if owner is None and only_charts:
                continue
            if owner is None:
                raise DiscoveryError(f"{raw}: no Helm chart here (no Chart.yaml in it or below it)")
            add_chart(owner)
            continue
        owner = owning_chart(path)
        if owner is not None:
            add_chart(owner)
        elif only_charts:
            continue
        elif path.suffix.lower() in MANIFEST_SUFFIXES:
            if not path.is_file():  # reading a FIFO or a device would block for ever
                raise DiscoveryError(f"{raw}: not a regular file")
            manifests.append(ManifestInput(raw))
        elif path.name.lower().endswith((".tgz", ".tar.gz")):
            raise DiscoveryError(f"{raw}: a packaged chart; unpack it (tar xzf) and lint the chart folder")
        else:
            raise DiscoveryError(f"{raw}: not a chart, a file in a chart, or a manifest file")
    if libraries and not charts and not manifests:
        raise DiscoveryError(
            f"{libraries[0]}: a library chart; Helm renders it only through the charts that depend on it"
        )
    ordered = sorted(charts.values(), key=lambda c: (c.path, c.name))
    names = [chart.name for chart in ordered]
    ordered = [
        dataclasses.replace(c, label=chart_label(c.name, c.path)) if names.count(c.name) > 1 else c for c in ordered
    ]
    return Inputs(charts=tuple(ordered), manifests=tuple(manifests))


#: The placeholders a release, namespace or values-file pattern may use.
PLACEHOLDERS = ("chart", "env")
#: In the config, `values` and `set` may be keyed by environment; this key means every environment.
EVERY_ENV = "*"


class PatternError(ValueError):
    """A pattern with an unknown or malformed `{placeholder}`; the message is one line for the user."""


def check_pattern(pattern: str, where: str) -> None:
    """Refuse a pattern that `str.format(chart=..., env=...)` could not fill, naming the allowed names."""
    allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        raise PatternError(f"{where}: {pattern!r}: {exc} (use {{{{ and }}}} for braces)") from None
    for name, spec, conv in fields:
        if name not in PLACEHOLDERS or spec or conv:
            raise PatternError(f"{where}: unknown placeholder {{{name}}} in {pattern!r} (allowed: {allowed})")


def fill(pattern: str, *, chart: str, env: str) -> str:
    """A release, namespace or values-file pattern with `{chart}` and `{env}` filled in."""
    return pattern.format(chart=chart, env=env)


@dataclass(frozen=True)
class ChartLayout:
    """Where a chart's settings come from, as the config file says them; None means "not set here".

    `values` and `set_values` are keyed by environment (or EVERY_ENV): groups of values-file patterns
    relative to the chart folder (the first existing file of each group is used), and `key=value`
    expressions for Helm's --set.
    """

    release: str | None = None
    namespace: str | None = None
    values: Mapping[str, tuple[tuple[str, ...], ...]] | None = None
    set_values: Mapping[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Layout:
    """A repository's layout from its config file: every chart's settings, then per-chart overrides."""

    #: The config file that says it, as shown to the user ("" when there is none).
    source: str = ""
    every: ChartLayout = field(default_factory=ChartLayout)
    charts: Mapping[str, ChartLayout] = field(default_factory=dict)
    #: Per-chart settings by chart folder (a `charts:` key with a `/`): the key as written → (the folder,
    #: resolved, and its settings); they win over an entry by name.
    folders: Mapping[str, tuple[str, ChartLayout]] = field(default_factory=dict)


@dataclass(frozen=True)
class MatrixOptions:
    """Command-line overrides of the config's and the contract's environment matrix."""

    environments: tuple[str, ...] = ()
    release: str | None = None
    namespace: str | None = None
    values: tuple[str, ...] = ()
    set_values: tuple[str, ...] = ()
    kube_version: str = ""
    layout: Layout = field(default_factory=Layout)


@dataclass(frozen=True)
class Origins:
    """Which source gave each setting of one target: "command line", a config file (and key), "contract"."""

    release: str
    namespace: str
    values: str
    set_values: str


@dataclass(frozen=True)
class MatrixRow:
    """One chart × environment and where each of its settings came from."""

    target: Target
    origins: Origins


COMMAND_LINE = "command line"


def _layers(chart: ChartRef, layout: Layout) -> list[tuple[ChartLayout, str]]:
    """The config's settings for `chart`, most specific first (its folder's entry, its name's, the top
    level), each with how to name where it was said."""
    layers: list[tuple[ChartLayout, str]] = []
    if layout.folders:
        folder = Path(chart.path).resolve().as_posix()
        for key, (where, entry) in layout.folders.items():
            if where == folder:
                layers.append((entry, f"{layout.source} charts.{key}"))
                break
    if chart.name in layout.charts:
        layers.append((layout.charts[chart.name], f"{layout.source} charts.{chart.name}"))
    layers.append((layout.every, layout.source))
    return layers


def _pattern(key: str, cli: str | None, layers: list[tuple[ChartLayout, str]], contract: Contract) -> tuple[str, str]:
    if cli is not None:
        return cli, COMMAND_LINE
    for layer, origin in layers:
        value = getattr(layer, key)
        if value is not None:
            return value, origin
    return getattr(contract, f"{key}_pattern"), "contract"


def _by_env(mapping: Mapping[str, tuple[Any, ...]], env: str) -> tuple[Any, ...]:
    """What is said for every environment, then what is said for this one (which wins, coming later)."""
    return (*mapping.get(EVERY_ENV, ()), *mapping.get(env, ()))


def resolve_target(chart: ChartRef, env: str, contract: Contract, options: MatrixOptions) -> MatrixRow:
    """One chart × environment: the command line over the config's chart entry over the config over the
    contract; values files and --set from the config come first, the command line's after them."""
    layers = _layers(chart, options.layout)
    release, release_from = _pattern("release", options.release, layers, contract)
    namespace, namespace_from = _pattern("namespace", options.namespace, layers, contract)
    groups: tuple[tuple[str, ...], ...] = contract.values_files
    values_from = "contract"
    for layer, origin in layers:
        if layer.values is not None:
            groups, values_from = _by_env(layer.values, env), origin
            break
    sets: list[str] = []
    set_from = [origin for layer, origin in reversed(layers) if layer.set_values and _by_env(layer.set_values, env)]
    for layer, _origin in reversed(layers):  # the chart's own entry last: later --set wins
        sets.extend(_by_env(layer.set_values or {}, env))
    chart_dir = Path(chart.path)
    own = tuple((chart_dir / name).as_posix() for name in values_files_in(chart_dir, chart.name, env, groups))
    if options.values:
        values_from = f"{values_from} + {COMMAND_LINE}"
    if options.set_values:
        set_from.append(COMMAND_LINE)
    target = Target(
        chart=chart.shown,
        chart_path=chart.path,
        env=env,
        release=fill(release, chart=chart.name, env=env),
        namespace=fill(namespace, chart=chart.name, env=env),
        values_files=own + tuple(options.values),
        set_values=(*sets, *options.set_values),
        kube_version=options.kube_version,
    )
    return MatrixRow(target, Origins(release_from, namespace_from, values_from, " + ".join(set_from) or "-"))


def has_own_values_files(charts: Iterable[ChartRef], env: str, contract: Contract, options: MatrixOptions) -> bool:
    """Whether any of `charts` has a values file of its own for `env` (by the config's or the contract's
    naming): an environment outside the matrix that a chart knows how to render."""
    plain = dataclasses.replace(options, values=())
    return any(len(resolve_target(chart, env, contract, plain).target.values_files) > 0 for chart in charts)


def values_files_in(chart_dir: Path, chart: str, env: str, groups: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """The first existing file of each group, in order, as chart-relative paths. The chart's own
    `values.yaml` is left out: Helm always reads it first."""
    chosen: list[str] = []
    for group in groups:
        for pattern in group:
            name = fill(pattern, chart=chart, env=env)
            if name == "values.yaml":
                break
            # is_file: a FIFO or a folder of that name is not a values file.
            if (chart_dir / name).is_file():
                chosen.append(name)
                break
    return tuple(chosen)


def effective_contract(
    contract: Contract,
    options: MatrixOptions,
    configured: Sequence[str] | None,
    has_values_file: Callable[[str], bool] = lambda env: False,
) -> Contract:
    """The contract with the repository's matrix in it: the config's environments (else the contract's),
    and the config's release and namespace patterns for each chart, so that the rules know what every
    environment is called.

    An `--env` outside the matrix joins it when the command line says how to render it (`-f`, as
    `helm template` would) or `has_values_file(env)` finds a chart with a values file of that name.
    Raises PatternError for an unknown `{placeholder}` and DiscoveryError for any other --env outside it.
    """
    layout = options.layout
    check_pattern(contract.release_pattern, f"{contract.path}: release")
    check_pattern(contract.namespace_pattern, f"{contract.path}: namespace")
    for flag, value in (("--release", options.release), ("--namespace", options.namespace)):
        if value is not None:
            check_pattern(value, flag)
    for group in contract.values_files:
        for pattern in group:
            check_pattern(pattern, f"{contract.path}: values_files")
    matrix = tuple(configured or contract.environments)
    _check_env_keys(layout, matrix)
    matrix += _envs_beyond(matrix, options, has_values_file)
    # The config's patterns only: a --release or --namespace names this run's targets (each target
    # carries it), not what the other environments are called, which the rules compare against.
    every = [(layout.every, layout.source)]
    per_chart = tuple(
        (
            name,
            _pattern("release", None, [(chart, ""), *every], contract)[0],
            _pattern("namespace", None, [(chart, ""), *every], contract)[0],
        )
        for name, chart in sorted(layout.charts.items())
    )
    return dataclasses.replace(
        contract,
        environments=matrix,
        release_pattern=_pattern("release", None, every, contract)[0],
        namespace_pattern=_pattern("namespace", None, every, contract)[0],
        chart_patterns=_folder_patterns(layout, contract) + per_chart,
    )


def _folder_patterns(layout: Layout, contract: Contract) -> tuple[tuple[str, str, str], ...]:
    """The rules' per-chart patterns of the `charts:` entries by folder, under the name the chart is shown
    by when another has its name (`todo-app (helm-chart)`) and under its own name when no entry by name
    and no other folder's entry says it; `{chart}` filled with the chart's name, which the label is not."""
    out: list[tuple[str, str, str]] = []
    names = [(chart_name(Path(folder)), folder, entry) for folder, entry in layout.folders.values()]
    for name, folder, entry in names:
        layers = [(entry, ""), *([(layout.charts[name], "")] if name in layout.charts else []), (layout.every, "")]
        release = _pattern("release", None, layers, contract)[0].replace("{chart}", name)
        namespace = _pattern("namespace", None, layers, contract)[0].replace("{chart}", name)
        out.append((chart_label(name, display_path(Path(folder))), release, namespace))
        if name not in layout.charts and [n for n, _, _ in names].count(name) == 1:
            out.append((name, release, namespace))
    return tuple(out)


def _envs_beyond(
    matrix: Sequence[str], options: MatrixOptions, has_values_file: Callable[[str], bool]
) -> tuple[str, ...]:
    """The `--env`s outside the matrix that the command line or a chart's values files say how to render."""
    extra: list[str] = []
    for env in options.environments:
        if env in matrix or env in extra:
            continue
        if options.values or has_values_file(env):
            extra.append(env)
            continue
        import difflib  # only to suggest a name for a mistake

        close = difflib.get_close_matches(env, matrix, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise DiscoveryError(
            f"--env {env}: not an environment of the matrix ({hint}known: {', '.join(matrix)}); "
            f"to lint another, give its values files with -f"
        )
    return tuple(extra)


def _check_env_keys(layout: Layout, matrix: Sequence[str]) -> None:
    """`values` and `set` keyed by an environment outside the matrix are typos, not settings."""
    entries = [*sorted(layout.charts.items()), *((key, entry) for key, (_, entry) in sorted(layout.folders.items()))]
    for name, layer in [("", layout.every), *((f"charts.{c}.", chart) for c, chart in entries)]:
        for key, mapping in (("values", layer.values), ("set", layer.set_values)):
            for env in sorted(mapping or {}):
                if env != EVERY_ENV and env not in matrix:
                    raise DiscoveryError(
                        f"{layout.source}: {name}{key}.{env}: not an environment of the matrix "
                        f"(known: {', '.join(matrix)}, or {EVERY_ENV!r} for every one)"
                    )


def matrix_rows(charts: Iterable[ChartRef], contract: Contract, options: MatrixOptions) -> list[MatrixRow]:
    """Every chart × environment, with its release, namespace, values files and --set, and their origins."""
    envs = options.environments or contract.environments
    return [resolve_target(chart, env, contract, options) for chart in charts for env in envs]


def build_targets(charts: Iterable[ChartRef], contract: Contract, options: MatrixOptions) -> list[Target]:
    """Every chart × environment, with its release, namespace and values files."""
    return [row.target for row in matrix_rows(charts, contract, options)]
