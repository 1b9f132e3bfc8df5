"""`--format junit`: JUnit XML (the Apache Ant schema) for CI systems that show test reports.

One testsuite per chart, one testcase per rule in force: a rule passes, or fails with every finding it
raised there, each once with its environments (todolint.group). A rule is skipped when no environment
of the chart could be rendered. Text is escaped and holds only characters XML 1.0 allows, whatever a
chart names. Times and the timestamp are fixed (the epoch, or $SOURCE_DATE_EPOCH), so the same input
gives the same bytes.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from todolint.group import chart_environments
from todolint.models import Finding, Result, printable
from todolint.report import ReportOptions
from todolint.report.common import describe, headline, where
from todolint.rules.base import Rule

#: What XML 1.0 does not allow in a document, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Element text: escaped, every character one XML allows (others shown as `\\xNN`)."""
    return escape(_NOT_XML.sub(lambda m: repr(m.group())[1:-1], text))


def _attr(text: str) -> str:
    """A quoted attribute value, on one line, every character one XML allows."""
    return quoteattr(printable(_NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)))


def _timestamp() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
    seconds = int(epoch) if epoch.isdigit() else 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _finding_line(finding: Finding, linted: Mapping[str, tuple[str, ...]]) -> str:
    primary = finding.locations[0] if finding.locations else None
    place = (where(primary) if primary.object is None else describe(primary)) if primary else finding.file
    return f"{place}: {finding.severity.label}: {headline(finding, linted)}"


@dataclass(frozen=True)
class _Suite:
    chart: str
    chart_path: str
    envs: tuple[str, ...]
    #: One line per environment that could not be rendered or parsed.
    errors: tuple[str, ...]
    #: Whether no environment of the chart was rendered: then only render and parse rules ran.
    broken: bool


def _suites(result: Result) -> list[_Suite]:
    """A suite for every linted chart, and for every chart that has findings."""
    linted = chart_environments(result)
    charts = {f.chart for f in result.findings} | set(linted)
    suites = []
    for chart in sorted(charts):
        targets = [t for t in result.targets if t.target.chart == chart]
        errors = tuple(f"{t.target.env}: {t.error}" for t in targets if t.error)
        path = next((t.target.chart_path for t in targets if t.target.chart_path), "")
        broken = bool(targets) and len(errors) == len(targets)
        suites.append(_Suite(chart, path, linted.get(chart, ()), errors, broken))
    return suites


def _testcase(
    rule: Rule, classname: str, findings: Sequence[Finding], suite: _Suite, linted: Mapping[str, tuple[str, ...]]
) -> tuple[str, list[str]]:
    """(outcome, XML lines): outcome is passed, failure or skipped."""
    head = f'    <testcase name={_attr(f"{rule.code} {rule.name}")} classname={_attr(classname)} time="0"'
    active = [f for f in findings if f.suppressed is None]
    if active:
        count = len(active)
        message = f"{count} finding{'s' if count != 1 else ''}: {active[0].message}"
        body = "\n".join(_finding_line(f, linted) for f in active)
        return "failure", [
            head + ">",
            f"      <failure message={_attr(message)} type={_attr(rule.code)}>{_xml(body)}</failure>",
            "    </testcase>",
        ]
    if suite.broken and rule.category not in ("render", "parse"):
        skipped = f"      <skipped message={_attr('not rendered: ' + '; '.join(suite.errors))}/>"
        return "skipped", [head + ">", skipped, "    </testcase>"]
    return "passed", [head + "/>"]


def _suite_rules(rules: Sequence[Rule], findings: Sequence[Finding]) -> list[Rule]:
    """The rules in force, and any rule that raised findings but is not listed (a partial Result)."""
    known = {r.code for r in rules}
    extra = {
        f.code: Rule(
            code=f.code, name=f.name, category=f.category, severity=f.severity, summary="", rationale="", remediation=""
        )
        for f in findings
        if f.code not in known
    }
    return sorted([*rules, *extra.values()], key=lambda r: r.code)


def _suite_xml(result: Result, suite: _Suite, suite_id: int, rules: Sequence[Rule], timestamp: str) -> list[str]:
    linted = chart_environments(result)
    findings = [f for f in result.findings if f.chart == suite.chart]
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    classname = f"todolint.{suite.chart}"
    cases = [_testcase(r, classname, by_code.get(r.code, []), suite, linted) for r in _suite_rules(rules, findings)]
    failures = sum(1 for outcome, _ in cases if outcome == "failure")
    skipped = sum(1 for outcome, _ in cases if outcome == "skipped")
    lines = [
        f'  <testsuite name={_attr(suite.chart)} package={_attr(classname)} id="{suite_id}" '
        f'timestamp="{timestamp}" hostname="localhost" tests="{len(cases)}" failures="{failures}" '
        f'errors="0" skipped="{skipped}" time="0">',
        "    <properties>",
    ]
    for key, value in (
        ("chart", suite.chart),
        ("chart_path", suite.chart_path),
        ("environments", ", ".join(suite.envs)),
        ("renderer", result.renderer),
        ("helm_version", result.helm_version),
        ("kube_version", result.kube_version),
    ):
        lines.append(f"      <property name={_attr(key)} value={_attr(value)}/>")
    lines.append("    </properties>")
    for _, case in cases:
        lines.extend(case)
    suppressed = [f for f in findings if f.suppressed is not None]
    out = "\n".join(f"suppressed: {_finding_line(f, linted)} ({f.suppressed})" for f in suppressed)
    lines.append(f"    <system-out>{_xml(out)}</system-out>")
    lines.append(f"    <system-err>{_xml(chr(10).join(suite.errors))}</system-err>")
    lines.append("  </testsuite>")
    return lines


def junit_xml(result: Result) -> str:
    """The whole JUnit document: a testsuite per chart linted or with findings, a testcase per rule in force
    (and per rule with findings that is not listed), suppressed findings in `system-out`, the chart's
    render and parse errors in `system-err`."""
    rules: list[Rule] = sorted((r for r in result.rules if isinstance(r, Rule)), key=lambda r: r.code)
    timestamp = _timestamp()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for suite_id, suite in enumerate(_suites(result)):
        lines.extend(_suite_xml(result, suite, suite_id, rules, timestamp))
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """JUnit XML (`junit_xml`): per chart a testsuite whose testcases are the rules in force, each passed,
    failed with its findings, or skipped; the same Result gives the same bytes. The options change nothing."""
    stream.write(junit_xml(result))
