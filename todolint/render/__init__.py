"""Renderers: turn one chart × environment into rendered template text, with real Helm.

Three implementations sit behind one small protocol: the helm CLI (`helm template`), the embedded Helm
Go SDK (`helm_python`), and pre-rendered files or stdin. `make_renderer("auto")` picks the helm CLI when
it is on PATH and the embedded SDK otherwise.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from typing import Protocol

from todolint.models import Target

#: The most text one chart × environment may render (a documented limit: README "What todolint
#: guarantees"). Helm holds a whole render in memory, and so does todolint; past this it is an error.
MAX_RENDER_BYTES = 64 * 2**20


@dataclass(frozen=True)
class RenderedTemplate:
    """The text one template produced (`source` as Helm names it: `<chart>/templates/x.yaml`)."""

    source: str
    text: str
    #: Line of `text`'s first line in the stream it was cut from (pre-rendered input).
    first_line: int = 1


class RenderError(Exception):
    """A chart × environment could not be rendered. `file`/`line` point into the chart when known."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None, code: str = "TL001") -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        #: TL001 render-error, or TL002 invalid-yaml when Helm itself could not read its output.
        self.code = code


class Renderer(Protocol):
    """What the engine needs from a renderer."""

    name: str

    def version(self) -> str:
        """The Helm version doing the rendering (for the report header and the cache key)."""
        ...

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        """Render `target`; raise RenderError with one line a user can act on."""
        ...


#: Helm names the template and position in its errors in one of these forms.
_TEMPLATE_POSITION = (
    re.compile(r"template: (?P<file>[^:\s]+):(?P<line>\d+):\d+"),
    re.compile(r"error calling \w+: (?P<file>[^:\s]+):(?P<line>\d+):\d+"),
    re.compile(r"at \((?P<file>[^:\s()]+):(?P<line>\d+)(?::\d+)?\)"),
    re.compile(r"(?:YAML parse error on|parse error in) (?P<file>[^:\s]+)"),
)


def helm_error(chart_path: str, text: str) -> RenderError:
    """Make Helm's error text one line, and point at the template file and line it names."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("Use --debug flag")]
    # Helm 3 prefixes "Error: "; schema failures span several lines, so keep them joined.
    message = "; ".join(ln.removeprefix("Error: ") for ln in lines[:6]) or "helm failed with no message"
    if len(lines) > 6:
        message += f" (+{len(lines) - 6} more lines)"
    if len(message) > 500:
        message = message[:497] + "..."
    for pattern in _TEMPLATE_POSITION:
        match = pattern.search(text)
        if match:
            source = match.group("file")
            # Helm names files `<chart>/templates/x.yaml`; point at the file inside the chart folder.
            rel = source.split("/", 1)[1] if "/" in source else source
            line = match.groupdict().get("line")
            return RenderError(
                message,
                file=f"{chart_path}/{rel}",
                line=int(line) if line is not None else None,
                code="TL002" if "YAML parse error" in text else "TL001",
            )
    return RenderError(message)


def helm_on_path() -> str | None:
    return shutil.which("helm")


def make_renderer(choice: str) -> Renderer:
    """`auto`, `helm` or `embedded`; RenderError (usage) when the choice cannot be met."""
    if choice == "auto":
        choice = "helm" if helm_on_path() else "embedded"
    if choice == "helm":
        from todolint.render.helm_cli import HelmCliRenderer

        binary = helm_on_path()
        if binary is None:
            raise RenderError("--renderer helm: no helm executable on PATH (install helm or use --renderer embedded)")
        return HelmCliRenderer(binary)
    if choice == "embedded":
        from todolint.render.helm_sdk import EmbeddedRenderer

        return EmbeddedRenderer()
    raise RenderError(f"unknown renderer {choice!r} (choose auto, helm or embedded)")
