"""Template skeletons: a chart's templates and helpers as YAML nodes that carry the template's own lines.

Every action of a template becomes a token (`todolint.locate.actions`), lines that only hold control
actions become blank, and a line that only emits a block (`include ... | nindent 4`, `toYaml .Values.x |
nindent 12`) becomes a placeholder key (or list item) at the indentation Helm would give it. Line numbers
never move, so the skeleton parses as YAML whose nodes carry the template's lines. A helper's body
(`define`) is a skeleton of its own; the rest of its file is blank in the template's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml
from yaml.nodes import Node, SequenceNode

from todolint.locate.actions import TOKEN, Action, is_action_only, tokenize
from todolint.parse import Loader

#: The span recorded for a helper defined twice in one file.
_TWICE = (0, -1)


def _read_file(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class Block:
    """A control block (`if`, `with`, `range`, `define`) open at a line: its kind, first line, action."""

    kind: str
    line: int
    action: Action


@dataclass
class TemplateDoc:
    """A template (or a helper body) as YAML nodes with the template's own line numbers."""

    file: str
    roots: list[Node]
    actions: list[Action]
    #: Open control blocks at each line (1-based).
    stacks: dict[int, tuple[Block, ...]]
    #: Token indices that stand for whole blocks (action-only lines).
    producers: frozenset[int]

    def stack(self, line: int) -> tuple[Block, ...]:
        """The control blocks open at `line`, outermost first."""
        return self.stacks.get(line, ())


@dataclass
class TemplateFile:
    """One template file read and tokenised: its skeleton lines, actions, blocks and helpers."""

    file: str
    text: str
    skeleton_lines: list[str]
    actions: list[Action]
    stacks: dict[int, tuple[Block, ...]]
    #: define name → (first body line, last body line).
    defines: dict[str, tuple[int, int]]


def analyse(file: str, text: str) -> TemplateFile:
    """`text` (the template `file`) tokenised, with the blocks open at each line and its `define`s."""
    skeleton, actions = tokenize(text)
    lines = skeleton.split("\n")
    stacks: dict[int, tuple[Block, ...]] = {}
    defines: dict[str, tuple[int, int]] = {}
    stack: list[Block] = []
    by_line: dict[int, list[Action]] = {}
    for action in actions:
        by_line.setdefault(action.line, []).append(action)
    for number in range(1, len(lines) + 1):
        stacks[number] = tuple(stack)
        for action in by_line.get(number, ()):
            if action.kind in ("if", "range", "with", "define", "block"):
                stack.append(Block(action.kind, action.line, action))
            elif action.kind == "end" and stack:
                opened = stack.pop()
                if opened.kind in ("define", "block") and opened.action.name:
                    # Two definitions of one name: Helm keeps one, we cannot tell which; forget both.
                    span = (opened.line + 1, number - 1)
                    defines[opened.action.name] = span if opened.action.name not in defines else _TWICE
    return TemplateFile(file, text, lines, actions, stacks, defines)


class Skeletons:
    """Parsed templates and helpers of one chart, built on first use."""

    def __init__(
        self,
        templates: Sequence[tuple[int, str]],
        values_kind: Callable[[str, tuple[Block, ...]], str],
        files: dict[str, TemplateFile | None],
        read: Callable[[str], str | None] = _read_file,
    ) -> None:
        #: (depth, file) of every template file of the render's charts, where helpers may be defined: the
        #: depth is how many `/` Helm's name of it holds (`top/charts/sub/templates/_helpers.tpl`: 4).
        self.templates = templates
        #: Analysed template files, shared by every target of the run.
        self.files = files
        self.read = read
        self.docs: dict[tuple[str, str], TemplateDoc | None] = {}
        self._helpers: dict[str, tuple[str, tuple[int, int]]] | None = None
        #: `toYaml` argument where it sits → "seq" or "map", for the placeholder's shape (from merged values).
        self.values_kind = values_kind

    def file(self, path: str) -> TemplateFile | None:
        """The template file at `path`, read and analysed once; None when it cannot be read."""
        if path not in self.files:
            text = self.read(path)
            try:
                self.files[path] = analyse(path, text) if text is not None else None
            except ValueError:
                self.files[path] = None
        return self.files[path]

    def helpers(self) -> dict[str, tuple[str, tuple[int, int]]]:
        """Helper name → (file, body span), for the names the render's templates define once where Helm
        looks first.

        All charts of a render share one set of helpers. Helm parses the deepest templates first, so a
        name defined nearer the top wins (a parent's over a subchart's); two definitions at one depth are
        left out.
        """
        if self._helpers is None:
            found: dict[str, tuple[int, str, tuple[int, int]]] = {}
            duplicate: set[str] = set()
            for depth, path in sorted(self.templates):
                if PurePosixPath(path).suffix not in (".tpl", ".yaml", ".yml", ".txt"):
                    continue
                analysed = self.file(path)
                for name, span in analysed.defines.items() if analysed else ():
                    if name in found and found[name][0] < depth:
                        continue  # a chart nearer the top defines it: Helm keeps that one
                    if name in found or span == _TWICE:
                        duplicate.add(name)
                    found[name] = (depth, path, span)
            self._helpers = {k: (v[1], v[2]) for k, v in found.items() if k not in duplicate}
        return self._helpers

    def helper_doc(self, name: str) -> TemplateDoc | None:
        """The skeleton of helper `name`'s body, or None when it is unknown or does not parse."""
        where = self.helpers().get(name)
        if where is None:
            return None
        path, (first, last) = where
        return self.doc(path, (first, last), key=name)

    def template_doc(self, path: str) -> TemplateDoc | None:
        """The skeleton of the template at `path` (its helpers' bodies left out)."""
        return self.doc(path, None, key="")

    def doc(self, path: str, span: tuple[int, int] | None, *, key: str) -> TemplateDoc | None:
        """The skeleton of `path` (of the lines in `span` only, when given), built once per `key`."""
        cache_key = (path, key)
        if cache_key in self.docs:
            return self.docs[cache_key]
        self.docs[cache_key] = None  # a helper that includes itself must not recurse forever
        analysed = self.file(path)
        doc = self._build(analysed, span) if analysed is not None else None
        self.docs[cache_key] = doc
        return doc

    def _producer_line(self, analysed: TemplateFile, line: str, number: int) -> tuple[str, int | None]:
        tokens = [analysed.actions[int(m.group(1))] for m in TOKEN.finditer(line)]
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

    def _produces_sequence(self, action: Action, stack: tuple[Block, ...]) -> bool:
        if action.kind == "toyaml":
            return self.values_kind(action.arg, stack) == "seq"
        doc = self.helper_doc(action.name)
        return doc is not None and len(doc.roots) == 1 and isinstance(doc.roots[0], SequenceNode)

    def _build(self, analysed: TemplateFile, span: tuple[int, int] | None) -> TemplateDoc | None:
        inside: set[int] = set()
        for first, last in analysed.defines.values():
            inside.update(range(first - 1, last + 2))
        out: list[str] = []
        producers: set[int] = set()
        for number, line in enumerate(analysed.skeleton_lines, start=1):
            keep = (span[0] <= number <= span[1]) if span is not None else number not in inside
            if not keep:
                out.append("")
            elif is_action_only(line):
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
        return TemplateDoc(analysed.file, roots, analysed.actions, analysed.stacks, frozenset(producers))


__all__ = ["Block", "Skeletons", "TemplateDoc", "TemplateFile", "analyse"]
