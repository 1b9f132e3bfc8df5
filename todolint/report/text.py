"""`--format text`: findings grouped chart → object, each once with its environments, for a person at a
terminal.

Colour on a terminal; plain text when piped, with NO_COLOR, or with `--color never`. Lines never wrap,
so that a `file:line` stays clickable and greppable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from itertools import groupby
from typing import TYPE_CHECKING, TextIO

from todolint.group import chart_environments, env_label
from todolint.models import Edit, Finding, Result, Severity, printable
from todolint.report import ReportOptions
from todolint.report.common import describe, packaged, target_inputs, where
from todolint.version import __version__

if TYPE_CHECKING:
    from todolint.report.frames import ReadFile

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}

#: A piece of a line and its rich style ("" for none). Pieces are plain text, never markup: what a
#: chart names (an object called `[bold]`) is printed as it is.
Piece = tuple[str, str]


class _Plain:
    """Lines without colour: piped output, NO_COLOR, `--color never` (and no rich to import)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def line(self, *pieces: Piece, style: str = "") -> None:
        self.stream.write("".join(text for text, _ in pieces) + "\n")


class _Coloured:
    """Lines in colour on a terminal, through rich; lines never wrap."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console

        self.console = Console(
            file=stream, force_terminal=True, highlight=False, soft_wrap=True, emoji=False, markup=False
        )

    def line(self, *pieces: Piece, style: str = "") -> None:
        from rich.text import Text

        self.console.print(Text.assemble(*pieces, style=style))


def _printer(stream: TextIO, options: ReportOptions) -> _Plain | _Coloured:
    if options.color is None:
        color = stream.isatty() and not os.environ.get("NO_COLOR")
    else:
        color = options.color
    return _Coloured(stream) if color else _Plain(stream)


def _summary(result: Result, fixes: Mapping[Finding, Edit]) -> str:
    charts = len({t.target.chart_path or t.target.chart for t in result.targets})
    envs = len({t.target.env for t in result.targets})
    objects = sum(len(t.objects) for t in result.targets)
    counts = ", ".join(f"{result.count(s)} {s.label}" for s in sorted(Severity, reverse=True))
    suppressed = sum(1 for f in result.findings if f.suppressed is not None)
    parts = [
        f"{charts} chart{'s' if charts != 1 else ''}",
        f"{envs} environment{'s' if envs != 1 else ''}",
        f"{objects} object{'s' if objects != 1 else ''}",
        counts,
    ]
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    if result.errors:
        parts.append(f"{len(result.errors)} not rendered")
    safe = sum(1 for f in result.active if f in fixes and fixes[f].safety == "safe")
    if safe:
        parts.append(f"{safe} fixable with --fix")
    unsafe = sum(1 for f in result.active if f in fixes and fixes[f].safety != "safe")
    if unsafe:
        parts.append(f"{unsafe} with --fix --unsafe-fixes")
    parts.append(f"{result.elapsed:.2f} s")
    return " · ".join(parts)


def _statistics(result: Result, out: _Plain | _Coloured) -> None:
    counts: dict[tuple[str, str, Severity], int] = {}
    for finding in result.active:
        key = (finding.code, finding.name, finding.severity)
        counts[key] = counts.get(key, 0) + 1
    for (code, name, severity), count in sorted(counts.items()):
        out.line((f"{count:6d}  {code}  {name}  ", ""), (severity.label, _STYLE[severity]))


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """A header line (todolint, renderer, Helm and schema versions); per chart, one line per environment
    (release, namespace, values files, `--set` keys) and its findings that count by object, each with its
    place, severity, code, fix marker, environments, message, code frame and other locations; a summary
    line of counts. `quiet` prints the findings alone (nothing for a clean run); `statistics` prints one
    line per rule (count, code, name, severity) instead of all of it."""
    out = _printer(stream, options)
    if options.statistics:
        _statistics(result, out)
        return
    if not options.quiet:
        helm = f", Helm {result.helm_version}" if result.helm_version else ""
        out.line(
            (f"todolint {__version__}", "bold"),
            (f" · renderer {result.renderer}{helm} · Kubernetes schemas {result.kube_version}", ""),
            style="dim",
        )
    active = result.active
    linted = chart_environments(result)
    frames: dict[str, ReadFile] = {}
    for chart, chart_findings in groupby(active, key=lambda f: f.chart):
        out.line()
        _chart_header(out, result, chart, quiet=options.quiet)
        by_object = sorted(chart_findings, key=lambda f: (f.kind, f.object, f.file, f.line or 0, f.code, f.path))
        for (kind, name), object_findings in groupby(by_object, key=lambda f: (f.kind, f.object)):
            out.line(("  ", ""), (f"{kind}/{name}" if kind else "(chart)", "bold"))
            for finding in object_findings:
                _finding(out, finding, env_label(finding, linted), frames, options, options.fixes.get(finding))
    if not options.quiet:
        out.line()
        out.line((_summary(result, options.fixes), ""))


def _chart_header(out: _Plain | _Coloured, result: Result, chart: str, *, quiet: bool) -> None:
    """The chart, then one line per environment it was linted in: release, namespace, values and `--set`
    keys (what a finding's environments mean)."""
    targets = [t.target for t in result.targets if t.target.chart == chart]
    paths = sorted({t.chart_path for t in targets if t.chart_path})
    out.line((chart, "bold"), (f" ({', '.join(printable(p) for p in paths)})" if paths else "", ""))
    if quiet:
        return
    width = max((len(t.env) for t in targets), default=0)
    for target in targets:
        names = f"release {target.release}, namespace {target.namespace}" if target.release else ""
        inputs = target_inputs(target)
        details = " · ".join(part for part in (names, inputs) if part)
        out.line(("  ", ""), (f"{target.env:<{width}}", "magenta"), (f"  {details}".rstrip(), ""), style="dim")


def _finding(
    out: _Plain | _Coloured,
    finding: Finding,
    envs: str,
    frames: dict[str, ReadFile],
    options: ReportOptions,
    fix: Edit | None,
) -> None:
    # ruff's marker: [*] is fixed by --fix; [*unsafe] needs --unsafe-fixes too.
    marker = "" if fix is None else " [*]" if fix.safety == "safe" else " [*unsafe]"
    primary = finding.locations[0] if finding.locations else None
    if primary is None:
        place = finding.file or "-"
    else:
        place = where(primary) if primary.object is None else describe(primary)
    out.line(
        (f"    {place}  ", ""),
        (finding.severity.label, _STYLE[finding.severity]),
        ("  ", ""),
        (finding.code, "bold"),
        (f" {finding.name}", ""),
        (marker, "cyan"),
        ("  ", ""),
        (f"[{envs}]", "magenta"),
    )
    field = f"{finding.path}: " if finding.path else ""
    out.line((f"      {field}{finding.message}", ""))
    archive = packaged(primary) if primary is not None else None
    if archive:
        out.line((f"      {archive} is a packaged chart: nobody can edit its files in place", ""), style="dim")
    from todolint.report.frames import code_frame, frame_location  # only for a finding: a clean run needs neither

    frame_at = frame_location(finding)
    if frame_at is not None:
        lines = code_frame(
            frame_at,
            names=options.secret_names,
            secret_line=finding.category == "secrets",  # the field a secrets rule flags is the secret
            cache=frames,
        )
        for text in lines:
            out.line((f"      {text}", ""), style="" if text.startswith(">") else "dim")
    related = [loc for loc in finding.locations[1:] if loc.line is not None or loc.kind == "values"]
    if related:
        out.line((f"      see {', '.join(describe(loc) for loc in related)}", ""), style="dim")
