"""`--format json`: the documented, versioned shape (docs/output.md), sorted and deterministic.

Version 2: a finding stands for every environment it was found in (`environments`, in the contract's
order; todolint.group); each environment's release and namespace are in `targets`, which also name the
values files and `--set` keys (never values) each render used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from todolint.baseline import fingerprints
from todolint.group import set_keys
from todolint.models import Edit, Finding, Location, Result, Severity, TargetResult, printable
from todolint.report import ReportOptions
from todolint.report.common import also_list, shown_file
from todolint.version import __version__

#: Bump when a field changes meaning or disappears; adding a field keeps the version.
JSON_VERSION = 2


def location_dict(location: Location) -> dict[str, Any]:
    """A location as the JSON report writes it: `object` null when `line` is a line of `file`; a line of a
    chart's rendered output names the rendered object as its `file` too, never the template."""
    return {
        "kind": location.kind,
        "file": printable(shown_file(location)),
        "line": location.line,
        "object": location.object,
    }


def fix_dict(edit: Edit) -> dict[str, Any]:
    """A fix as `todolint --fix` would make it: the span of the file to replace, and the replacement."""
    return {
        "safety": edit.safety,
        "file": edit.file,
        "line": edit.line,
        "column": edit.column,
        "end_line": edit.end_line,
        "end_column": edit.end_column,
        "replacement": edit.text,
    }


def _primary_file(finding: Finding) -> str:
    """The finding's `file`: its first location's, as `location_dict` names it."""
    primary = finding.locations[0] if finding.locations else None
    return shown_file(primary) if primary is not None and primary.object is not None else finding.file


def finding_dict(finding: Finding, fingerprint: str, fix: Edit | None = None) -> dict[str, Any]:
    """One finding of the JSON report, suppressed or not, with every environment it stands for and its
    `fingerprint` (its identity within the report); `also` and `fixes` only where there are any."""
    found = {
        "code": finding.code,
        "name": finding.name,
        "category": finding.category,
        "severity": finding.severity.label,
        "chart": finding.chart,
        "environments": list(finding.envs),
        "kind": finding.kind,
        "object": finding.object,
        "path": finding.path,
        "message": finding.message,
        "file": printable(_primary_file(finding)),
        "line": finding.line,
        "locations": [location_dict(loc) for loc in finding.locations],
        "fingerprint": fingerprint,
        "suppressed": finding.suppressed is not None,
        "justification": finding.suppressed,
    }
    if finding.also:
        found["also"] = also_list(finding)
    if fix is not None:
        found["fixes"] = [fix_dict(fix)]
    return found


def target_dict(result: TargetResult) -> dict[str, Any]:
    """One chart × environment: release, namespace, values files and `--set` keys (never values), and
    whether it rendered (`status`, `error`) with the objects it gave."""
    target = result.target
    return {
        "chart": target.chart,
        "chart_path": printable(target.chart_path),
        "env": target.env,
        "release": target.release,
        "namespace": target.namespace,
        "values": [printable(f) for f in target.values_files],
        "set": list(set_keys(target.set_values)),
        "status": "error" if result.error else "ok",
        "error": result.error,
        "objects": list(result.objects),
    }


def summary_dict(result: Result) -> dict[str, Any]:
    """The counts: findings that count by severity, suppressed ones apart, and the renders or inputs that broke."""
    return {
        "charts": len({t.target.chart_path or t.target.chart for t in result.targets}),
        "environments": len({t.target.env for t in result.targets}),
        "targets": len(result.targets),
        "objects": sum(len(t.objects) for t in result.targets),
        "findings": {s.label: result.count(s) for s in sorted(Severity, reverse=True)},
        "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
        "errors": len(result.errors),
    }


def result_dict(result: Result, fixes: Mapping[Finding, Edit] | None = None) -> dict[str, Any]:
    """The whole JSON report, its keys in their fixed order and the findings in the Result's (`fixes`: the
    edit `--fix` would make for each fixable finding)."""
    return {
        "version": JSON_VERSION,
        "tool": {"name": "todolint", "version": __version__},
        "renderer": {"name": result.renderer, "helm_version": result.helm_version},
        "kube_version": result.kube_version,
        "targets": [target_dict(t) for t in result.targets],
        "findings": [
            finding_dict(f, key, (fixes or {}).get(f))
            for f, key in zip(result.findings, fingerprints(result.findings), strict=True)
        ],
        "errors": list(result.errors),
        "summary": summary_dict(result),
    }


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """The versioned JSON document of docs/output.md (`result_dict`): targets, every finding (suppressed ones
    marked), errors and counts; indented by two, non-ASCII kept, a final newline: the same Result, the same
    bytes. Of the options only `fixes` matters."""
    stream.write(json.dumps(result_dict(result, options.fixes), indent=2, ensure_ascii=False))
    stream.write("\n")
