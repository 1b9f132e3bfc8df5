"""A lint's findings as the editor shows them: one diagnostic on every file that holds one of a finding's
locations (the values key that won, the template line), the other locations as related information, and
each fix as the text edit `--fix` would make, offered on the diagnostic of the file it edits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from todolint.fix import Proposal
from todolint.lsp.ranges import line_span
from todolint.models import Edit, Finding, Location, Severity

#: todolint's severities as the protocol's.
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
SOURCE = "todolint"


@dataclass(frozen=True)
class Fixable:
    """A fix offered on one diagnostic: the edit of the file it changes, and whether it is safe."""

    diagnostic: types.Diagnostic
    uri: str
    edit: types.TextEdit
    safe: bool
    title: str


@dataclass(frozen=True)
class FileReport:
    """What one file shows: its diagnostics, and the fixes offered on them."""

    diagnostics: list[types.Diagnostic] = field(default_factory=list)
    fixes: list[Fixable] = field(default_factory=list)


@dataclass(frozen=True)
class Places:
    """How a lint's paths become the editor's: the user's file for a reported path, a file's URI, its
    lines as the lint saw them (the buffer's, where one is open), the editor's column units, and the
    message text with the overlay's paths written as the CLI writes them."""

    real: Callable[[str], Path]
    uri: Callable[[Path], str]
    lines: Callable[[str], list[str]]
    units: Callable[[str], int]
    shown: Callable[[str], str]

    def range_of(self, location: Location) -> types.Range:
        """The scalar, key or line `location` points at, in the editor's units."""
        lines = self.lines(location.file)
        span = line_span(lines, location.line or 1, location.column, values=location.kind == "values")
        text = lines[span.line] if span.line < len(lines) else ""
        start, end = span.units(text, self.units)
        return types.Range(
            start=types.Position(line=span.line, character=start), end=types.Position(line=span.line, character=end)
        )

    def edit_of(self, edit: Edit) -> types.TextEdit:
        """An Edit (1-based lines and code-point columns, end exclusive) in the editor's units."""
        lines = self.lines(edit.file)

        def position(line: int, column: int) -> types.Position:
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            return types.Position(line=line - 1, character=self.units(text[: column - 1]))

        return types.TextEdit(
            range=types.Range(start=position(edit.line, edit.column), end=position(edit.end_line, edit.end_column)),
            new_text=edit.text,
        )


def message(finding: Finding, shown: Callable[[str], str]) -> str:
    """`Deployment/x spec.replicas: expected at most 3, found 5 [prod]`: the object and field, the
    rule's message, and the environments it stands for."""
    subject = " ".join(
        part for part in (f"{finding.kind}/{finding.object}" if finding.object else "", finding.path) if part
    )
    text = f"{subject}: {finding.message}" if subject else finding.message
    also = "".join(f"; also {kind}/{name} {path}".rstrip() for kind, name, path in finding.also)
    return shown(f"{text}{also} [{', '.join(finding.envs)}]")


def reports(findings: Iterable[Finding], proposals: Iterable[Proposal], places: Places) -> dict[str, FileReport]:
    """Every file's diagnostics and fixes, by URI; files with no finding are not in it."""
    files: dict[str, FileReport] = {}
    placed: dict[Finding, dict[str, types.Diagnostic]] = {}
    for finding in findings:
        placed[finding] = {}
        for uri, diagnostic in _diagnostics(finding, places):
            files.setdefault(uri, FileReport()).diagnostics.append(diagnostic)
            placed[finding].setdefault(uri, diagnostic)
    for proposal in proposals:
        edit = proposal.edit
        where = placed.get(proposal.finding)
        if edit is None or not where:
            continue
        uri = places.uri(places.real(edit.file))
        diagnostic = where.get(uri) or next(iter(where.values()))
        home = next(u for u, d in where.items() if d is diagnostic)
        files[home].fixes.append(
            Fixable(diagnostic, uri, places.edit_of(edit), edit.safety == "safe", _title(proposal.finding, edit))
        )
    for report in files.values():
        report.diagnostics.sort(key=lambda d: (d.range.start.line, d.range.start.character, str(d.code)))
    return files


def _diagnostics(finding: Finding, places: Places) -> Iterable[tuple[str, types.Diagnostic]]:
    """One diagnostic for each file location of `finding` (one per line), the others related to it."""
    located = [loc for loc in finding.locations if loc.object is None]
    if not located:
        located = [Location("values", finding.file, finding.line)] if finding.file else []
    text = message(finding, places.shown)
    seen: set[tuple[str, int]] = set()
    for location in located:
        real = places.real(location.file)
        if not real.is_file() and not Path(location.file).is_file():
            continue
        uri = places.uri(real)
        range_ = places.range_of(location)
        if (uri, range_.start.line) in seen:
            continue
        seen.add((uri, range_.start.line))
        related = [
            info
            for other in finding.locations
            if other is not location
            for info in _related(other, location, finding, places)
        ]
        yield (
            uri,
            types.Diagnostic(
                range=range_,
                message=text,
                severity=SEVERITIES[finding.severity],
                code=finding.code,
                source=SOURCE,
                related_information=related or None,
            ),
        )


def _related(
    other: Location, home: Location, finding: Finding, places: Places
) -> list[types.DiagnosticRelatedInformation]:
    """Where else the finding is: a values or template line by its own place; the rendered object, which
    no file holds line for line, at the template line that writes it (else at `home`), named in the message."""
    if other.object is None:
        real = places.real(other.file)
        if not real.is_file():
            return []
        where = types.Location(uri=places.uri(real), range=places.range_of(other))
        return [types.DiagnosticRelatedInformation(location=where, message=f"{other.kind} line {other.line or 1}")]
    anchor = next((loc for loc in finding.locations if loc.kind == "template" and loc.object is None), home)
    where = types.Location(uri=places.uri(places.real(anchor.file)), range=places.range_of(anchor))
    return [
        types.DiagnosticRelatedInformation(location=where, message=f"rendered {other.object} line {other.line or 1}")
    ]


def _title(finding: Finding, edit: Edit) -> str:
    """`Fix TL330 replicas-range: set 3`, and `(unsafe: review it)` for a fix --fix makes only with
    --unsafe-fixes."""
    change = (
        f"set {edit.text}" if edit.text and "\n" not in edit.text else "remove the lines" if not edit.text else "edit"
    )
    title = f"Fix {finding.code} {finding.name}: {change}"
    return title if edit.safety == "safe" else f"{title} (unsafe: review it)"


def by_uri(reports: Mapping[str, FileReport]) -> dict[str, list[types.Diagnostic]]:
    """The diagnostics alone, by URI."""
    return {uri: report.diagnostics for uri, report in reports.items()}


__all__ = ["SEVERITIES", "SOURCE", "FileReport", "Fixable", "Places", "by_uri", "message", "reports"]
