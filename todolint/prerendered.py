"""Pre-rendered input: manifest files and stdin (`todolint -`), read up to the render size cap, split
into documents at `# Source:` comments, and parsed as the chart × environment that `--chart`, `--env`,
`--release` and `--namespace` (or the contract) name.

A stream that cannot be read (missing, too large, not UTF-8) is one `Unreadable` part: the engine makes
it a TL002 finding and an error line, as it does for a chart that does not render.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from todolint.contract import Contract
from todolint.discover import ManifestInput
from todolint.models import Manifest, Target
from todolint.parse import ParseProblem, parse_template
from todolint.render import MAX_RENDER_BYTES
from todolint.render.helm_cli import split_stream

#: The file name findings in standard input carry.
STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class StreamContext:
    """What a pipe of pre-rendered manifests lacks: `--chart/--env/--release/--namespace`."""

    chart: str | None = None
    env: str | None = None
    release: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class Document:
    """One parsed document of a stream, with the chart × environment it is linted as."""

    target: Target
    file: str
    manifests: tuple[Manifest, ...]
    problems: tuple[ParseProblem, ...]


@dataclass(frozen=True)
class Unreadable:
    """A stream that could not be read, and why (one line)."""

    target: Target
    file: str
    message: str


def read_capped(path: str) -> bytes:
    """At most one byte more than MAX_RENDER_BYTES of a file or stdin (`-`): enough to know it is too large."""
    if path == "-":
        return sys.stdin.buffer.read(MAX_RENDER_BYTES + 1)
    with open(path, "rb") as handle:
        return handle.read(MAX_RENDER_BYTES + 1)


def read_streams(
    inputs: Sequence[ManifestInput], stream: StreamContext, *, contract: Contract, kube_version: str
) -> Iterator[Document | Unreadable]:
    """Every document of every input, parsed with its lines counted from the top of its file, in order."""
    for item in inputs:
        name = STDIN_NAME if item.path == "-" else item.path
        text, problem = _text(item.path)
        if problem:
            yield Unreadable(_unknown_target(stream), name, problem)
            continue
        for rendered in split_stream(text):
            chart = stream.chart or (rendered.source.split("/", 1)[0] if rendered.source else "")
            env = stream.env or ""
            target = Target(
                chart=chart or "-",
                chart_path="",
                env=env or "-",
                release=stream.release or (contract.release_for(chart, env) if chart and env else ""),
                namespace=stream.namespace or (contract.namespace_for(chart, env) if env else ""),
                kube_version=kube_version,
            )
            manifests, problems = parse_template(
                rendered, target=target, file=name, first_line=rendered.first_line, relative_lines=False
            )
            yield Document(target, name, tuple(manifests), tuple(problems))


def _text(path: str) -> tuple[str, str]:
    """The stream's text and "", or "" and why it has none."""
    try:
        data = read_capped(path)
    except OSError as exc:
        return "", f"cannot read: {exc.strerror or exc}"
    if len(data) > MAX_RENDER_BYTES:
        return "", f"larger than {MAX_RENDER_BYTES // 2**20} MiB"
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        return "", f"not valid UTF-8 (byte {exc.start})"


def _unknown_target(stream: StreamContext) -> Target:
    """The target an unreadable stream is reported under: only what the command line says of it."""
    return Target(chart=stream.chart or "-", chart_path="", env=stream.env or "-", release="", namespace="")


__all__ = ["STDIN_NAME", "Document", "StreamContext", "Unreadable", "read_capped", "read_streams"]
