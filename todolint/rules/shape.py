"""Reading parsed YAML of any shape: a missing or ill-typed field is "not there", never an exception.

Third-party charts written for the same spec are linted too, so no rule may assume a field is the type
the Kubernetes schema says (the schema check reports that, once). Every rule module reads objects through
these few helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from todolint.models import FieldPath

# These run millions of times on a large stream: each checks for the parser's own types (dict, list)
# first, which is fast, before the Mapping ABC, whose check costs ten times more.


def as_map(value: Any) -> Mapping[str, Any]:
    """`value` when it is a mapping, else an empty one."""
    if type(value) is dict:
        return value
    # A missing field (None) is the next most common: the Mapping ABC's check would be the slow one.
    # models.is_map's test, written out: a call to it here costs ~1.4 % of a 1,000-object run.
    return value if value is not None and isinstance(value, Mapping) else {}


def as_list(value: Any) -> Sequence[Any]:
    """`value` when it is a list (or tuple), else an empty sequence."""
    return value if isinstance(value, (list, tuple)) else ()


def dig(obj: Any, path: FieldPath) -> Any:
    """The value at `path`, or None when any step is missing or of the wrong type."""
    for part in path:
        if type(obj) is dict and type(part) is str:  # the common step, in one check
            obj = obj.get(part)
        elif isinstance(part, int):
            if not isinstance(obj, (list, tuple)) or not -len(obj) <= part < len(obj):
                return None
            obj = obj[part]
        else:
            if not isinstance(obj, (dict, Mapping)):
                return None
            obj = obj.get(part)
    return obj


_WORD = r"(?<![A-Za-z0-9-]){}(?![A-Za-z0-9-])"


def word_pattern(word: str) -> re.Pattern[str]:
    """A regex finding `word` as a whole DNS-ish token (`todo-prod` in `x.todo-prod.svc`, not in `todo-prod2`)."""
    return re.compile(_WORD.format(re.escape(word)))


def all_text(obj: Any) -> str:
    """Every string value and mapping key of an object (as `walk_strings` sees them), joined by NUL.

    A cheap first look, about three times faster than `walk_strings`: a word absent from this text is in
    no string of the object. A word found here may still straddle two strings; `walk_strings` decides.
    """
    parts: list[Any] = []
    stack = [obj]
    while stack:
        node = stack.pop()
        kind = type(node)
        # The parser's exact types first: an isinstance check against an ABC costs far more.
        if kind is str:
            parts.append(node)
        elif kind is dict:
            parts.extend(node)
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
        elif isinstance(node, str):
            parts.append(node)
        elif isinstance(node, (int, float)) or node is None:
            continue  # a scalar: no text
        elif isinstance(node, Mapping):
            parts.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    try:
        return "\0".join(parts)
    except TypeError:  # a key that is not a string (never from the parser): as walk_strings shows it
        return "\0".join(map(str, parts))


def walk_strings(obj: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every string value (and mapping key) in an object with its path."""
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield (*path, key), str(key)
            yield from walk_strings(value, (*path, key))
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            yield from walk_strings(item, (*path, index))
