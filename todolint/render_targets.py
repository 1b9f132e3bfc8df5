"""A run's renders: every chart × environment target rendered, on both cores where Helm runs as its own
processes, each handed back in order as soon as it is ready; and the chart file a template name means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from todolint.models import Target
from todolint.render import RenderedTemplate, Renderer, RenderError

#: What one target's render gives: Helm's templates, or why it could not render.
Rendered = list[RenderedTemplate] | RenderError


def render_targets(
    targets: Sequence[Target],
    renderer: Renderer,
    *,
    timeout: float,
    on_render: Callable[[Target], None] | None = None,
) -> Iterator[tuple[Target, Rendered]]:
    """Each target with its render, in order, as soon as it is ready: the caller parses one render
    while helm processes still run for the next ones. `on_render` is called after each render."""

    def render(target: Target) -> Rendered:
        try:
            outcome: Rendered = renderer.render(target, timeout=timeout)
        except RenderError as exc:
            outcome = exc
        if on_render is not None:
            on_render(target)
        return outcome

    # helm CLI renders are separate processes: use both cores. The embedded SDK renders one at a
    # time, from this thread: a render thread would hold the exit on Ctrl-C until the SDK worker
    # answered (its worker ignores SIGINT and is stopped only when this process exits).
    workers = 1 if renderer.name == "embedded" else max(1, min(len(targets), 4))
    if workers == 1 or len(targets) == 1:
        for target in targets:
            yield target, render(target)
        return
    from concurrent.futures import ThreadPoolExecutor  # only here: one render needs no pool

    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from zip(targets, pool.map(render, targets), strict=True)


def chart_file(target: Target, source: str) -> str:
    """The chart file behind a Helm template name: `todo-backend/templates/x.yaml` → `<chart>/templates/x.yaml`."""
    if not source:
        return target.chart_path
    rel = source.split("/", 1)[1] if "/" in source else source
    return f"{target.chart_path}/{rel}" if target.chart_path else source


__all__ = ["Rendered", "chart_file", "render_targets"]
