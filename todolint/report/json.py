"""`--format json`: the documented, versioned shape (README "JSON output"), sorted and deterministic."""

from __future__ import annotations

import json
from typing import Any, TextIO

from todolint.models import Finding, Result, Severity
from todolint.report import ReportOptions
from todolint.version import __version__

#: Bump when a field changes meaning or disappears; adding a field keeps the version.
JSON_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "category": finding.category,
        "severity": finding.severity.label,
        "chart": finding.chart,
        "env": finding.env,
        "release": finding.release,
        "namespace": finding.namespace,
        "kind": finding.kind,
        "object": finding.object,
        "path": finding.path,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "locations": [{"kind": loc.kind, "file": loc.file, "line": loc.line} for loc in finding.locations],
        "suppressed": finding.suppressed is not None,
        "justification": finding.suppressed,
    }


def summary_dict(result: Result) -> dict[str, Any]:
    return {
        "charts": len({t.target.chart_path or t.target.chart for t in result.targets}),
        "environments": len({t.target.env for t in result.targets}),
        "targets": len(result.targets),
        "objects": sum(len(t.objects) for t in result.targets),
        "findings": {s.label: result.count(s) for s in sorted(Severity, reverse=True)},
        "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
        "errors": len(result.errors),
    }


def result_dict(result: Result) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "tool": {"name": "todolint", "version": __version__},
        "renderer": {"name": result.renderer, "helm_version": result.helm_version},
        "kube_version": result.kube_version,
        "targets": [
            {
                "chart": t.target.chart,
                "chart_path": t.target.chart_path,
                "env": t.target.env,
                "release": t.target.release,
                "namespace": t.target.namespace,
                "status": "error" if t.error else "ok",
                "error": t.error,
                "objects": list(t.objects),
            }
            for t in result.targets
        ],
        "findings": [finding_dict(f) for f in result.findings],
        "errors": list(result.errors),
        "summary": summary_dict(result),
    }


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    stream.write(json.dumps(result_dict(result), indent=2, ensure_ascii=False))
    stream.write("\n")
