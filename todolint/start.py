"""The `todolint` command's first moments: start the embedded SDK's render worker before todolint loads.

The worker takes ~100 ms to load the Go library, and todolint about as long to load itself and find
the charts. When the command line says that this run will render with the embedded SDK, and the
render cache holds nothing yet (a first run, a CI job) or is turned off, the worker is started here,
before anything else is imported, so that both happen at once on two cores; the embedded renderer
then adopts it. Otherwise it starts once the charts are hashed and a render is found missing. When
the guess is wrong (a config file chooses the helm CLI) the worker is stopped as soon as that is
known. With one core nothing starts early: the two would only slow each other down.

This module imports only what Python starts with, and subprocess to start the worker.
"""

from __future__ import annotations

import os
import sys

from todolint.paths import cache_root, entry_folder, which

#: typing.TYPE_CHECKING without importing typing (and re with it): ~8 ms of a bare `--version`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Mapping, Sequence
    from typing import NoReturn

#: The worker script, run by path (see embedded_worker.py); os.path, as pathlib takes ~10 ms to import.
WORKER = os.path.join(os.path.dirname(os.path.realpath(__file__)), "render", "embedded_worker.py")

#: Commands and flags that render nothing.
_NO_RENDER = frozenset({"rules", "explain", "--version", "-h", "--help"})


def main() -> NoReturn:
    """The `todolint` console script and `python -m todolint`."""
    if sys.argv[1:] == ["--version"]:
        from todolint.about import version_text

        text = version_text()
        try:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `todolint --version | head -1`
            pass
        os._exit(0)
    _keep_interrupts()
    worker = None
    try:
        if will_render_embedded(sys.argv[1:], os.environ):
            worker = start_worker()
        from todolint.cli import entry
    except KeyboardInterrupt:  # Ctrl-C while todolint loads: no traceback, as at any later moment
        if worker is not None:
            stop_worker(worker, wait=False)
        os.write(2, b"todolint: interrupted\n")
        os._exit(2)
    entry(early_worker=worker)


def _keep_interrupts() -> None:
    """Never lose a Ctrl-C. Python raises KeyboardInterrupt wherever the main thread is when SIGINT is
    handled; inside a weakref callback or a `__del__` it is printed as "Exception ignored" and dropped.
    Seen: inside importlib's module-lock callback, as todolint started; the run went on and waited on
    the render worker for the whole --timeout. Here it comes again, silently, as a new SIGINT."""
    import _thread  # built in: nothing to load

    previous = sys.unraisablehook
    main_thread = _thread.get_ident()

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)
            return
        import signal
        import threading

        # Not from here, where it would be dropped again; a moment later, as a real signal to the main
        # thread, which also ends any wait it is in by then (a flag alone would not wake it). Without
        # pthread_kill (Windows), Python's own flag: raised at the main thread's next step.
        kill = getattr(signal, "pthread_kill", None)
        if kill is None:
            threading.Timer(0.05, _thread.interrupt_main).start()
        else:
            threading.Timer(0.05, kill, (main_thread, signal.SIGINT)).start()

    sys.unraisablehook = hook


def start_worker() -> subprocess.Popen[bytes]:
    """A new render worker; it says hello on stdout once the Go library is loaded."""
    import subprocess  # here: `todolint --version` needs none

    return subprocess.Popen(
        [sys.executable, WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(worker: subprocess.Popen[bytes], *, wait: bool = True) -> None:
    """Kill `worker` unless it has ended, close its pipes, and reap it unless `wait` is False.

    A worker that has loaded the Go library takes the kernel 6-10 ms to tear down after SIGKILL. When
    todolint is about to exit, or only starts what it has left to do, it need not wait for that: the
    kernel finishes on its own (and Python reaps the process later, or init after todolint exits).
    """
    import contextlib  # here: not needed for a bare `--version`

    if worker.poll() is None:
        worker.kill()
    if wait:
        worker.wait()
    for stream in (worker.stdin, worker.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def will_render_embedded(args: Sequence[str], environ: Mapping[str, str]) -> bool:
    """A guess, from the command line and the cache folder alone, that this run will render charts with
    the embedded SDK: a `check` (the default command) of paths other than stdin, with `--renderer
    embedded`, or `auto` (the default) and no helm on PATH, on a machine with a second core, and with
    `--no-cache` or no render cached yet."""
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
    done. With renders cached, whether this run needs one is known only once the charts are hashed;
    the worker then starts at that point. A worker started for nothing slows todolint itself by
    ~40 ms on a 2-vCPU machine (measured: warm run 169 ms without it, 210 ms with it)."""
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
