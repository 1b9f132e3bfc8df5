"""The characters of a line that a finding's location points at: in a values file the scalar of the key
on that line (the key itself when its value is a block below it), in a template or a manifest the line's
text without its indentation. Columns are 0-based code points, end exclusive; `Span.units` turns them
into the units the editor counts in (UTF-16 by default)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Indentation and the dashes of list items that open the line.
_LEAD = re.compile(r"^[ \t]*(?:-[ \t]+)*")
#: A plain or quoted mapping key and its colon.
_KEY = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"][^:#]*?)[ \t]*:(?=[ \t]|$)""")
#: A comment after a plain value.
_COMMENT = re.compile(r"[ \t]+#.*$")


@dataclass(frozen=True)
class Span:
    """Columns start to end (0-based code points, end exclusive) of one line (0-based)."""

    line: int
    start: int
    end: int

    def units(self, text: str, count: Callable[[str], int]) -> tuple[int, int]:
        """The start and end in the editor's units, `count` measuring a string in them; `text` is the line."""
        return count(text[: self.start]), count(text[: self.end])


def line_span(lines: list[str], line: int, column: int | None, *, values: bool) -> Span:
    """The span of a location at 1-based `line` (and 1-based `column`, when known): past the end of the
    file, the start of its last line."""
    index = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[index].rstrip("\r\n") if lines else ""
    if column is not None and column >= 1:
        start = min(column - 1, len(text))
        return Span(index, start, _token_end(text, start))
    if values:
        return _values_span(index, text)
    lead = _LEAD.match(text)
    start = lead.end() if lead and lead.end() < len(text) else len(text) - len(text.lstrip())
    return Span(index, start, len(text.rstrip()))


def _values_span(index: int, text: str) -> Span:
    """A values line: the scalar after `key:`, else the key; a list item's scalar; else the text."""
    lead = _LEAD.match(text)
    start = lead.end() if lead else 0
    key = _KEY.match(text, start)
    if key is None:
        end = len(_COMMENT.sub("", text).rstrip())
        return Span(index, start, max(end, start))
    value_start = key.end()
    rest = text[value_start:]
    value_start += len(rest) - len(rest.lstrip())
    value = text[value_start:]
    if not value or value.startswith(("#", "|", ">", "&", "!")):
        return Span(index, key.start(1), key.end(1))
    if value[0] in "\"'":
        closing = _closing_quote(value)
        return Span(index, value_start, value_start + closing)
    plain = _COMMENT.sub("", value).rstrip()
    return Span(index, value_start, value_start + len(plain))


def _closing_quote(value: str) -> int:
    """The length of the quoted scalar `value` opens with (the whole rest when it is not closed)."""
    quote, at = value[0], 1
    while at < len(value):
        if value[at] == "\\" and quote == '"':
            at += 2
            continue
        if value[at] == quote:
            if quote == "'" and value[at + 1 : at + 2] == "'":
                at += 2
                continue
            return at + 1
        at += 1
    return len(value)


def _token_end(text: str, start: int) -> int:
    """Where the word that starts at `start` ends (the line's end for a location on its last blank)."""
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return end if end > start else len(text.rstrip())


__all__ = ["Span", "line_span"]
