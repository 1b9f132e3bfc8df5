"""What a chart folder holds for the rules, read once: Chart.yaml as Helm reads it (with the line of each
key), the template files, and the unpacked subcharts. Discovery's half that the rules see: no rule reads
the disk, they read `ChartFacts` from their context.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from todolint.models import FieldPath


def chart_yaml_bytes(chart_dir: Path) -> bytes | None:
    """Chart.yaml's bytes; None when it is missing, not a regular file or unreadable."""
    chart_yaml = chart_dir / "Chart.yaml"
    # is_file first: reading a FIFO named Chart.yaml would block for ever.
    if not chart_yaml.is_file():
        return None
    try:
        return chart_yaml.read_bytes()
    except OSError:
        return None


@dataclass(frozen=True)
class ChartFacts:
    """What the rules know of one chart folder, read by `read_chart_facts`: no rule reads the disk.

    A plain value (its repr is stable), so that what the rules saw can be compared and keyed.
    """

    #: The folder as the targets name it (`Target.chart_path`); a subchart's is `<chart>/charts/<folder>`.
    path: str
    #: Chart.yaml as Helm reads it, every scalar text (`appVersion: 1.10` is "1.10", not the float 1.1);
    #: empty when it is missing, unreadable, not YAML or not a mapping.
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: The line of each top-level key (`("name",)`) and of each item of a top-level list (`("dependencies", 0)`).
    lines: Mapping[FieldPath, int] = field(default_factory=dict)
    #: Every regular file below templates/, relative to it, "/"-separated, sorted.
    templates: tuple[str, ...] = ()
    #: The unpacked subcharts, one per folder under charts/, by folder name (their own subcharts left out).
    subcharts: tuple[ChartFacts, ...] = ()

    @property
    def folder(self) -> str:
        """The folder's own name."""
        return PurePosixPath(self.path).name

    def has_template(self, name: str) -> bool:
        """Whether `templates/<name>` is a regular file."""
        return posixpath.normpath(name) in self.templates

    def subchart(self, folder: str) -> ChartFacts | None:
        """The subchart unpacked in `charts/<folder>`, if any."""
        return next((sub for sub in self.subcharts if sub.folder == folder), None)


def read_chart_facts(chart_path: str) -> ChartFacts:
    """Chart.yaml, the template files and the unpacked subcharts of the chart at `chart_path`, read once.

    The engine asks once per chart and run, after the render: the caches' check that nothing a run read
    changed while it ran (todolint.cache) then covers what the rules see.
    """
    chart_dir = Path(chart_path)
    subcharts: list[ChartFacts] = []
    try:
        folders = sorted(p for p in (chart_dir / "charts").iterdir() if p.is_dir())
    except OSError:
        folders = []
    for sub in folders:
        subcharts.append(_chart_facts(sub, sub.as_posix()))
    return dataclasses.replace(_chart_facts(chart_dir, chart_path), subcharts=tuple(subcharts))


def _chart_facts(chart_dir: Path, path: str) -> ChartFacts:
    raw = chart_yaml_bytes(chart_dir)
    try:
        # As a text file is read: universal newlines.
        text = None if raw is None else raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        text = None
    meta, lines = _parse_chart_yaml(text) if text is not None else ({}, {})
    return ChartFacts(path=path, meta=meta, lines=lines, templates=_files_below(chart_dir / "templates"))


def _parse_chart_yaml(text: str) -> tuple[Mapping[str, Any], dict[FieldPath, int]]:
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        data = yaml.load(text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
    except (yaml.YAMLError, ValueError):
        return {}, {}
    lines: dict[FieldPath, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[(key.value,)] = key.start_mark.line + 1
                if isinstance(value, yaml.SequenceNode):
                    for index, item in enumerate(value.value):
                        lines[(key.value, index)] = item.start_mark.line + 1
    return (data if isinstance(data, Mapping) else {}), lines


def _files_below(folder: Path) -> tuple[str, ...]:
    """Every regular file below `folder` (links followed, as Helm follows them; each folder once)."""
    found: list[str] = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back up: walked already
            dirnames.clear()
            continue
        seen.add(real)
        rel = os.path.relpath(dirpath, folder)
        for name in filenames:
            if os.path.isfile(os.path.join(dirpath, name)):
                found.append(name if rel == "." else posixpath.join(Path(rel).as_posix(), name))
    return tuple(sorted(found))
