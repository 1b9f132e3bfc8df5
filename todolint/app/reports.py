"""The reports of a run: which `--format` goes to which `--output`, the edit each reported finding
shows, and writing each report, atomically."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from todolint.app.request import Request, fail
from todolint.output import OutputError, to_stdout, write_atomic

if TYPE_CHECKING:
    from todolint.models import Edit, Finding, Result
    from todolint.redact import SecretNames


def pair_reports(order: Sequence[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """Each --output goes with the closest --format before it; outputs given before any format, or
    beyond one per format, go to the formats still writing to stdout, in order; no --format means text.
    At most one report may go to stdout."""
    reports: list[list[str | None]] = []
    pending: list[str] = []
    for kind, value in order:
        if kind == "format":
            reports.append([value, None])
        elif reports and reports[-1][1] is None:
            reports[-1][1] = value
        else:
            pending.append(value)
    if not reports:
        reports.append(["text", None])
    for report in reports:
        if pending and report[1] is None:
            report[1] = pending.pop(0)
    if pending:
        fail(f"--output {pending[0]}: every --output needs its own --format")
    stdout = [str(r[0]) for r in reports if r[1] is None]
    if len(stdout) > 1:
        fail(f"--format {' and --format '.join(stdout)}: only one report can go to stdout; give the others --output")
    outputs = [str(r[1]) for r in reports if r[1] is not None]
    for output in outputs:
        if outputs.count(output) > 1:
            fail(f"--output {output}: given twice")
    return [(str(fmt), out) for fmt, out in reports]


def write_reports(
    request: Request, result: Result, fixes: Mapping[Finding, Edit], *, secret_names: SecretNames | None = None
) -> None:
    """Every report the request asks for, each to its file or to stdout; code frames mask the values
    `secret_names` (the contract's) make secret."""
    from todolint.report import ReportOptions, reporters

    options = ReportOptions(
        color={"auto": None, "always": True, "never": False}[request.color],
        quiet=request.quiet,
        statistics=request.statistics,
        fixes=fixes,
        secret_names=secret_names,
    )
    available = reporters()
    for output_format, output in request.reports:
        report = available[output_format]

        def write(stream: TextIO, report: Any = report) -> None:
            report(result, stream, options)

        if output:
            write_file(output, write)
        else:
            to_stdout(write)


def grouped_fixes(
    result: Result, members: Mapping[Finding, tuple[Finding, ...]], fixes: Mapping[Finding, Edit]
) -> dict[Finding, Edit]:
    """A reported finding's edit: the one edit every finding it stands for would get, else none."""
    out: dict[Finding, Edit] = {}
    for finding in result.active:
        edits = [fixes.get(member) for member in members.get(finding, ())]
        first = edits[0] if edits else None
        if first is not None and all(edit == first for edit in edits):
            out[finding] = first
    return out


def write_file(path: str, write: Callable[[TextIO], None]) -> None:
    """Write a file atomically; UsageError when it cannot be written."""
    try:
        write_atomic(Path(path), write)
    except OutputError as exc:
        fail(str(exc))


__all__ = ["grouped_fixes", "pair_reports", "write_file", "write_reports"]
