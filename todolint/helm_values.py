"""Values as Helm composes them: the `--set` grammar, and values files and `--set` over a chart's defaults.

Helm builds the values a chart's templates see in two steps. First the user-supplied values: each `-f`
file merged over the previous ones (`merge_maps`, Helm's `mergeMaps`), then each `--set` expression set
into the result. A null stays a null there: it is a request to delete, which the second step carries
out. Then the chart's own `values.yaml` is coalesced under them (`coalesce_values`, Helm's
`CoalesceValues`): a user-supplied null deletes the key from the chart's defaults, and maps merge key by
key. The locator does both steps to know what Helm rendered from; the embedded SDK's worker does the
first and lets Helm do the second.

The embedded SDK's worker imports this module at its start: it imports nothing beyond the standard
library's lightest modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

#: How a `--set` value is named as a location's file.
SET_FILE = "--set"

#: The bounds of a Go int64, which Helm parses a `--set` number into.
_INT64 = (-(2**63), 2**63 - 1)


def merge_maps(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's `mergeMaps` of user-supplied values: maps merge key by key, anything else in `overlay`
    replaces what `base` has, nulls included (the chart's defaults lose those keys in `coalesce_values`).
    Neither argument is changed."""
    merged = dict(base)
    for key, value in overlay.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            merged[key] = merge_maps(old, value)
        else:
            merged[key] = value
    return merged


def coalesce_values(defaults: Mapping[str, Any], supplied: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's `CoalesceValues`: the user-`supplied` values over a chart's `defaults` (its values.yaml).

    The supplied value wins, whatever its type, except that maps on both sides merge key by key; a
    supplied null deletes the key from the defaults, and a supplied null with no default under it stays
    a null. The defaults' own nulls are dropped, as Helm 4 does (Helm 3 keeps them as nulls). Neither
    argument is changed.
    """
    out = dict(supplied)
    for key, default in defaults.items():
        if key not in out:
            if default is not None:
                out[key] = _without_nulls(default)
            continue
        value = out[key]
        if value is None:
            del out[key]
        elif isinstance(value, Mapping) and isinstance(default, Mapping):
            out[key] = coalesce_values(default, value)
    return out


def _without_nulls(value: Any) -> Any:
    """A default as Helm 4 coalesces it: the null keys of its maps dropped (lists are kept as they are)."""
    if not isinstance(value, Mapping):
        return value
    return {k: _without_nulls(v) for k, v in value.items() if v is not None}


class SetPart(NamedTuple):
    """One `key=value` part of a `--set` expression, as Helm's `strvals` parser splits it."""

    #: The key as a person names it, escapes resolved: `labels.app\.kubernetes\.io/name`.
    name: str
    #: The key's segments at its unescaped dots: ("labels", "app.kubernetes.io/name").
    segments: tuple[str, ...]
    #: The text after the key's `=`, escapes resolved; None when the part has no `=`.
    value: str | None


def split_set(expression: str) -> list[SetPart]:
    """`a.b=1,c={x,y}` → its parts: split at commas outside a value's `{...}`; a backslash escapes the
    next character (`d\\,e=1` is the key `d,e`). A trailing comma ends the expression, as in Helm."""
    parts: list[SetPart] = []
    name, word = "", ""
    segments: list[str] = []
    in_value, escaped, depth = False, False, 0
    for char in expression:
        if escaped:
            escaped = False
            word += char
            name += "" if in_value else char
        elif char == "\\":
            escaped = True
        elif in_value:
            depth += {"{": 1, "}": -1}.get(char, 0)
            if char == "," and depth <= 0:
                parts.append(SetPart(name, tuple(segments), word))
                name, word, segments, in_value, depth = "", "", [], False, 0
            else:
                word += char
        elif char == "=":
            segments.append(word)
            word, in_value = "", True
        elif char == ",":
            parts.append(SetPart(name, (*segments, word), None))
            name, word, segments = "", "", []
        else:
            if char == ".":
                segments.append(word)
                word = ""
            else:
                word += char
            name += char
    if in_value:
        parts.append(SetPart(name, tuple(segments), word))
    elif name or segments or word:
        parts.append(SetPart(name, (*segments, word), None))
    return parts


class UnknownSet(ValueError):
    """A `--set` expression `parse_set` does not read with confidence (a list, a part with no `=`)."""


def parse_set(expression: str) -> list[tuple[tuple[str | int, ...], Any]]:
    """`a.b=1,c[0]=x` → [(("a", "b"), 1), (("c", 0), "x")], each value typed as Helm types it.

    Raises UnknownSet for what this does not read: `{...}` lists, a part with no `=`, a malformed index.
    """
    out: list[tuple[tuple[str | int, ...], Any]] = []
    for part in split_set(expression):
        if part.value is None or "{" in part.value or "{" in part.name:
            raise UnknownSet(expression)
        path: list[str | int] = []
        for segment in part.segments:
            path.extend(_indexed(segment, expression))
        out.append((tuple(path), set_scalar(part.value)))
    return out


def _indexed(segment: str, expression: str) -> list[str | int]:
    """`c[0][1]` → ["c", 0, 1]."""
    name, bracket, rest = segment.partition("[")
    if not name or "]" in name:
        raise UnknownSet(expression)
    out: list[str | int] = [name]
    while bracket:
        index, close, rest = rest.partition("]")
        if not close or not (index.isascii() and index.isdigit()) or (rest and not rest.startswith("[")):
            raise UnknownSet(expression)
        out.append(int(index))
        bracket, rest = rest[:1], rest[1:]
    return out


def set_scalar(text: str) -> Any:
    """A `--set` value as Helm's `typedVal` reads it: true/false/null in any case, a base-10 int64 that
    does not start with 0 (or is 0), else the text itself (`007`, `1e3`)."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if text == "0":
        return 0
    digits = text[1:] if text[:1] in ("+", "-") else text
    if text[:1] != "0" and digits.isascii() and digits.isdigit():
        number = int(text)
        if _INT64[0] <= number <= _INT64[1]:
            return number
    return text


__all__ = [
    "SET_FILE",
    "SetPart",
    "UnknownSet",
    "coalesce_values",
    "merge_maps",
    "parse_set",
    "set_scalar",
    "split_set",
]
