"""`--format github`: GitHub Actions workflow commands, so findings appear as annotations on the diff.

`::error file=F,line=L,title=T::message` per finding that counts (warning → `::warning`, info →
`::notice`); suppressed findings are left out. Values are escaped as the runner expects.
"""

from __future__ import annotations

from typing import TextIO

from todolint.models import Finding, Result, Severity
from todolint.report import ReportOptions

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding) -> str:
    props = []
    if finding.file and finding.file not in ("-", "<stdin>"):
        props.append(f"file={_escape_property(finding.file)}")
        if finding.line:
            props.append(f"line={finding.line}")
    props.append(f"title={_escape_property(f'{finding.code} {finding.name}')}")
    subject = f"{finding.kind}/{finding.object}" if finding.kind else "chart"
    field = f" {finding.path}" if finding.path else ""
    message = f"{finding.chart} ({finding.env}) {subject}{field}: {finding.message}"
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    # A chart that did not render is a TL001 finding too: it gets its annotation like any other.
    for finding in result.active:
        stream.write(command(finding) + "\n")
