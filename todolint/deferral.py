"""Deferral: one mistake, one finding. A rule that `defers_to` others gives way where one of them reports
the same object and field, so that a generic check and a contract rule that see the same thing give one
finding, the contract's (docs/generic-rules.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from todolint.models import FieldPath, Hit
from todolint.rules.base import Rule

#: An object (by identity: one environment's hits share their Manifest objects) and a field path in it.
_Place = tuple[int, FieldPath]


def one_finding_each(
    hits: Sequence[tuple[str, Hit]], *, rules: Mapping[str, Rule], counted: Callable[[Rule], bool]
) -> list[tuple[str, Hit]]:
    """`hits` without those that defer to a counted hit of another rule.

    A hit is dropped where a rule it `defers_to` reports the same object and a field on the same line of
    descent (one path is the other's prefix), or, for a hit that `follows` from other fields, where that
    rule reports every one of those fields exactly. Hits of one environment, in order.
    """
    if not any(rules[code].defers_to for code, _hit in hits):
        return list(hits)
    exact: dict[str, set[_Place]] = {}
    under: dict[str, set[_Place]] = {}
    for code, hit in hits:
        if hit.manifest is None or not counted(rules[code]):
            continue
        where = id(hit.manifest)
        exact.setdefault(code, set()).add((where, hit.path))
        under.setdefault(code, set()).update((where, hit.path[:n]) for n in range(1, len(hit.path) + 1))
    kept = []
    for code, hit in hits:
        others = rules[code].defers_to
        if others and hit.manifest is not None:
            where = id(hit.manifest)
            if any((where, hit.path) in under.get(other, ()) for other in others) or any(
                (where, hit.path[:n]) in exact.get(other, ()) for other in others for n in range(1, len(hit.path))
            ):
                continue
        if others and hit.follows:
            cause = [(id(manifest), path) for manifest, path in hit.follows]
            if any(all(place in exact.get(other, ()) for place in cause) for other in others):
                continue
        kept.append((code, hit))
    return kept


__all__ = ["one_finding_each"]
