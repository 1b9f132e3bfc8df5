"""Renderers: turn one chart × environment into rendered template text, with real Helm.

Three implementations sit behind one small protocol: the helm CLI (`helm template`, helm_cli.py), the
embedded Helm Go SDK (`helm_python`, helm_sdk.py with its worker process in worker.py), and
pre-rendered files or stdin; choose.py picks one. This module holds what they share: the protocol,
the error, and the checks and error wording applied before and after Helm runs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from todolint.helm_values import set_error
from todolint.render.tree import ChartScan, scan_chart

if TYPE_CHECKING:
    from collections.abc import Sequence

    from todolint.models import Target

#: The most text one chart × environment may render (a documented limit: docs/guarantees.md "What todolint
#: guarantees"). Helm holds a whole render in memory, and so does todolint; past this it is an error.
MAX_RENDER_BYTES = 64 * 2**20
#: The memory one render may use, in MiB (`--max-memory`): a `tpl` that calls itself makes Helm take
#: gigabytes a second, and the machine's other processes with it.
DEFAULT_MAX_MEMORY = 2048
#: How often a render's memory is looked at while it runs (seconds).
MEMORY_POLL = 0.02


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


def memory_error(max_memory: int) -> RenderError:
    """The one error every renderer raises when a render outgrows `--max-memory` (`max_memory` MiB)."""
    return RenderError(f"render used more than {max_memory} MiB")


def resident_bytes(pid: int) -> int | None:
    """The memory process `pid` holds now (its resident set); None where /proc does not say (not Linux,
    or the process is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Renderer(Protocol):
    """What the engine needs from a renderer."""

    name: str

    def version(self) -> str:
        """The Helm version doing the rendering (for the report header and the cache key)."""
        ...

    def prepare(self, targets: Sequence[Target]) -> int:
        """`targets` are about to be rendered: start what takes long to start, without waiting.

        Returns how many of them will really be rendered (not answered from a cache)."""
        ...

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        """Render `target`; raise RenderError with one line a user can act on."""
        ...


#: Helm names the template and position in its errors in one of these forms.
_TEMPLATE_POSITION = (
    re.compile(r"template: (?P<file>[^:\s]+):(?P<line>\d+):\d+"),
    re.compile(r"error calling \w+: (?P<file>[^:\s]+):(?P<line>\d+):\d+"),
    re.compile(r"at \((?P<file>[^:\s()]+):(?P<line>\d+)(?::\d+)?\)"),
    re.compile(r"(?m)^(?P<file>[^:\s]+/templates/[^:\s]+):(?P<line>\d+):\d+"),
    re.compile(r"(?:YAML parse error on|parse error in) (?P<file>[^:\s]+)(?:.*?yaml: line (?P<line>\d+))?"),
)


#: Chart files Helm names in load errors ("cannot load values.yaml: ...", "Chart.yaml file is missing").
_CHART_FILE = re.compile(r"\b(Chart\.yaml|Chart\.lock|values\.yaml|values\.schema\.json|requirements\.yaml)\b")
#: Helm nests the error of each `include` in the one that called it; recursion repeats it 1,000 times.
_POSITION_ONLY = re.compile(r"[^:\s]+/templates/[^:\s]+:\d+:\d+")
_CALL_CHAIN = re.compile(r": error calling \w+: ")


#: Helm error phrases that quote a value (which may be a secret) or a piece of the rendered text.
_QUOTES_VALUE = (
    (re.compile(r"'(?:[^'\\]|\\.)*' (does not match|is not valid)"), r"value \1"),
    (re.compile(r"unknown anchor '[^']*' referenced"), "unknown anchor referenced (quote values that start with *)"),
    (re.compile(r"invalid map key: .*"), "invalid map key"),
)


_SET_DATA = re.compile(r"(failed parsing --set data: )(.*)")


def redact(text: str) -> str:
    """Drop the values Helm quotes in its messages: they come from values files and may be secrets."""
    for pattern, replacement in _QUOTES_VALUE:
        text = pattern.sub(replacement, text)
    # A malformed --set: Helm quotes a piece of the expression, which may be a piece of its value.
    return _SET_DATA.sub(lambda m: m.group(1) + set_error(m.group(2)), text)


def one_line(text: str) -> str:
    """Helm's (possibly multi-line) error text as one line of at most 500 characters, values redacted."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("Use --debug flag")]
    # Helm 4 logs the error once more as `level=ERROR msg=...` before printing it.
    lines = [ln for ln in lines if not ln.startswith("level=")] or lines
    lines = [redact(ln.removeprefix("Error: ")) for ln in lines]
    # Schema violations come one per line in Go map order, which changes from run to run: sort them.
    bullets = sorted(ln for ln in lines if ln.startswith("- "))
    if bullets:
        first = next(i for i, ln in enumerate(lines) if ln.startswith("- "))
        lines = lines[:first] + bullets + [ln for ln in lines[first:] if not ln.startswith("- ")]
    # The SDK puts the template position alone on a line; Helm 3 says "template: <position>: ...".
    lines = [f"template: {ln}:" if _POSITION_ONLY.fullmatch(ln) else ln for ln in lines]
    shown = lines[:6]
    # Helm 3 and the SDK break one sentence after a colon; join those with a space, others with "; ".
    message = "".join(ln + (" " if ln.endswith(":") else "; ") for ln in shown).rstrip("; ")
    message = message or "helm failed with no message"
    parts = _CALL_CHAIN.split(message)
    if len(parts) > 2:  # keep where it started and the innermost error, not every level between
        message = f"{parts[0]}: error calling include: ... ({len(parts) - 2} more levels): {parts[-1]}"
    if len(lines) > 6:
        message += f" (+{len(lines) - 6} more lines)"
    if len(message) > 500:
        message = message[:497] + "..."
    return message


def helm_error(chart_path: str, text: str) -> RenderError:
    """Make Helm's error text one line, and point at the chart file and line it names."""
    message = one_line(text)
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
    named = _CHART_FILE.search(text)
    if named or "chart.metadata" in text:
        return RenderError(message, file=f"{chart_path}/{named.group(1) if named else 'Chart.yaml'}")
    return RenderError(message)


#: Helm's rule for release names (pkg/chartutil ValidateReleaseName); the SDK leaves it to its caller.
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def check_release_name(name: str) -> None:
    """Refuse a release name `helm template` would refuse, in Helm's words."""
    if not _RELEASE_NAME.match(name) or len(name) > 53:
        raise RenderError(
            f'release name "{name}": invalid release name, must match regex {_RELEASE_NAME.pattern} '
            "and the length must not be longer than 53"
        )


def check_chart_tree(chart_path: str) -> None:
    """Refuse, before Helm reads it, a chart that reaches outside itself or holds what cannot be read.

    Helm follows symlinks: one pointing outside the chart would put that file's text into the
    render (and so into the report); one pointing back up loops. A FIFO or a device blocks Helm's
    read until --timeout. A `$ref` in values.schema.json that is not a fragment of the same document
    is read from the file system or fetched from the network. Each is one RenderError naming the
    entry (see todolint.render.tree).
    """
    refuse(scan_chart(chart_path, contents=False), chart_path)


def refuse(scan: ChartScan, chart_path: str) -> None:
    """The RenderError for a chart `scan` found a problem in; nothing when it found none."""
    if scan.problem is not None:
        raise RenderError(scan.problem.message, file=f"{chart_path}/{scan.problem.rel}", line=scan.problem.line)
