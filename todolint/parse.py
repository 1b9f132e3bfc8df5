"""Rendered YAML → Manifests that remember the line of every field.

libyaml (PyYAML's C composer) builds the node tree; a small walk turns nodes into plain Python values
as Kubernetes would read them (keys as strings, timestamps left as strings) while recording each
field's line and every duplicate key (PyYAML keeps the last silently; the API server rejects them).
The walk is bounded, so an alias bomb or absurd nesting becomes a parse problem, not a hang.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from todolint.models import FieldPath, Manifest, Target
from todolint.render import RenderedTemplate

Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Nodes one document may hold.
MAX_NODES = 1_000_000
#: Nodes one document may add by following aliases. Helm output has few aliases or none; a "billion
#: laughs" document has a handful of lines and expands exponentially, so it is stopped here, fast.
MAX_ALIAS_NODES = 10_000
#: Real Kubernetes objects nest about 20 deep. The schema validator (jsonschema-rs) gives up past ~250
#: levels, and libyaml past 1,000: stop well before either, with a message that says why.
MAX_DEPTH = 100

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


@dataclass(frozen=True)
class ParseProblem:
    """Something wrong with the text itself. `fatal` problems mean objects may be missing."""

    code: str
    message: str
    line: int | None
    path: FieldPath = ()
    fatal: bool = False
    #: The object the problem is inside, when it parsed far enough to have one.
    manifest: Manifest | None = None


class _Abort(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_constructor = SafeConstructor()


def scalar_value(node: ScalarNode) -> Any:
    """A scalar as Kubernetes reads it: null, bool, int and float resolved, everything else (timestamps and
    custom tags too) the text as written."""
    tag = node.tag
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _constructor.construct_yaml_bool(node)
    if tag == _INT:
        return _constructor.construct_yaml_int(node)
    if tag == _FLOAT:
        return _constructor.construct_yaml_float(node)
    # Strings, and anything Kubernetes' YAML reader would also keep as text (timestamps, custom tags).
    return node.value


def _key_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class NodeWalker:
    """Converts one document's node tree, collecting lines and duplicate keys."""

    def __init__(self, line_base: int) -> None:
        self.line_base = line_base
        self.lines: dict[FieldPath, int] = {}
        self.duplicates: list[tuple[FieldPath, int]] = []
        self.budget = MAX_NODES
        self.alias_budget = MAX_ALIAS_NODES
        #: Collections already built once: meeting one again means an alias is being followed.
        self.built: set[int] = set()
        self.in_alias = 0

    def line(self, node: Node) -> int:
        """Where `node` starts, counted from `line_base` for the text's first line (libyaml counts from 0)."""
        return int(node.start_mark.line) + self.line_base

    def build(self, node: Node, path: FieldPath, depth: int) -> Any:
        """The plain value of `node` at `path`: mappings become dicts with string keys (of a duplicate key the
        last wins, and it is recorded in `duplicates`), and each field's line goes into `lines`. Past the node,
        depth or alias budget it raises the module's private `_Abort`, with a message and a line."""
        self.budget -= 1
        if self.budget < 0:
            raise _Abort(f"document has more than {MAX_NODES:,} nodes", self.line(node))
        if depth > MAX_DEPTH:
            raise _Abort(f"document is nested deeper than {MAX_DEPTH} levels", self.line(node))
        if self.in_alias:
            self.alias_budget -= 1
            if self.alias_budget < 0:
                raise _Abort(f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (an alias bomb?)", self.line(node))
        if isinstance(node, ScalarNode):
            return scalar_value(node)
        if id(node) in self.built:
            self.in_alias += 1
            try:
                return self._collection(node, path, depth)
            finally:
                self.in_alias -= 1
        self.built.add(id(node))
        return self._collection(node, path, depth)

    def _collection(self, node: Node, path: FieldPath, depth: int) -> Any:
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                item_path = (*path, index)
                self.lines[item_path] = self.line(item)
                items.append(self.build(item, item_path, depth + 1))
            return items
        if isinstance(node, MappingNode):
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                # Interned: the keys of 10,000 objects are one string each (`metadata`, `name`, ...), the
                # very object the rules look up, found by identity; and 2.5 KB less per object.
                key = sys.intern(
                    _key_text(self.build(key_node, path, depth + 1))
                    if not isinstance(key_node, ScalarNode)
                    else _key_text(scalar_value(key_node))
                )
                key_path = (*path, key)
                if key in mapping:
                    self.duplicates.append((key_path, self.line(key_node)))
                # A field's line is its key's line: that is the line a person reads and edits.
                mapping[key] = self.build(value_node, key_path, depth + 1)
                self.lines[key_path] = self.line(key_node)
            return mapping
        raise _Abort(f"unsupported YAML node {type(node).__name__}", self.line(node))


#: libyaml quotes alias and anchor names (`found undefined alias 'hunter2'`): in a Secret whose
#: unquoted value starts with `*`, that name is the secret. Token names (`'<block end>'`) and single
#: characters stay: they say what is wrong.
_QUOTED_NAME = re.compile(r"'(?!<)[^']{2,}'")


def _unquote(problem: str) -> str:
    return _QUOTED_NAME.sub("'…'", problem)


def _documents(text: str) -> Iterator[Node | None]:
    loader = Loader(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()


class DocumentProblem(Exception):
    """A YAML file read by `read_document` is not valid YAML, or passes a limit; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_document(text: str) -> tuple[Any, dict[FieldPath, int]]:
    """One YAML document (a config file), parsed once and with the limits rendered YAML has: its
    size (MAX_RENDER_BYTES), nodes, aliases and depth. Returns the value and the line of each field;
    DocumentProblem when it is not one valid document within those limits."""
    from todolint.render import MAX_RENDER_BYTES

    if len(text) > MAX_RENDER_BYTES:
        raise DocumentProblem(f"larger than {MAX_RENDER_BYTES // 2**20} MiB", None)
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise DocumentProblem("not valid YAML", int(mark.line) + 1 if mark is not None else None) from None
    except (ValueError, TypeError):
        raise DocumentProblem("not valid YAML", None) from None
    finally:
        loader.dispose()
    if node is None:
        return None, {}
    walker = NodeWalker(1)
    try:
        value = walker.build(node, (), 0)
    except _Abort as abort:
        raise DocumentProblem(abort.message, abort.line) from None
    except RecursionError:
        raise DocumentProblem("nested too deeply to read", walker.line(node)) from None
    return value, walker.lines


def parse_template(
    rendered: RenderedTemplate,
    *,
    target: Target,
    file: str,
    first_line: int = 1,
    relative_lines: bool = True,
) -> tuple[list[Manifest], list[ParseProblem]]:
    """Parse one template's output (one or more documents) into manifests and problems.

    `first_line` is the line of the text's first line in the file a person sees. With
    `relative_lines` the rendered location counts from the object's first line (rendered text that
    exists only in memory); otherwise it is the line in `file` (pre-rendered input).
    """
    manifests: list[Manifest] = []
    problems: list[ParseProblem] = []
    index = 0  # of every object read, sound or not
    try:
        for node in _documents(rendered.text):
            if node is not None:
                where = _Document(rendered, target, file, first_line, relative_lines, index)
                manifest, sound = _parse_document(node, where, problems)
                index += manifest is not None
                if manifest is not None and sound:
                    manifests.append(manifest)
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(exc, rendered.text, first_line))
    except (ValueError, TypeError) as exc:  # libyaml's reader rejects some byte sequences this way
        problems.append(ParseProblem("TL002", f"invalid YAML: {exc}", None, fatal=True))
    return manifests, problems


@dataclass(frozen=True)
class _Document:
    """Where one document of a template's output comes from, and its index among the template's objects."""

    rendered: RenderedTemplate
    target: Target
    file: str
    first_line: int
    relative_lines: bool
    index: int


def _parse_document(node: Node, where: _Document, problems: list[ParseProblem]) -> tuple[Manifest | None, bool]:
    """One document's Manifest (None when it is empty or not a mapping) and whether it is a sound
    object (no problem that keeps it from being linted); problems found are added to `problems`."""
    walker = NodeWalker(where.first_line)
    try:
        obj = walker.build(node, (), 0)
    except _Abort as abort:
        problems.append(ParseProblem("TL002", abort.message, abort.line, fatal=True))
        return None, False
    except RecursionError:
        problems.append(ParseProblem("TL002", "document is nested too deeply to read", walker.line(node), fatal=True))
        return None, False
    if obj is None:
        return None, False
    start = walker.lines[()] = walker.line(node)
    if not isinstance(obj, dict):
        what = "a list" if isinstance(obj, list) else "a scalar"
        problems.append(ParseProblem("TL004", f"document is {what}, not a Kubernetes object", start, fatal=True))
        return None, False
    manifest = Manifest(
        target=where.target,
        source=where.rendered.source,
        file=where.file,
        obj=obj,
        lines=walker.lines,
        line_offset=start - 1 if where.relative_lines else 0,
        index=where.index,
        text=where.rendered.text[node.start_mark.index : node.end_mark.index],
    )
    bad = [k for k in ("apiVersion", "kind") if not isinstance(obj.get(k), str) or not obj.get(k)]
    if bad:
        message = f"object has no {' or '.join(bad)} (a string is required)"
        problems.append(ParseProblem("TL004", message, start, path=(bad[0],), fatal=True, manifest=manifest))
        return manifest, False
    for path, line in walker.duplicates:
        message = f"duplicate key {path[-1]!r}: YAML readers keep only one value, the API server rejects it"
        problems.append(ParseProblem("TL003", message, line, path=path, manifest=manifest))
    return manifest, True


def _yaml_problem(exc: yaml.YAMLError, text: str, line_base: int) -> ParseProblem:
    """The TL002 problem for a YAML error, at the line it names."""
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML forbids (NUL, other controls)
        line = text.count("\n", 0, max(exc.position, 0)) + line_base
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return ParseProblem("TL002", f"invalid YAML: {exc.reason} (U+{char:04X})", line, fatal=True)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem_line = int(mark.line) + line_base if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if context:
        problem = f"{context}: {problem}"
    return ParseProblem("TL002", f"invalid YAML: {_unquote(problem)}", problem_line, fatal=True)
