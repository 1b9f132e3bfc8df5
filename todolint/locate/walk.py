"""The path walker: one rendered field path walked down a template's skeleton to the line that wrote it.

At each step the walker picks the one skeleton node that can have written the rendered value (literal
siblings must match it), follows `include` into helpers and `toYaml` into the values, binds `range`
elements to the rendered index or key, and at the field itself names the `.Values` path that fed it,
when exactly one does. Anything ambiguous yields no origin: a wrong line is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from todolint.locate.actions import TOKEN, Action, split_pipeline, token_indices
from todolint.locate.skeletons import Block, Skeletons, TemplateDoc
from todolint.locate.terms import TermBindings, bind, resolve_term
from todolint.locate.values import TargetValues, value_at
from todolint.models import FieldPath
from todolint.parse import scalar_value

#: Pipeline functions that pass a value through unchanged in substance.
_PASS_THROUGH = frozenset({"quote", "squote", "toString", "int", "int64", "float64", "trim", "toYaml", "default"})


@dataclass(frozen=True)
class Origin:
    """The template line that wrote a field, and the values path that fed it."""

    file: str
    line: int
    #: The values path that fed the field, when one did.
    values: FieldPath | None = None
    #: The values map writes only some keys of this mapping (a place to add one, not the field's source).
    partial: bool = False


def line_of(node: Node) -> int:
    """The 1-based line a skeleton node starts on: its template line."""
    return int(node.start_mark.line) + 1


def _literal(node: Node) -> bool:
    return isinstance(node, ScalarNode) and not TOKEN.search(node.value)


def _pattern(text: str) -> re.Pattern[str]:
    pieces = TOKEN.split(text)
    # re.split keeps the token numbers at odd positions; every token may render as anything.
    return re.compile("(?s:.*)".join(re.escape(piece) for piece in pieces[::2]))


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class PathWalker:
    """Walks one rendered field path down one chart's skeletons."""

    def __init__(self, skeletons: Skeletons, values: TargetValues | None) -> None:
        self.skeletons = skeletons
        self.values = values
        self.depth = 0

    def conditional(self, doc: TemplateDoc, parent_line: int, line: int) -> bool:
        """Whether `line` sits in an `if`, `with` or `range` that `parent_line` is not in."""
        outer = doc.stack(parent_line)
        return any(b not in outer and b.kind in ("if", "with", "range") for b in doc.stack(line))

    def ranged(self, doc: TemplateDoc, parent_line: int, line: int) -> Block | None:
        """The one `range` block `line` sits in beyond `parent_line`'s blocks, when that is all it is in."""
        outer = doc.stack(parent_line)
        inner = [b for b in doc.stack(line) if b not in outer and b.kind in ("if", "with", "range")]
        return inner[-1] if len(inner) == 1 and inner[0].kind == "range" else None

    def consistent(self, doc: TemplateDoc, node: Node, value: Any, line: int) -> bool:
        """Literal parts of `node` agree with the rendered `value` (the test that picks one candidate)."""
        if isinstance(node, ScalarNode):
            if _literal(node):
                literal = scalar_value(node)
                return type(literal) is type(value) and literal == value
            if isinstance(value, (dict, list)) or node.style not in (None, "", '"', "'"):
                return True
            # `{{ include "x.fullname" . }}-config`: the text around the actions must be there.
            return _pattern(node.value).fullmatch(_text(value)) is not None
        if isinstance(node, MappingNode):
            if not isinstance(value, Mapping):
                return False
            # Of a key written twice, YAML readers keep the last (the parser reports the duplicate).
            last = {key.value: n for n, (key, _) in enumerate(node.value) if _literal(key)}
            for n, (key, child) in enumerate(node.value):
                # A key under an `if`/`with`/`range` of its own may or may not be what Helm wrote.
                if not _literal(key) or self.conditional(doc, line, line_of(key)) or last[key.value] != n:
                    continue
                if key.value not in value:
                    return False
                if isinstance(child, (ScalarNode, MappingNode)) and not self.consistent(
                    doc, child, value[key.value], line_of(key)
                ):
                    return False
        return True

    def walk(
        self, doc: TemplateDoc, node: Node, value: Any, path: FieldPath, line: int, bindings: TermBindings
    ) -> list[Origin]:
        """The origins of `path` below `node` (which rendered as `value`); one, or none when unsure."""
        if not path:
            return [self.finish(doc, node, value, line, bindings)]
        self.depth += 1
        try:
            if self.depth > 50:
                return []
            if isinstance(node, ScalarNode):
                tokens = token_indices(node.value)
                if len(tokens) == 1 and node.value.strip() == f"__tl{tokens[0]}__":
                    return self.produce(doc, doc.actions[tokens[0]], value, path, bindings, line_of(node))
                return []
            if isinstance(node, MappingNode):
                return self.walk_mapping(doc, node, value, path, line, bindings)
            if isinstance(node, SequenceNode):
                return self.walk_sequence(doc, node, value, path, line, bindings)
            return []
        finally:
            self.depth -= 1

    def walk_mapping(
        self, doc: TemplateDoc, node: MappingNode, value: Any, path: FieldPath, line: int, bindings: TermBindings
    ) -> list[Origin]:
        """One step into a mapping: the literal key, or the helper, `toYaml` or `range` key that wrote it."""
        key = path[0]
        if not isinstance(value, Mapping) or not isinstance(key, str) or key not in value:
            return []
        literal: list[Origin] = []
        produced: list[Origin] = []
        for key_node, child in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            key_line = line_of(key_node)
            if _literal(key_node):
                if key_node.value == key and self.consistent(doc, child, value[key], key_line):
                    literal.extend(self.walk(doc, child, value[key], path[1:], key_line, bindings))
                continue
            tokens = token_indices(key_node.value)
            if len(tokens) != 1 or key_node.value.strip() != f"__tl{tokens[0]}__":
                continue
            action = doc.actions[tokens[0]]
            if tokens[0] in doc.producers:
                produced.extend(self.produce(doc, action, value, path, bindings, key_line))
            elif action.kind == "output":
                bound = self.range_key(doc, action, key_line, key)
                if bound is not None:
                    inner = TermBindings(
                        bindings.dot, bindings.dollar, bindings.variables, {**bindings.elements, **bound}
                    )
                    produced.extend(self.walk(doc, child, value[key], path[1:], key_line, inner))
        # A literal key and a helper both writing it: Helm's YAML keeps the last; we cannot tell.
        found = literal + produced
        return found if len(found) == 1 else []

    def range_key(self, doc: TemplateDoc, action: Action, line: int, key: str) -> dict[int, str | int] | None:
        """`{{ $key }}:` inside `range $key, $value := .Values.x`: bind that range to the rendered key."""
        name = action.body.strip().lstrip("$")
        if not re.fullmatch(r"\w+", name) or not action.body.strip().startswith("$"):
            return None
        for block in reversed(doc.stack(line)):
            if block.kind == "range" and len(block.action.variables) == 2 and block.action.variables[0] == name:
                return {block.line: key}
        return None

    def walk_sequence(
        self, doc: TemplateDoc, node: SequenceNode, value: Any, path: FieldPath, line: int, bindings: TermBindings
    ) -> list[Origin]:
        """One step into a list: the item at the index when the list is fixed, else the one item that fits."""
        index = path[0]
        if not isinstance(value, list) or not isinstance(index, int) or not 0 <= index < len(value):
            return []
        items = node.value
        item_value = value[index]
        fixed = all(
            not self.conditional(doc, line, line_of(item))
            and not (isinstance(item, ScalarNode) and TOKEN.fullmatch(item.value.strip() or "-") is not None)
            for item in items
        )
        if fixed and len(items) == len(value):
            chosen = items[index]
            return self.walk(doc, chosen, item_value, path[1:], line_of(chosen), bindings)
        expanded = None if fixed else self.expand(doc, items, line, bindings)
        if expanded is not None and len(expanded) == len(value):
            chosen, block, element = expanded[index]
            if not self.consistent(doc, chosen, item_value, line_of(chosen)):
                return []
            inner = bindings
            if block is not None and element is not None:
                elements = {**bindings.elements, block.line: element}
                inner = TermBindings(bindings.dot, bindings.dollar, bindings.variables, elements)
            return self.walk(doc, chosen, item_value, path[1:], line_of(chosen), inner)
        candidates = [item for item in items if self.consistent(doc, item, item_value, line_of(item))]
        if len(candidates) != 1:
            return []
        chosen = candidates[0]
        if isinstance(chosen, ScalarNode):
            tokens = token_indices(chosen.value)
            if len(items) == 1 and len(tokens) == 1 and tokens[0] in doc.producers:
                return self.produce(doc, doc.actions[tokens[0]], value, path, bindings, line_of(chosen))
        inner = bindings
        block = self.ranged(doc, line, line_of(chosen))
        element = self.iteration(doc, block, index, bindings) if block is not None and len(items) == 1 else None
        if block is not None and element is not None:
            inner = TermBindings(
                bindings.dot, bindings.dollar, bindings.variables, {**bindings.elements, block.line: element}
            )
        return self.walk(doc, chosen, item_value, path[1:], line_of(chosen), inner)

    def expand(
        self, doc: TemplateDoc, items: list[Node], line: int, bindings: TermBindings
    ) -> list[tuple[Node, Block | None, str | int | None]] | None:
        """Each item a list with `if` and `range` blocks rendered, in order: (its skeleton item, the range
        it repeats in and its element there), when the values decide every block; else None."""
        out: list[tuple[Node, Block | None, str | int | None]] = []
        outer = doc.stack(line)
        for item in items:
            if isinstance(item, ScalarNode) and TOKEN.fullmatch(item.value.strip() or "-") is not None:
                return None  # a block (include, toYaml) of unknown length
            inner = [b for b in doc.stack(line_of(item)) if b not in outer and b.kind in ("if", "with", "range")]
            ranges = [n for n, b in enumerate(inner) if b.kind == "range"]
            if len(ranges) > 1 or (ranges and ranges[0] != len(inner) - 1):
                return None  # an `if` inside a range depends on the iteration
            decided = [self.taken(doc, b, line_of(item), bindings) for b in inner if b.kind != "range"]
            if None in decided:
                return None
            if not all(decided):
                continue
            if not ranges:
                out.append((item, None, None))
                continue
            block = inner[-1]
            elements = self.elements(doc, block, bindings)
            if elements is None:
                return None
            # Items of one range body repeat together: the first of them starts each iteration's run.
            if out and out[-1][1] is block:
                continue
            body = [i for i in items if block in doc.stack(line_of(i)) and doc.stack(line_of(i))[-1] is block]
            out.extend((i, block, element) for element in elements for i in body)
        return out

    def taken(self, doc: TemplateDoc, block: Block, line: int, bindings: TermBindings) -> bool | None:
        """Whether `line` renders, as far as `if`/`with` `block` decides: its condition (`.Values.x`,
        `not .Values.x`) read in the values, the `else` branch the opposite; None when not known."""
        elses = [a.line for a in doc.actions if a.kind == "else" and doc.stack(a.line)[-1:] == (block,)]
        if len(elses) > 1 or block.line in elses:
            return None
        words = block.action.arg.split()
        negate = len(words) == 2 and words[0] == "not" and block.kind == "if"
        if len(words) != 1 + negate or self.values is None:
            return None
        base = bind(resolve_term(words[-1], bindings, doc.stack(block.line)), bindings.elements)
        if base is None:
            return None
        found, value = value_at(self.values.merged, base)
        truthy = found and value not in (None, False, 0, "") and value != {} and value != []
        in_else = bool(elses) and line > elses[0]
        return (truthy != negate) != in_else

    def elements(self, doc: TemplateDoc, block: Block, bindings: TermBindings) -> list[str | int] | None:
        """What `range` `block` iterates over, in Go's order (a map's keys sorted); None when not known."""
        if any(a.kind == "else" and doc.stack(a.line)[-1:] == (block,) for a in doc.actions):
            return None
        words = block.action.arg.split()
        base = bind(resolve_term(words[0], bindings, doc.stack(block.line)), bindings.elements) if words else None
        if base is None or len(words) != 1 or self.values is None:
            return None
        found, ranged = value_at(self.values.merged, base)
        if not found or ranged is None:
            return []
        if isinstance(ranged, Mapping):
            return sorted(str(key) for key in ranged)
        return list(range(len(ranged))) if isinstance(ranged, list) else None

    def iteration(self, doc: TemplateDoc, block: Block, index: int, bindings: TermBindings) -> str | int | None:
        """The element of `range` `block` whose one list item rendered at `index`: the index itself over a
        list, the index-th key over a map (Go ranges over a map's keys in sorted order); None when the
        ranged values are not known."""
        words = block.action.arg.split()
        base = bind(resolve_term(words[0], bindings, doc.stack(block.line)), bindings.elements) if words else None
        if base is None or len(words) != 1 or self.values is None:
            return index
        found, ranged = value_at(self.values.merged, base)
        if found and isinstance(ranged, Mapping):
            keys = sorted(str(key) for key in ranged)
            return keys[index] if index < len(keys) else None
        return index

    def produce(
        self, doc: TemplateDoc, action: Action, value: Any, path: FieldPath, bindings: TermBindings, line: int
    ) -> list[Origin]:
        """A block written by `include` or `toYaml` at `line`: does it write `path`?"""
        stack = doc.stack(line)
        if action.kind == "include":
            helper = self.skeletons.helper_doc(action.name)
            if helper is None or len(helper.roots) != 1:
                return []
            arg = resolve_term(action.arg, bindings, stack) if action.arg else None
            inner = TermBindings(arg, arg, {}, bindings.elements) if arg is not None else TermBindings(None, None)
            root = helper.roots[0]
            return self.walk(helper, root, value, path, line_of(root), inner)
        if action.kind == "toyaml" and self.values is not None:
            base = bind(resolve_term(action.arg, bindings, stack), bindings.elements)
            if base is None:
                return []
            found, block = value_at(self.values.merged, base)
            rendered_found, rendered = value_at(value, path)
            inner_found, inner_value = value_at(block, path)
            if not (found and rendered_found and inner_found and inner_value == rendered):
                return []
            return [Origin(doc.file, action.line, (*base, *path))]
        return []

    def finish(self, doc: TemplateDoc, node: Node, value: Any, line: int, bindings: TermBindings) -> Origin:
        """The field itself: its template line, and the values path when one `.Values` expression feeds it."""
        if isinstance(node, MappingNode):
            block = self.block_values(doc, node, line, bindings)
            supplied = value_at(self.values.merged, block)[1] if block is not None and self.values is not None else None
            return Origin(doc.file, line, block, partial=supplied != value)
        tokens = token_indices(node.value) if isinstance(node, ScalarNode) else []
        outputs = [doc.actions[t] for t in tokens if doc.actions[t].kind not in ("comment", "assign")]
        if len(outputs) != 1 or outputs[0].kind != "output" or self.values is None:
            return Origin(doc.file, line)
        commands = split_pipeline(outputs[0].body)
        first = commands[0]
        if len(first) == 1:
            term = first[0]
        elif first[0] in _PASS_THROUGH and first[0] != "default" and len(first) == 2:
            term = first[1]
        elif first[0] == "default" and len(first) == 3:
            term = first[2]
        else:
            return Origin(doc.file, line)
        if any(c[0] not in _PASS_THROUGH for c in commands[1:]):
            return Origin(doc.file, line)
        path = bind(resolve_term(term, bindings, doc.stack(line)), bindings.elements)
        if path is None:
            return Origin(doc.file, line)
        found, supplied = value_at(self.values.merged, path)
        if (
            not found
            or isinstance(supplied, (dict, list))
            or not _text(supplied)
            or _text(supplied) not in _text(value)
        ):
            return Origin(doc.file, line)
        if not supplied and any(c[0] == "default" for c in commands):
            return Origin(doc.file, line)  # an empty value (0, false): Helm's `default` wrote the field
        return Origin(doc.file, line, path)

    def block_values(self, doc: TemplateDoc, node: MappingNode, line: int, bindings: TermBindings) -> FieldPath | None:
        """The one values map that writes keys into this mapping (`toYaml .Values.x`, `range .Values.x`)."""
        found: list[FieldPath] = []
        for key_node, _child in node.value:
            tokens = token_indices(key_node.value) if isinstance(key_node, ScalarNode) else []
            if len(tokens) != 1 or key_node.value.strip() != f"__tl{tokens[0]}__":
                continue
            action = doc.actions[tokens[0]]
            stack = doc.stack(line_of(key_node))
            if tokens[0] in doc.producers and action.kind == "toyaml":
                base = bind(resolve_term(action.arg, bindings, stack), bindings.elements)
            elif action.kind == "output" and action.body.strip().startswith("$"):
                outer = doc.stack(line)
                ranges = [b for b in stack if b.kind == "range" and b not in outer]
                words = ranges[0].action.arg.split() if len(ranges) == 1 else []
                base = bind(resolve_term(words[0], bindings, outer), bindings.elements) if len(words) == 1 else None
            else:
                continue
            if base is None:
                return None
            found.append(base)
        return found[0] if len(found) == 1 else None


__all__ = ["Origin", "PathWalker", "line_of"]
