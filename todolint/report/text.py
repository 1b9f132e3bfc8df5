"""`--format text`: findings grouped chart → environment → object, for a person at a terminal.

Colour on a terminal; plain text when piped, with NO_COLOR, or with `--color never`. Lines never wrap,
so that a `file:line` stays clickable and greppable.
"""

from __future__ import annotations

import os
from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from todolint import __version__
from todolint.locate import code_frame, frame_location
from todolint.models import Finding, Location, Result, Severity
from todolint.report import ReportOptions

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
#: Categories whose findings are about a secret value: their code frame shows no value at all.
_MASKED = frozenset({"secrets", "database"})


def _console(stream: TextIO, options: ReportOptions) -> Console:
    if options.color is None:
        color = stream.isatty() and not os.environ.get("NO_COLOR")
    else:
        color = options.color
    return Console(
        file=stream,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )


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


def _statistics(result: Result, console: Console) -> None:
    counts: dict[tuple[str, str, Severity], int] = {}
    for finding in result.active:
        key = (finding.code, finding.name, finding.severity)
        counts[key] = counts.get(key, 0) + 1
    for (code, name, severity), count in sorted(counts.items()):
        console.print(f"{count:6d}  {code}  {name}  [{_STYLE[severity]}]{severity.label}[/]")


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    console = _console(stream, options)
    if options.statistics:
        _statistics(result, console)
        return
    if not options.quiet:
        helm = f", Helm {result.helm_version}" if result.helm_version else ""
        console.print(
            f"[bold]todolint {__version__}[/] · renderer {result.renderer}{helm} · "
            f"Kubernetes schemas {result.kube_version}",
            style="dim" if console.no_color is False else None,
        )
    active = result.active
    frames: dict[str, list[str]] = {}
    for (chart, env), chart_findings in groupby(active, key=lambda f: (f.chart, f.env)):
        items = list(chart_findings)
        first = items[0]
        release = f" — release {first.release}, namespace {first.namespace}" if first.release else ""
        console.print()
        console.print(f"[bold]{escape(chart)}[/] [magenta]{escape(env)}[/]{escape(release)}")
        by_object = sorted(items, key=lambda f: (f.kind, f.object, f.file, f.line or 0, f.code, f.path))
        for (kind, name), object_findings in groupby(by_object, key=lambda f: (f.kind, f.object)):
            console.print(f"  [bold]{escape(kind)}/{escape(name)}[/]" if kind else "  [bold](chart)[/]")
            for finding in object_findings:
                style = _STYLE[finding.severity]
                console.print(
                    f"    {escape(_where(finding))}  [{style}]{finding.severity.label}[/]  "
                    f"[bold]{finding.code}[/] {finding.name}"
                )
                field = f"{finding.path}: " if finding.path else ""
                console.print(f"      {escape(field + finding.message)}")
                where = frame_location(finding)
                if where is not None:
                    for text in code_frame(where, masked=finding.category in _MASKED, cache=frames):
                        console.print(f"      {escape(text)}", style=None if text.startswith(">") else "dim")
                related = [loc for loc in finding.locations[1:] if loc.line is not None or loc.kind == "values"]
                if related:
                    console.print(f"      see {escape(', '.join(_place(loc) for loc in related))}", style="dim")
    if not options.quiet or active:
        console.print()
        console.print(_summary(result))
