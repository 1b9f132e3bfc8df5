"""One lint run, step by step: settings → what to lint → renderer → result (stored, or the engine's) →
fixes → group → baseline → reports → exit code. `lint()` is the same run for Python callers, without
the reports. Usage errors (a missing file, an invalid config, an unknown renderer) raise UsageError
with one line.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todolint.app.plan import LintRun, open_renderer, run_engine
from todolint.app.reports import grouped_fixes, write_file, write_reports
from todolint.app.request import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Outcome, Request, fail
from todolint.app.settings import RunSettings, resolve_settings
from todolint.app.targets import find_inputs
from todolint.group import error_lines, group_members
from todolint.redact import SecretNames

if TYPE_CHECKING:
    from todolint.cache import RenderCache
    from todolint.models import Edit, Finding, Result, Severity


def lint(paths: Sequence[str] = (".",), **options: Any) -> Result:
    """Lint `paths` as `todolint check PATHS` would, with the same options (Request's fields, e.g.
    `environments=("prod",)`, `no_cache=True`) and the same config file, caches and baseline, and
    return the Result; no report is written. Raises UsageError where the command exits 2 with a message."""
    return run(Request(paths=tuple(paths), **options)).result


def run(request: Request) -> Outcome:
    """The whole run: settings, targets, renderer, result (cached or new), baseline, reports, exit code."""
    settings = resolve_settings(request)
    inputs = find_inputs(request, settings)
    cache, renderer = open_renderer(request, settings, inputs)
    lint_run = LintRun(request, settings, inputs, cache, renderer, _fail_level(request, settings))
    result = _result(lint_run)
    notes: list[str] = []
    if request.diff:
        from todolint.app.fixing import show_fixes

        return show_fixes(lint_run, result)
    if request.fix:
        from todolint.app.fixing import apply_fixes

        result, fix_notes = apply_fixes(lint_run, result)
        notes.extend(fix_notes)
    # --fix and its proposals work on the engine's findings, one per environment; the baseline and the
    # reports on one finding per root cause.
    fixes = _fixes_shown(request, settings, result)
    result, members = group_members(result, settings.contract.environments)
    result = _baseline(request, settings, result, notes)
    notes.extend(f"error: {line}" for line in error_lines(result, settings.contract.environments))
    contract = settings.contract
    names = SecretNames(contract.secret_name_patterns, contract.secret_name_settings)
    # --write-baseline's one line says what the run did: no report goes to stdout beside it.
    shown = (
        dataclasses.replace(request, reports=tuple(r for r in request.reports if r[1]))
        if request.write_baseline
        else request
    )
    write_reports(shown, result, grouped_fixes(result, members, fixes), secret_names=names)
    return Outcome(result, _exit_code(request, result, lint_run.fail_level), tuple(notes))


def _fixes_shown(request: Request, settings: RunSettings, result: Result) -> Mapping[Finding, Edit]:
    """The edit --fix would make for each finding, for the reports to show; a run that writes no report
    or found nothing loads nothing for it."""
    if not request.reports or not result.active:
        return {}
    from todolint.app.fixing import fixable

    return fixable(request, settings, result)


def _fail_level(request: Request, settings: RunSettings) -> Severity:
    """The lowest severity that exits 1: --fail-on, else the config's, else error."""
    from todolint.models import Severity

    return Severity.parse(request.fail_on) if request.fail_on else (settings.config.fail_on or Severity.ERROR)


def _result(run: LintRun) -> Result:
    """The stored result when every input is unchanged (then neither the rules nor the engine load),
    else the engine's, stored for next time."""
    from todolint import result_cache
    from todolint.report import RULES_DOCUMENTED

    started = time.perf_counter()
    store_at = _result_store(run)
    stored = result_cache.load(*store_at) if store_at else None
    if stored is None:
        result = run_engine(run)
        if store_at:
            result_cache.store(*store_at, result)
        return result
    result, codes = stored
    if any(output_format in RULES_DOCUMENTED for output_format, _ in run.request.reports):
        wanted = set(codes)
        rules = tuple(r for r in run.settings.rulebook.rules() if r.code in wanted)
        result = dataclasses.replace(result, rules=rules)
    return dataclasses.replace(result, elapsed=time.perf_counter() - started)


def _result_store(run: LintRun) -> tuple[RenderCache, str] | None:
    """Where this run's result is kept: the cache and the key; None with --no-cache or pre-rendered input."""
    from todolint import result_cache
    from todolint.cache import CachingRenderer
    from todolint.contract import default_contract_path, policies_dir

    renderer, settings = run.renderer, run.settings
    if not isinstance(renderer, CachingRenderer) or run.inputs.prerendered:
        return None
    key = result_cache.result_key(
        renderer,
        run.inputs.targets,
        contract=Path(settings.contract_path) if settings.contract_path else default_contract_path(),
        policy_dirs=[policies_dir(), *(Path(p) for p in settings.policies)],
        config=settings.config,
        options=(run.request.select, run.request.ignore),
    )
    return (renderer.cache, key) if key else None


def _baseline(request: Request, settings: RunSettings, result: Result, notes: list[str]) -> Result:
    """Record this run's findings (--write-baseline), or report only those not in the baseline."""
    baseline_path = request.baseline_file or settings.config.baseline
    if request.write_baseline:
        from todolint import baseline as baselines

        write_file(request.write_baseline, lambda stream: baselines.write(result, stream))
        if not request.quiet:
            count = len(result.active)
            notes.append(f"recorded {count} finding{'s' if count != 1 else ''} in {request.write_baseline}")
        return result
    if not baseline_path:
        return result
    from todolint import baseline as baselines

    try:
        baseline = baselines.load(baseline_path)
    except baselines.BaselineError as exc:
        fail(str(exc))
    return baselines.apply_to_result(result, baseline)


def _exit_code(request: Request, result: Result, fail_level: Severity) -> int:
    """2 when anything could not be linted; 1 for a finding at or above the fail level; else 0."""
    if result.errors:
        return EXIT_ERROR
    if request.write_baseline:
        return EXIT_OK  # recording today's findings is the point of the run, not a failure
    worst = max((f.severity for f in result.active), default=None)
    return EXIT_FINDINGS if worst is not None and worst >= fail_level else EXIT_OK


__all__ = ["lint", "run"]
