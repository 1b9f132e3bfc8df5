"""The engine's part of a run: the renderer and its caches, the Plan built from the settings in force,
and the engine's run of it (again, after `--fix` wrote its edits)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from todolint.app.request import Request, fail
from todolint.app.settings import RunSettings
from todolint.app.targets import LintInputs

if TYPE_CHECKING:
    from todolint.cache import RenderCache
    from todolint.models import Result, Severity
    from todolint.render import Renderer


@dataclass(frozen=True)
class LintRun:
    """One run's parts: what was asked, the settings in force, what to lint, the cache and renderer."""

    request: Request
    settings: RunSettings
    inputs: LintInputs
    cache: RenderCache | None
    renderer: Renderer | None
    fail_level: Severity


def open_renderer(
    request: Request, settings: RunSettings, inputs: LintInputs
) -> tuple[RenderCache | None, Renderer | None]:
    """The render cache (None with --no-cache) and the renderer (None when nothing is to be rendered)."""
    from todolint.cache import CachingRenderer, RenderCache
    from todolint.render import RenderError
    from todolint.render.choose import make_renderer
    from todolint.render.worker import discard_early

    cache = None if request.no_cache else RenderCache()
    chosen: Renderer | None = None
    if inputs.targets:
        try:
            wanted = request.renderer or settings.config.renderer or "auto"
            chosen = make_renderer(wanted, max_memory=request.max_memory)
        except RenderError as exc:
            fail(exc.message)
        if cache is not None:
            chosen = CachingRenderer(chosen, cache)
        # The embedded SDK's worker loads the Go library and renders while the rules load.
        chosen.prepare(inputs.targets)
    if chosen is None or chosen.name != "embedded":
        discard_early()  # the early start's guess was wrong: nothing to render, or the helm CLI renders
    return cache, chosen


def run_engine(run: LintRun) -> Result:
    """Render, validate and check: the engine's run, with severities and selection from config and flags."""
    from todolint.config import ConfigError
    from todolint.engine import Plan, StreamContext
    from todolint.engine import run as run_plan
    from todolint.output import Progress
    from todolint.stamp import settings_for

    request, inputs = run.request, run.inputs
    rules = run.settings.rulebook.rules()
    try:
        settings = settings_for(
            rules, run.settings.config, select=request.select, ignore=request.ignore, fail_on=run.fail_level
        )
    except ConfigError as exc:
        fail(str(exc))
    progress = Progress(len(inputs.targets)) if request.progress and len(inputs.targets) > 4 else None
    envs = inputs.environments
    plan = Plan(
        contract=run.settings.contract,
        rules=rules,
        targets=inputs.targets,
        inputs=inputs.prerendered,
        stream=StreamContext(request.chart, envs[0] if envs else None, request.release, request.namespace),
        renderer=run.renderer,
        kube_version=inputs.kube_version,
        timeout=request.timeout,
        settings=settings,
        on_render=progress.advance if progress else None,
        cache=run.cache,
    )
    try:
        return run_plan(plan)
    finally:
        if progress:
            progress.close()


def relint(run: LintRun) -> Result:
    """The engine's run again, after fixes were written: with a cache that has not yet seen the charts
    (it remembers each chart's digest for the run), over the same renderer and the same rules."""
    from todolint.cache import CachingRenderer, RenderCache

    if run.cache is not None and isinstance(run.renderer, CachingRenderer):
        cache = RenderCache(run.cache.root)
        run = dataclasses.replace(run, cache=cache, renderer=CachingRenderer(run.renderer.inner, cache))
    return run_engine(run)


__all__ = ["LintRun", "open_renderer", "relint", "run_engine"]
