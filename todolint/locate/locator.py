"""The Locator: a finding's field → the values line, template line and rendered line a person edits.

One Locator serves a whole run, so each chart file is read and analysed at most once, and only for
findings: a clean run never makes one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode

from todolint.locate.charts import ChartChain, ChartFiles
from todolint.locate.skeletons import Block, Skeletons, TemplateFile
from todolint.locate.terms import TermBindings, is_values_path, resolve_term
from todolint.locate.values import (
    ChartValues,
    Imported,
    Subchart,
    TargetValues,
    ValuesSource,
    compose_release,
    load_values,
    value_at,
)
from todolint.locate.walk import Origin, PathWalker, line_of
from todolint.models import FieldPath, Location, Manifest, Target

#: Kinds in the order a person would rather edit them.
KIND_ORDER = ("values", "template", "rendered")
#: How deep charts may pack charts before the rest is not followed.
_MAX_DEPTH = 8


class Locator:
    """Computes a finding's locations; one per run, so each chart file is read and analysed once."""

    def __init__(self) -> None:
        self._charts = ChartFiles()
        self._values: dict[Target, TargetValues | None] = {}
        self._chart_values: dict[str, ChartValues | None] = {}
        self._skeletons: dict[tuple[Target, tuple[str, ...]], Skeletons] = {}
        self._files: dict[str, TemplateFile | None] = {}
        self._sources: dict[str, ValuesSource | None] = {}
        self._source_locations: dict[str, Location] = {}
        self._chains: dict[tuple[str, str], ChartChain | None] = {}
        self._templates: dict[str, list[tuple[int, str]]] = {}

    @property
    def files_read(self) -> int:
        """How many chart files (templates, helpers, values, archives) this run has read: 0 on a clean run."""
        return len(self._files) + len(self._sources) + self._charts.archives_read

    def values(self, target: Target, keys: tuple[str, ...] = ()) -> TargetValues | None:
        """The values of the target's chart (of its subchart under `keys`, top down) with their lines, or
        None when one of its values files cannot be read."""
        if target not in self._values:
            self._values[target] = self._load(target)
        top = self._values[target]
        return top.child(keys) if top is not None else None

    def _source(self, file: str) -> ValuesSource | None:
        if file not in self._sources:
            text = self._charts.read_text(file)
            self._sources[file] = load_values(file, text) if text is not None else None
        return self._sources[file]

    def _chart(self, root: str, depth: int = 0) -> ChartValues | None:
        """A chart's own values, its subcharts' and what it imports from them; None when a values.yaml of
        them cannot be read."""
        if root in self._chart_values:
            return self._chart_values[root]
        self._chart_values[root] = None  # a chart that packs itself must not recurse forever
        node = self._charts.node(root)
        file = node.values_file if node is not None else f"{root}/values.yaml"
        own = self._source(file)
        if own is None and self._charts.read_bytes(file) is not None:
            return None
        subcharts: list[Subchart] = []
        imports: list[Imported] = []
        if node is None or depth >= _MAX_DEPTH:
            chart = self._chart_values[root] = ChartValues(own)
            return chart
        declared = {dep.name for dep in node.dependencies}
        keys = [dep.key for dep in node.dependencies] + [name for name, _ in node.packed if name not in declared]
        for key in dict.fromkeys(keys):
            child_root = node.child_root(key)
            child = self._chart(child_root, depth + 1) if child_root is not None else None
            dep = node.dependency(key)
            if child is None:
                if dep is not None and dep.imports:
                    return None  # what it imports is unknown: no values line is certain
                continue
            subcharts.append(Subchart(key, child, dep.conditions if dep else (), dep.tags if dep else ()))
            imports.extend(Imported(key, i.child, i.parent) for i in (dep.imports if dep else ()))
        chart = ChartValues(own, tuple(subcharts), tuple(imports))
        self._chart_values[root] = chart
        return chart

    def _load(self, target: Target) -> TargetValues | None:
        top = self._chart(target.chart_path)
        if top is None:
            return None
        files: list[ValuesSource] = []
        chart_values = f"{target.chart_path}/values.yaml"
        for file in target.values_files:
            source = self._source(file)
            if source is None:
                if file == chart_values and not Path(file).exists():
                    continue
                return None
            files.append(source)
        return compose_release(top, files, target.set_values)

    def skeletons(self, target: Target, keys: tuple[str, ...] = ()) -> Skeletons:
        """The skeletons of the render's templates as the values of the chart under `keys` shape them."""
        # Keyed by target too: the shape of a toYaml block (list or map) depends on the values.
        if (target, keys) not in self._skeletons:
            values = self.values(target, keys)
            templates = self._render_templates(target.chart_path)
            self._skeletons[(target, keys)] = Skeletons(
                templates, _values_kind(values), self._files, self._charts.read_text
            )
        return self._skeletons[(target, keys)]

    def _render_templates(self, chart_path: str) -> list[tuple[int, str]]:
        """(depth in Helm's names, file) of every template of the chart and of every chart it packs."""
        if chart_path not in self._templates:
            found: list[tuple[int, str]] = []
            pending = [(chart_path, 0)]
            while pending:
                root, level = pending.pop()
                found.extend((1 + 2 * level + f[len(root) + 1 :].count("/"), f) for f in self._charts.templates(root))
                node = self._charts.node(root)
                if node is not None and level < _MAX_DEPTH:
                    pending.extend((sub, level + 1) for _, sub in node.packed)
            self._templates[chart_path] = sorted(found)
        return self._templates[chart_path]

    def locate(self, manifest: Manifest, path: FieldPath) -> tuple[Location, ...]:
        """Up to three locations for a finding on `path` of `manifest`, most editable first."""
        target = manifest.target
        if not target.chart_path:
            rendered = manifest.rendered_location(path)
            # Pre-rendered input: the input file is what a person has; `# Source:` names the template.
            if manifest.source and manifest.source != manifest.file:
                return (rendered, self._source_location(manifest.source))
            return (rendered,)
        rendered = _rendered(manifest, path)
        chain = self._chain(target.chart_path, manifest.source)
        if chain is None:
            return (rendered, Location("template", manifest.file))
        try:
            origin = self._origin(manifest, path, chain)
        except (RecursionError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            # A location is a convenience: a template this module misreads must never lose the finding.
            origin = None
        located: list[Location] = []
        if origin is not None:
            if origin.values is not None:
                values = self.values(target, chain.keys)
                missing = _existing(manifest.obj, path) != path
                where = None
                if values is not None and (missing or not origin.partial):
                    where = values.locate(origin.values, extend=missing)
                if where is not None:
                    located.append(where)
            located.append(Location("template", origin.file, origin.line))
        else:
            located.append(Location("template", chain.template))
        located.append(rendered)
        return tuple(sorted(located, key=_rank))

    def _chain(self, chart_path: str, source: str) -> ChartChain | None:
        key = (chart_path, source)
        if key not in self._chains:
            self._chains[key] = self._charts.chain(chart_path, source) if "/" in source else None
        return self._chains[key]

    def _source_location(self, source: str) -> Location:
        """The template a `# Source:` comment names: one Location per name, shared by its findings."""
        location = self._source_locations.get(source)
        if location is None:
            location = self._source_locations[source] = Location("template", source)
        return location

    def _origin(self, manifest: Manifest, path: FieldPath, chain: ChartChain) -> Origin | None:
        skeletons = self.skeletons(manifest.target, chain.keys)
        doc = skeletons.template_doc(chain.template)
        if doc is None:
            return None
        existing = _existing(manifest.obj, path)
        roots = [r for r in doc.roots if isinstance(r, MappingNode)]
        walker = PathWalker(skeletons, self.values(manifest.target, chain.keys))
        candidates = [r for r in roots if walker.consistent(doc, r, manifest.obj, line_of(r))]
        if len(candidates) != 1:
            return None
        root = candidates[0]
        if not existing:
            return Origin(doc.file, _first_key_line(root))
        origins = walker.walk(doc, root, manifest.obj, existing, line_of(root), TermBindings())
        if len(set(origins)) != 1:
            return None
        # For a missing field this is its nearest parent: the block (and values key) it would join.
        return origins[0]


def _rendered(manifest: Manifest, path: FieldPath) -> Location:
    """The field's line in the rendered object of a chart render: a line of no file, so it says which
    object it counts in (`Deployment/x`)."""
    rendered = manifest.rendered_location(path)
    subject = f"{manifest.kind}/{manifest.name}" if manifest.kind else ""
    return Location("rendered", rendered.file, rendered.line, None, subject)


def _rank(location: Location) -> tuple[bool, int]:
    """Places with a line first, then by kind: the first location is the primary one everywhere.

    `--set` has no line but is still the place to edit; a template file without a line is not.
    """
    return (location.line is None and location.kind != "values", KIND_ORDER.index(location.kind))


def _values_kind(values: TargetValues | None) -> Callable[[str, tuple[Block, ...]], str]:
    """`toYaml` argument (in its blocks) → "seq" when the merged values hold a list there, else "map"."""

    def kind(arg: str, stack: tuple[Block, ...]) -> str:
        path = resolve_term(arg, TermBindings(), stack)
        if values is None or not is_values_path(path):
            return "map"
        return values.kind_of(path)

    return kind


def _existing(obj: Any, path: FieldPath) -> FieldPath:
    """The longest prefix of `path` present in `obj` (a missing field's nearest parent)."""
    for end in range(len(path), -1, -1):
        if value_at(obj, path[:end])[0]:
            return path[:end]
    return ()


def _first_key_line(root: MappingNode) -> int:
    return line_of(root.value[0][0]) if root.value else line_of(root)


__all__ = ["KIND_ORDER", "Locator"]
