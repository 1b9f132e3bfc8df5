"""Where a person edits a finding: the values-file line that supplied a field, the template line that wrote it.

Helm does not say which template line produced which rendered line, so this module reads the chart the
way a person would. Every template is turned into a *skeleton*: each `{{ ... }}` action becomes a
placeholder token, lines that only hold control actions become blank, and a line that only emits a
block (`include ... | nindent 4`, `toYaml .Values.x | nindent 12`) becomes a placeholder key at the
indentation Helm would give it. Line numbers never move, so the skeleton parses as YAML whose nodes
carry the template's own lines. A rendered field path is then walked down the skeleton (and into
helpers from `_helpers.tpl`, and into values for `toYaml` blocks); the `.Values.a.b` expression that
feeds the field is looked up in the environment's values files, last one wins.

Every answer is checked against what Helm rendered (literal siblings must match, the values value must
appear in the rendered value); anything ambiguous is left out, because a wrong line is worse than none.
All of this runs only for findings, and each file is read and analysed at most once per run.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from todolint.models import FieldPath, Finding, Location, Manifest, Target, printable
from todolint.parse import Loader, NodeWalker, scalar_value

#: Kinds in the order a person would rather edit them.
KIND_ORDER = ("values", "template", "rendered")
#: How a `--set` value is named as a location's file.
SET_FILE = "--set"

_TOKEN = re.compile(r"__tl(\d+)__")
_COMMENT_START = re.compile(r"\s*/\*")
_VALUES_TERM = re.compile(r"^(\$?)\.Values((?:\.[A-Za-z_][\w-]*)*)$")
_FIELD_TERM = re.compile(r"^\.((?:[A-Za-z_][\w-]*)(?:\.[A-Za-z_][\w-]*)*)?$")
_VAR_TERM = re.compile(r"^\$([A-Za-z_]\w*)((?:\.[A-Za-z_][\w-]*)*)$")
#: Pipeline functions that pass a value through unchanged in substance.
_PASS_THROUGH = frozenset({"quote", "squote", "toString", "int", "int64", "float64", "trim", "toYaml", "default"})
#: The span recorded for a helper defined twice in one file.
_TWICE = (0, -1)
_CONTROL = frozenset({"if", "else", "end", "range", "with", "define", "block", "break", "continue"})


# --- Go template actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Action:
    """One `{{ ... }}` of a template file."""

    index: int
    body: str
    line: int
    column: int
    left_trim: bool
    #: comment, if, else, end, range, with, define, block, assign, include, toyaml, output.
    kind: str
    #: For include/template: the helper's name and its argument; for toyaml and range/with: the expression.
    name: str = ""
    arg: str = ""
    #: nindent/indent N of the pipeline (-1: none), and whether it was `nindent`.
    indent: int = -1
    nindent: bool = False
    #: Range variables (`$k, $v := ...`): key variable, value variable.
    variables: tuple[str, ...] = ()


def _split_pipeline(body: str) -> list[list[str]]:
    """`include "x" . | nindent 4` → [["include", '"x"', "."], ["nindent", "4"]] (quotes and parens kept)."""
    commands: list[list[str]] = [[]]
    word = ""
    depth = 0
    quote = ""
    for char in body:
        if quote:
            word += char
            if char == quote:
                quote = ""
            continue
        if char in '"`':
            quote = char
            word += char
        elif char == "(":
            depth += 1
            word += char
        elif char == ")":
            depth -= 1
            word += char
        elif depth == 0 and char == "|":
            if word:
                commands[-1].append(word)
            word = ""
            commands.append([])
        elif depth == 0 and char.isspace():
            if word:
                commands[-1].append(word)
            word = ""
        else:
            word += char
    if word:
        commands[-1].append(word)
    return [c for c in commands if c]


def _classify(index: int, body: str, line: int, column: int, left_trim: bool) -> _Action:
    text = body.strip()
    if text.startswith("/*"):
        return _Action(index, text, line, column, left_trim, "comment")
    commands = _split_pipeline(text)
    first = commands[0] if commands else []
    head = first[0] if first else ""
    if head in _CONTROL:
        kind = "comment" if head in ("break", "continue") else head
        rest = text[len(head) :].strip()
        variables: tuple[str, ...] = ()
        if head == "range" and ":=" in rest:
            names, rest = rest.split(":=", 1)
            variables = tuple(v.strip().lstrip("$") for v in names.split(","))
            rest = rest.strip()
        name = rest.split()[0].strip('"') if head in ("define", "block") and rest else ""
        return _Action(index, text, line, column, left_trim, kind, name=name, arg=rest, variables=variables)
    if len(first) >= 2 and first[0].startswith("$") and first[1] in (":=", "="):
        return _Action(index, text, line, column, left_trim, "assign")
    indent, nindent = -1, False
    for command in commands[1:]:
        if command[0] in ("nindent", "indent") and len(command) == 2 and command[1].isdigit():
            indent, nindent = int(command[1]), command[0] == "nindent"
    if head in ("include", "template") and len(first) >= 2 and first[1].startswith('"'):
        arg = " ".join(first[2:]) if len(first) > 2 else ""
        return _Action(index, text, line, column, left_trim, "include", first[1].strip('"'), arg, indent, nindent)
    if head == "toYaml" and len(first) == 2:
        return _Action(index, text, line, column, left_trim, "toyaml", arg=first[1], indent=indent, nindent=nindent)
    return _Action(index, text, line, column, left_trim, "output", indent=indent, nindent=nindent)


def _actions(text: str) -> tuple[str, list[_Action]]:
    """Replace every action with a token `__tlN__` (keeping line numbers) and return the actions."""
    out: list[str] = []
    actions: list[_Action] = []
    pos = 0
    line = 1
    while True:
        start = text.find("{{", pos)
        if start < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:start])
        line += text.count("\n", pos, start)
        last_nl = text.rfind("\n", 0, start)
        line_start = last_nl + 1
        inner = start + 2
        left_trim = text.startswith("-", inner) and text[inner + 1 : inner + 2] in (" ", "\t", "\n", "\r")
        if left_trim:
            inner += 1
        if _COMMENT_START.match(text, inner):
            close = text.find("*/", inner)
            end = text.find("}}", close) if close >= 0 else -1
        else:
            end = _find_close(text, inner)
        if end < 0:
            raise ValueError(f"line {line}: unclosed action")
        body = text[inner:end]
        if body.endswith("-") and body[-2:-1] in (" ", "\t", "\n", "\r"):
            body = body[:-1]
        action = _classify(len(actions), body, line, start - line_start, left_trim)
        actions.append(action)
        newlines = text.count("\n", start, end + 2)
        out.append(f"__tl{action.index}__" + "\n" * newlines)
        line += newlines
        pos = end + 2
    return "".join(out), actions


def _find_close(text: str, pos: int) -> int:
    quote = ""
    while pos < len(text) - 1:
        char = text[pos]
        if quote:
            if char == "\\" and quote == '"':
                pos += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"`'":
            quote = char
        elif text.startswith("}}", pos):
            return pos
        pos += 1
    return -1


# --- skeletons -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    kind: str
    line: int
    action: _Action


@dataclass
class _Doc:
    """A template (or a helper body) as YAML nodes with the template's own line numbers."""

    file: str
    roots: list[Node]
    actions: list[_Action]
    #: Open control blocks at each line (1-based).
    stacks: dict[int, tuple[_Block, ...]]
    #: Token indices that stand for whole blocks (action-only lines).
    producers: frozenset[int]

    def stack(self, line: int) -> tuple[_Block, ...]:
        return self.stacks.get(line, ())


@dataclass
class _TemplateFile:
    file: str
    text: str
    skeleton_lines: list[str]
    actions: list[_Action]
    stacks: dict[int, tuple[_Block, ...]]
    #: define name → (first body line, last body line).
    defines: dict[str, tuple[int, int]]


def _analyse(file: str, text: str) -> _TemplateFile:
    skeleton, actions = _actions(text)
    lines = skeleton.split("\n")
    stacks: dict[int, tuple[_Block, ...]] = {}
    defines: dict[str, tuple[int, int]] = {}
    stack: list[_Block] = []
    by_line: dict[int, list[_Action]] = {}
    for action in actions:
        by_line.setdefault(action.line, []).append(action)
    for number in range(1, len(lines) + 1):
        stacks[number] = tuple(stack)
        for action in by_line.get(number, ()):
            if action.kind in ("if", "range", "with", "define", "block"):
                stack.append(_Block(action.kind, action.line, action))
            elif action.kind == "end" and stack:
                opened = stack.pop()
                if opened.kind in ("define", "block") and opened.action.name:
                    # Two definitions of one name: Helm keeps one, we cannot tell which; forget both.
                    span = (opened.line + 1, number - 1)
                    defines[opened.action.name] = span if opened.action.name not in defines else _TWICE
    return _TemplateFile(file, text, lines, actions, stacks, defines)


def _is_action_only(line: str) -> bool:
    return bool(_TOKEN.search(line)) and not _TOKEN.sub("", line).strip()


class _Skeletons:
    """Parsed templates and helpers of one chart, built on first use."""

    def __init__(
        self,
        chart_path: str,
        values_kind: Callable[[str, tuple[_Block, ...]], str],
        files: dict[str, _TemplateFile | None],
    ) -> None:
        self.chart_path = chart_path
        #: Analysed template files, shared by every target of the run.
        self.files = files
        self.docs: dict[tuple[str, str], _Doc | None] = {}
        self._helpers: dict[str, tuple[str, tuple[int, int]]] | None = None
        #: `toYaml` argument where it sits → "seq" or "map", for the placeholder's shape (from merged values).
        self.values_kind = values_kind

    def file(self, path: str) -> _TemplateFile | None:
        if path not in self.files:
            try:
                self.files[path] = _analyse(path, Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                self.files[path] = None
        return self.files[path]

    def helpers(self) -> dict[str, tuple[str, tuple[int, int]]]:
        if self._helpers is None:
            found: dict[str, tuple[str, tuple[int, int]]] = {}
            duplicate: set[str] = set()
            templates = Path(self.chart_path) / "templates"
            for path in sorted(templates.rglob("*")) if templates.is_dir() else ():
                if not path.is_file() or path.suffix not in (".tpl", ".yaml", ".yml", ".txt"):
                    continue
                analysed = self.file(path.as_posix())
                for name, span in analysed.defines.items() if analysed else ():
                    if name in found or span == _TWICE:
                        duplicate.add(name)
                    found[name] = (path.as_posix(), span)
            self._helpers = {k: v for k, v in found.items() if k not in duplicate}
        return self._helpers

    def helper_doc(self, name: str) -> _Doc | None:
        where = self.helpers().get(name)
        if where is None:
            return None
        path, (first, last) = where
        return self.doc(path, (first, last), key=name)

    def template_doc(self, path: str) -> _Doc | None:
        return self.doc(path, None, key="")

    def doc(self, path: str, span: tuple[int, int] | None, *, key: str) -> _Doc | None:
        cache_key = (path, key)
        if cache_key in self.docs:
            return self.docs[cache_key]
        self.docs[cache_key] = None  # a helper that includes itself must not recurse forever
        analysed = self.file(path)
        doc = self._build(analysed, span) if analysed is not None else None
        self.docs[cache_key] = doc
        return doc

    def _producer_line(self, analysed: _TemplateFile, line: str, number: int) -> tuple[str, int | None]:
        tokens = [analysed.actions[int(m.group(1))] for m in _TOKEN.finditer(line)]
        outputs = [a for a in tokens if a.kind in ("include", "toyaml", "output")]
        if len(outputs) != 1 or outputs[0].kind == "output":
            return "", None
        action = outputs[0]
        if action.nindent or (action.indent >= 0 and action.column == 0):
            indent = action.indent
        elif action.indent < 0 and not action.left_trim:
            indent = action.column
        else:
            return "", None
        token = f"__tl{action.index}__"
        if self._produces_sequence(action, analysed.stacks.get(number, ())):
            return " " * indent + f"- {token}", action.index
        return " " * indent + f"{token}: ~", action.index

    def _produces_sequence(self, action: _Action, stack: tuple[_Block, ...]) -> bool:
        if action.kind == "toyaml":
            return self.values_kind(action.arg, stack) == "seq"
        doc = self.helper_doc(action.name)
        return doc is not None and len(doc.roots) == 1 and isinstance(doc.roots[0], SequenceNode)

    def _build(self, analysed: _TemplateFile, span: tuple[int, int] | None) -> _Doc | None:
        inside: set[int] = set()
        for first, last in analysed.defines.values():
            inside.update(range(first - 1, last + 2))
        out: list[str] = []
        producers: set[int] = set()
        for number, line in enumerate(analysed.skeleton_lines, start=1):
            keep = (span[0] <= number <= span[1]) if span is not None else number not in inside
            if not keep:
                out.append("")
            elif _is_action_only(line):
                text, index = self._producer_line(analysed, line, number)
                out.append(text)
                if index is not None:
                    producers.add(index)
            else:
                out.append(line)
        try:
            roots = [n for n in yaml.compose_all("\n".join(out), Loader=Loader) if n is not None]
        except yaml.YAMLError:
            return None
        return _Doc(analysed.file, roots, analysed.actions, analysed.stacks, frozenset(producers))


# --- values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    file: str
    tree: Any
    lines: Mapping[FieldPath, int]


class _Unknown(Exception):
    """A `--set` expression this module does not read with confidence."""


def _set_scalar(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts = re.split(r"(?<!\\)" + re.escape(sep), text)
    return [p.replace("\\" + sep, sep) for p in parts]


def parse_set(expression: str) -> list[tuple[FieldPath, Any]]:
    """`a.b=1,c[0]=x` → [(("a", "b"), 1), (("c", 0), "x")]; raises _Unknown for list/brace syntax."""
    out: list[tuple[FieldPath, Any]] = []
    for part in _split_unescaped(expression, ","):
        if "=" not in part or "{" in part:
            raise _Unknown(expression)
        key, value = part.split("=", 1)
        path: list[str | int] = []
        for segment in _split_unescaped(key, "."):
            match = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", segment)
            if not match:
                raise _Unknown(expression)
            path.append(match.group(1))
            path.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
        out.append((tuple(path), _set_scalar(value)))
    return out


def _get(tree: Any, path: FieldPath) -> tuple[bool, Any]:
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


def _merge(base: Any, overlay: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(overlay, dict):
        return copy.deepcopy(overlay)
    merged = dict(base)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged.get(key), value)
    return merged


def _set_tree(path: FieldPath, value: Any) -> Any:
    tree: Any = value
    for part in reversed(path):
        if isinstance(part, int):
            return None  # list indexes: rebuild nothing, the caller treats it as unknown
        tree = {part: tree}
    return tree


@dataclass
class _Values:
    """The values of one target: each source with its lines, and the merged result Helm sees."""

    sources: list[_Source]
    merged: Any
    #: `--set` paths in order, or None when one could not be read (then no values location at all).
    sets: list[tuple[FieldPath, Any]] | None

    def kind_of(self, path: FieldPath) -> str:
        found, value = _get(self.merged, path)
        return "seq" if found and isinstance(value, list) else "map"

    def locate(self, path: FieldPath, *, extend: bool = False) -> Location | None:
        """The last source that sets `path`, checked against the merged value.

        With `extend` (something is missing under `path`) any map at `path` is a place to add it: the
        last source that has one is the one that decides for this environment.
        """
        if self.sets is None:
            return None
        found, merged = _get(self.merged, path)
        if not found or (extend and not isinstance(merged, dict)):
            return None
        winner: Location | None = None
        winner_value: Any = None
        for source in self.sources:
            for end in range(1, len(path) + 1):
                hit, value = _get(source.tree, path[:end])
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


def _load_values(file: str) -> _Source | None:
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
        node = yaml.compose(text, Loader=Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
        return None
    if node is None:
        return _Source(file, {}, {})
    walker = NodeWalker(1)
    try:
        tree = walker.build(node, (), 0)
    except Exception:
        return None
    return _Source(file, tree, walker.lines)


# --- walking a rendered path down a skeleton -------------------------------------------------------


@dataclass(frozen=True)
class _Origin:
    file: str
    line: int
    #: The values path that fed the field, when one did.
    values: FieldPath | None = None
    #: The values map writes only some keys of this mapping (a place to add one, not the field's source).
    partial: bool = False


class _Star:
    """One element of a `range`: bound to a key or index while walking."""

    def __init__(self, line: int) -> None:
        self.line = line


_ROOT = ("<root>",)


@dataclass(frozen=True)
class _Scope:
    """What `.` and `$` mean where a node sits: the root context or a values path (with range stars)."""

    dot: Any = _ROOT
    dollar: Any = _ROOT
    variables: Mapping[str, Any] = field(default_factory=dict)
    bound: Mapping[int, str | int] = field(default_factory=dict)


def _resolve_term(term: str, scope: _Scope, stack: Sequence[_Block]) -> Any:
    """A term as a values path (a tuple that may hold _Star), _ROOT, or None when unknown."""
    dot, variables = _scope_at(scope, stack)
    match = _VALUES_TERM.match(term)
    if match:
        base = scope.dollar if match.group(1) else dot
        if base is not _ROOT:
            return None
        return tuple(p for p in match.group(2).split(".") if p)
    match = _FIELD_TERM.match(term)
    if match:
        if dot is _ROOT or dot is None:
            return dot if not match.group(1) else None
        return (*dot, *(p for p in (match.group(1) or "").split(".") if p))
    match = _VAR_TERM.match(term)
    if match:
        base = variables.get(match.group(1))
        if base is None or base is _ROOT or isinstance(base, str):
            return None
        return (*base, *(p for p in match.group(2).split(".") if p))
    if term == "$":
        return scope.dollar
    return None


def _scope_at(scope: _Scope, stack: Sequence[_Block]) -> tuple[Any, dict[str, Any]]:
    dot = scope.dot
    variables: dict[str, Any] = dict(scope.variables)
    for block in stack:
        action = block.action
        if block.kind in ("with", "range"):
            words = action.arg.split()
            base = _resolve_term(words[0], _Scope(dot, scope.dollar, variables), ()) if len(words) == 1 else None
            if base is None or base is _ROOT:
                dot = None
            elif block.kind == "with":
                dot = base
            else:
                dot = (*base, _Star(block.line))
                if len(action.variables) == 2:
                    variables[action.variables[0]] = f"key:{block.line}"
                    variables[action.variables[1]] = dot
                elif len(action.variables) == 1:
                    variables[action.variables[0]] = dot
    return dot, variables


def _bind(path: Any, bound: Mapping[int, str | int]) -> FieldPath | None:
    if not isinstance(path, tuple) or path is _ROOT:
        return None
    out: list[str | int] = []
    for part in path:
        if isinstance(part, _Star):
            if part.line not in bound:
                return None
            out.append(bound[part.line])
        else:
            out.append(part)
    return tuple(out)


def _tokens(text: str) -> list[int]:
    return [int(m.group(1)) for m in _TOKEN.finditer(text)]


def _literal(node: Node) -> bool:
    return isinstance(node, ScalarNode) and not _TOKEN.search(node.value)


def _pattern(text: str) -> re.Pattern[str]:
    pieces = _TOKEN.split(text)
    # re.split keeps the token numbers at odd positions; every token may render as anything.
    return re.compile("(?s:.*)".join(re.escape(piece) for piece in pieces[::2]))


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Walk:
    """Walks one rendered field path down one chart's skeletons."""

    def __init__(self, skeletons: _Skeletons, values: _Values | None) -> None:
        self.skeletons = skeletons
        self.values = values
        self.depth = 0

    def conditional(self, doc: _Doc, parent_line: int, line: int) -> bool:
        outer = doc.stack(parent_line)
        return any(b not in outer and b.kind in ("if", "with", "range") for b in doc.stack(line))

    def ranged(self, doc: _Doc, parent_line: int, line: int) -> _Block | None:
        outer = doc.stack(parent_line)
        inner = [b for b in doc.stack(line) if b not in outer and b.kind in ("if", "with", "range")]
        return inner[-1] if len(inner) == 1 and inner[0].kind == "range" else None

    def consistent(self, doc: _Doc, node: Node, value: Any, line: int) -> bool:
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
            for key, child in node.value:
                # A key under an `if`/`with`/`range` of its own may or may not be what Helm wrote.
                if not _literal(key) or self.conditional(doc, line, _line(key)):
                    continue
                if key.value not in value:
                    return False
                if isinstance(child, (ScalarNode, MappingNode)) and not self.consistent(
                    doc, child, value[key.value], _line(key)
                ):
                    return False
        return True

    def walk(self, doc: _Doc, node: Node, value: Any, path: FieldPath, line: int, scope: _Scope) -> list[_Origin]:
        if not path:
            return [self.finish(doc, node, value, line, scope)]
        self.depth += 1
        try:
            if self.depth > 50:
                return []
            if isinstance(node, ScalarNode):
                tokens = _tokens(node.value)
                if len(tokens) == 1 and node.value.strip() == f"__tl{tokens[0]}__":
                    return self.produce(doc, doc.actions[tokens[0]], value, path, scope, _line(node))
                return []
            if isinstance(node, MappingNode):
                return self.walk_mapping(doc, node, value, path, line, scope)
            if isinstance(node, SequenceNode):
                return self.walk_sequence(doc, node, value, path, line, scope)
            return []
        finally:
            self.depth -= 1

    def walk_mapping(
        self, doc: _Doc, node: MappingNode, value: Any, path: FieldPath, line: int, scope: _Scope
    ) -> list[_Origin]:
        key = path[0]
        if not isinstance(value, Mapping) or not isinstance(key, str) or key not in value:
            return []
        literal: list[_Origin] = []
        produced: list[_Origin] = []
        for key_node, child in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            key_line = _line(key_node)
            if _literal(key_node):
                if key_node.value == key and self.consistent(doc, child, value[key], key_line):
                    literal.extend(self.walk(doc, child, value[key], path[1:], key_line, scope))
                continue
            tokens = _tokens(key_node.value)
            if len(tokens) != 1 or key_node.value.strip() != f"__tl{tokens[0]}__":
                continue
            action = doc.actions[tokens[0]]
            if tokens[0] in doc.producers:
                produced.extend(self.produce(doc, action, value, path, scope, key_line))
            elif action.kind == "output":
                bound = self.range_key(doc, action, key_line, key)
                if bound is not None:
                    inner = _Scope(scope.dot, scope.dollar, scope.variables, {**scope.bound, **bound})
                    produced.extend(self.walk(doc, child, value[key], path[1:], key_line, inner))
        # A literal key and a helper both writing it: Helm's YAML keeps the last; we cannot tell.
        found = literal + produced
        return found if len(found) == 1 else []

    def range_key(self, doc: _Doc, action: _Action, line: int, key: str) -> dict[int, str | int] | None:
        """`{{ $key }}:` inside `range $key, $value := .Values.x`: bind that range to the rendered key."""
        name = action.body.strip().lstrip("$")
        if not re.fullmatch(r"\w+", name) or not action.body.strip().startswith("$"):
            return None
        for block in reversed(doc.stack(line)):
            if block.kind == "range" and len(block.action.variables) == 2 and block.action.variables[0] == name:
                return {block.line: key}
        return None

    def walk_sequence(
        self, doc: _Doc, node: SequenceNode, value: Any, path: FieldPath, line: int, scope: _Scope
    ) -> list[_Origin]:
        index = path[0]
        if not isinstance(value, list) or not isinstance(index, int) or not 0 <= index < len(value):
            return []
        items = node.value
        item_value = value[index]
        fixed = all(
            not self.conditional(doc, line, _line(item))
            and not (isinstance(item, ScalarNode) and _TOKEN.fullmatch(item.value.strip() or "-") is not None)
            for item in items
        )
        if fixed and len(items) == len(value):
            chosen = items[index]
            return self.walk(doc, chosen, item_value, path[1:], _line(chosen), scope)
        candidates = [item for item in items if self.consistent(doc, item, item_value, _line(item))]
        if len(candidates) != 1:
            return []
        chosen = candidates[0]
        if isinstance(chosen, ScalarNode):
            tokens = _tokens(chosen.value)
            if len(items) == 1 and len(tokens) == 1 and tokens[0] in doc.producers:
                return self.produce(doc, doc.actions[tokens[0]], value, path, scope, _line(chosen))
        inner = scope
        block = self.ranged(doc, line, _line(chosen))
        if block is not None and len(items) == 1:
            inner = _Scope(scope.dot, scope.dollar, scope.variables, {**scope.bound, block.line: index})
        return self.walk(doc, chosen, item_value, path[1:], _line(chosen), inner)

    def produce(
        self, doc: _Doc, action: _Action, value: Any, path: FieldPath, scope: _Scope, line: int
    ) -> list[_Origin]:
        """A block written by `include` or `toYaml` at `line`: does it write `path`?"""
        stack = doc.stack(line)
        if action.kind == "include":
            helper = self.skeletons.helper_doc(action.name)
            if helper is None or len(helper.roots) != 1:
                return []
            arg = _resolve_term(action.arg, scope, stack) if action.arg else None
            inner = _Scope(arg, arg, {}, scope.bound) if arg is not None else _Scope(None, None, {}, {})
            root = helper.roots[0]
            return self.walk(helper, root, value, path, _line(root), inner)
        if action.kind == "toyaml" and self.values is not None:
            base = _bind(_resolve_term(action.arg, scope, stack), scope.bound)
            if base is None:
                return []
            found, block = _get(self.values.merged, base)
            rendered_found, rendered = _get(value, path)
            inner_found, inner = _get(block, path)
            if not (found and rendered_found and inner_found and inner == rendered):
                return []
            return [_Origin(doc.file, action.line, (*base, *path))]
        return []

    def finish(self, doc: _Doc, node: Node, value: Any, line: int, scope: _Scope) -> _Origin:
        """The field itself: its template line, and the values path when one `.Values` expression feeds it."""
        if isinstance(node, MappingNode):
            block = self.block_values(doc, node, line, scope)
            supplied = _get(self.values.merged, block)[1] if block is not None and self.values is not None else None
            return _Origin(doc.file, line, block, partial=supplied != value)
        tokens = _tokens(node.value) if isinstance(node, ScalarNode) else []
        outputs = [doc.actions[t] for t in tokens if doc.actions[t].kind not in ("comment", "assign")]
        if len(outputs) != 1 or outputs[0].kind != "output" or self.values is None:
            return _Origin(doc.file, line)
        commands = _split_pipeline(outputs[0].body)
        first = commands[0]
        if len(first) == 1:
            term = first[0]
        elif first[0] in _PASS_THROUGH and first[0] != "default" and len(first) == 2:
            term = first[1]
        elif first[0] == "default" and len(first) == 3:
            term = first[2]
        else:
            return _Origin(doc.file, line)
        if any(c[0] not in _PASS_THROUGH for c in commands[1:]):
            return _Origin(doc.file, line)
        path = _bind(_resolve_term(term, scope, doc.stack(line)), scope.bound)
        if path is None:
            return _Origin(doc.file, line)
        found, supplied = _get(self.values.merged, path)
        if (
            not found
            or isinstance(supplied, (dict, list))
            or not _text(supplied)
            or _text(supplied) not in _text(value)
        ):
            return _Origin(doc.file, line)
        if not supplied and any(c[0] == "default" for c in commands):
            return _Origin(doc.file, line)  # an empty value (0, false): Helm's `default` wrote the field
        return _Origin(doc.file, line, path)

    def block_values(self, doc: _Doc, node: MappingNode, line: int, scope: _Scope) -> FieldPath | None:
        """The one values map that writes keys into this mapping (`toYaml .Values.x`, `range .Values.x`)."""
        found: list[FieldPath] = []
        for key_node, _child in node.value:
            tokens = _tokens(key_node.value) if isinstance(key_node, ScalarNode) else []
            if len(tokens) != 1 or key_node.value.strip() != f"__tl{tokens[0]}__":
                continue
            action = doc.actions[tokens[0]]
            stack = doc.stack(_line(key_node))
            if tokens[0] in doc.producers and action.kind == "toyaml":
                base = _bind(_resolve_term(action.arg, scope, stack), scope.bound)
            elif action.kind == "output" and action.body.strip().startswith("$"):
                outer = doc.stack(line)
                ranges = [b for b in stack if b.kind == "range" and b not in outer]
                words = ranges[0].action.arg.split() if len(ranges) == 1 else []
                base = _bind(_resolve_term(words[0], scope, outer), scope.bound) if len(words) == 1 else None
            else:
                continue
            if base is None:
                return None
            found.append(base)
        return found[0] if len(found) == 1 else None


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- the public entry point ------------------------------------------------------------------------


class Locator:
    """Computes a finding's locations; one per run, so each chart file is read and analysed once."""

    def __init__(self) -> None:
        self._values: dict[Target, _Values | None] = {}
        self._skeletons: dict[tuple[str, Target], _Skeletons] = {}
        self._files: dict[str, _TemplateFile | None] = {}
        self._sources: dict[str, _Source | None] = {}
        self._source_locations: dict[str, Location] = {}

    @property
    def files_read(self) -> int:
        """How many chart files (templates, helpers, values) this run has read: 0 on a clean run."""
        return len(self._files) + len(self._sources)

    def values(self, target: Target) -> _Values | None:
        if target not in self._values:
            self._values[target] = self._load(target)
        return self._values[target]

    def _source(self, file: str) -> _Source | None:
        if file not in self._sources:
            self._sources[file] = _load_values(file)
        return self._sources[file]

    def _load(self, target: Target) -> _Values | None:
        sources: list[_Source] = []
        for file in (f"{target.chart_path}/values.yaml", *target.values_files):
            source = self._source(file)
            if source is None:
                if file == f"{target.chart_path}/values.yaml" and not Path(file).exists():
                    continue
                return None
            sources.append(source)
        merged: Any = {}
        for source in sources:
            merged = _merge(merged, source.tree if isinstance(source.tree, dict) else {})
        sets: list[tuple[FieldPath, Any]] | None = []
        try:
            for expression in target.set_values:
                for path, value in parse_set(expression):
                    tree = _set_tree(path, value)
                    if tree is None:
                        raise _Unknown(expression)
                    merged = _merge(merged, tree)
                    assert sets is not None
                    sets.append((path, value))
        except _Unknown:
            sets = None
        return _Values(sources, merged, sets)

    def skeletons(self, target: Target) -> _Skeletons:
        # Keyed by target too: the shape of a toYaml block (list or map) depends on the values.
        key = (target.chart_path, target)
        if key not in self._skeletons:
            values = self.values(target)
            self._skeletons[key] = _Skeletons(target.chart_path, _values_kind(values), self._files)
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
        # Places with a line come first: the first location is the primary one everywhere.
        # `--set` has no line but is still the place to edit; a template file without a line is not.
        return tuple(
            sorted(located, key=lambda loc: (loc.line is None and loc.kind != "values", KIND_ORDER.index(loc.kind)))
        )

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

    def _origin(self, manifest: Manifest, path: FieldPath, template_file: str) -> _Origin | None:
        skeletons = self.skeletons(manifest.target)
        doc = skeletons.template_doc(template_file)
        if doc is None:
            return None
        existing = _existing(manifest.obj, path)
        roots = [r for r in doc.roots if isinstance(r, MappingNode)]
        walker = _Walk(skeletons, self.values(manifest.target))
        candidates = [r for r in roots if walker.consistent(doc, r, manifest.obj, _line(r))]
        if len(candidates) != 1:
            return None
        root = candidates[0]
        if not existing:
            return _Origin(doc.file, _first_key_line(root))
        origins = walker.walk(doc, root, manifest.obj, existing, _line(root), _Scope())
        if len(set(origins)) != 1:
            return None
        origin = origins[0]
        # For a missing field this is its nearest parent: the block (and values key) it would join.
        return origin


def _rank(location: Location) -> tuple[bool, int]:
    return (location.line is None and location.kind != "values", KIND_ORDER.index(location.kind))


def _values_kind(values: _Values | None) -> Callable[[str, tuple[_Block, ...]], str]:
    """`toYaml` argument (in its blocks) → "seq" when the merged values hold a list there, else "map"."""

    def kind(arg: str, stack: tuple[_Block, ...]) -> str:
        path = _resolve_term(arg, _Scope(), stack)
        if values is None or not isinstance(path, tuple) or path is _ROOT or any(isinstance(p, _Star) for p in path):
            return "map"
        return values.kind_of(path)

    return kind


def _existing(obj: Any, path: FieldPath) -> FieldPath:
    """The longest prefix of `path` present in `obj` (a missing field's nearest parent)."""
    for end in range(len(path), -1, -1):
        if _get(obj, path[:end])[0]:
            return path[:end]
    return ()


def _first_key_line(root: MappingNode) -> int:
    return _line(root.value[0][0]) if root.value else _line(root)


# --- code frames for the text report ---------------------------------------------------------------

_SENSITIVE = re.compile(
    r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL|AUTH|DSN|CONNECTION_STRING", re.I
)
_CREDENTIAL_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def frame_location(finding: Finding) -> Location | None:
    """The primary location when it is a file on disk a frame can be read from, else None.

    A rendered location of a chart render names the template file but counts lines in the rendered
    text, so it never gets a frame; a pre-rendered input file does.
    """
    if not finding.locations:
        return None
    primary = finding.locations[0]
    if primary.line is None or primary.object is not None or primary.file in (SET_FILE, "-", "<stdin>"):
        return None
    if primary.kind == "rendered" and any(
        loc.kind == "template" and loc.file == primary.file for loc in finding.locations
    ):
        return None
    return primary


def code_frame(
    location: Location,
    *,
    masked: bool = False,
    secret_line: bool = False,
    stated: str = "",
    cache: dict[str, list[str]] | None = None,
) -> list[str]:
    """Up to three lines around `location.line`, numbered, the line itself marked with `>`.

    Only what can hold a secret is replaced by `***`: a value under a key or env name that looks like a
    secret and a URL with credentials, always; and unless the finding's message (`stated`) names that
    value itself (messages never quote a secret): every value of a Secret (`masked`), the marked line's
    rendered value for a secrets rule (`secret_line`), and every text value of a values file, since any
    values key may feed a secret.
    """
    if location.line is None:
        return []
    lines = cache.get(location.file) if cache is not None else None
    if lines is None:
        try:
            lines = Path(location.file).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        if cache is not None:
            cache[location.file] = lines
    if not 1 <= location.line <= len(lines):
        return []
    first = max(1, location.line - 1)
    last = min(len(lines), location.line + 1)
    width = len(str(last))
    out = []
    for number in range(first, last + 1):
        mark = ">" if number == location.line else " "
        # `- name: API_KEY` then `value: ...`: the value is as secret as the name says.
        named = number > 1 and _SENSITIVE_NAME.search(lines[number - 2]) is not None
        line = printable(lines[number - 1])
        if location.kind == "values":
            shown = _mask_strings(line, stated="" if named else stated)
        else:
            # A template line is the chart's source, not a rendered value: only its literals can be secrets.
            flagged = secret_line and number == location.line and location.kind != "template"
            shown = _mask(line, secret=named, maybe=masked or flagged, stated=stated)
        out.append(f"{mark} {number:>{width}} | {shown}")
    return out


#: Scalars a values frame may show: numbers, booleans, null, empty collections, block indicators.
_PLAIN = re.compile(
    r"""^(?:[-+]?(?:\d[\d_]*)(?:\.\d*)?(?:[eE][-+]?\d+)?|true|false|True|False|null|~|\{\}|\[\]|[|>][-+]?\d?|)$"""
)


def _unquote(value: str) -> str:
    """`'5'` → `5`: a quoted number is still just a number (quoted text stays quoted, and masked)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" and _PLAIN.match(value[1:-1]):
        return value[1:-1]
    return value


def _mask_strings(line: str, *, stated: str = "") -> str:
    body = line.split(" #", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
    if not body.strip():
        return line if not line.lstrip().startswith("#") else line[: len(line) - len(line.lstrip())] + "# ..."
    key = _KEY.match(body)
    if key is not None:
        value = body[key.end() :].strip()
        if _PLAIN.match(_unquote(value)):
            return body
        secret = _SENSITIVE.search(key.group(1)) or _CREDENTIAL_URL.search(value)
        return body if not secret and _stated(value, stated) else f"{key.group(1)}: ***"
    indent = body[: len(body) - len(body.lstrip())]
    item = body.strip()
    if item.startswith("- ") and _PLAIN.match(_unquote(item[2:].strip())):
        return body
    if item.startswith("- ") and not _CREDENTIAL_URL.search(item) and _stated(item[2:].strip(), stated):
        return body
    return indent + ("- ***" if item.startswith("-") else "***")


def _stated(value: str, message: str) -> bool:
    """Whether the message names this value itself (`found "NodePort"`): showing it then tells nothing new.
    Messages never quote a secret (README "redaction"), so nothing they name needs hiding."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if not value or not message or value[0] in "{[&*!|>":  # flow collections, anchors, tags: not one value
        return False
    return re.search(r"(?<![\w.-])" + re.escape(value) + r"(?![\w.-])", message) is not None


_KEY = re.compile(r"^(\s*(?:- )?[^\s:#][^:]*?):(?:\s|$)")
_SENSITIVE_NAME = re.compile(r"^\s*(?:- )?name:\s*[\"']?[\w.-]*(?:" + _SENSITIVE.pattern + ")", re.I)


def masked_line(line: str, *, values_file: bool, previous: str = "") -> str:
    """`line` as a code frame shows it when no message names its value: in a values file strings are
    `***`; elsewhere values that look like secrets are (a key that names one, a credential URL, the
    `value:` after `- name: API_KEY`)."""
    if values_file:
        return _mask_strings(line)
    return _mask(line, secret=_SENSITIVE_NAME.search(previous) is not None)


#: Top-level keys of an object whose values are no secret even in a Secret (`kind: Secret`, `type: Opaque`).
_STRUCTURE = re.compile(r"^(?:apiVersion|kind|type|immutable)$")


def _mask(line: str, *, secret: bool = False, maybe: bool = False, stated: str = "") -> str:
    """`secret`: the value is one (by its env name); `maybe`: it may be one, unless `stated` names it."""
    key = _KEY.match(line)
    if key is not None:
        value = line[key.end() :].strip()
        if not value:
            return line
        if secret or _SENSITIVE.search(key.group(1)) or _CREDENTIAL_URL.search(value):
            return f"{key.group(1)}: ***"
        if maybe and not _STRUCTURE.match(key.group(1)) and not _stated(value, stated):
            return f"{key.group(1)}: ***"
        return line
    if _CREDENTIAL_URL.search(line) or ((secret or maybe) and not _stated(line.strip().lstrip("- "), stated)):
        return line[: len(line) - len(line.lstrip())] + "***"
    return line


__all__ = ["KIND_ORDER", "SET_FILE", "Locator", "code_frame", "frame_location", "masked_line", "parse_set"]
