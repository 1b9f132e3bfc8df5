"""A PowerShell script's `helm` install commands, read without running it: backtick continuations,
`$Name = "value"` and `param(...)` defaults, `foreach ($env in @("dev", "prod"))` loops, `$PSScriptRoot`.

Blocks (`if`, `switch`, functions) are read in order, once; a parameter or variable that holds the
environment and is not set in the script becomes `{env}`, as in a shell script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from todolint.adopt.envs import ENV_ORDER, env_like, is_env_word
from todolint.adopt.helm_args import is_helm, read_helm
from todolint.adopt.model import ENV, MAX_WORD, ROOT_ANCHOR, Install
from todolint.adopt.shell import MAX_STEPS, Script
from todolint.adopt.shell_words import Lit, Op, Part, ScriptDir, Token, Unknown, Var, Word, is_op

_NAME = re.compile(r"(?:env:)?[A-Za-z_][A-Za-z0-9_]*", re.IGNORECASE)
_OPS = "\n;|{}(),"
_CONSTANTS = {"true": "True", "false": "False", "null": ""}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.out: list[Token] = []

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def tokens(self) -> list[Token]:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == "`" and self.peek(1) in ("\n", "\r"):
                self.pos += 2 if self.peek(1) == "\n" else 3
                self.line += 1
            elif c in " \t\r":
                self.pos += 1
            elif c == "<" and self.peek(1) == "#":
                self._skip_to("#>")
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end == -1 else end
            elif c == "@" and self.peek(1) in "\"'" and self.peek(2) in ("\n", "\r"):
                self._skip_to(self.peek(1) + "@")
            elif c == "@" and self.peek(1) == "(":
                self.out.append(Op("(", self.line))
                self.pos += 2
            elif c in _OPS or c == "=" or (c == "&" and self.peek(1) in " \t'\"$"):
                self.out.append(Op(c, self.line))
                self.line += c == "\n"
                self.pos += 1
            elif c == "[" and (m := re.match(r"\[[A-Za-z_.\[\]]+\]", text[self.pos :])) is not None:
                self.pos += m.end()  # a type: `[string]$Env`
            else:
                self.out.append(self._word())
        return self.out

    def _skip_to(self, end: str) -> None:
        found = self.text.find(end, self.pos + 2)
        stop = len(self.text) if found == -1 else found + len(end)
        self.line += self.text.count("\n", self.pos, stop)
        self.pos = stop

    def _word(self) -> Word:
        line = self.line
        parts: list[Part] = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t\r" or c in _OPS:
                break
            if c == "'":
                end = self.pos + 1
                body = ""
                while end < len(self.text):
                    if self.text[end] == "'" and self.text[end + 1 : end + 2] == "'":
                        body, end = body + "'", end + 2
                    elif self.text[end] == "'":
                        break
                    else:
                        body, end = body + self.text[end], end + 1
                self.line += body.count("\n")
                self.pos = end + 1
                parts.append(Lit(body))
            elif c == '"':
                self.pos += 1
                parts.extend(self._double_quoted())
            elif c == "`":
                parts.append(Lit(_escaped(self.peek(1))))
                self.pos += 2
            elif c == "$":
                parts.append(self._variable())
            else:
                parts.append(Lit(c))
                self.pos += 1
        return Word(tuple(parts), line)

    def _double_quoted(self) -> list[Part]:
        parts: list[Part] = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == '"' and self.peek(1) == '"':
                parts.append(Lit('"'))
                self.pos += 2
            elif c == '"':
                self.pos += 1
                break
            elif c == "`":
                parts.append(Lit(_escaped(self.peek(1))))
                self.pos += 2
            elif c == "$":
                parts.append(self._variable())
            else:
                self.line += c == "\n"
                parts.append(Lit(c))
                self.pos += 1
        return parts

    def _variable(self) -> Part:
        nxt = self.peek(1)
        if nxt == "(":
            depth, i = 0, self.pos + 1
            while i < len(self.text):
                depth += {"(": 1, ")": -1}.get(self.text[i], 0)
                i += 1
                if depth == 0:
                    break
            self.pos = i
            return Unknown()
        if nxt == "{":
            end = self.text.find("}", self.pos)
            end = len(self.text) if end == -1 else end
            name = self.text[self.pos + 2 : end]
            self.pos = end + 1
            return _named(name)
        found = _NAME.match(self.text, self.pos + 1)
        if found is None:
            self.pos += 1
            return Lit("$")
        self.pos = found.end()
        return _named(found.group())


def _escaped(char: str) -> str:
    return {"n": "\n", "t": "\t", "r": "\r", "0": ""}.get(char, char)


def _named(name: str) -> Part:
    lower = name.lower()
    if lower == "psscriptroot":
        return ScriptDir()
    if lower in _CONSTANTS:
        return Lit(_CONSTANTS[lower])
    return Var(lower)


@dataclass
class _State:
    values: dict[str, str | None]
    lists: dict[str, list[str | None]]
    loop_envs: set[str]
    choices: set[str]


class _Reader:
    """Statements in order; `installs` collects the helm commands."""

    def __init__(self, tokens: list[Token], script: Script) -> None:
        self.tokens = tokens
        self.script = script
        self.state = _State({}, {}, set(), set())
        self.installs: list[Install] = []
        self.steps = 0

    def expand(self, word: Word) -> str | None:
        out = []
        for part in word.parts:
            if isinstance(part, Lit):
                out.append(part.text)
            elif isinstance(part, ScriptDir):
                out.append(ROOT_ANCHOR + (self.script.folder or "."))
            elif isinstance(part, Var):
                value = self.state.values.get(part.name, ENV if _holds_env(part.name) else None)
                if value is None:
                    return None
                out.append(value)
            else:
                return None
        joined = "".join(out)
        return joined if len(joined) <= MAX_WORD else None

    def statements(self, start: int, end: int) -> None:
        """Read tokens[start:end] as statements."""
        i = start
        while i < end and self.steps < MAX_STEPS:
            self.steps += 1
            token = self.tokens[i]
            if isinstance(token, Op):
                i += 1
                continue
            i = self.statement(i, end)

    def statement(self, i: int, end: int) -> int:
        """One statement from tokens[i]; the index after it."""
        stop = self._statement_end(i, end)
        words = self.tokens[i:stop]
        head = words[0].literal.lower() if isinstance(words[0], Word) and words[0].literal else ""
        if head in ("param", "foreach", "if", "elseif", "else", "switch", "function", "while", "for"):
            return self.block_statement(head, i, end)
        if len(words) >= 3 and isinstance(words[1], Op) and words[1].text == "=" and isinstance(words[0], Word):
            self.assign(words[0], words[2:])
        else:
            self.command([w for w in words if isinstance(w, Word)])
        return stop

    def _statement_end(self, i: int, end: int) -> int:
        depth = 0
        while i < end:
            token = self.tokens[i]
            if isinstance(token, Op):
                if token.text in "({":
                    depth += 1
                elif token.text in ")}":
                    depth -= 1
                elif token.text in "\n;|" and depth <= 0:
                    return i
            i += 1
        return end

    def _matching(self, i: int, end: int) -> int:
        """The index of the bracket that closes the one at tokens[i]."""
        depth = 0
        for j in range(i, end):
            token = self.tokens[j]
            if isinstance(token, Op) and token.text in "({":
                depth += 1
            elif isinstance(token, Op) and token.text in ")}":
                depth -= 1
                if depth == 0:
                    return j
        return end

    def block_statement(self, head: str, i: int, end: int) -> int:
        """`param(...)`, `foreach (...) {...}` and the blocks of `if`, `switch`, `function`: each read once."""
        j = i + 1
        while j < end and not (is_op(self.tokens[j], *"({")):
            j += 1
        if j >= end:
            return end
        close = self._matching(j, end)
        if head == "param" and is_op(self.tokens[j], "("):
            self.parameters(j + 1, close)
            return close + 1
        if head == "foreach" and is_op(self.tokens[j], "("):
            var, items = self.loop_header(j + 1, close)
            body = close + 1
            while body < end and not (is_op(self.tokens[body], "{")):
                body += 1
            body_end = self._matching(body, end)
            self.loop(var, items, body + 1, body_end)
            return body_end + 1
        if is_op(self.tokens[j], "("):
            return close + 1  # a condition: the block after it is the next statement
        self.statements(j + 1, close)
        return close + 1

    def parameters(self, start: int, end: int) -> None:
        i = start
        while i < end:
            stop = i
            depth = 0
            while stop < end and not (depth == 0 and is_op(self.tokens[stop], ",")):
                token = self.tokens[stop]
                depth += isinstance(token, Op) and token.text == "("
                depth -= isinstance(token, Op) and token.text == ")"
                stop += 1
            part = [t for t in self.tokens[i:stop] if not (isinstance(t, Op) and t.text == "\n")]
            names = [t for t in part if isinstance(t, Word) and t.parts and isinstance(t.parts[0], Var)]
            if names:
                var = names[-1].parts[0]
                assert isinstance(var, Var)
                after = part[part.index(names[-1]) + 1 :]
                default = after[1] if len(after) >= 2 and isinstance(after[0], Op) and after[0].text == "=" else None
                value = self.expand(default) if isinstance(default, Word) else None
                if _holds_env(var.name):
                    if value is not None and is_env_word(value):
                        self.state.choices.add(value)
                    value = ENV
                self.state.values[var.name] = value
            i = stop + 1

    def loop_header(self, start: int, end: int) -> tuple[str, list[str | None]]:
        words = self.tokens[start:end]
        var = words[0].parts[0] if isinstance(words[0], Word) and words[0].parts else None
        items = [self.expand(w) for w in words[2:] if isinstance(w, Word)]
        if len(words) == 3 and isinstance(words[2], Word) and isinstance(words[2].parts[0], Var):
            items = list(self.state.lists.get(words[2].parts[0].name, [None]))
        return (var.name if isinstance(var, Var) else ""), items

    def loop(self, var: str, items: Sequence[str | None], start: int, end: int) -> None:
        marked = bool(items) and all(item is not None and item.lower() in ENV_ORDER for item in items)
        for item in items[:16]:
            self.state.values[var] = item
            if marked:
                self.state.loop_envs.add(var)
            self.statements(start, end)
        self.state.loop_envs.discard(var)
        self.state.values.pop(var, None)

    def assign(self, target: Word, value: Sequence[Token]) -> None:
        var = target.parts[0] if len(target.parts) == 1 else None
        if not isinstance(var, Var):
            return
        words = [t for t in value if isinstance(t, Word)]
        if any(isinstance(t, Op) and t.text in "(," for t in value):
            self.state.lists[var.name] = [self.expand(w) for w in words]
            return
        if len(words) == 3 and (words[0].literal or "").lower() == "join-path":
            parent, child = self.expand(words[1]), self.expand(words[2])
            self.state.values[var.name] = None if parent is None or child is None else f"{parent}/{child}"
            return
        self.state.values[var.name] = self.expand(words[0]) if len(words) == 1 else None

    def command(self, words: list[Word]) -> None:
        if not words or not is_helm(self.expand(words[0])):
            return
        call = read_helm([self.expand(w) for w in words[1:]])
        if call is None:
            return
        env = next((self.state.values[v] for v in sorted(self.state.loop_envs) if self.state.values.get(v)), None)
        env = env or next(
            (v for k, v in sorted(self.state.values.items()) if _holds_env(k) and v and v != ENV and is_env_word(v)),
            self.script.env,
        )
        self.installs.append(
            Install(
                file=self.script.file,
                line=words[0].line,
                source=self.script.source,
                chart=call.chart,
                bases=self.script.bases,
                release=call.release,
                namespace=call.namespace,
                values=call.values,
                sets=call.sets,
                env=env,
                env_choices=tuple(sorted(self.state.choices)),
            )
        )


def _holds_env(name: str) -> bool:
    return not name.startswith("env:") and env_like(name)


def read_powershell(text: str, script: Script) -> list[Install]:
    """The install commands of one PowerShell script."""
    tokens = _Lexer(text).tokens()
    reader = _Reader(tokens, script)
    reader.statements(0, len(tokens))
    return reader.installs
