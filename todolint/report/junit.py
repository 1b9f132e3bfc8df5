"""`--format junit`: JUnit XML (the Apache Ant schema) for CI systems that show test reports.

One testsuite per chart × environment, one testcase per rule in force: a rule passes, or fails with
every finding it raised there. A chart × environment that could not be rendered fails its render
testcase and skips the rest. Times and the timestamp are fixed (the epoch, or $SOURCE_DATE_EPOCH), so the
same input gives the same bytes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from todolint.models import Finding, Result
from todolint.report import ReportOptions
from todolint.rules.base import Rule


def _timestamp() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
    seconds = int(epoch) if epoch.isdigit() else 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _finding_line(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file
    subject = f"{finding.kind}/{finding.object}" if finding.kind else "chart"
    field = f" {finding.path}" if finding.path else ""
    return f"{where}: {finding.severity.label}: {subject}{field}: {finding.message}"


def _suites(result: Result) -> list[tuple[str, str, str, str | None]]:
    """(chart, env, chart path, render error) for every linted pair and every pair that has findings."""
    suites = {(t.target.chart, t.target.env): (t.target.chart_path, t.error) for t in result.targets}
    for finding in result.findings:
        suites.setdefault((finding.chart, finding.env), ("", None))
    return [(chart, env, path, error) for (chart, env), (path, error) in sorted(suites.items())]


def _testcase(rule: Rule, classname: str, findings: Sequence[Finding], broken: str | None) -> tuple[str, list[str]]:
    """(outcome, XML lines): outcome is passed, failure or skipped."""
    name = quoteattr(f"{rule.code} {rule.name}")
    head = f'    <testcase name={name} classname={quoteattr(classname)} time="0"'
    active = [f for f in findings if f.suppressed is None]
    if active:
        count = len(active)
        message = f"{count} finding{'s' if count != 1 else ''}: {active[0].message}"
        body = "\n".join(_finding_line(f) for f in active)
        return "failure", [
            head + ">",
            f"      <failure message={quoteattr(message)} type={quoteattr(rule.code)}>{escape(body)}</failure>",
            "    </testcase>",
        ]
    if broken is not None and rule.category not in ("render", "parse"):
        skipped = f"      <skipped message={quoteattr('not rendered: ' + broken)}/>"
        return "skipped", [head + ">", skipped, "    </testcase>"]
    return "passed", [head + "/>"]


def junit_xml(result: Result) -> str:
    rules: list[Rule] = sorted((r for r in result.rules if isinstance(r, Rule)), key=lambda r: r.code)
    known = {r.code for r in rules}
    timestamp = _timestamp()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for suite_id, (chart, env, chart_path, broken) in enumerate(_suites(result)):
        findings = [f for f in result.findings if (f.chart, f.env) == (chart, env)]
        by_code: dict[str, list[Finding]] = {}
        for finding in findings:
            by_code.setdefault(finding.code, []).append(finding)
        # A rule that raised findings but is not listed (a partial Result) still gets its testcase.
        extra = [
            Rule(f.code, f.name, f.category, f.severity, "", "", "")
            for f in findings
            if f.code not in known and f is by_code[f.code][0]
        ]
        suite_rules = sorted([*rules, *extra], key=lambda r: r.code)
        classname = f"todolint.{chart}.{env}"
        cases = [_testcase(r, classname, by_code.get(r.code, []), broken) for r in suite_rules]
        failures = sum(1 for outcome, _ in cases if outcome == "failure")
        skipped = sum(1 for outcome, _ in cases if outcome == "skipped")
        name = f"{chart} ({env})"
        lines.append(
            f'  <testsuite name={quoteattr(name)} package={quoteattr(classname)} id="{suite_id}" '
            f'timestamp="{timestamp}" hostname="localhost" tests="{len(cases)}" failures="{failures}" '
            f'errors="0" skipped="{skipped}" time="0">'
        )
        lines.append("    <properties>")
        for key, value in (
            ("chart", chart),
            ("chart_path", chart_path),
            ("env", env),
            ("renderer", result.renderer),
            ("helm_version", result.helm_version),
            ("kube_version", result.kube_version),
        ):
            lines.append(f"      <property name={quoteattr(key)} value={quoteattr(value)}/>")
        lines.append("    </properties>")
        for _, case in cases:
            lines.extend(case)
        suppressed = [f for f in findings if f.suppressed is not None]
        out = "\n".join(f"suppressed: {_finding_line(f)} ({f.suppressed})" for f in suppressed)
        lines.append(f"    <system-out>{escape(out)}</system-out>")
        lines.append(f"    <system-err>{escape(broken or '')}</system-err>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    stream.write(junit_xml(result))
