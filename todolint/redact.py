"""What a shown line of source may say: secret values become `***`, and nothing else does.

Code frames in the text report and the lines `--diff` prints come from values files, templates and
rendered objects. A value is secret when it is

- a value in a Secret's `data` or `stringData`;
- the value of a key, or of an env entry (`- name: API_KEY` / `value: ...`), whose name is secret-like:
  the contract's `secret_name_patterns` as whole words of the name (`_`, `-`, `.`, spaces and camelCase
  separate them: `adminPassword` holds `PASSWORD`, `TOKENIZER_MODEL` holds no `TOKEN`), unless a
  whole-number value sits under a setting (`secret_name_settings`: `ACCESS_TOKEN_EXPIRE_MINUTES: "30"`);
- in a values file, anything under a secret-like key or a `stringData` key, and the values keys a
  Secret template of the chart reads (`.Values.x` in a `kind: Secret` document);
- the password of a URL (`postgres://user:***@host/db`), on any line.

Keys, names, namespaces, kinds, paths, list items, comments, template expressions (`{{ ... }}`, code
rather than a value), booleans, nulls and every other value are shown as written. Scanning is by
lines and indentation, so a template that is not YAML until Helm renders it is read too.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

#: (start, end) character offsets of a secret value within its line, the end exclusive.
Span = tuple[int, int]
#: How a file is read: a values file, a chart template, or rendered objects (pre-rendered input).
FileKind = Literal["values", "template", "rendered"]

MASK = "***"

_CREDENTIAL_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@")
_ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_KEY = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#,\[\]{}&*!|>%@`][^#]*?)[ \t]*:(?=[ \t]|$)""")
_COMMENT_PAIR = re.compile(r"^\s*#+\s*(?:-\s+)?([\w.-]+)\s*:\s+(\S.*?)\s*$")
_PROPERTIES = re.compile(r"^(?:[&!]\S*[ \t]+)*")
_BLOCK = re.compile(r"^[|>][-+0-9]*[ \t]*(?:#.*)?$")
_NOT_SECRET = frozenset({"", "true", "false", "null", "~", '""', "''"})
_SECRET_DATA = ("data", "stringData")
#: Kubernetes fields whose secret-like name holds a reference to a Secret, not its value.
_REFERENCES = frozenset({"secretName"})
_VALUES_PATH = re.compile(r"\$?\.Values((?:\.[A-Za-z_][\w-]*)+)")
_SECRET_KIND = re.compile(r"^kind:[ \t]*[\"']?Secret[\"']?[ \t]*$", re.M)


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[\s_\-.]+", spaced.upper()) if w]


@dataclass(frozen=True)
class SecretNames:
    """The names that make a value secret: the contract's `secret_name_patterns`, each matched as whole
    words of a name, and its `secret_name_settings` (last words under which a whole number is a setting)."""

    patterns: tuple[str, ...]
    settings: tuple[str, ...] = ()

    def match(self, name: str, value: str | None = None) -> bool:
        """Whether `name` is secret-like; a whole-number `value` under a setting's name is not secret."""
        words = _words(name)
        found = False
        for pattern in self.patterns:
            wanted = _words(pattern)
            if wanted and any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
                found = True
                break
        if not found:
            return False
        number = value is not None and _unquote(value).strip().isdigit()
        return not (number and any(fnmatch.fnmatchcase(words[-1], s.upper()) for s in self.settings))


@dataclass(frozen=True)
class _Entry:
    """A key or list item that lines below it may be inside."""

    column: int
    key: str | None
    ident: int
    #: A key with no value on its line: a block (mapping or list) follows, at its column or deeper.
    opens: bool = False


@dataclass(frozen=True)
class _Value:
    """One value (a scalar, or one line of a block scalar or a flow collection) and where it sits."""

    line: int
    span: Span
    text: str
    key: str | None
    #: The keys above it, its own last (list items add none).
    path: tuple[str, ...]
    #: The mapping it is a value of (for `name` and `value` side by side in one env entry).
    mapping: int
    document: int


@dataclass
class _Scan:
    """What one pass over a file found: its values, and the `kind` of each document."""

    values: list[_Value] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)
    urls: dict[int, list[Span]] = field(default_factory=dict)


@dataclass(frozen=True)
class Secrets:
    """Where a file's secret values are, and where all its values are, by 1-based line."""

    secret: dict[int, tuple[Span, ...]]
    values: dict[int, tuple[Span, ...]]

    def on(self, line: int) -> tuple[Span, ...]:
        """The secret spans on `line` (1-based)."""
        return self.secret.get(line, ())

    def any_value(self, line: int) -> tuple[Span, ...]:
        """Every value span on `line`, secret or not: for a line a secrets rule flags as a whole."""
        return tuple(sorted({*self.values.get(line, ()), *self.secret.get(line, ())}))


def find_secrets(text: str, *, kind: FileKind, names: SecretNames, fed: Collection[tuple[str, ...]] = ()) -> Secrets:
    """The secret values of a file's `text`. `fed`: values paths a Secret template reads (values files)."""
    lines = text.splitlines()
    scanned = _scan(lines, blanked=_blank_actions(text).splitlines() if kind == "template" else lines)
    named = {v.mapping for v in scanned.values if v.key == "name" and names.match(_unquote(v.text))}
    secret: dict[int, list[Span]] = {n: list(spans) for n, spans in scanned.urls.items()}
    values: dict[int, list[Span]] = {}
    for value in scanned.values:
        values.setdefault(value.line, []).append(value.span)
        if _unquote(value.text).strip() in _NOT_SECRET:
            continue
        if kind == "values":
            hidden = _values_secret(value, names, fed)
        else:
            hidden = _object_secret(value, names, scanned.kinds.get(value.document) == "Secret", named)
        if hidden:
            secret.setdefault(value.line, []).append(value.span)
    for number, line in enumerate(lines, start=1):
        pair = _COMMENT_PAIR.match(line) if line.lstrip().startswith("#") else None
        if pair is not None and names.match(pair.group(1), pair.group(2)):
            secret.setdefault(number, []).append(pair.span(2))
    return Secrets(
        {n: _merged(spans) for n, spans in secret.items() if spans},
        {n: _merged(spans) for n, spans in values.items()},
    )


def _values_secret(value: _Value, names: SecretNames, fed: Collection[tuple[str, ...]]) -> bool:
    """In a values file: under a secret-like or `stringData` key, or a path a Secret template reads."""
    *above, own = value.path or ("",)
    if value.key is not None and names.match(value.key, value.text):
        return True
    if any(names.match(key) or key == "stringData" for key in above) or own == "stringData":
        return True
    if value.key is None and own and names.match(own):  # a list item under a secret-like key
        return True
    return any(value.path[: len(path)] == path for path in fed)


def _object_secret(value: _Value, names: SecretNames, in_secret: bool, named: set[int]) -> bool:
    """In a template or rendered object: a Secret's data, a secret-like key's value, an env entry's."""
    if in_secret and len(value.path) >= 2 and value.path[0] in _SECRET_DATA:
        return True
    if value.key is None or value.key in _REFERENCES:
        return False
    if names.match(value.key, value.text):
        return True
    return value.key == "value" and value.mapping in named


def _merged(spans: Iterable[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def masked(line: str, spans: Sequence[Span], *, keep: Sequence[Span] = ()) -> str:
    """`line` with each span as `***`, except those that overlap a span of `keep` (an edited scalar)."""
    out = line
    for start, end in sorted(spans, reverse=True):
        if any(start < k_end and k_start < end for k_start, k_end in keep):
            continue
        out = out[:start] + MASK + out[end:]
    return out


def hides(spans: Sequence[Span], *, keep: Sequence[Span] = ()) -> bool:
    """Whether `masked` would hide anything of a line with these spans."""
    return any(not any(s < k_end and k_start < e for k_start, k_end in keep) for s, e in spans)


# --- scanning ------------------------------------------------------------------------------------


def _blank_actions(text: str) -> str:
    """Template actions and comments as spaces (newlines kept): what is left is the YAML written, and
    an expression (code, not a value) is never taken for a secret."""
    return _ACTION.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _scan(lines: Sequence[str], *, blanked: Sequence[str]) -> _Scan:
    """Every value of the file by indentation: keys, list items, block scalars, flow collections."""
    out = _Scan()
    stack: list[_Entry] = []
    document, idents = 0, itertools.count(1)
    block: tuple[int, _Value] | None = None  # (the key's column, its value) of `key: |` while inside it
    last: _Value | None = None  # the scalar a line that is neither key nor item goes on with
    for number, (line, bare) in enumerate(zip(lines, blanked, strict=False), start=1):
        urls = [m.span(1) for m in _CREDENTIAL_URL.finditer(line)]
        if urls:
            out.urls[number] = urls
        indent = len(bare) - len(bare.lstrip(" "))
        content = bare.strip()
        if block is not None and (not content or indent > block[0]):
            if content:
                out.values.append(_with(block[1], number, (indent, len(bare.rstrip())), content))
            continue
        block = None
        if not content or content.startswith("#") or (indent == 0 and content.startswith("%")):
            continue
        if indent == 0 and (content in ("---", "...") or content.startswith(("--- ", "... "))):
            stack, document, last = [], document + 1, None
            continue
        column, rest, dashes = indent, bare[indent:].rstrip(), []
        while rest == "-" or rest.startswith(("- ", "-\t")):
            step = 1 + len(rest[1:]) - len(rest[1:].lstrip())
            dashes.append(column)
            column, rest = column + step, rest[step:]
        _pop(stack, indent, listed=bool(dashes))
        mapping = stack[-1].ident if stack else 0
        for dash in dashes:
            stack.append(_Entry(dash, None, next(idents)))
            mapping = stack[-1].ident
        path = tuple(e.key for e in stack if e.key is not None)
        key = _KEY.match(rest)
        if key is None:
            if rest and last is not None and not dashes:  # a scalar that goes on over lines
                out.values.append(_with(last, number, (column, column + len(rest)), rest))
            elif rest:
                item = _Value(number, (column, column + len(rest)), rest, None, path, mapping, document)
                flow = rest[0] in "{[" and item.text[-1:] in "}]"
                out.values.extend(_flow(item, idents) if flow else (item,))
                last = None if flow else item
            continue
        name = _unquote(key.group(1))
        after = rest[key.end() :]
        props = _PROPERTIES.match(after.lstrip())
        start = column + key.end() + len(after) - len(after.lstrip()) + (props.end() if props else 0)
        text = _without_comment(rest[start - column :])
        stack.append(_Entry(column, name, next(idents), opens=not text))
        last = None
        if not text:
            continue
        value = _Value(number, (start, start + len(text)), text, name, (*path, name), mapping, document)
        if len(stack) == 1 and name == "kind":
            out.kinds[document] = _unquote(text)
        if _BLOCK.match(text):
            block = (column, value)
        elif text[0] in "{[":
            out.values.extend(_flow(value, idents))
        elif not text.startswith("*"):  # an alias names another node: nothing of its own to hide
            out.values.append(value)
            last = value
    return out


def _pop(stack: list[_Entry], column: int, *, listed: bool) -> None:
    """Leave the entries a line at `column` is not inside; a list item stays inside the key above it
    at its own column (`env:` then `- name: x` at the same indentation)."""
    while stack:
        top = stack[-1]
        if top.column < column or (top.column == column and listed and top.key is not None and top.opens):
            return
        stack.pop()


def _with(value: _Value, line: int, span: Span, text: str) -> _Value:
    """Another line of the same value (a block scalar's, or a scalar's that goes on over lines)."""
    return _Value(line, span, text, value.key, value.path, value.mapping, value.document)


def _without_comment(text: str) -> str:
    """A value without its trailing comment and spaces (a `#` inside quotes is the value's)."""
    text = text.strip()
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = 1
        while end < len(text):
            if text[end] == "\\" and quote == '"':
                end += 2
                continue
            if text[end] == quote:
                if quote == "'" and text[end + 1 : end + 2] == "'":
                    end += 2
                    continue
                return text[: end + 1]
            end += 1
        return text
    cut = re.search(r"[ \t]#", text)
    return (text[: cut.start()] if cut else text).rstrip()


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


_FLOW_QUOTED = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^']|'')*'""")
_FLOW_PLAIN = re.compile(r"(?:[^,{}\[\]:\s]|:(?=[^\s,{}\[\]]))(?:[^,{}\[\]:]|:(?=[^\s,{}\[\]]))*")


def _flow_tokens(text: str) -> list[tuple[str, int, int]] | None:
    """(kind, start, end) of each token of a flow collection: "p" a bracket or comma, ":" a colon, "s"
    a scalar; None when the text is not one the scanner knows how to read."""
    tokens: list[tuple[str, int, int]] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char.isspace():
            at += 1
        elif char in "{}[],":
            tokens.append(("p", at, at + 1))
            at += 1
        elif char == ":":
            tokens.append((":", at, at + 1))
            at += 1
        elif char == "#" and at and text[at - 1].isspace():
            break
        else:
            match = (_FLOW_QUOTED if char in "'\"" else _FLOW_PLAIN).match(text, at)
            if match is None:
                return None
            tokens.append(("s", at, at + len(match.group(0).rstrip())))
            at = match.end()
    return tokens


def _flow(value: _Value, idents: Iterator[int]) -> Iterator[_Value]:
    """The scalars of a one-line flow collection (`{type: NodePort, adminPassword: x}`), each a value
    of its own key; one that does not close on its line is one value, as secret as its key."""
    tokens = _flow_tokens(value.text)
    brackets = [value.text[s] for kind, s, _e in tokens or () if kind == "p" and value.text[s] != ","]
    if tokens is None or sum(1 if b in "{[" else -1 for b in brackets) != 0:
        yield value
        return
    text, base = value.text, value.span[0]
    opened: list[tuple[str, tuple[str, ...], int]] = []  # (bracket, path, mapping) of each open collection
    path, key, mapping = value.path, value.key, value.mapping
    for index, (kind, start, end) in enumerate(tokens):
        token = text[start:end]
        if kind == "p" and token in "{[":
            opened.append((token, path, mapping))
            mapping = next(idents) if token == "{" else mapping
        elif kind == "p" and token in "}]" and opened:
            _bracket, path, mapping = opened.pop()
        elif kind == "s":
            in_mapping = bool(opened) and opened[-1][0] == "{"
            if in_mapping and index + 1 < len(tokens) and tokens[index + 1][0] == ":":
                key, path = _unquote(token), (*opened[-1][1], _unquote(token))
                continue
            own = key if in_mapping else None
            yield _Value(value.line, (base + start, base + end), token, own, path, mapping, value.document)


def secret_paths(template: str) -> frozenset[tuple[str, ...]]:
    """The `.Values` paths a template's Secret documents read (`.Values.db.password` → ("db", "password"))."""
    found: set[tuple[str, ...]] = set()
    for document in re.split(r"^---.*$", template, flags=re.M):
        if _SECRET_KIND.search(_blank_actions(document)):
            found.update(tuple(m.group(1)[1:].split(".")) for m in _VALUES_PATH.finditer(document))
    return frozenset(found)


def chart_secret_paths(values_file: str | Path) -> frozenset[tuple[str, ...]]:
    """The values paths the Secret templates of the chart a values file belongs to read (the nearest
    folder above it with a Chart.yaml); none when no chart holds the file."""
    folder = Path(values_file).resolve().parent
    for chart in (folder, *folder.parents):
        if (chart / "Chart.yaml").is_file():
            break
    else:
        return frozenset()
    found: set[tuple[str, ...]] = set()
    templates = chart / "templates"
    for path in sorted(templates.rglob("*")) if templates.is_dir() else ():
        try:
            if path.is_file() and path.name != "NOTES.txt" and path.stat().st_size <= 4 << 20:
                found |= secret_paths(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return frozenset(found)


__all__ = [
    "MASK",
    "FileKind",
    "SecretNames",
    "Secrets",
    "Span",
    "chart_secret_paths",
    "find_secrets",
    "hides",
    "masked",
    "secret_paths",
]
