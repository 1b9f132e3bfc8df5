"""`--format sarif`: SARIF 2.1.0 for code scanning (GitHub `upload-sarif` and other SARIF viewers).

Every rule in force is described in `tool.driver.rules` (docs, helpUri, default level). Every result
points at the repository-relative file and real line of its most editable location; the other
locations become `relatedLocations`. `partialFingerprints` hash what a finding is about, never its
line, so that a viewer tracks the same alert across runs. Suppressed findings are kept, with
`suppressions` carrying the justification.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from todolint.baseline import fingerprint
from todolint.models import Finding, Location, Result, Severity
from todolint.report import ReportOptions
from todolint.rules.base import Rule
from todolint.rules.docs import explain_text
from todolint.version import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://todolint.io"
#: Each rule's page: the same text as `todolint explain CODE`.
HELP_URI = "https://todolint.io/rules/{code}"
FINGERPRINT_KEY = "todolintFingerprint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(file: str) -> str:
    path = PurePosixPath(file)
    if path.is_absolute():
        return "file://" + quote(path.as_posix(), safe="/")
    return quote(path.as_posix(), safe="/")


def _physical(location: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(location.file)}}
    if location.line is not None and location.line >= 1:
        region: dict[str, Any] = {"startLine": location.line}
        if location.column is not None and location.column >= 1:
            region["startColumn"] = location.column
        physical["region"] = region
    return physical


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": explain_text(rule)},
        "helpUri": HELP_URI.format(code=rule.code),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"category": rule.category, "tags": [rule.category], "suppressible": rule.suppressible},
    }


def _message(finding: Finding) -> str:
    subject = f"{finding.kind}/{finding.object}" if finding.kind else "chart"
    field = f" {finding.path}" if finding.path else ""
    return f"{finding.chart} ({finding.env}) {subject}{field}: {finding.message}"


def _suppression(justification: str) -> dict[str, Any]:
    # A baseline lives outside the analysed files; annotations and config exemptions are the user's own words.
    kind = "external" if justification.startswith("baseline: ") else "inSource"
    return {"kind": kind, "status": "accepted", "justification": justification}


def result_object(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    primary = Location("rendered", finding.file, finding.line)
    location: dict[str, Any] = {"physicalLocation": _physical(primary)}
    if finding.kind:
        location["logicalLocations"] = [
            {
                "name": finding.object,
                "fullyQualifiedName": f"{finding.chart}/{finding.env}/{finding.kind}/{finding.object}",
                "kind": "object",
            }
        ]
    related = list(finding.locations)
    for index, other in enumerate(related):
        if (other.file, other.line) == (finding.file, finding.line):
            del related[index]
            break
    out: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [location],
    }
    if finding.code in rule_index:
        out["ruleIndex"] = rule_index[finding.code]
    if related:
        out["relatedLocations"] = [
            {"id": n, "physicalLocation": _physical(loc), "message": {"text": f"{loc.kind} location"}}
            for n, loc in enumerate(related, 1)
        ]
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(finding)}
    if finding.suppressed is not None:
        out["suppressions"] = [_suppression(finding.suppressed)]
    out["properties"] = {
        "chart": finding.chart,
        "env": finding.env,
        "release": finding.release,
        "namespace": finding.namespace,
        "kind": finding.kind,
        "object": finding.object,
        "path": finding.path,
        "category": finding.category,
    }
    return out


def sarif_dict(result: Result) -> dict[str, Any]:
    rules: list[Rule] = [r for r in result.rules if isinstance(r, Rule)]
    rule_index = {rule.code: n for n, rule in enumerate(rules)}
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
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [result_object(f, rule_index) for f in result.findings],
                "properties": {
                    "renderer": result.renderer,
                    "helmVersion": result.helm_version,
                    "kubeVersion": result.kube_version,
                },
            }
        ],
    }


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    stream.write(json.dumps(sarif_dict(result), indent=2, ensure_ascii=False))
    stream.write("\n")
