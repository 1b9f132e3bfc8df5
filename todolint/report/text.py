"""`--format text`: findings grouped chart → environment → object, for a person at a terminal.

Colour on a terminal; plain text when piped, with NO_COLOR, or with `--color never`. Lines never wrap,
so that a `file:line` stays clickable and greppable.
"""

from __future__ import annotations

import os
from itertools import groupby
from typing import TextIO

from todolint.models import Finding, Location, Result, Severity
from todolint.report import ReportOptions
from todolint.version import __version__

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
#: Categories whose findings are about a secret value: their code frame shows no value at all.
_MASKED = frozenset({"secrets", "database"})

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


def _where(finding: Finding) -> str:
    if not finding.file:
        return "-"
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def _place(location: Location) -> str:
    where = f"{location.file}:{location.line}" if location.line else location.file
    return f"{location.kind} {where}"


def _summary(result: Result) -> str:
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
    frames: dict[str, list[str]] = {}
    for (chart, env), chart_findings in groupby(active, key=lambda f: (f.chart, f.env)):
        items = list(chart_findings)
        first = items[0]
        release = f" — release {first.release}, namespace {first.namespace}" if first.release else ""
        out.line()
        out.line((chart, "bold"), (" ", ""), (env, "magenta"), (release, ""))
        by_object = sorted(items, key=lambda f: (f.kind, f.object, f.file, f.line or 0, f.code, f.path))
        for (kind, name), object_findings in groupby(by_object, key=lambda f: (f.kind, f.object)):
            out.line(("  ", ""), (f"{kind}/{name}" if kind else "(chart)", "bold"))
            for finding in object_findings:
                _finding(out, finding, frames)
    if not options.quiet or active:
        out.line()
        out.line((_summary(result), ""))


def _finding(out: _Plain | _Coloured, finding: Finding, frames: dict[str, list[str]]) -> None:
    out.line(
        (f"    {_where(finding)}  ", ""),
        (finding.severity.label, _STYLE[finding.severity]),
        ("  ", ""),
        (finding.code, "bold"),
        (f" {finding.name}", ""),
    )
    field = f"{finding.path}: " if finding.path else ""
    out.line((f"      {field}{finding.message}", ""))
    from todolint.locate import code_frame, frame_location  # only for a finding: a clean run needs neither

    where = frame_location(finding)
    if where is not None:
        for text in code_frame(where, masked=finding.category in _MASKED, cache=frames):
            out.line((f"      {text}", ""), style="" if text.startswith(">") else "dim")
    related = [loc for loc in finding.locations[1:] if loc.line is not None or loc.kind == "values"]
    if related:
        out.line((f"      see {', '.join(_place(loc) for loc in related)}", ""), style="dim")
