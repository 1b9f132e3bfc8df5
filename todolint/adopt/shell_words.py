"""A POSIX shell script as words and operators, for reading its `helm` command lines without running
anything: quotes, escapes, `\\` line continuations, comments, here-documents (skipped) and expansions
(`$VAR`, `${VAR:-default}`, `$1`) kept apart so that the interpreter can resolve them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Lit:
    """Literal text."""

    text: str


@dataclass(frozen=True)
class Var:
    """`$name` or `${name<op><arg>}`: op is "", ":-", "-", ":=", "=", ":+", "+", ":?" or "?"."""

    name: str
    op: str = ""
    arg: Word | None = None
    quoted: bool = False


@dataclass(frozen=True)
class Unknown:
    """Text no static reading can know: a command substitution, arithmetic, `~`, an unusual expansion."""


@dataclass(frozen=True)
class ScriptDir:
    """`$(dirname "$0")` and its spellings: the folder the script is in."""


@dataclass(frozen=True)
class WorkDir:
    """`$PWD` or `$(pwd)`: the folder the script is in at that point."""


Part = Lit | Var | Unknown | ScriptDir | WorkDir


@dataclass(frozen=True)
class Word:
    """One shell word, its parts in order, and the line it starts on."""

    parts: tuple[Part, ...]
    line: int

    @property
    def literal(self) -> str | None:
        """The word's text when it is all literal (a keyword, a command name), else None."""
        if all(isinstance(p, Lit) for p in self.parts):
            return "".join(p.text for p in self.parts if isinstance(p, Lit))
        return None


@dataclass(frozen=True)
class Op:
    """An operator (`;`, `&&`, `|`, `(`, `;;`, ...) or a newline (`"\\n"`)."""

    text: str
    line: int


Token = Word | Op
#: The characters `_balanced` stops at inside `$(...)` and inside `${...}`.
_IN_PARENS = re.compile(r"['\"\\()]")
_IN_BRACES = re.compile(r"['\"\\{}]")
#: Defaults nested deeper than this (`${a:-${b:-${c:-...}}}`) are unknown: no script nests so deep.
MAX_NESTING = 8


def is_op(token: Token | None, *texts: str) -> bool:
    """Whether the token is an operator, one of `texts` when they are given."""
    return isinstance(token, Op) and (not texts or token.text in texts)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL = "@*#?$!-0123456789"
_OPS = ("&&", "||", ";;", ";&", "|&", ";", "&", "|", "(", ")")
_REDIRECTS = ("<<<", "<<-", "<<", ">>", "&>>", "&>", ">&", "<&", ">|", "<>", ">", "<")
_SCRIPT_DIR_WORDS = re.compile(
    r"""\$\{BASH_SOURCE(?:\[0\])?\}|\$BASH_SOURCE|\$\{0\}|\$0|\$\(|["')]|&>\s*/dev/null|>\s*/dev/null|2>&1|&&|"""
    r"""\b(?:cd|pwd|dirname|realpath|readlink)\b|--|-[Pf]\b|\s+"""
)
_PARAM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\[[^]]*\])?|[0-9]+|[@*#?$!-])(:?[-=+?])?")


def _substitution(body: str) -> Part:
    """What `$(body)` stands for: the script's folder, the working folder, or unknown."""
    text = body.strip()
    if text == "pwd":
        return WorkDir()
    names_script = "$0" in text or "${0}" in text or "BASH_SOURCE" in text
    if "dirname" in text and names_script and not _SCRIPT_DIR_WORDS.sub("", text):
        return ScriptDir()
    return Unknown()


class _Lexer:
    """One pass over the text; `tokens()` is the whole job."""

    def __init__(self, text: str, first_line: int, depth: int = 0) -> None:
        self.text = text
        self.pos = 0
        self.line = first_line
        self.out: list[Token] = []
        self.heredocs: list[tuple[str, bool]] = []
        #: How deep in `${a:-${b:-...}}` defaults this lexer reads: each level reads the text again.
        self.depth = depth

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def tokens(self) -> list[Token]:
        text = self.text
        skip_word = False
        while self.pos < len(text):
            c = text[self.pos]
            if c == "\\" and self.peek(1) == "\n":
                self.pos += 2
                self.line += 1
            elif c in " \t\r":
                self.pos += 1
            elif c == "\n":
                self.out.append(Op("\n", self.line))
                self.pos += 1
                self.line += 1
                self._skip_heredocs()
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end == -1 else end
            elif c in "<>" or (c == "&" and self.peek(1) == ">"):
                skip_word = self._redirect()
            elif any(text.startswith(op, self.pos) for op in _OPS):
                op = next(op for op in _OPS if text.startswith(op, self.pos))
                self.out.append(Op(op, self.line))
                self.pos += len(op)
            else:
                word = self._word()
                if skip_word:
                    skip_word = False
                elif word is not None:
                    self.out.append(word)
        return self.out

    def _redirect(self) -> bool:
        """Skip a redirection operator; a here-document's delimiter is remembered. True: skip the next word."""
        op = next(op for op in _REDIRECTS if self.text.startswith(op, self.pos))
        self.pos += len(op)
        if op in ("<<", "<<-"):
            while self.peek() in (" ", "\t"):
                self.pos += 1
            word = self._word()
            if word is not None:
                raw = "".join(p.text if isinstance(p, Lit) else "" for p in word.parts)
                self.heredocs.append((raw, op == "<<-"))
            return False
        if op in (">&", "<&") and (self.peek().isdigit() or self.peek() == "-"):
            self.pos += 1
            return False
        return True

    def _skip_heredocs(self) -> None:
        while self.heredocs:
            delimiter, tabs = self.heredocs.pop(0)
            while self.pos < len(self.text):
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end == -1 else end
                line = self.text[self.pos : end]
                self.pos = min(end + 1, len(self.text))
                self.line += 1
                if (line.lstrip("\t") if tabs else line) == delimiter:
                    break

    def _word(self) -> Word | None:
        start_line = self.line
        parts: list[Part] = []
        text = self.text
        if self.peek() == "~":
            parts.append(Unknown())
            self.pos += 1
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t\r\n;&|()<>":
                break
            if c == "\\":
                nxt = self.peek(1)
                self.pos += 2
                if nxt == "\n":
                    self.line += 1
                elif nxt:
                    parts.append(Lit(nxt))
            elif c == "'":
                parts.append(Lit(self._until("'")))
            elif c == '"':
                self.pos += 1
                parts.extend(self._double_quoted())
            elif c == "$" and self.peek(1) == "'":
                self.pos += 1
                parts.append(Lit(self._until("'").replace("\\n", "\n").replace("\\t", "\t")))
            elif c == "$" and self.peek(1) == '"':
                self.pos += 2
                parts.extend(self._double_quoted())
            elif c in "$`":
                parts.append(self._expansion(quoted=False))
            else:
                parts.append(Lit(c))
                self.pos += 1
        if not parts:
            return None
        if len(parts) == 1 and isinstance(parts[0], Lit) and parts[0].text.isdigit() and self.peek() in "<>":
            return None  # a file descriptor: `2>&1`
        return Word(tuple(_joined(parts)), start_line)

    def _until(self, quote: str) -> str:
        """The text up to the closing quote (the cursor is on the opening one); past the end when unclosed."""
        end = self.text.find(quote, self.pos + 1)
        end = len(self.text) if end == -1 else end
        body = self.text[self.pos + 1 : end]
        self.line += body.count("\n")
        self.pos = end + 1
        return body

    def _double_quoted(self) -> list[Part]:
        parts: list[Part] = []
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                break
            if c == "\\" and self.peek(1) in '$`"\\\n':
                nxt = self.peek(1)
                self.pos += 2
                if nxt == "\n":
                    self.line += 1
                else:
                    parts.append(Lit(nxt))
            elif c in "$`":
                parts.append(self._expansion(quoted=True))
            else:
                if c == "\n":
                    self.line += 1
                parts.append(Lit(c))
                self.pos += 1
        return parts

    def _expansion(self, *, quoted: bool) -> Part:
        text = self.text
        if text[self.pos] == "`":
            end = text.find("`", self.pos + 1)
            end = len(text) if end == -1 else end
            body = text[self.pos + 1 : end]
            self.line += body.count("\n")
            self.pos = end + 1
            return _substitution(body)
        nxt = self.peek(1)
        if nxt == "(":
            arithmetic = self.peek(2) == "("
            body = self._balanced("(", ")")
            return Unknown() if arithmetic else _substitution(body)
        if nxt == "{":
            return self._parameter(self._balanced("{", "}"), quoted)
        name = _NAME.match(text, self.pos + 1)
        if name is not None:
            self.pos = name.end()
            if name.group() == "PWD":
                return WorkDir()
            return Var(name.group(), quoted=quoted)
        if nxt and nxt in _SPECIAL:
            self.pos += 2
            return Var(nxt, quoted=quoted)
        self.pos += 1
        return Lit("$")

    def _balanced(self, opening: str, closing: str) -> str:
        """The text inside `$(...)` or `${...}` (the cursor is on the `$`), nested pairs and quotes skipped."""
        text = self.text
        i = self.pos + 2
        depth = 1
        special = _IN_PARENS if opening == "(" else _IN_BRACES
        while depth and (found := special.search(text, i)) is not None:
            i = found.start()
            c = text[i]
            if c in "'\"":
                end = text.find(c, i + 1)
                i = len(text) if end == -1 else end
            elif c == "\\":
                i += 1
            elif c == opening:
                depth += 1
            else:
                depth -= 1
            i += 1
        if depth:
            i = len(text)
        body = text[self.pos + 2 : i - 1 if depth == 0 else i]
        self.line += body.count("\n")
        self.pos = i
        return body

    def _parameter(self, body: str, quoted: bool) -> Part:
        if body == "PWD":
            return WorkDir()
        found = _PARAM.match(body)
        if found is None or (body.startswith("#") and len(body) > 1):
            return Unknown()
        name, op = found.group(1), found.group(2) or ""
        rest = body[found.end() :]
        if not op:
            return Var(name, quoted=quoted) if not rest else Unknown()
        if self.depth >= MAX_NESTING:
            return Unknown()
        inner = _Lexer(rest, self.line, self.depth + 1)
        arg = Word(tuple(_joined(inner._double_quoted_all())), self.line)
        return Var(name, op, arg, quoted)

    def _double_quoted_all(self) -> list[Part]:
        """The whole text as the inside of double quotes (a default value: `${NS:-todo-$ENV}`)."""
        parts: list[Part] = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == '"':
                self.pos += 1
                parts.extend(self._double_quoted())
            elif c == "'":
                parts.append(Lit(self._until("'")))
            elif c in "$`":
                parts.append(self._expansion(quoted=True))
            else:
                parts.append(Lit(c))
                self.pos += 1
        return parts


def _joined(parts: list[Part]) -> list[Part]:
    """Adjacent literals as one."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Lit) and out and isinstance(out[-1], Lit):
            out[-1] = Lit(out[-1].text + part.text)
        else:
            out.append(part)
    return out


def lex(text: str, *, first_line: int = 1) -> list[Token]:
    """The script's words and operators, each with its line (counted from `first_line`)."""
    return _Lexer(text, first_line).tokens()
