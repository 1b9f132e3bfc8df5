"""Template terms as values paths: what `.Values.a.b`, `.x`, `$`, `$var.x` stand for where they sit.

Inside `with .Values.x` the dot is that values map; inside `range .Values.xs` it is one element of the
list, a `RangeElement` until the walk binds it to the index (or key) the rendered field came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from todolint.locate.skeletons import Block
from todolint.models import FieldPath

_VALUES_TERM = re.compile(r"^(\$?)\.Values((?:\.[A-Za-z_][\w-]*)*)$")
_FIELD_TERM = re.compile(r"^\.((?:[A-Za-z_][\w-]*)(?:\.[A-Za-z_][\w-]*)*)?$")
_VAR_TERM = re.compile(r"^\$([A-Za-z_]\w*)((?:\.[A-Za-z_][\w-]*)*)$")

#: The template's root context (`.` at the top of a template: `.Values`, `.Release`, ...).
ROOT = ("<root>",)


class RangeElement:
    """One element of a `range` (opened at `line`): bound to a key or index while walking."""

    def __init__(self, line: int) -> None:
        self.line = line


@dataclass(frozen=True)
class TermBindings:
    """What `.`, `$` and each `$variable` stand for where a node sits (the root context, a values path
    that may hold range elements, or None when unknown), and the range elements bound so far."""

    dot: Any = ROOT
    dollar: Any = ROOT
    variables: Mapping[str, Any] = field(default_factory=dict)
    #: The line of a range → the rendered key or index its element is bound to.
    elements: Mapping[int, str | int] = field(default_factory=dict)


def resolve_term(term: str, bindings: TermBindings, stack: Sequence[Block]) -> Any:
    """A term as a values path (a tuple that may hold RangeElements), ROOT, or None when unknown."""
    dot, variables = _inside(bindings, stack)
    match = _VALUES_TERM.match(term)
    if match:
        base = bindings.dollar if match.group(1) else dot
        if base is not ROOT:
            return None
        return tuple(p for p in match.group(2).split(".") if p)
    match = _FIELD_TERM.match(term)
    if match:
        if dot is ROOT or dot is None:
            return dot if not match.group(1) else None
        return (*dot, *(p for p in (match.group(1) or "").split(".") if p))
    match = _VAR_TERM.match(term)
    if match:
        base = variables.get(match.group(1))
        if base is None or base is ROOT or isinstance(base, str):
            return None
        return (*base, *(p for p in match.group(2).split(".") if p))
    if term == "$":
        return bindings.dollar
    return None


def _inside(bindings: TermBindings, stack: Sequence[Block]) -> tuple[Any, dict[str, Any]]:
    """The dot and the variables inside the `with` and `range` blocks of `stack`."""
    dot = bindings.dot
    variables: dict[str, Any] = dict(bindings.variables)
    for block in stack:
        action = block.action
        if block.kind in ("with", "range"):
            words = action.arg.split()
            outer = TermBindings(dot, bindings.dollar, variables)
            base = resolve_term(words[0], outer, ()) if len(words) == 1 else None
            if base is None or base is ROOT:
                dot = None
            elif block.kind == "with":
                dot = base
            else:
                dot = (*base, RangeElement(block.line))
                if len(action.variables) == 2:
                    variables[action.variables[0]] = f"key:{block.line}"
                    variables[action.variables[1]] = dot
                elif len(action.variables) == 1:
                    variables[action.variables[0]] = dot
    return dot, variables


def bind(path: Any, elements: Mapping[int, str | int]) -> FieldPath | None:
    """`path` with its range elements replaced by what they are bound to; None when one is unbound."""
    if not isinstance(path, tuple) or path is ROOT:
        return None
    out: list[str | int] = []
    for part in path:
        if isinstance(part, RangeElement):
            if part.line not in elements:
                return None
            out.append(elements[part.line])
        else:
            out.append(part)
    return tuple(out)


def is_values_path(path: Any) -> bool:
    """Whether a resolved term is a plain values path: a tuple, not ROOT, with no range element."""
    return isinstance(path, tuple) and path is not ROOT and not any(isinstance(p, RangeElement) for p in path)


__all__ = ["ROOT", "RangeElement", "TermBindings", "bind", "is_values_path", "resolve_term"]
