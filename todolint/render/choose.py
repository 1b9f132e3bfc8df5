"""Which renderer a run uses: `make_renderer("auto")` picks the helm CLI when it is on PATH and the
embedded Helm SDK otherwise."""

from __future__ import annotations

import os

from todolint.paths import which
from todolint.render import DEFAULT_MAX_MEMORY, Renderer, RenderError


def helm_on_path() -> str | None:
    """The `helm` executable `PATH` finds, or None: whether `auto` picks the helm CLI."""
    return which("helm", os.environ.get("PATH"))


def make_renderer(choice: str, *, max_memory: int = DEFAULT_MAX_MEMORY) -> Renderer:
    """`auto`, `helm` or `embedded`; RenderError (usage) when the choice cannot be met. `max_memory`:
    the MiB one render may use (its process is killed past it)."""
    if choice == "auto":
        choice = "helm" if helm_on_path() else "embedded"
    if choice == "helm":
        from todolint.render.helm_cli import HelmCliRenderer

        binary = helm_on_path()
        if binary is None:
            raise RenderError("--renderer helm: no helm executable on PATH (install helm or use --renderer embedded)")
        return HelmCliRenderer(binary, max_memory=max_memory)
    if choice == "embedded":
        from todolint.render.helm_sdk import EmbeddedRenderer

        return EmbeddedRenderer(max_memory=max_memory)
    raise RenderError(f"unknown renderer {choice!r} (choose auto, helm or embedded)")
