"""The Locator: a finding's field → the values line, template line and rendered line a person edits.

One Locator serves a whole run, so each chart file is read and analysed at most once, and only for
findings: a clean run never makes one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode

from todolint.locate.skeletons import Block, Skeletons, TemplateFile
from todolint.locate.terms import TermBindings, is_values_path, resolve_term
from todolint.locate.values import TargetValues, ValuesSource, compose, load_values, value_at
from todolint.locate.walk import Origin, PathWalker, line_of
from todolint.models import FieldPath, Location, Manifest, Target

#: Kinds in the order a person would rather edit them.
KIND_ORDER = ("values", "template", "rendered")


class Locator:
    """Computes a finding's locations; one per run, so each chart file is read and analysed once."""

    def __init__(self) -> None:
        self._values: dict[Target, TargetValues | None] = {}
        self._skeletons: dict[tuple[str, Target], Skeletons] = {}
        self._files: dict[str, TemplateFile | None] = {}
        self._sources: dict[str, ValuesSource | None] = {}
        self._source_locations: dict[str, Location] = {}

    @property
    def files_read(self) -> int:
        """How many chart files (templates, helpers, values) this run has read: 0 on a clean run."""
        return len(self._files) + len(self._sources)

    def values(self, target: Target) -> TargetValues | None:
        """The target's values with their lines, or None when one of its values files cannot be read."""
        if target not in self._values:
            self._values[target] = self._load(target)
        return self._values[target]

    def _source(self, file: str) -> ValuesSource | None:
        if file not in self._sources:
            self._sources[file] = load_values(file)
        return self._sources[file]

    def _load(self, target: Target) -> TargetValues | None:
        chart_values = f"{target.chart_path}/values.yaml"
        defaults = self._source(chart_values)
        if defaults is None and Path(chart_values).exists():
            return None
        files: list[ValuesSource] = []
        for file in target.values_files:
            source = self._source(file)
            if source is None:
                if file == chart_values and not Path(file).exists():
                    continue
                return None
            files.append(source)
        return compose(defaults, files, target.set_values)

    def skeletons(self, target: Target) -> Skeletons:
        """The chart's skeletons as this target's values shape them."""
        # Keyed by target too: the shape of a toYaml block (list or map) depends on the values.
        key = (target.chart_path, target)
        if key not in self._skeletons:
            values = self.values(target)
            self._skeletons[key] = Skeletons(target.chart_path, _values_kind(values), self._files)
        return self._skeletons[key]

    def locate(self, manifest: Manifest, path: FieldPath) -> tuple[Location, ...]:
        """Up to three locations for a finding on `path` of `manifest`, most editable first."""
        rendered = manifest.rendered_location(path)
        target = manifest.target
        if not target.chart_path:
            # Pre-rendered input: the input file is what a person has; `# Source:` names the template.
            if manifest.source and manifest.source != manifest.file:
                return (rendered, self._source_location(manifest.source))
            return (rendered,)
        template_file = self._template_file(manifest)
        if template_file is None:
            return (rendered, Location("template", manifest.file))
        try:
            origin = self._origin(manifest, path, template_file)
        except (RecursionError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            # A location is a convenience: a template this module misreads must never lose the finding.
            origin = None
        located: list[Location] = []
        if origin is not None:
            if origin.values is not None:
                values = self.values(target)
                missing = _existing(manifest.obj, path) != path
                where = None
                if values is not None and (missing or not origin.partial):
                    where = values.locate(origin.values, extend=missing)
                if where is not None:
                    located.append(where)
            located.append(Location("template", origin.file, origin.line))
        else:
            located.append(Location("template", template_file))
        located.append(rendered)
        return tuple(sorted(located, key=_rank))

    def _source_location(self, source: str) -> Location:
        """The template a `# Source:` comment names: one Location per name, shared by its findings."""
        location = self._source_locations.get(source)
        if location is None:
            location = self._source_locations[source] = Location("template", source)
        return location

    @staticmethod
    def _template_file(manifest: Manifest) -> str | None:
        target = manifest.target
        if not target.chart_path or "/" not in manifest.source:
            return None
        rel = manifest.source.split("/", 1)[1]
        if not rel.startswith("templates/"):
            return None  # a subchart's template: its values live under another key
        return f"{target.chart_path}/{rel}"

    def _origin(self, manifest: Manifest, path: FieldPath, template_file: str) -> Origin | None:
        skeletons = self.skeletons(manifest.target)
        doc = skeletons.template_doc(template_file)
        if doc is None:
            return None
        existing = _existing(manifest.obj, path)
        roots = [r for r in doc.roots if isinstance(r, MappingNode)]
        walker = PathWalker(skeletons, self.values(manifest.target))
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
