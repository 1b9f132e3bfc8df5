"""`--format sarif`: SARIF 2.1.0 for code scanning (GitHub `upload-sarif` and other SARIF viewers).

Every rule in force is described in `tool.driver.rules` (its whole `todolint explain` text as `help`,
default level; no helpUri: todolint has no web site, and a link that leads nowhere is worse than none).
One result per root cause (todolint.group), its environments in the message and properties. A result points at the
file and line of its most editable location; the other locations become `relatedLocations`. A line of
a chart's rendered output is no line of the template file, so it is never a physical location: it is a
related location with a message (`rendered Deployment/x line 31`), and a result placed only by one names
no file (its location is the object, with that message). URIs are relative to the repository root
(`%SRCROOT%`: the folder holding `.git` above the working directory, else the working directory), so the
report is the same from any folder.
`partialFingerprints` hash what a finding is about, never its line, and are unique within a run, so
that a viewer tracks each alert across runs. Suppressed findings are kept, with `suppressions`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, TextIO
from urllib.parse import quote

from todolint.baseline import fingerprints
from todolint.group import chart_environments
from todolint.models import Edit, Finding, Location, Result, Severity, printable
from todolint.report import ReportOptions
from todolint.report.common import (
    PACKAGED,
    also_list,
    describe,
    headline,
    is_file_line,
    packaged,
    repository_path,
    repository_root,
)
from todolint.rules.base import Rule
from todolint.rules.docs import explain_text
from todolint.version import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "todolintFingerprint/v2"
SRCROOT = "%SRCROOT%"
#: Files that are no file: stdin, and `--set` as the source of a value.
_NOT_FILES = ("", "-", "<stdin>", "--set")

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact(file: str, root: str) -> dict[str, Any]:
    """An artifactLocation: relative to %SRCROOT% when the file is inside the repository."""
    file = printable(file)  # a name with control characters or undecodable bytes is still one URI
    if file in _NOT_FILES:
        return {"uri": quote(file, safe="/")}
    relative = repository_path(file, root)
    if relative is None:
        return {"uri": "file://" + quote(os.path.normpath(os.path.join(os.getcwd(), file)), safe="/")}
    return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}


def _physical(location: Location, root: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact(location.file, root)}
    if location.line is not None and location.line >= 1 and is_file_line(location):
        region: dict[str, Any] = {"startLine": location.line}
        if location.column is not None and location.column >= 1:
            region["startColumn"] = location.column
        physical["region"] = region
    return physical


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A `reportingDescriptor` for `tool.driver.rules`: summary, rationale, the `todolint explain` text as
    `help`, and the rule's default severity as its level."""
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": explain_text(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"category": rule.category, "tags": [rule.category], "suppressible": rule.suppressible},
    }


def _suppression(justification: str) -> dict[str, Any]:
    # A baseline lives outside the analysed files; annotations and config exemptions are the user's own words.
    kind = "external" if justification.startswith("baseline: ") else "inSource"
    return {"kind": kind, "status": "accepted", "justification": justification}


def fix_object(edit: Edit, root: str) -> dict[str, Any]:
    """A SARIF `fix`: the one replacement `todolint --fix` makes, so a viewer can offer it."""
    review = "" if edit.safety == "safe" else " (unsafe: review it; `todolint --fix --unsafe-fixes`)"
    return {
        "description": {"text": f"Set the value to {edit.text}{review}"},
        "artifactChanges": [
            {
                "artifactLocation": artifact(edit.file, root),
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": edit.line,
                            "startColumn": edit.column,
                            "endLine": edit.end_line,
                            "endColumn": edit.end_column,
                        },
                        "insertedContent": {"text": edit.text},
                    }
                ],
            }
        ],
        "properties": {"safety": edit.safety},
    }


def _related(location: Location, index: int, root: str) -> dict[str, Any]:
    if location.object is not None:  # a line of rendered output: named, never a file position
        return {"id": index, "message": {"text": describe(location)}}
    words = f"{location.kind} location" + (f" {PACKAGED}" if packaged(location) else "")
    return {"id": index, "physicalLocation": _physical(location, root), "message": {"text": words}}


def result_object(
    finding: Finding,
    rule_index: Mapping[str, int],
    *,
    fingerprint: str,
    linted: Mapping[str, tuple[str, ...]],
    root: str,
    fix: Edit | None = None,
) -> dict[str, Any]:
    """One SARIF `result`. Its physical location is the file and line of the first location (for a rendered
    line, none: the location says the line in words, and so does a related location); a logical location
    names each object it is found in. `rule_index`: code → index in `tool.driver.rules`; `linted`: chart →
    environments linted."""
    primary = finding.locations[0] if finding.locations else Location("template", finding.file, finding.line)
    location: dict[str, Any] = {}
    if primary.object is None:
        location["physicalLocation"] = _physical(primary, root)
        if packaged(primary):
            location["message"] = {"text": f"{primary.kind} location {PACKAGED}"}
    else:  # only a rendered line: no file holds it, so the result names none
        location["message"] = {"text": f"{describe(primary)}: no values or template line found"}
    if finding.kind:
        # One line of source may give the finding in several objects (todolint.group): each is a
        # logical location of the one physical line.
        objects = dict.fromkeys([(finding.kind, finding.object), *((kind, name) for kind, name, _ in finding.also)])
        location["logicalLocations"] = [
            {"name": name, "fullyQualifiedName": f"{finding.chart}/{kind}/{name}", "kind": "object"}
            for kind, name in objects
        ]
    # The primary location, when it is a rendered line, is said in words too: it has no physical one; nor
    # does the template no line of which could be traced (the words name it), so the result names no file.
    related = list(finding.locations[1:])
    if primary.object is not None:
        related = [primary, *(loc for loc in related if loc.object is not None or loc.line is not None)]
        templates = [loc.file for loc in finding.locations if loc.kind == "template" and loc.line is None]
        if templates:
            location["message"]["text"] += f" (rendered from {printable(templates[0])})"
    out: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.chart} {headline(finding, linted)}"},
        "locations": [location],
    }
    if finding.code in rule_index:
        out["ruleIndex"] = rule_index[finding.code]
    if related:
        out["relatedLocations"] = [_related(loc, n, root) for n, loc in enumerate(related, 1)]
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
    if finding.suppressed is not None:
        out["suppressions"] = [_suppression(finding.suppressed)]
    if fix is not None:
        out["fixes"] = [fix_object(fix, root)]
    out["properties"] = {
        "chart": finding.chart,
        "environments": list(finding.envs),
        "kind": finding.kind,
        "object": finding.object,
        "path": finding.path,
        "category": finding.category,
    }
    if finding.also:
        out["properties"]["also"] = also_list(finding)
    return out


def sarif_dict(result: Result, fixes: Mapping[Finding, Edit] | None = None, root: str | None = None) -> dict[str, Any]:
    """The whole SARIF log: one run, every rule in force, one result per finding (suppressed ones too). URIs
    are relative to `root`, by default the repository root above the working directory."""
    rules: list[Rule] = [r for r in result.rules if isinstance(r, Rule)]
    rule_index = {rule.code: n for n, rule in enumerate(rules)}
    linted = chart_environments(result)
    root = repository_root(os.getcwd()) if root is None else root
    results = [
        result_object(f, rule_index, fingerprint=key, linted=linted, root=root, fix=(fixes or {}).get(f))
        for f, key in zip(result.findings, fingerprints(result.findings), strict=True)
    ]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "todolint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "renderer": result.renderer,
                    "helmVersion": result.helm_version,
                    "kubeVersion": result.kube_version,
                },
            }
        ],
    }


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """A SARIF 2.1.0 log for code scanning (`sarif_dict`): the rules in force and one result per finding,
    suppressed ones with `suppressions`; indented by two, non-ASCII kept, a final newline. Of the options only
    `fixes` matters."""
    stream.write(json.dumps(sarif_dict(result, options.fixes), indent=2, ensure_ascii=False))
    stream.write("\n")
