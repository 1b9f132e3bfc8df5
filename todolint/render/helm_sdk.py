"""Render with the embedded Helm Go SDK (`helm_python`): no helm binary needed.

Values are composed as `helm template -f a -f b --set x` composes them: files merged in order (later
wins, maps deep-merged), then `--set`; the SDK then coalesces them with the chart's values.yaml and
enforces values.schema.json. The SDK cannot be interrupted, so renders run in a worker process
(embedded_worker.py, which holds the SDK calls) that is killed when a render overruns `--timeout` and
started again for the next.

`prepare()` starts the worker and hands it the first requests before any render is asked for: it
loads the Go library (~80 ms) and renders while todolint loads its rules, on the second core, and
`render()` then mostly reads an answer that is already there. The worker answers in order; a few
requests are kept ahead of the answers read (REQUESTS_AHEAD), so neither side can block the other on
a full pipe.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING

from todolint.render import (
    DEFAULT_MAX_MEMORY,
    MAX_RENDER_BYTES,
    MEMORY_POLL,
    RenderedTemplate,
    RenderError,
    check_chart_tree,
    check_release_name,
    helm_error,
    memory_error,
    one_line,
    resident_bytes,
)
from todolint.render.worker import adopt, start_worker, stop_worker

if TYPE_CHECKING:
    import subprocess

    from todolint.models import Target


class EmbeddedRenderer:
    """`helm_python.Chart.load(path).render(values, name=release, namespace=ns)`."""

    name = "embedded"

    def __init__(self, *, max_memory: int = DEFAULT_MAX_MEMORY) -> None:
        """Adopts the worker started early on a guess (todolint.render.worker), if there is one.
        `max_memory`: the MiB the worker may hold while it renders (it is killed past it, and a new
        one renders the rest)."""
        self.max_memory = max_memory
        import importlib.util

        if importlib.util.find_spec("helm_python") is None:
            raise ImportError("helm_python (package helm-python-sdk) is not installed")
        self._lock = threading.Lock()
        self._worker: subprocess.Popen[bytes] | None = None
        early = adopt()
        if early is not None:
            self._worker = self._own(early)
        self._greeted = False  # the current worker's hello line has been read
        self._version: str | None = None
        #: Targets asked of the current worker whose answers are not read yet, in the worker's order.
        self._asked: dict[Target, int] = {}  # → the request's size
        #: What the worker has yet to read is at most this.
        self._asked_bytes = 0
        #: Targets prepare() expects to be rendered, not asked yet.
        self._planned: collections.deque[Target] = collections.deque()
        #: Answers read on the way to another target's (render() called out of the planned order).
        self._early: dict[Target, bytes] = {}
        #: What was read from the current worker past its last whole line.
        self._unread = bytearray()
        #: Each chart's check_chart_tree verdict: None, or why it is refused.
        self._trees: dict[str, RenderError | None] = {}

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
        """Start the worker now when there is anything to render and ask it for the first targets,
        without waiting for it. A target refused before rendering is left for render() to refuse."""
        planned = [t for t in targets if self._renderable(t)]
        if not planned:
            with self._lock:
                if not self._asked:
                    self._discard(wait=False)  # a worker started early, on a guess, for nothing
        else:
            with self._lock:
                self._planned.extend(planned)
                try:
                    self._ask_ahead(self._spawn())
                except OSError:  # render() says what became of the worker
                    self._discard()
        return len(targets)

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        """The worker's templates by name, without what `helm template` leaves out too (NOTES.txt, `_` helpers,
        empty output). RenderError as for the helm CLI; a worker that overran or died is replaced for the next."""
        self._refuse(target)
        with self._lock:
            outcome = self._answer(target, timeout)
        templates: list[RenderedTemplate] = []
        for source in sorted(outcome):
            text = outcome[source]
            base = source.rsplit("/", 1)[-1]
            # helm template prints neither NOTES.txt nor helpers; skip them for the same objects.
            if base.endswith(".txt") or base.startswith("_") or not text.strip():
                continue
            templates.append(RenderedTemplate(source, text))
        return templates

    def _check_tree(self, chart_path: str) -> None:
        """check_chart_tree, once per chart for all its environments (and for prepare and render)."""
        if chart_path not in self._trees:
            try:
                check_chart_tree(chart_path)
                self._trees[chart_path] = None
            except RenderError as exc:
                self._trees[chart_path] = exc
        refused = self._trees[chart_path]
        if refused is not None:
            raise RenderError(refused.message, file=refused.file, line=refused.line, code=refused.code)

    def _refuse(self, target: Target) -> None:
        """RenderError for a target that must not reach Helm (see check_chart_tree, check_release_name)."""
        self._check_tree(target.chart_path)
        check_release_name(target.release)

    def _renderable(self, target: Target) -> bool:
        """Whether render() would ask the worker for `target` rather than refuse it first."""
        try:
            self._refuse(target)
        except RenderError:
            return False
        return True

    # --- the worker process ------------------------------------------------------------------------

    def _own(self, worker: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        """`worker`, stopped when this renderer goes or the process exits (without waiting: see stop_worker)."""
        weakref.finalize(self, stop_worker, worker, wait=False)
        return worker

    def _spawn(self) -> subprocess.Popen[bytes]:
        worker = self._worker
        if worker is None or worker.poll() is not None:
            if worker is not None:
                self._discard()  # it died between renders: its unanswered requests go to the new one
            worker = self._worker = self._own(start_worker())
            self._greeted = False
            self._unread.clear()
        return worker

    def _ready(self, deadline: float) -> subprocess.Popen[bytes]:
        """The running worker, once it has said hello (a new one is started if the last one died)."""
        worker = self._spawn()
        if not self._greeted:
            assert worker.stdout is not None
            hello = json.loads(_read_line(worker.stdout, self._unread, deadline, limit=1 << 16)).get("hello")
            self._greeted = True
            if isinstance(hello, dict) and isinstance(hello.get("version"), str):
                self._version = hello["version"]
        return worker

    def _discard(self, *, wait: bool = True) -> None:
        if self._worker is not None:
            stop_worker(self._worker, wait=wait)
        self._worker = None
        # What the stopped worker was asked and did not answer goes to the next one.
        self._planned.extendleft(reversed(list(self._asked)))
        self._asked.clear()
        self._asked_bytes = 0

    def _ask(self, worker: subprocess.Popen[bytes], target: Target, request: bytes | None = None) -> None:
        assert worker.stdin is not None
        request = request or _request(target)
        worker.stdin.write(request)
        worker.stdin.flush()
        self._asked[target] = len(request)
        self._asked_bytes += len(request)

    def _ask_ahead(self, worker: subprocess.Popen[bytes]) -> None:
        # While the worker owes answers it may be blocked writing one to a full pipe, reading nothing:
        # what is asked meanwhile must fit in its input pipe (64 KiB on Linux), or both would wait.
        while self._planned and len(self._asked) < REQUESTS_AHEAD:
            request = _request(self._planned[0])
            if self._asked and self._asked_bytes + len(request) > AHEAD_BYTES:
                return
            self._ask(worker, self._planned.popleft(), request)

    def _read_answer(self, worker: subprocess.Popen[bytes], deadline: float) -> tuple[bytes, bool]:
        """The worker's next answer line, and whether the render under way (the first one asked) used
        more than `max_memory`: its answer is then that error, and the worker is to be stopped."""
        assert worker.stdout is not None
        limit = self.max_memory * 2**20

        def watch() -> None:
            used = resident_bytes(worker.pid)
            if used is not None and used > limit:
                raise _Overrun("memory")

        try:
            line = _read_line(worker.stdout, self._unread, deadline, limit=2 * MAX_RENDER_BYTES + 4096, watch=watch)
        except _Overrun as overrun:
            if overrun.reason != "memory":
                raise
            return _line({"error": {"message": memory_error(self.max_memory).message, "file": None}}), True
        return line, False

    def _answer(self, target: Target, timeout: float) -> dict[str, str]:
        """The worker's answer for `target`, asking for it unless it already was."""
        # The timeout counts from here: starting the worker and loading the library count too when
        # this is the first render, and so does the rest of a render asked for ahead.
        deadline = time.monotonic() + timeout
        try:
            reply = self._early.pop(target, None)
            while reply is None:
                worker = self._ready(deadline)
                assert worker.stdout is not None
                if not self._asked:  # else what is owed is read first, `target`'s answer among it or not
                    with contextlib.suppress(ValueError):
                        self._planned.remove(target)
                    self._ask(worker, target)
                self._ask_ahead(worker)
                line, overran = self._read_answer(worker, deadline)
                answered = next(iter(self._asked))
                self._asked_bytes -= self._asked.pop(answered)
                if overran:
                    self._discard()  # what it was asked besides goes to the next worker
                if answered == target:
                    reply = line
                else:
                    self._early[answered] = line
        except (OSError, ValueError, _Overrun) as exc:
            failed = self._worker
            if target == next(iter(self._asked), None):
                self._asked_bytes -= self._asked.pop(target)  # the one that failed is not asked again
            self._discard()
            if isinstance(exc, _Overrun) and exc.reason == "time":
                raise RenderError(f"render timed out after {timeout:g} s (--timeout)") from None
            if isinstance(exc, _Overrun) and exc.reason == "size":
                raise RenderError(f"rendered output is larger than {MAX_RENDER_BYTES // 2**20} MiB") from None
            code = failed.returncode if failed is not None else None
            raise RenderError(f"embedded Helm stopped unexpectedly (exit code {code})") from None
        answer = json.loads(reply)
        if "helm" in answer:
            raise helm_error(target.chart_path, str(answer["helm"]))
        if "error" in answer:
            error = answer["error"]
            # The same cut and redaction as Helm's own errors: one line of at most 500 characters.
            raise RenderError(one_line(str(error["message"])), file=error.get("file"))
        rendered: dict[str, str] = answer["ok"]
        if sum(len(text) for text in rendered.values()) > MAX_RENDER_BYTES:
            raise RenderError(f"rendered output is larger than {MAX_RENDER_BYTES // 2**20} MiB")
        return rendered


#: How long `version()` waits for a worker to load the library when no render has started it.
HELLO_TIMEOUT = 60.0
#: Requests asked ahead of the answer waited for: enough that the worker renders a typical run's
#: charts while todolint loads, and never idles between renders. A request is a few hundred bytes;
#: together they stay under AHEAD_BYTES (see _ask_ahead).
REQUESTS_AHEAD = 32
AHEAD_BYTES = 16 * 1024


def _request(target: Target) -> bytes:
    return _line(dataclasses.asdict(target))


def _line(request: object) -> bytes:
    """One request to the worker, as the line it reads."""
    return json.dumps(request).encode("utf-8", "surrogatepass") + b"\n"


class _Overrun(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _read_line(
    stream: IO[bytes], buffer: bytearray, deadline: float, *, limit: int, watch: Callable[[], None] | None = None
) -> bytes:
    """The next line from the worker, or _Overrun when the deadline passes or the line grows past
    `limit`. `buffer` holds what was read past the last line (answers asked ahead arrive together).
    `watch` is called every MEMORY_POLL seconds of waiting (it raises _Overrun to stop the wait)."""
    import selectors  # here: a warm run reads no worker

    fd = stream.fileno()
    searched = 0
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            end = buffer.find(b"\n", searched)
            if end >= 0:
                line = bytes(buffer[: end + 1])
                del buffer[: end + 1]
                return line
            if len(buffer) > limit:
                raise _Overrun("size")
            searched = len(buffer)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Overrun("time")
                if watch is not None:
                    watch()
                if selector.select(min(left, MEMORY_POLL) if watch is not None else left):
                    break
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise OSError("worker closed its output")
            buffer += chunk


def describe_sdk() -> str:
    """`v4.2.3 (helm-python-sdk 0.2.2)`: the Helm SDK compiled in, and the binding's version."""
    import helm_python

    return f"{helm_python.helm_sdk_version()} (helm-python-sdk {helm_python.__version__})"


__all__ = ["EmbeddedRenderer", "describe_sdk"]
