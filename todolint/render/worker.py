"""The embedded renderer's worker process, from start to stop: started early on a guess, adopted by the
renderer, restarted after a timeout, stopped at exit and on Ctrl-C.

The worker (embedded_worker.py, run by path) loads the Helm Go library, which takes ~100 ms. When the
command line says that this run will render with the embedded SDK and no render is cached yet, the
entry point starts it before todolint loads (`start_early`), so that both happen at once on two cores;
the embedded renderer then adopts it (`adopt`). A guess that turns out wrong is undone as soon as it
is known (`discard_early`), and whatever is left runs until `stop_all` at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from todolint.paths import cache_root, entry_folder, which

#: The worker script, run by path: a new interpreter that imports nothing of todolint.
SCRIPT = os.path.join(os.path.dirname(os.path.realpath(__file__)), "embedded_worker.py")

#: Commands and flags that render nothing.
_NO_RENDER = frozenset({"rules", "explain", "--version", "-h", "--help"})


class _Early:
    """The one worker started on a guess, until a renderer adopts it or the guess is undone."""

    worker: subprocess.Popen[bytes] | None = None


def start_worker() -> subprocess.Popen[bytes]:
    """A new worker; it says hello on stdout once the Go library is loaded."""
    worker = subprocess.Popen(
        [sys.executable, SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(stop_worker, worker)
    return worker


def stop_worker(worker: subprocess.Popen[bytes], *, wait: bool = True) -> None:
    """Kill `worker` unless it has ended, close its pipes, and reap it unless `wait` is False.

    A worker that has loaded the Go library takes the kernel 6-10 ms to tear down after SIGKILL; a
    process about to exit need not wait for that (Python, or init, reaps it later). Stopping twice is
    harmless: the renderer, a guess undone and the exit handler may all stop the same worker.
    """
    if worker.poll() is None:
        worker.kill()
    if wait:
        worker.wait()
    for stream in (worker.stdin, worker.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def start_early(args: Sequence[str], environ: Mapping[str, str]) -> None:
    """Start the worker now when `will_render_embedded` guesses that this run needs one."""
    if _Early.worker is None and will_render_embedded(args, environ):
        _Early.worker = start_worker()


def adopt() -> subprocess.Popen[bytes] | None:
    """The worker started early, for the first renderer that wants one (None when there is none)."""
    worker, _Early.worker = _Early.worker, None
    return worker


def discard_early() -> None:
    """Undo a wrong guess (nothing to render, or the helm CLI renders): stop the early worker, if any."""
    worker = adopt()
    if worker is not None:
        stop_worker(worker, wait=False)


def will_render_embedded(args: Sequence[str], environ: Mapping[str, str]) -> bool:
    """A guess, from the command line and the cache folder alone, that this run will render charts with
    the embedded SDK: a `check` (the default command) of paths other than stdin, with `--renderer
    embedded`, or `auto` (the default) and no helm on PATH, on a machine with a second core (with one,
    the two would only slow each other down), and with `--no-cache` or no render cached yet."""
    if _cores() < 2 or any(arg in _NO_RENDER or arg == "-" for arg in args):
        return False
    renderer = "auto"
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--renderer" and index + 1 < len(args):
            renderer = args[index + 1]
        elif arg.startswith("--renderer="):
            renderer = arg.partition("=")[2]
    if renderer == "auto" and which("helm", environ.get("PATH")):
        return False
    return renderer in ("auto", "embedded") and ("--no-cache" in args or _no_render_cached(environ))


def _no_render_cached(environ: Mapping[str, str]) -> bool:
    """Whether the render cache holds nothing yet (a first run, a CI job): then every render is to be
    done. With renders cached, whether this run needs one is known only once the charts are hashed, and
    a worker started for nothing slows a warm run by ~40 ms on two cores."""
    try:
        with os.scandir(entry_folder(cache_root(environ), "render")) as entries:
            return next(entries, None) is None
    except OSError:  # no folder
        return True


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
