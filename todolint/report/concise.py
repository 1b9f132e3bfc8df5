"""`--format concise`: one line per finding, `file:line:col: CODE [envs] subject field: message`, as ruff
and flake8 print them, for editors' quickfix lists and for grep.

The place is the finding's most editable location; a finding placed only by a line of a chart's rendered
output names the rendered object in the file's place (`Deployment/x:31:1`, no file of the chart), and a
chart-wide problem with no line gives the file alone. Suppressed findings are left out; nothing
else is printed (`--statistics` prints its counts instead).
"""

from __future__ import annotations

from typing import TextIO

from todolint.group import chart_environments
from todolint.models import Finding, Result
from todolint.report import ReportOptions
from todolint.report.common import headline, is_file_line, shown_file


def place(finding: Finding) -> str:
    """`file:line:col`, or `file` when no line of it is known; for a finding placed only by a line of a
    chart's rendered output, the rendered object in the file's place (`Deployment/x:31:1`)."""
    primary = finding.locations[0] if finding.locations else None
    if primary is None:
        return finding.file or "-"
    if primary.line is None or (primary.object is None and not is_file_line(primary)):
        return primary.file or "-"
    return f"{shown_file(primary)}:{primary.line}:{primary.column or 1}"


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """One `place: CODE [envs] subject field: message` line per finding that counts, in the Result's order, and
    nothing else; with `statistics`, the text report's one line per rule instead."""
    if options.statistics:
        from todolint.report.text import report as text_report

        text_report(result, stream, options)
        return
    linted = chart_environments(result)
    for finding in result.active:
        stream.write(f"{place(finding)}: {finding.code} {headline(finding, linted)}\n")
