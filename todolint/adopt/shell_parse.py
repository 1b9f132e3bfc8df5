"""A shell script's commands and control structures (`for`, `while`, `if`, `case`, functions, arrays),
parsed from its words for `todolint.adopt.shell` to follow."""

from __future__ import annotations

from dataclasses import dataclass

from todolint.adopt.shell_words import Op, Token, Word, is_op

_SEPARATORS = frozenset({";", "\n", "&", "&&", "||", "|", "|&"})


@dataclass(frozen=True)
class Simple:
    """A simple command: its words (leading `NAME=value` assignments included)."""

    words: tuple[Word, ...]


@dataclass(frozen=True)
class Loop:
    """`for var in items; do body; done` (items None: unknown, as for `while`: the body once)."""

    var: str
    items: tuple[Word, ...] | None
    body: tuple[Node, ...]


@dataclass(frozen=True)
class Branches:
    """`if`/`elif`/`else` or `case`: each arm's patterns (case only) and body."""

    subject: Word | None
    arms: tuple[tuple[tuple[Word, ...], tuple[Node, ...]], ...]
    exhaustive: bool


@dataclass(frozen=True)
class Function:
    """`name() { body }`."""

    name: str
    body: tuple[Node, ...]


@dataclass(frozen=True)
class ArrayAssign:
    """`NAME=(a b c)`."""

    name: str
    items: tuple[Word, ...]


Node = Simple | Loop | Branches | Function | ArrayAssign


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def keyword(self) -> str | None:
        token = self.peek()
        return token.literal if isinstance(token, Word) else None

    def skip_separators(self) -> None:
        while is_op(self.peek(), *_SEPARATORS):
            self.i += 1

    def sequence(self, stop: frozenset[str] = frozenset(), stop_ops: frozenset[str] = frozenset()) -> list[Node]:
        nodes: list[Node] = []
        while True:
            self.skip_separators()
            token = self.peek()
            if token is None or (isinstance(token, Op) and token.text in stop_ops):
                return nodes
            if isinstance(token, Word) and token.literal in stop:
                return nodes
            if isinstance(token, Op) and token.text != "(":
                self.i += 1  # a stray `)` or `;;`
                continue
            nodes.extend(self.command())

    def expect(self, word: str) -> None:
        self.skip_separators()
        if self.keyword() == word:
            self.i += 1

    def command(self) -> list[Node]:
        token = self.peek()
        word = self.keyword()
        if isinstance(token, Op):  # `( ... )`: a subshell
            self.i += 1
            body = self.sequence(stop_ops=frozenset({")"}))
            self.i += 1
            return body
        handler = {"for": self.loop, "while": self.loop, "until": self.loop, "if": self.branches}.get(word or "")
        if handler is not None:
            return [handler()]
        if word == "case":
            return [self.case()]
        if word in ("{", "!"):
            self.i += 1
            return self.sequence(frozenset({"}"})) + self._close("}") if word == "{" else []
        if word == "function" or self._defines_function():
            return [self.function()]
        return [self.simple()]

    def _close(self, word: str) -> list[Node]:
        if self.keyword() == word:
            self.i += 1
        return []

    def _defines_function(self) -> bool:
        rest = self.tokens[self.i + 1 : self.i + 3]
        return len(rest) == 2 and is_op(rest[0], "(") and is_op(rest[1], ")")

    def function(self) -> Node:
        if self.keyword() == "function":
            self.i += 1
        name = self.keyword() or ""
        self.i += 1
        while is_op(self.peek(), "(", ")", "\n"):
            self.i += 1
        if self.keyword() == "{":
            self.i += 1
            body = self.sequence(frozenset({"}"}))
            self._close("}")
        else:
            body = self.command()
        return Function(name, tuple(body))

    def loop(self) -> Node:
        kind = self.keyword()
        self.i += 1
        var, items = "", None
        if kind == "for" and isinstance(self.peek(), Word):
            var = self.keyword() or ""
            self.i += 1
            if self.keyword() == "in":
                self.i += 1
                found: list[Word] = []
                while isinstance(token := self.peek(), Word):
                    found.append(token)
                    self.i += 1
                items = tuple(found)
        self.sequence(frozenset({"do"}))  # a condition, or `for ((...))`
        self.expect("do")
        body = self.sequence(frozenset({"done"}))
        self.expect("done")
        return Loop(var, items, tuple(body))

    def branches(self) -> Node:
        arms: list[tuple[tuple[Word, ...], tuple[Node, ...]]] = []
        exhaustive = False
        while self.keyword() in ("if", "elif", "else"):
            word = self.keyword()
            self.i += 1
            if word != "else":
                self.sequence(frozenset({"then"}))
                self.expect("then")
            else:
                exhaustive = True
            arms.append(((), tuple(self.sequence(frozenset({"elif", "else", "fi"})))))
        self.expect("fi")
        return Branches(None, tuple(arms), exhaustive)

    def case(self) -> Node:
        self.i += 1
        subject = self.peek() if isinstance(self.peek(), Word) else None
        self.i += 1
        self.expect("in")
        arms: list[tuple[tuple[Word, ...], tuple[Node, ...]]] = []
        while True:
            self.skip_separators()
            if self.peek() is None or self.keyword() == "esac":
                break
            patterns: list[Word] = []
            while (token := self.peek()) is not None and not (isinstance(token, Op) and token.text == ")"):
                if isinstance(token, Word):
                    patterns.append(token)
                self.i += 1
            self.i += 1
            body = self.sequence(frozenset({"esac"}), frozenset({";;", ";&"}))
            if isinstance(self.peek(), Op):
                self.i += 1
            arms.append((tuple(patterns), tuple(body)))
        self.expect("esac")
        exhaustive = any(p.literal == "*" for patterns, _ in arms for p in patterns)
        return Branches(subject if isinstance(subject, Word) else None, tuple(arms), exhaustive)

    def simple(self) -> Node:
        words: list[Word] = []
        while (token := self.peek()) is not None:
            if isinstance(token, Op):
                if token.text == "(" and len(words) == 1 and (words[0].literal or "").endswith("="):
                    return self.array(words[0])
                break
            words.append(token)
            self.i += 1
        return Simple(tuple(words))

    def array(self, head: Word) -> Node:
        self.i += 1
        items: list[Word] = []
        while (token := self.peek()) is not None and not (isinstance(token, Op) and token.text == ")"):
            if isinstance(token, Word):
                items.append(token)
            self.i += 1
        self.i += 1
        return ArrayAssign((head.literal or "=")[:-1], tuple(items))


def parse(tokens: list[Token]) -> list[Node]:
    """The script's commands and control structures."""
    return _Parser(tokens).sequence()
