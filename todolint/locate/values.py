"""The values of each chart of a target, as Helm composes them, with the line of every key of every values file.

For the top chart: its values.yaml (with what it imports from its subcharts below it), then each values
file in order, then `--set`. For a subchart, in Helm's order from the lowest: its own values.yaml, each
parent's values.yaml under the subchart's key (its name or alias), the values files and `--set` under it;
for a `global.x` path each of those levels' `global:` in turn, the top chart's winning
(`todolint.helm_values` says how Helm puts them together). Subcharts a `condition` or `tags` disable are
left out, as Helm leaves them out. `TargetValues.locate` finds the last source that supplied a values
path, checked against the composed result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from todolint.helm_values import (
    GLOBAL,
    SET_FILE,
    ChartDefaults,
    UnknownSet,
    coalesce_release,
    merge_maps,
    merge_tables,
    parse_set,
)
from todolint.models import FieldPath, Location
from todolint.parse import Loader, NodeWalker

#: How deep charts may hold subcharts before the rest is not followed.
_MAX_DEPTH = 8


@dataclass(frozen=True)
class ValuesSource:
    """One values file: its tree and the line of each path in it."""

    file: str
    tree: Any
    lines: Mapping[FieldPath, int]


def value_at(tree: Any, path: FieldPath) -> tuple[bool, Any]:
    """(True, the value at `path` in `tree`), or (False, None) when `tree` has no such path."""
    for part in path:
        if isinstance(part, str):
            if not isinstance(tree, Mapping) or part not in tree:
                return False, None
            tree = tree[part]
        elif isinstance(tree, list) and 0 <= part < len(tree):
            tree = tree[part]
        else:
            return False, None
    return True, tree


@dataclass(frozen=True)
class Layer:
    """One values source as one chart sees it: the chart's path `p` is the source's `(*prefix, *p)`.

    For a table a parent imports from a subchart (`import-values`), only parent paths under `at` come
    from it, each looked up under `into` in the source instead.
    """

    source: ValuesSource
    prefix: FieldPath = ()
    at: FieldPath = ()
    into: FieldPath = ()

    def path_of(self, path: FieldPath) -> FieldPath | None:
        """Where the chart's `path` is in this source; None when this source does not feed it."""
        whole = (*self.prefix, *path)
        if whole[: len(self.at)] != self.at:
            return None
        return (*self.into, *whole[len(self.at) :])

    def shifted(self, prefix: FieldPath) -> Layer:
        """This layer as a chart `prefix` below this one sees it."""
        return Layer(self.source, (*prefix, *self.prefix), self.at, self.into)

    def own_parts(self, path: FieldPath) -> int:
        """How many of the last parts of `path_of(path)` are `path`'s own (not the chart's place above)."""
        return len(path) - max(0, len(self.at) - len(self.prefix))


@dataclass(frozen=True)
class ChartValues:
    """One chart's own values as Helm loads it: its values.yaml (None: it has none), its subcharts, and the
    tables it imports from them (`import-values`), in its Chart.yaml's order."""

    own: ValuesSource | None
    subcharts: tuple[Subchart, ...] = ()
    imports: tuple[Imported, ...] = ()

    def subchart(self, key: str) -> Subchart | None:
        """The subchart under values key `key`, if any."""
        return next((sub for sub in self.subcharts if sub.key == key), None)


@dataclass(frozen=True)
class Subchart:
    """A subchart under its values key (its name or alias), with what enables it: the `condition` paths
    (from its parent's values) and the `tags` its parent's Chart.yaml gives it."""

    key: str
    values: ChartValues
    conditions: tuple[FieldPath, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Imported:
    """A table imported from the subchart under `key`: its table at `child` lands at `parent`."""

    key: str
    child: FieldPath
    parent: FieldPath


def effective_tree(chart: ChartValues) -> dict[str, Any]:
    """The chart's values.yaml as Helm renders with it: what it imports below its own keys."""
    own = _mapping(chart.own.tree if chart.own is not None else None)
    imported: dict[str, Any] = {}
    for item in chart.imports:
        sub = chart.subchart(item.key)
        if sub is None:
            continue  # a disabled subchart: Helm imports nothing from it
        found_here, here = value_at(own, (item.key, *item.child))
        found_there, there = value_at(effective_tree(sub.values), item.child)
        there_table = found_there and isinstance(there, dict)
        if (found_here and not isinstance(here, dict)) or not (found_here or there_table):
            continue  # Helm imports tables only
        table = merge_tables(here if found_here else {}, there if there_table else {})
        imported = merge_tables(imported, _under(item.parent, table))
    return merge_tables(own, imported)


def _defaults(chart: ChartValues, *, imports: bool) -> ChartDefaults:
    """The chart and its subcharts as `coalesce_release` takes them (with what they import, or without)."""
    values = effective_tree(chart) if imports else _mapping(chart.own.tree if chart.own is not None else None)
    return ChartDefaults(values, {sub.key: _defaults(sub.values, imports=imports) for sub in chart.subcharts})


def _enabled(chart: ChartValues, values: Mapping[str, Any], prefix: FieldPath) -> ChartValues:
    """`chart` without the subcharts that Helm disables (`processDependencyEnabled`): their tags, then the
    first of their `condition` paths that holds a boolean in the release's `values`, decide."""
    found = values.get("tags")
    tags: Mapping[str, Any] = found if isinstance(found, dict) else {}
    kept: list[Subchart] = []
    for sub in chart.subcharts:
        marks = [tags[tag] for tag in sub.tags if isinstance(tags.get(tag), bool)]
        enabled = any(marks) or not marks
        for condition in sub.conditions:
            found, value = value_at(values, (*prefix, *condition))
            if found and isinstance(value, bool):
                enabled = value
                break
        if enabled:
            inner = _enabled(sub.values, values, (*prefix, sub.key))
            kept.append(Subchart(sub.key, inner, sub.conditions, sub.tags))
    return ChartValues(chart.own, tuple(kept), chart.imports)


def _defaults_layers(chart: ChartValues) -> list[Layer]:
    """The layers of one chart's effective values.yaml, lowest first: an earlier import wins over a later
    one, and the chart's own values.yaml over all of them."""
    layers: list[Layer] = []
    for item in reversed(chart.imports):
        sub = chart.subchart(item.key)
        if sub is not None and sub.values.own is not None:
            layers.append(Layer(sub.values.own, at=item.parent, into=item.child))
        if sub is not None and chart.own is not None:
            layers.append(Layer(chart.own, at=item.parent, into=(item.key, *item.child)))
    if chart.own is not None:
        layers.append(Layer(chart.own))
    return layers


@dataclass
class TargetValues:
    """The values of one chart of a target: each source as that chart sees it, the composed result its
    templates render with, and the same for each subchart Helm renders."""

    #: The sources of a path outside `global:`, lowest first.
    layers: list[Layer]
    #: The sources of a path under `global:`, lowest first.
    global_layers: list[Layer]
    merged: Any
    #: False when a `--set` could not be read: then no values location at all.
    readable: bool = True
    #: Each enabled subchart's values, by its values key.
    children: dict[str, TargetValues] = field(default_factory=dict)

    def kind_of(self, path: FieldPath) -> str:
        """ "seq" when the composed values hold a list at `path`, else "map"."""
        found, value = value_at(self.merged, path)
        return "seq" if found and isinstance(value, list) else "map"

    def child(self, keys: Sequence[str]) -> TargetValues | None:
        """The values of the subchart under `keys` (each a values key, top down)."""
        values: TargetValues | None = self
        for key in keys:
            values = values.children.get(key) if values is not None else None
        return values

    def locate(self, path: FieldPath, *, extend: bool = False) -> Location | None:
        """The last source that sets `path`, checked against the merged value.

        With `extend` (something is missing under `path`) any map at `path` is a place to add it: the
        last source that has one is the one that decides for this environment. A path under a
        subchart's key is that subchart's values (Helm coalesces them into the parent's).
        """
        if path and path[0] in self.children and path[0] != GLOBAL:
            return self.children[str(path[0])].locate(path[1:], extend=extend)
        if not self.readable:
            return None
        found, merged = value_at(self.merged, path)
        if not found or (extend and not isinstance(merged, dict)):
            return None
        winner: Location | None = None
        winner_value: Any = None
        for layer in self.global_layers if path[:1] == (GLOBAL,) else self.layers:
            where = layer.path_of(path)
            if where is None:
                continue
            state, value = _lookup(layer.source.tree, where, len(where) - layer.own_parts(path))
            if state == "absent":
                continue
            if state == "replaced":
                winner = None
                continue
            if layer.source.file == SET_FILE:
                if extend and isinstance(value, dict):
                    continue  # --set added a key beside the missing one; the file's map is still the place
                winner = Location("values", SET_FILE, None)
            else:
                line = layer.source.lines.get(where)
                winner = Location("values", layer.source.file, line) if line else None
            winner_value = value
        if winner is None:
            return None
        if extend:
            return winner if isinstance(winner_value, dict) and winner.file != SET_FILE else None
        return winner if winner_value == merged else None


def _lookup(tree: Any, where: FieldPath, fixed: int) -> tuple[str, Any]:
    """("found", value) at `where`; ("absent", None) when the source does not reach it; ("replaced", None)
    when, below its first `fixed` parts, the source holds something else that replaces the whole branch."""
    for depth, part in enumerate(where):
        if isinstance(part, str) and isinstance(tree, Mapping):
            if part not in tree:
                return "absent", None
            tree = tree[part]
        elif isinstance(part, int) and isinstance(tree, list):
            if not 0 <= part < len(tree):
                return "absent", None
            tree = tree[part]
        else:
            return ("replaced" if depth > fixed else "absent"), None
    return "found", tree


def compose(defaults: ValuesSource | None, files: Sequence[ValuesSource], set_values: Sequence[str]) -> TargetValues:
    """A chart's values: `files` and `set_values` (the user-supplied values) over the chart's `defaults`."""
    return compose_release(ChartValues(defaults), files, set_values)


def compose_release(top: ChartValues, files: Sequence[ValuesSource], set_values: Sequence[str]) -> TargetValues:
    """The values of a release's top chart and of every subchart Helm renders (`TargetValues.child`):
    `files` and `set_values` are the user-supplied values, given to the top chart."""
    supplied: dict[str, Any] = {}
    for source in files:
        supplied = merge_maps(supplied, _mapping(source.tree))
    readable = True
    sets: dict[str, Any] = {}
    try:
        for expression in set_values:
            for path, value in parse_set(expression):
                tree = _set_tree(path, value)
                if tree is None:
                    raise UnknownSet(expression)
                sets = merge_maps(sets, tree)
    except UnknownSet:
        readable = False
    supplied = merge_maps(supplied, sets)
    # As Helm: which subcharts are enabled is decided on the values without imports, then imports apply.
    enabled = _enabled(top, coalesce_release(_defaults(top, imports=False), supplied) or {}, ())
    merged = coalesce_release(_defaults(enabled, imports=True), supplied)
    sources = [*files, ValuesSource(SET_FILE, sets, {})]
    return _tree_values([enabled], (), sources, merged or {}, readable and merged is not None)


def _tree_values(
    charts: Sequence[ChartValues], keys: tuple[str, ...], supplied: Sequence[ValuesSource], merged: Any, readable: bool
) -> TargetValues:
    """The values of the last of `charts` (the top chart first, each next one under `keys`), and of its
    subcharts; `merged` is the whole release's."""
    levels = [_level_layers(charts[: depth + 1], keys[:depth], supplied) for depth in range(len(charts))]
    here = value_at(merged, keys)[1] if keys else merged
    values = TargetValues(
        layers=levels[-1],
        global_layers=[layer for level in reversed(levels) for layer in level],
        merged=here if isinstance(here, dict) else {},
        readable=readable,
    )
    if len(charts) <= _MAX_DEPTH:
        for sub in charts[-1].subcharts:
            values.children[sub.key] = _tree_values([*charts, sub.values], (*keys, sub.key), supplied, merged, readable)
    return values


def _level_layers(charts: Sequence[ChartValues], keys: Sequence[str], supplied: Sequence[ValuesSource]) -> list[Layer]:
    """The sources of the last of `charts`' own values, lowest first: its values.yaml, each parent's under
    its key, then what the user supplied under it."""
    layers: list[Layer] = []
    for depth in range(len(charts) - 1, -1, -1):
        layers.extend(layer.shifted(tuple(keys[depth:])) for layer in _defaults_layers(charts[depth]))
    layers.extend(Layer(source, tuple(keys)) for source in supplied)
    return layers


def _mapping(tree: Any) -> dict[str, Any]:
    """A values file's tree as Helm merges it: a file that holds no mapping adds nothing."""
    return tree if isinstance(tree, dict) else {}


def _under(path: FieldPath, table: dict[str, Any]) -> dict[str, Any]:
    """`table` placed at `path` (Helm's `pathToMap`)."""
    out: dict[str, Any] = table
    for part in reversed(path):
        out = {str(part): out}
    return out


def _set_tree(path: FieldPath, value: Any) -> dict[str, Any] | None:
    """`a.b=1` as the values tree {"a": {"b": 1}}; None for a list index (this module does not follow it)."""
    tree: Any = value
    for part in reversed(path):
        if isinstance(part, int):
            return None
        tree = {part: tree}
    return tree if isinstance(tree, dict) else None


def load_values(file: str, text: str | None = None) -> ValuesSource | None:
    """The values file `file` (its `text` when given) with the line of each path, or None when it cannot
    be read or parsed."""
    try:
        if text is None:
            text = Path(file).read_text(encoding="utf-8-sig")
        node = yaml.compose(text, Loader=Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
        return None
    if node is None:
        return ValuesSource(file, {}, {})
    walker = NodeWalker(1)
    try:
        tree = walker.build(node, (), 0)
    except Exception:
        return None
    return ValuesSource(file, tree, walker.lines)


__all__ = [
    "ChartValues",
    "Imported",
    "Layer",
    "Subchart",
    "TargetValues",
    "ValuesSource",
    "compose",
    "compose_release",
    "effective_tree",
    "load_values",
    "value_at",
]
