"""What one rule is and what it sees: `Rule`, its `Check`, and `EnvContext`, one rendered environment.

Shared by the rule modules, the engine and the reporters; it imports no rule, so none of them forms a
circle through the registry in `todolint.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from todolint.chart_facts import ChartFacts
from todolint.contract import Contract
from todolint.models import Hit, Manifest, Severity, Target


@dataclass(frozen=True)
class EnvContext:
    """One rendered environment, as every rule sees it."""

    env: str
    contract: Contract
    #: Every parsed object of this environment, across charts, in a stable order.
    manifests: tuple[Manifest, ...]
    #: Chart × environment pairs that rendered and parsed completely.
    targets: tuple[Target, ...]
    #: Pairs that failed to render or parse: relational rules stay silent about what they lack.
    broken: tuple[Target, ...] = ()
    #: What the chart folders hold (Chart.yaml, template files, subcharts), by `Target.chart_path`: read
    #: once by the engine, so that no rule reads the disk. Pre-rendered input has none.
    charts: Mapping[str, ChartFacts] = field(default_factory=dict)

    #: Facts derived once per environment and shared by every rule (kind lists, indexes, each object's
    #: app): without it, relational rules that ask "which workloads does this Service select?" per object
    #: grow with the square of the environment's size. Keys are tuples naming the fact.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def of_kind(self, *kinds: str) -> Iterable[Manifest]:
        """Objects of these kinds, in the context's order."""
        key = ("of-kind", kinds)
        found = self.memo.get(key)
        if found is None:
            # From one index of every object by kind, built on first use (rules ask for a dozen lists).
            by_kind: dict[str, list[tuple[int, Manifest]]] | None = self.memo.get(("by-kind",))
            if by_kind is None:
                by_kind = self.memo[("by-kind",)] = {}
                for position, manifest in enumerate(self.manifests):
                    by_kind.setdefault(manifest.kind, []).append((position, manifest))
            chosen = [entry for kind in dict.fromkeys(kinds) for entry in by_kind.get(kind, ())]
            if len(kinds) > 1:
                chosen.sort(key=lambda entry: entry[0])
            found = self.memo[key] = tuple(manifest for _position, manifest in chosen)
        return iter(found)

    def table(self, name: str) -> dict[Any, Any]:
        """One memo table of its own, for a fact asked of every object (keyed by `id(manifest)`): a
        lookup there costs a quarter of one in `memo` under a tuple key, which matters at 10,000 objects."""
        table: dict[Any, Any] | None = self.memo.get(name)
        if table is None:
            table = self.memo[name] = {}
        return table

    def is_broken(self, chart_path: str) -> bool:
        """Whether a render of the chart at `chart_path` failed in this environment."""
        return any(t.chart_path == chart_path for t in self.broken)


Check = Callable[[EnvContext], Iterable[Hit]]

#: A fix's safety, as ruff has it: "safe" changes one scalar to the one value the contract allows (applied
#: by `--fix`); "unsafe" adds or removes structure and needs review (applied with `--unsafe-fixes` too).
FIX_SAFETIES: tuple[str, ...] = ("safe", "unsafe")
#: What a fix does: "set" one field to the contract's value, or "drop-object" (remove what writes it).
FIX_ACTIONS: tuple[str, ...] = ("set", "drop-object")


@dataclass(frozen=True, kw_only=True)
class Fix:
    """How a finding of a rule is repaired: the field it names gets the value the contract holds for it.

    `contract` is the key path of that value in contract.yaml; in it "{app}" is the object's app,
    "{probe}" the probe kind the field belongs to (liveness, readiness) and "{field}" the field's own name.
    A scalar there is the value; a list of one item is that item (of more, no single value: fix by hand);
    a mapping with `min` and `max` brings a number found outside them to the nearest bound.
    """

    safety: str
    contract: tuple[str, ...] = ()
    #: The fields (last key of a finding's path) the fix sets; a finding on another field is fixed by hand.
    fields: tuple[str, ...] = ()
    #: "set": the field gets the contract's value; "drop-object": the template lines that write the
    #: object are removed (a rendered Secret: its plain values leave the chart).
    action: str = "set"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One rule and its documentation (printed by `todolint explain CODE`), written with keywords."""

    code: str
    name: str
    category: str
    severity: Severity
    summary: str
    rationale: str
    remediation: str
    example: str = ""
    #: False for rules no annotation may silence (secrets in plain text, an in-cluster database).
    suppressible: bool = True
    #: Relational rules see only the environments' intact chart renders.
    relational: bool = False
    #: Rules that report the same thing more precisely (a generic check beside a contract rule): a hit of
    #: this rule on an object and field where one of theirs is reported is dropped, so one finding remains.
    defers_to: tuple[str, ...] = ()
    check: Check | None = field(default=None, compare=False, repr=False)
    #: Where the rule is defined (a policy file, a module), for `todolint rules`.
    origin: str = "builtin"
    #: How `todolint --fix` repairs its findings; None: by hand.
    fix: Fix | None = None
