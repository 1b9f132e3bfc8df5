"""From the paths a user typed to the chart × environment matrix and the pre-rendered inputs.

A path may be a chart folder, a folder holding charts, any file inside a chart (as pre-commit passes
them: the file maps to the chart that owns it), a pre-rendered manifest file, or `-` for stdin.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

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


@dataclass(frozen=True)
class ManifestInput:
    """Pre-rendered manifests: a file path, or `-` for standard input."""

    path: str


@dataclass(frozen=True)
class Inputs:
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
    """Chart.yaml as a mapping; empty when it is missing, not a regular file, or not YAML."""
    chart_yaml = chart_dir / "Chart.yaml"
    # is_file first: reading a FIFO named Chart.yaml would block for ever.
    if not chart_yaml.is_file():
        return {}
    try:
        meta = yaml.load(chart_yaml.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError, ValueError, RecursionError):
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


def discover(paths: Sequence[str]) -> Inputs:
    """Sort the user's paths into charts and manifest inputs, each once, in a stable order."""
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
            if owner is None:
                raise DiscoveryError(f"{raw}: no Helm chart here (no Chart.yaml in it or below it)")
            add_chart(owner)
            continue
        owner = owning_chart(path)
        if owner is not None:
            add_chart(owner)
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
    return Inputs(charts=tuple(ordered), manifests=tuple(manifests))


@dataclass(frozen=True)
class MatrixOptions:
    """Command-line overrides of the contract's environment matrix."""

    environments: tuple[str, ...] = ()
    release: str | None = None
    namespace: str | None = None
    values: tuple[str, ...] = ()
    set_values: tuple[str, ...] = ()
    kube_version: str = ""


def build_targets(charts: Iterable[ChartRef], contract: Contract, options: MatrixOptions) -> list[Target]:
    """Every chart × environment, with its release, namespace and values files."""
    envs = options.environments or contract.environments
    targets: list[Target] = []
    for chart in charts:
        chart_dir = Path(chart.path)
        for env in envs:
            release_pattern = options.release or contract.release_pattern
            namespace_pattern = options.namespace or contract.namespace_pattern
            own = tuple((chart_dir / name).as_posix() for name in contract.values_files_for(chart_dir, env))
            targets.append(
                Target(
                    chart=chart.name,
                    chart_path=chart.path,
                    env=env,
                    release=release_pattern.format(chart=chart.name, env=env),
                    namespace=namespace_pattern.format(chart=chart.name, env=env),
                    values_files=own + tuple(options.values),
                    set_values=tuple(options.set_values),
                    kube_version=options.kube_version,
                )
            )
    return targets
