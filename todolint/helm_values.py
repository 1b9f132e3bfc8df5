"""Values as Helm composes them: the `--set` grammar, and values files and `--set` over a chart's defaults.

Helm builds the values a chart's templates see in two steps. First the user-supplied values: each `-f`
file merged over the previous ones (`merge_maps`, Helm's `mergeMaps`), then each `--set` expression set
into the result. A null stays a null there: it is a request to delete, which the second step carries
out. Then the chart's own `values.yaml` is coalesced under them (`coalesce_values`, Helm's
`CoalesceValues`): a user-supplied null deletes the key from the chart's defaults, and maps merge key by
key. A subchart's templates see what the chart above holds under the subchart's key (its name or
alias), with that chart's `global:` copied in, over the subchart's own values.yaml (`coalesce_release`,
Helm's `coalesceDeps` and `coalesceGlobals`). The locator does all of this to know what Helm rendered
from; the embedded SDK's worker does the first step and lets Helm do the rest.

The embedded SDK's worker imports this module at its start: it imports nothing beyond the standard
library's lightest modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

#: How a `--set` value is named as a location's file.
SET_FILE = "--set"
#: The values key every chart of a release shares: a parent's `global:` is copied into each subchart's.
GLOBAL = "global"

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
    """Helm's `CoalesceValues` for one chart: the user-`supplied` values over its `defaults` (values.yaml).

    The supplied value wins, whatever its type, except that maps on both sides merge key by key; a
    supplied null deletes the key from the defaults, and a supplied null with no default under it stays
    a null (under a subchart's key it deletes the subchart's default, `coalesce_release`). The defaults'
    own nulls are dropped, as Helm 4 does (Helm 3 keeps them as nulls, and so deletes a subchart's
    default with a null in its parent's values.yaml). Neither argument is changed.
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


def merge_tables(authority: Mapping[str, Any], below: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's `MergeTables`: `authority` over `below`, maps merging key by key, every null of both kept.
    Neither argument is changed."""
    out = dict(authority)
    for key, value in below.items():
        if key not in out:
            out[key] = value
        elif isinstance(value, Mapping) and isinstance(out[key], Mapping):
            out[key] = merge_tables(out[key], value)
    return out


def coalesce_globals(subchart: Mapping[str, Any], parent: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's `coalesceGlobals`: the subchart's values (as its parent holds them) with the parent's
    `global:` copied into their own, the parent's winning; maps merge key by key. A `global` that is not
    a map on either side leaves the subchart's values as they are. Neither argument is changed."""
    mine, theirs = subchart.get(GLOBAL, {}), parent.get(GLOBAL, {})
    if not isinstance(mine, Mapping) or not isinstance(theirs, Mapping):
        return dict(subchart)
    merged = dict(mine)
    for key, value in theirs.items():
        if isinstance(value, Mapping):
            old = merged.get(key)
            if key not in merged:
                merged[key] = dict(value)
            elif isinstance(old, Mapping):
                merged[key] = merge_tables(value, old)
        elif not isinstance(merged.get(key), Mapping):
            merged[key] = value
    return {**subchart, GLOBAL: merged}


class ChartDefaults(NamedTuple):
    """A chart's values.yaml (with what it imports) and its subcharts by values key (name or alias)."""

    values: Mapping[str, Any]
    subcharts: Mapping[str, ChartDefaults]


def coalesce_release(chart: ChartDefaults, supplied: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the templates of a release see as `.Values` (Helm's `coalesce` and `coalesceDeps`): the
    user-`supplied` values over the top chart's, then under each subchart's key what the chart above holds
    there, with that chart's globals copied in, over the subchart's own values.yaml, and so on down.
    None when a chart holds something other than a map under a subchart's key (Helm refuses to render)."""
    values = coalesce_values(chart.values, supplied)
    for key, subchart in chart.subcharts.items():
        below = values.get(key, {})
        if not isinstance(below, Mapping):
            return None
        inner = coalesce_release(subchart, coalesce_globals(below, values))
        if inner is None:
            return None
        values[key] = inner
    return values


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
    """A `--set` expression `parse_set` does not read with confidence (a list, a part with no `=`); its
    message names the expression's keys and what is wrong, never a value."""


def _unread(expression: str, why: str) -> UnknownSet:
    keys = ", ".join(part.name for part in split_set(expression) if part.value is not None)
    return UnknownSet(f"--set {keys or 'expression'}: {why}")


#: Helm's words for a `--set` it cannot parse → words that quote nothing of the expression: after a
#: comma, what Helm takes for a key may be the rest of a value (`db.password=s3cr3t,TAIL`).
_HELM_SET_ERRORS = (
    ("has no value (cannot end with ,)", 'a part ends with "," where its value should be'),
    ("key map", 'a key ends with "." and names nothing below it'),
    ("has no value", 'a part has no "=" (a comma inside a value is written \\,)'),
    ("unexpected data at end of array index", 'text follows a list index\'s "]"'),
    ("error parsing index", "a list index is not a number"),
    ("unable to parse key", "a key cannot be read"),
)


#: Helm's messages about a `--set` that quote nothing of it (an index is a number of the key's).
_HELM_SET_PLAIN = ("list must terminate with '}'", "value name nested level is", "index of ", "negative ")


def set_error(message: str) -> str:
    """Helm's message for a `--set` expression it cannot parse (after `failed parsing --set data: `),
    reworded so that no part of the expression is quoted; Helm's own words when they quote none."""
    if message.startswith(_HELM_SET_PLAIN):
        return message
    for phrase, words in _HELM_SET_ERRORS:
        if phrase in message:
            return words
    return "Helm cannot read it (its message is not shown: it quotes the expression)"


def parse_set(expression: str) -> list[tuple[tuple[str | int, ...], Any]]:
    """`a.b=1,c[0]=x` → [(("a", "b"), 1), (("c", 0), "x")], each value typed as Helm types it.

    Raises UnknownSet for what this does not read: `{...}` lists, a part with no `=`, a malformed index.
    """
    out: list[tuple[tuple[str | int, ...], Any]] = []
    for part in split_set(expression):
        if part.value is None or "{" in part.value or "{" in part.name:
            raise _unread(expression, 'a list, or a part with no "="')
        path: list[str | int] = []
        for segment in part.segments:
            path.extend(_indexed(segment, expression))
        out.append((tuple(path), set_scalar(part.value)))
    return out


def _indexed(segment: str, expression: str) -> list[str | int]:
    """`c[0][1]` → ["c", 0, 1]."""
    name, bracket, rest = segment.partition("[")
    if not name or "]" in name:
        raise _unread(expression, "a key with no name before its index")
    out: list[str | int] = [name]
    while bracket:
        index, close, rest = rest.partition("]")
        if not close or not (index.isascii() and index.isdigit()) or (rest and not rest.startswith("[")):
            raise _unread(expression, "a list index that is not a number in brackets")
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
    "GLOBAL",
    "SET_FILE",
    "ChartDefaults",
    "SetPart",
    "UnknownSet",
    "coalesce_globals",
    "coalesce_release",
    "coalesce_values",
    "merge_maps",
    "merge_tables",
    "parse_set",
    "set_error",
    "set_scalar",
    "split_set",
]
