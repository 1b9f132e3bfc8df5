"""The values of one target, as Helm composes them, with the line of every key of every values file.

The chart's values.yaml, then each values file in order, then `--set` (`todolint.helm_values` says how
Helm puts them together); `TargetValues.locate` finds the last of them that supplied a values path,
checked against the composed result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from todolint.helm_values import SET_FILE, UnknownSet, coalesce_values, merge_maps, parse_set
from todolint.models import FieldPath, Location
from todolint.parse import Loader, NodeWalker


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


@dataclass
class TargetValues:
    """The values of one target: each source with its lines, and the composed result Helm renders with."""

    sources: list[ValuesSource]
    merged: Any
    #: `--set` paths in order, or None when one could not be read (then no values location at all).
    sets: list[tuple[FieldPath, Any]] | None

    def kind_of(self, path: FieldPath) -> str:
        """ "seq" when the composed values hold a list at `path`, else "map"."""
        found, value = value_at(self.merged, path)
        return "seq" if found and isinstance(value, list) else "map"

    def locate(self, path: FieldPath, *, extend: bool = False) -> Location | None:
        """The last source that sets `path`, checked against the merged value.

        With `extend` (something is missing under `path`) any map at `path` is a place to add it: the
        last source that has one is the one that decides for this environment.
        """
        if self.sets is None:
            return None
        found, merged = value_at(self.merged, path)
        if not found or (extend and not isinstance(merged, dict)):
            return None
        winner: Location | None = None
        winner_value: Any = None
        for source in self.sources:
            for end in range(1, len(path) + 1):
                hit, value = value_at(source.tree, path[:end])
                if not hit:
                    break
                if end == len(path):
                    line = source.lines.get(path)
                    winner = Location("values", source.file, line) if line else None
                    winner_value = value
                elif not isinstance(value, (dict, list)):
                    winner = None
                    break
        for set_path, _value in self.sets:
            common = min(len(set_path), len(path))
            if set_path[:common] == path[:common]:
                if extend and len(set_path) > len(path):
                    continue  # --set added a key beside the missing one; the file's map is still the place
                winner = Location("values", SET_FILE, None) if len(set_path) >= len(path) else None
                winner_value = merged if len(set_path) == len(path) else None
        if winner is None:
            return None
        if extend:
            return winner if isinstance(winner_value, dict) or winner.file == SET_FILE else None
        return winner if winner_value == merged else None


def compose(defaults: ValuesSource | None, files: Sequence[ValuesSource], set_values: Sequence[str]) -> TargetValues:
    """A target's values: `files` and `set_values` (the user-supplied values) over the chart's `defaults`."""
    supplied: dict[str, Any] = {}
    for source in files:
        supplied = merge_maps(supplied, _mapping(source.tree))
    sets: list[tuple[FieldPath, Any]] | None = []
    try:
        for expression in set_values:
            for path, value in parse_set(expression):
                tree = _set_tree(path, value)
                if tree is None:
                    raise UnknownSet(expression)
                supplied = merge_maps(supplied, tree)
                assert sets is not None
                sets.append((path, value))
    except UnknownSet:
        sets = None
    merged = coalesce_values(_mapping(defaults.tree) if defaults is not None else {}, supplied)
    return TargetValues([*([defaults] if defaults is not None else []), *files], merged, sets)


def _mapping(tree: Any) -> dict[str, Any]:
    """A values file's tree as Helm merges it: a file that holds no mapping adds nothing."""
    return tree if isinstance(tree, dict) else {}


def _set_tree(path: FieldPath, value: Any) -> dict[str, Any] | None:
    """`a.b=1` as the values tree {"a": {"b": 1}}; None for a list index (this module does not follow it)."""
    tree: Any = value
    for part in reversed(path):
        if isinstance(part, int):
            return None
        tree = {part: tree}
    return tree if isinstance(tree, dict) else None


def load_values(file: str) -> ValuesSource | None:
    """The values file `file` with the line of each path, or None when it cannot be read or parsed."""
    try:
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


__all__ = ["TargetValues", "ValuesSource", "compose", "load_values", "value_at"]
