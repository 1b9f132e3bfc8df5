"""Render with the embedded Helm Go SDK (`helm_python`): no helm binary needed.

Values are composed as `helm template -f a -f b --set x` composes them: files merged in order (later
wins, maps deep-merged), then `--set`; the SDK then coalesces them with the chart's values.yaml and
enforces values.schema.json. The SDK cannot be interrupted, so renders run in a worker process
(embedded_worker.py, which holds the SDK calls) that is killed when a render overruns `--timeout` and
started again for the next.
`prepare()` starts the worker before the first render is asked for: loading the Go library there
(~60 ms) overlaps with todolint loading its rules, on the second core.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import selectors
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from todolint.render import (
    MAX_RENDER_BYTES,
    RenderedTemplate,
    RenderError,
    check_chart_tree,
    check_release_name,
    helm_error,
)

if TYPE_CHECKING:
    from todolint.models import Target


class EmbeddedRenderer:
    """`helm_python.Chart.load(path).render(values, name=release, namespace=ns)`."""

    name = "embedded"

    def __init__(self) -> None:
        import importlib.util

        if importlib.util.find_spec("helm_python") is None:
            raise ImportError("helm_python (package helm-python-sdk) is not installed")
        self._lock = threading.Lock()
        self._worker: subprocess.Popen[bytes] | None = None
        self._greeted = False  # the current worker's hello line has been read
        self._version: str | None = None

    def version(self) -> str:
        """The Helm version compiled into the SDK, as the worker says when it has loaded the library."""
        with self._lock:
            if self._version is None:
                try:
                    self._ready(time.monotonic() + HELLO_TIMEOUT)
                except (OSError, ValueError, _Overrun):
                    self._discard()
            return self._version or "unknown"

    def prepare(self, targets: Sequence[Target]) -> int:
        """Start the worker now when there is anything to render, without waiting for it."""
        if targets:
            with self._lock:
                self._spawn()
        return len(targets)

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        check_chart_tree(target.chart_path)
        check_release_name(target.release)
        with self._lock:
            outcome = self._ask_worker(target, timeout)
        templates: list[RenderedTemplate] = []
        for source in sorted(outcome):
            text = outcome[source]
            base = source.rsplit("/", 1)[-1]
            # helm template prints neither NOTES.txt nor helpers; skip them for the same objects.
            if base.endswith(".txt") or base.startswith("_") or not text.strip():
                continue
            templates.append(RenderedTemplate(source, text))
        return templates

    # --- the worker process ------------------------------------------------------------------------

    def _start_worker(self) -> subprocess.Popen[bytes]:
        # Run as a script, not `-m`: that would import the todolint packages, which the worker does
        # not use, before the Go library starts loading.
        worker = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve().with_name("embedded_worker.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        weakref.finalize(self, _stop, worker)
        return worker

    def _spawn(self) -> subprocess.Popen[bytes]:
        worker = self._worker
        if worker is None or worker.poll() is not None:
            worker = self._worker = self._start_worker()
            self._greeted = False
        return worker

    def _ready(self, deadline: float) -> subprocess.Popen[bytes]:
        """The running worker, once it has said hello (a new one is started if the last one died)."""
        worker = self._spawn()
        if not self._greeted:
            assert worker.stdout is not None
            hello = json.loads(_read_line(worker.stdout, deadline, limit=1 << 16)).get("hello")
            self._greeted = True
            if isinstance(hello, dict) and isinstance(hello.get("version"), str):
                self._version = hello["version"]
        return worker

    def _discard(self) -> None:
        if self._worker is not None:
            _stop(self._worker)
        self._worker = None

    def _ask_worker(self, target: Target, timeout: float) -> dict[str, str]:
        request = json.dumps(dataclasses.asdict(target)).encode("utf-8", "surrogatepass") + b"\n"
        # The timeout counts from the request: starting the worker and loading the library count too
        # when this is the first render.
        deadline = time.monotonic() + timeout
        worker = None
        try:
            worker = self._ready(deadline)
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(request)
            worker.stdin.flush()
            reply = _read_line(worker.stdout, deadline, limit=2 * MAX_RENDER_BYTES + 4096)
        except (OSError, ValueError, _Overrun) as exc:
            self._discard()
            if isinstance(exc, _Overrun) and exc.reason == "time":
                raise RenderError(f"render timed out after {timeout:g} s (--timeout)") from None
            if isinstance(exc, _Overrun) and exc.reason == "size":
                raise RenderError(f"rendered output is larger than {MAX_RENDER_BYTES // 2**20} MiB") from None
            code = worker.poll() if worker is not None else None
            raise RenderError(f"embedded Helm stopped unexpectedly (exit code {code})") from None
        answer = json.loads(reply)
        if "helm" in answer:
            raise helm_error(target.chart_path, str(answer["helm"]))
        if "error" in answer:
            error = answer["error"]
            raise RenderError(str(error["message"]), file=error.get("file"))
        rendered: dict[str, str] = answer["ok"]
        if sum(len(text) for text in rendered.values()) > MAX_RENDER_BYTES:
            raise RenderError(f"rendered output is larger than {MAX_RENDER_BYTES // 2**20} MiB")
        return rendered


#: How long `version()` waits for a worker to load the library when no render has started it.
HELLO_TIMEOUT = 60.0


class _Overrun(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _read_line(stream: IO[bytes], deadline: float, *, limit: int) -> bytes:
    """One line from the worker, or _Overrun when the deadline passes or the line grows past `limit`."""
    fd = stream.fileno()
    chunks = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise _Overrun("time")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise OSError("worker closed its output")
            chunks += chunk
            if chunks.endswith(b"\n"):
                return bytes(chunks)
            if len(chunks) > limit:
                raise _Overrun("size")


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.kill()
    worker.wait()
    for stream in (worker.stdin, worker.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def describe_sdk() -> str:
    """`v4.2.3 (helm-python-sdk 0.2.2)`: the Helm SDK compiled in, and the binding's version."""
    import helm_python

    return f"{helm_python.helm_sdk_version()} (helm-python-sdk {helm_python.__version__})"


__all__ = ["EmbeddedRenderer", "describe_sdk"]
