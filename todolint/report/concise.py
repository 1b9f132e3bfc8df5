"""`--format concise`: one line per finding, `file:line:col: CODE [envs] subject field: message`, as ruff
and flake8 print them, for editors' quickfix lists and for grep.

The place is the finding's most editable location; a finding with no line of a file (a rendered line of
a chart render, a chart-wide problem) gives the file alone. Suppressed findings are left out; nothing
else is printed (`--statistics` prints its counts instead).
"""

from __future__ import annotations

from typing import TextIO

from todolint.group import chart_environments
from todolint.models import Finding, Result
from todolint.report import ReportOptions
from todolint.report.common import headline, is_file_line


def place(finding: Finding) -> str:
    """`file:line:col`, or `file` when no line of it is known."""
    primary = finding.locations[0] if finding.locations else None
    if primary is None:
        return finding.file or "-"
    if primary.line is None or not is_file_line(primary):
        return primary.file or "-"
    return f"{primary.file}:{primary.line}:{primary.column or 1}"


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
