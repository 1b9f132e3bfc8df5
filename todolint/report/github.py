"""`--format github`: GitHub Actions workflow commands, so findings appear as annotations on the diff.

`::error file=F,line=L,title=T::chart [envs] subject: message` per finding that counts, once for all its
environments (warning → `::warning`, info → `::notice`); suppressed findings are left out. A line of a
chart's rendered output is no line of any file: a finding placed only by one names no file, and its
message says which rendered line it is (`rendered Deployment/x line 31`). Files are
named from the repository root (the folder holding `.git`), as GitHub expects, from any working
directory. Values are escaped as the runner expects, names like every other rendered text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from todolint.group import chart_environments
from todolint.models import Finding, Result, Severity, printable
from todolint.report import ReportOptions
from todolint.report.common import (
    PACKAGED,
    describe,
    headline,
    is_file_line,
    packaged,
    repository_path,
    repository_root,
)

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding, linted: Mapping[str, tuple[str, ...]] | None = None, root: str | None = None) -> str:
    """One workflow command; `linted` (chart → environments linted) turns every environment into `all`;
    files are named from the repository `root` (GitHub's workspace), whatever the working directory."""
    props = []
    primary = finding.locations[0] if finding.locations else None
    file = printable(finding.file)
    rendered = primary is not None and primary.object is not None
    if file and file not in ("-", "<stdin>", "--set") and not rendered:
        if root is not None:
            file = repository_path(file, root) or file
        props.append(f"file={_escape_property(file)}")
        if finding.line and (primary is None or is_file_line(primary)):
            props.append(f"line={finding.line}")
    props.append(f"title={_escape_property(f'{finding.code} {finding.name}')}")
    message = f"{finding.chart} {headline(finding, linted or {})}"
    if primary is not None and rendered:
        message += f" ({describe(primary)}: no values or template line found)"
    elif primary is not None and packaged(primary):
        message += f" ({PACKAGED})"
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per finding that
    counts (see `command`), files named from the repository root above the working directory. The options
    change nothing."""
    # A chart that did not render is a TL001 finding too: it gets its annotation like any other.
    linted = chart_environments(result)
    root = repository_root(os.getcwd())
    for finding in result.active:
        stream.write(command(finding, linted, root) + "\n")
