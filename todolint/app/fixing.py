"""Fixing: `--diff` shows the fixes, `--fix` writes those a re-lint proves, and every report shows the
edit a reported finding would get (ruff's fix model, docs/fix.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from todolint.app.plan import LintRun, relint
from todolint.app.request import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Outcome, Request, fail
from todolint.app.settings import RunSettings
from todolint.group import error_lines, group_members
from todolint.redact import SecretNames

if TYPE_CHECKING:
    from todolint.models import Edit, Finding, Result


def show_fixes(run: LintRun, result: Result) -> Outcome:
    """--diff: the fixes as a unified diff on stdout, nothing written; exit 1 when there is one (as ruff)."""
    from todolint import fix
    from todolint.output import to_stdout

    settings = run.settings
    proposals = fix.propose(result, settings.rulebook.rules(), settings.contract, unsafe=run.request.unsafe_fixes)
    names = SecretNames(settings.contract.secret_name_patterns, settings.contract.secret_name_settings)
    try:
        text, unapplied = fix.diff(fix.edits_of(proposals), names=names)
    except OSError as exc:
        fail(f"{exc.filename}: cannot read: {exc.strerror}")

    def show(stream: TextIO) -> None:
        stream.write(text)

    to_stdout(show)
    errors = error_lines(result, settings.contract.environments)
    notes = (*unapplied, *fix.by_hand(proposals), *(f"error: {line}" for line in errors))
    return Outcome(result, EXIT_ERROR if result.errors else EXIT_FINDINGS if text else EXIT_OK, notes)


def apply_fixes(run: LintRun, result: Result) -> tuple[Result, tuple[str, ...]]:
    """--fix: write the fixes that a new lint run proves (their findings gone, nothing new), and say how
    many were fixed and how many remain; the result is the new run's.

    The proof runs every rule the configuration enables, whatever --select/--ignore narrowed the report
    to: `--select TL204 --fix` must not make a TL203."""
    from todolint import fix

    request, settings = run.request, run.settings
    proposals = fix.propose(result, settings.rulebook.rules(), settings.contract, unsafe=request.unsafe_fixes)
    narrowed = bool(request.select or request.ignore)
    proving = dataclasses.replace(run, request=dataclasses.replace(request, select=(), ignore=()))
    before = relint(proving) if narrowed and fix.edits_of(proposals) else result
    try:
        fixed = fix.apply_verified(proposals, before, lambda: relint(proving))
    except fix.FixError as exc:
        fail(str(exc))
    after = relint(run) if narrowed and fixed.kept else fixed.result if not narrowed else result
    notes = [*fixed.notes, *fixed.refused, *fix.by_hand(proposals)]
    # Counted as the report counts: one per root cause, not one per environment it shows in.
    envs = settings.contract.environments
    count = fix.cleared(group_members(result, envs)[1], after)
    left = len(group_members(after, envs)[0].active)
    files = len({edit.file for edit in fixed.kept})
    notes.append(
        f"fixed {count} finding{'s' if count != 1 else ''} "
        f"({len(fixed.kept)} edit{'s' if len(fixed.kept) != 1 else ''} in {files} file{'s' if files != 1 else ''}), "
        f"{left} remain{'s' if left == 1 else ''}"
    )
    return after, tuple(notes)


def fixable(request: Request, settings: RunSettings, result: Result) -> Mapping[Finding, Edit]:
    """The edit --fix (or --unsafe-fixes) would make for each reported finding that a rule can fix, for
    the reports to show."""
    from todolint import fix

    proposals = fix.propose(result, settings.rulebook.rules(), settings.contract, unsafe=True)
    # After --fix, every edit it was allowed to make was tried: what is left it could not prove.
    tried = ("safe", "unsafe") if request.unsafe_fixes else ("safe",)
    return {p.finding: p.edit for p in proposals if p.edit is not None and not (request.fix and p.edit.safety in tried)}


__all__ = ["apply_fixes", "fixable", "show_fixes"]
