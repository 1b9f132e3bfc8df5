"""Rule documentation as text, Markdown (the README table) and JSON, from the rules themselves.

A rule's summary, rationale, remediation and example name contract values by placeholder
(`{{ contract.replicas.max }}`, see `todolint.rules.placeholders`); `with_contract` fills them in with the
contract in force, so that `todolint explain` says what the rules check.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from todolint.contract import Contract
from todolint.rules.base import Rule
from todolint.rules.placeholders import fill_docs


def with_contract(rule: Rule, contract: Contract) -> Rule:
    """The rule with its documentation's placeholders filled in from `contract`, and its example (a whole
    file) without the file's last newline, as `todolint explain` shows it."""
    summary, rationale, remediation = (
        fill_docs(text, contract) for text in (rule.summary, rule.rationale, rule.remediation)
    )
    example = fill_docs(rule.example, contract).rstrip("\n")
    if (summary, rationale, remediation, example) == (rule.summary, rule.rationale, rule.remediation, rule.example):
        return rule
    return dataclasses.replace(rule, summary=summary, rationale=rationale, remediation=remediation, example=example)


def fixability(rule: Rule) -> str:
    """How `todolint --fix` repairs the rule's findings: "safe", "unsafe" (needs --unsafe-fixes), or "-"."""
    return rule.fix.safety if rule.fix is not None else "-"


def rules_text(rules: Sequence[Rule]) -> str:
    """`todolint rules`: one line a rule (code, name, category, severity, fix, summary)."""
    width = max((len(r.name) for r in rules), default=0)
    lines = [
        f"{r.code}  {r.name:<{width}}  {r.category:<10}  {r.severity.label:<7}  {fixability(r):<6}  {r.summary}"
        for r in rules
    ]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown(rules: Sequence[Rule]) -> str:
    """The README's rules table; a test keeps the README equal to this output. One short row a rule
    (the README has a size budget): `todolint rules` and `todolint explain` give the summaries."""
    lines = [
        "| code | name | category | severity | fix |",
        "|---|---|---|---|---|",
    ]
    for r in rules:
        lines.append(f"| {r.code} | `{_cell(r.name)}` | {r.category} | {r.severity.label} | {fixability(r)} |")
    return "\n".join(lines) + "\n"


def rules_json(rules: Sequence[Rule]) -> str:
    """`todolint rules --format json`: every rule's fields and documentation."""
    data = [
        {
            "code": r.code,
            "name": r.name,
            "category": r.category,
            "severity": r.severity.label,
            "summary": r.summary,
            "rationale": r.rationale,
            "remediation": r.remediation,
            "example": r.example,
            "suppressible": r.suppressible,
            "origin": r.origin,
            "fix": fixability(r),
        }
        for r in rules
    ]
    return json.dumps(data, indent=2) + "\n"


def explain_text(rule: Rule) -> str:
    """`todolint explain CODE` (and each SARIF rule's help text): the rule's documentation, example whole."""
    parts = [
        f"{rule.code} {rule.name}",
        f"category: {rule.category} · default severity: {rule.severity.label}"
        + ("" if rule.suppressible else " · cannot be suppressed"),
        "",
        rule.summary,
        "",
        "Why",
        f"  {rule.rationale}",
        "",
        "Fix",
        f"  {rule.remediation}",
    ]
    if rule.example:
        parts += ["", "Example", *(f"  {line}" for line in rule.example.splitlines())]
    return "\n".join(parts) + "\n"
