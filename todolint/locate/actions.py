"""The Go-template lexer: a template's `{{ ... }}` actions, each classified, and the template's text with
every action replaced by a token `__tlN__` that keeps the line numbers where they are.

It reads as much of Go's template syntax as finding a field's source needs: comments, control actions
(`if`, `range $k, $v := ...`, `define`), variable assignments, `include`/`template` of a helper with its
argument, `toYaml` of an expression, and the `nindent`/`indent` a pipeline ends with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The token that stands for action number N in a skeleton.
TOKEN = re.compile(r"__tl(\d+)__")
_COMMENT_START = re.compile(r"\s*/\*")
_CONTROL = frozenset({"if", "else", "end", "range", "with", "define", "block", "break", "continue"})


@dataclass(frozen=True)
class Action:
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


def split_pipeline(body: str) -> list[list[str]]:
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


def _classify(index: int, body: str, line: int, column: int, left_trim: bool) -> Action:
    text = body.strip()
    if text.startswith("/*"):
        return Action(index, text, line, column, left_trim, "comment")
    commands = split_pipeline(text)
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
        return Action(index, text, line, column, left_trim, kind, name=name, arg=rest, variables=variables)
    if len(first) >= 2 and first[0].startswith("$") and first[1] in (":=", "="):
        return Action(index, text, line, column, left_trim, "assign")
    indent, nindent = -1, False
    for command in commands[1:]:
        if command[0] in ("nindent", "indent") and len(command) == 2 and command[1].isdigit():
            indent, nindent = int(command[1]), command[0] == "nindent"
    if head in ("include", "template") and len(first) >= 2 and first[1].startswith('"'):
        arg = " ".join(first[2:]) if len(first) > 2 else ""
        return Action(index, text, line, column, left_trim, "include", first[1].strip('"'), arg, indent, nindent)
    if head == "toYaml" and len(first) == 2:
        return Action(index, text, line, column, left_trim, "toyaml", arg=first[1], indent=indent, nindent=nindent)
    return Action(index, text, line, column, left_trim, "output", indent=indent, nindent=nindent)


def tokenize(text: str) -> tuple[str, list[Action]]:
    """Replace every action with a token `__tlN__` (keeping line numbers) and return the actions."""
    out: list[str] = []
    actions: list[Action] = []
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


def token_indices(text: str) -> list[int]:
    """The action numbers of the tokens in a skeleton's text, in order."""
    return [int(m.group(1)) for m in TOKEN.finditer(text)]


def is_action_only(line: str) -> bool:
    """Whether a skeleton line holds tokens and nothing else."""
    return bool(TOKEN.search(line)) and not TOKEN.sub("", line).strip()


__all__ = ["TOKEN", "Action", "is_action_only", "split_pipeline", "token_indices", "tokenize"]
