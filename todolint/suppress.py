"""Suppression with a reason: `todolint.io/ignore` annotations on objects, and exemptions in config.

A suppressed finding is kept (with its justification) so that JSON and SARIF can show it; it only stops
counting. Every suppression must say why, must name rules that exist, and must still match something:
otherwise it becomes a finding itself (TL090 no reason, TL091 stale, TL092 not allowed).

An annotation speaks for the object that carries it (on `metadata`, or on the pod template of a
workload) and can silence only suppressible rules. A config exemption is written by the team that owns
the lint configuration, so it may silence any rule, for any chart (a third-party chart it cannot edit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from todolint.models import FieldPath, Finding, Hit, Location, Manifest, Target, is_map

if TYPE_CHECKING:
    from todolint.rules.base import Rule

ANNOTATION = "todolint.io/ignore"

#: Where an ignore annotation may sit: the object's own metadata, or its pod template's.
ANNOTATION_PATHS: tuple[FieldPath, ...] = (
    ("metadata", "annotations"),
    ("spec", "template", "metadata", "annotations"),
    ("spec", "jobTemplate", "spec", "template", "metadata", "annotations"),
)

_ENTRY_SEPARATORS = re.compile(r"[;\n]")
_CODE_SEPARATORS = re.compile(r"[,\s]+")


def rule_matches(rule: Rule, selector: str) -> bool:
    """A selector is a code (`TL203`), a code prefix (`TL2`), a rule name (`probe-period`) or a category
    (`security`)."""
    return rule.code.startswith(selector.upper()) or rule.name == selector or rule.category == selector


@dataclass(frozen=True)
class Exemption:
    """One config exemption: which findings (glob patterns; empty rules = every rule) and why."""

    reason: str
    rules: tuple[str, ...] = ()
    chart: str = "*"
    env: str = "*"
    kind: str = "*"
    name: str = "*"
    #: Where it is written (config file and line), for the stale report.
    file: str = ""
    line: int | None = None

    def covers_rule(self, rule: Rule) -> bool:
        """Whether it speaks for `rule`: it names no rules, or a selector of it matches (`rule_matches`)."""
        return not self.rules or any(rule_matches(rule, s) for s in self.rules)

    def matches(self, finding: Finding, rule: Rule) -> bool:
        """Whether it silences `finding` of `rule`: the rule is covered, and chart, environment, kind and object
        name each match their glob (case-sensitive)."""
        return (
            self.covers_rule(rule)
            and fnmatchcase(finding.chart, self.chart)
            and fnmatchcase(finding.env, self.env)
            and fnmatchcase(finding.kind, self.kind)
            and fnmatchcase(finding.object, self.name)
        )

    def describe(self) -> str:
        """`exemption (TL203,TL1; chart=todo-*, env=prod)`, or `exemption (all rules)`: how a stale one is named."""
        scope = [f"{key}={value}" for key, value in self._scope() if value != "*"]
        rules = ",".join(self.rules) if self.rules else "all rules"
        return f"exemption ({rules}{'; ' if scope else ''}{', '.join(scope)})"

    def _scope(self) -> tuple[tuple[str, str], ...]:
        return (("chart", self.chart), ("env", self.env), ("kind", self.kind), ("name", self.name))


@dataclass(frozen=True)
class Entry:
    """One `CODES: reason` entry of an ignore annotation."""

    selectors: tuple[str, ...]
    reason: str
    text: str


def parse_annotation(value: str) -> list[Entry]:
    """`"TL203: TCP probe; TL101, TL102: legacy"` → two entries; blank entries are dropped."""
    entries: list[Entry] = []
    for raw in _ENTRY_SEPARATORS.split(value):
        text = raw.strip()
        if not text:
            continue
        codes, _, reason = text.partition(":")
        selectors = tuple(s for s in _CODE_SEPARATORS.split(codes.strip()) if s)
        entries.append(Entry(selectors, reason.strip(), text))
    return entries


@dataclass(frozen=True)
class _Placed:
    """An entry on one object, with the rules it resolved to."""

    manifest: Manifest
    path: FieldPath
    entry: Entry
    rules: tuple[Rule, ...]

    @property
    def key(self) -> tuple[str, str, str, str]:
        return _object_key(self.manifest)


def _object_key(manifest: Manifest) -> tuple[str, str, str, str]:
    return (manifest.target.chart, manifest.target.env, manifest.kind, manifest.name)


def _finding_key(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.chart, finding.env, finding.kind, finding.object)


def _annotation_values(manifest: Manifest) -> Iterable[tuple[FieldPath, object]]:
    for path in ANNOTATION_PATHS:
        node: object = manifest.obj
        for part in path:
            if not is_map(node):
                break
            node = node.get(part)
        else:
            if is_map(node) and ANNOTATION in node:
                yield (*path, ANNOTATION), node[ANNOTATION]


class Suppressor:
    """The suppression stage of one run: reads annotations, marks findings, reports what is wrong or stale."""

    def __init__(
        self,
        rules: Mapping[str, Rule],
        exemptions: Sequence[Exemption],
        *,
        selected: Callable[[Rule], bool],
    ) -> None:
        self.rules = rules
        self.exemptions = tuple(exemptions)
        self.selected = selected
        self.placed: list[_Placed] = []
        self.used: set[int] = set()
        self.used_exemptions: set[int] = set()
        self._selected_rules: dict[str, list[Rule]] = {}

    def read(self, manifests: Iterable[Manifest]) -> list[tuple[str, Hit]]:
        """Collect every annotation entry; return TL090/TL091/TL092 hits for the ones that cannot apply."""
        problems: list[tuple[str, Hit]] = []
        for manifest in manifests:
            for path, value in _annotation_values(manifest):
                if not isinstance(value, str):
                    problems.append(("TL090", Hit(f"{ANNOTATION} must be a string", manifest=manifest, path=path)))
                    continue
                for entry in parse_annotation(value):
                    problems.extend(self._place(manifest, path, entry))
        return problems

    def _place(self, manifest: Manifest, path: FieldPath, entry: Entry) -> list[tuple[str, Hit]]:
        def hit(code: str, message: str) -> tuple[str, Hit]:
            return code, Hit(message, manifest=manifest, path=path)

        if not entry.selectors:
            return [hit("TL090", f"entry {entry.text!r} names no rule: write 'TL203: reason'")]
        if not entry.reason:
            return [hit("TL090", f"entry {entry.text!r} gives no reason: write '{entry.text}: why it is acceptable'")]
        problems: list[tuple[str, Hit]] = []
        rules: list[Rule] = []
        for selector in entry.selectors:
            matched = self._matching(selector)
            if not matched:
                problems.append(hit("TL091", f"entry {entry.text!r} names {selector}, which no rule defines"))
                continue
            barred = [r.code for r in matched if not r.suppressible]
            if barred and len(barred) == len(matched):
                problems.append(
                    hit("TL092", f"{', '.join(barred)} cannot be suppressed by an annotation (entry {entry.text!r})")
                )
            rules.extend(r for r in matched if r.suppressible)
        if rules:
            self.placed.append(_Placed(manifest, path, entry, tuple(rules)))
        return problems

    def _matching(self, selector: str) -> list[Rule]:
        """The rules a selector names (remembered: an annotation may repeat a selector 100,000 times)."""
        known = self._selected_rules.get(selector)
        if known is None:
            known = self._selected_rules[selector] = [r for r in self.rules.values() if rule_matches(r, selector)]
        return known

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Mark findings that an annotation or an exemption covers; remember which suppressions were used.

        Linear in findings and entries: each finding looks up the first entry on its object that names
        its rule, in one dictionary (an object may carry 100,000 entries and draw as many findings)."""
        if not self.placed and not self.exemptions:
            return list(findings)  # nothing can suppress anything (most runs)
        first: dict[tuple[tuple[str, str, str, str], str], int] = {}
        for index, placed in enumerate(self.placed):
            for rule in placed.rules:
                first.setdefault((placed.key, rule.code), index)
        return [self._apply_one(f, first.get((_finding_key(f), f.code))) for f in findings]

    def _apply_one(self, finding: Finding, entry: int | None) -> Finding:
        if finding.suppressed is not None:
            return finding
        rule = self.rules[finding.code]
        if entry is not None and rule.suppressible:
            self.used.add(entry)
            return replace(finding, suppressed=self.placed[entry].entry.reason)
        for index, exemption in enumerate(self.exemptions):
            if exemption.matches(finding, rule):
                self.used_exemptions.add(index)
                return replace(finding, suppressed=exemption.reason)
        return finding

    def stale(self, linted: Sequence[Target], broken: Iterable[Target]) -> list[tuple[str, Hit]]:
        """TL091 for suppressions that silenced nothing, among the charts, environments and rules that ran."""
        broken_set = set(broken)
        hits: list[tuple[str, Hit]] = []
        for index, placed in enumerate(self.placed):
            if index in self.used or placed.manifest.target in broken_set:
                continue
            if not any(self.selected(r) for r in placed.rules):
                continue
            codes = ", ".join(r.code for r in placed.rules)
            hits.append(
                (
                    "TL091",
                    Hit(
                        f"entry {placed.entry.text!r} matches no {codes} finding on this object; remove it",
                        manifest=placed.manifest,
                        path=placed.path,
                    ),
                )
            )
        for index, exemption in enumerate(self.exemptions):
            if index in self.used_exemptions:
                continue
            in_scope = any(fnmatchcase(t.chart, exemption.chart) and fnmatchcase(t.env, exemption.env) for t in linted)
            if not in_scope or not any(self.selected(r) and exemption.covers_rule(r) for r in self.rules.values()):
                continue
            hits.append(
                (
                    "TL091",
                    Hit(
                        f"config {exemption.describe()} matches no finding; remove it",
                        location=Location("config", exemption.file, exemption.line),
                    ),
                )
            )
        return hits


__all__ = ["ANNOTATION", "Entry", "Exemption", "Suppressor", "parse_annotation", "rule_matches"]
