"""Render with the `helm` executable: `helm template` with an explicit release and namespace.

Works with Helm 3 and Helm 4 (both print `---` / `# Source: <chart>/templates/<file>` per document).
Never runs `helm dependency update`: rendering is offline, and a missing dependency is Helm's error.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from todolint.render import (
    DEFAULT_MAX_MEMORY,
    MAX_RENDER_BYTES,
    MEMORY_POLL,
    RenderedTemplate,
    RenderError,
    check_chart_tree,
    helm_error,
    memory_error,
    resident_bytes,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from todolint.models import Target

SOURCE_PREFIX = "# Source: "


def split_stream(text: str, *, default_source: str = "") -> list[RenderedTemplate]:
    """Cut a `helm template` stream into documents, each tagged with its `# Source:` template
    and the stream line it starts on."""
    docs: list[RenderedTemplate] = []
    source = default_source
    chunk: list[str] = []
    start = 1

    def flush() -> None:
        body = "".join(chunk)
        if body.strip():
            docs.append(RenderedTemplate(source, body, start))
        chunk.clear()

    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.rstrip("\r\n")
        if stripped == "---" or stripped.startswith(("--- ", "---\t")):
            flush()
            source = default_source
            # `--- {kind: Secret, ...}` or `--- key: value`: the document starts on the marker's own
            # line, as YAML reads it; the marker stays in the text, so that YAML parses it as such.
            rest = stripped[3:].strip()
            if rest and not rest.startswith("#"):
                chunk.append(line)
                start = number
            else:
                start = number + 1
            continue
        if stripped.startswith(SOURCE_PREFIX) and not "".join(chunk).strip():
            source = stripped[len(SOURCE_PREFIX) :].strip()
        chunk.append(line)
    flush()
    return docs


class HelmCliRenderer:
    """`helm template RELEASE /abs/chart -n NS -f ... --set ...`."""

    name = "helm"

    def __init__(self, binary: str, *, max_memory: int = DEFAULT_MAX_MEMORY) -> None:
        self.binary = binary
        #: The MiB one render may use (--max-memory).
        self.max_memory = max_memory

    @cached_property
    def _version(self) -> str:
        try:
            done = subprocess.run(
                [self.binary, "version", "--template", "{{ .Version }}"],
                env=helm_environment(),
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        return done.stdout.strip() or "unknown"

    def version(self) -> str:
        """`helm version`'s `v3.15.2`, asked once per renderer; `unknown` when helm would not say."""
        return self._version

    def prepare(self, targets: Sequence[Target]) -> int:
        """Nothing to start: each render is its own `helm template` process."""
        return len(targets)

    def command(self, target: Target) -> list[str]:
        """The `helm template` argument list for `target`: chart folder and values files by absolute path."""
        # Absolute paths: a chart folder named "-x" must never be read as a flag.
        cmd = [
            self.binary,
            "template",
            target.release,
            str(Path(target.chart_path).resolve()),
            "--namespace",
            target.namespace,
        ]
        for values_file in target.values_files:
            cmd += ["--values", str(Path(values_file).resolve())]
        for expression in target.set_values:
            cmd += ["--set", expression]
        return cmd

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        """`helm template`'s output cut at each `# Source:`. RenderError for a refused chart, Helm's own error
        (one redacted line), a render past `timeout` seconds or `max_memory`, or output too large or not UTF-8."""
        check_chart_tree(target.chart_path)
        stdout, stderr, returncode = self._run(self.command(target), timeout)
        if returncode != 0:
            if _OUT_OF_MEMORY.search(stderr):  # the data limit stopped it before a look at its memory did
                raise memory_error(self.max_memory)
            raise helm_error(target.chart_path, stderr)
        if len(stdout) > MAX_RENDER_BYTES:
            raise RenderError(f"rendered output is larger than {MAX_RENDER_BYTES // 2**20} MiB")
        try:
            text = stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RenderError(f"helm output is not valid UTF-8 (byte {exc.start})") from None
        return split_stream(text)

    def _run(self, command: list[str], timeout: float) -> tuple[bytes, str, int]:
        """Run helm with the time and memory limits: its output, its error text and its exit code.

        Memory is enforced twice: its resident set is looked at every MEMORY_POLL seconds (past
        `max_memory` it is killed), and the kernel's data limit (RLIMIT_DATA) stops an allocation
        that outruns the looks (Go then exits saying "out of memory")."""
        env = helm_environment()
        limit = self.max_memory * 2**20
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
            )
        except OSError as exc:
            raise RenderError(f"cannot run helm: {exc.strerror or exc}") from None
        _limit_data(process.pid, limit)
        deadline = time.monotonic() + timeout
        with process:
            while True:
                try:
                    stdout, stderr = process.communicate(
                        timeout=max(0.0, min(MEMORY_POLL, deadline - time.monotonic()))
                    )
                    break
                except subprocess.TimeoutExpired:
                    used = resident_bytes(process.pid)
                    if used is not None and used > limit:
                        process.kill()
                        process.communicate()
                        raise memory_error(self.max_memory) from None
                    if time.monotonic() >= deadline:
                        process.kill()
                        process.communicate()
                        raise RenderError(f"render timed out after {timeout:g} s (--timeout)") from None
        return stdout, stderr.decode("utf-8", "replace"), process.returncode


def helm_environment() -> dict[str, str]:
    """The environment helm runs in: the user's, without any of Helm's own settings.

    A HELM_* variable can change what `helm template` prints (HELM_DEBUG adds timestamped log lines
    and renders invalid YAML out, HELM_EXPERIMENTAL_CHART_V3 changes which charts load) but is no
    input the render key sees, so none reaches helm; plugins stay off. Everything else (PATH, HOME,
    a version manager's own variables) passes, so a shim still finds its helm."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HELM_")}
    env["HELM_NO_PLUGINS"] = "1"
    return env


#: What Go prints when an allocation fails (the data limit).
_OUT_OF_MEMORY = re.compile(r"fatal error: (?:runtime: )?out of memory|runtime: out of memory|cannot allocate memory")


def _limit_data(pid: int, limit: int) -> None:
    """Set the helm process's data limit (the Go heap may not pass `limit`) from outside, just after
    it started: a preexec_fn would run Python in the forked child, unsafe while other threads run."""
    try:
        import resource

        resource.prlimit(pid, resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, or it has ended already: the looks at its memory still hold it
