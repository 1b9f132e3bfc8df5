"""The `todolint` command's entry point, and the only home of its start-up tricks: each one below pays
for itself on the cold full run or the warm rerun, by the saving measured with benchmarks/run.py (see
benchmarks/README.md, "Start-up tricks"), and goes when it no longer does.

- Early render worker (saves 43 ms of a cold run): starting the embedded SDK's worker before todolint
  loads lets the Go library and todolint load at once on two cores (todolint.render.worker owns it).
- Exit without teardown (saves 26 ms cold, 15 ms warm): once the reports are written and the exit
  handlers have run, the process ends at once instead of having Python free every object it made.
- A bare `--version` answered before the command line loads (click, the application, the reporters):
  ~55 ms of CPU; without it `--version` takes 0.152 s of CPU and misses its 0.15 s target (F2c).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import NoReturn


def main() -> NoReturn:
    """The `todolint` console script and `python -m todolint`."""
    if sys.argv[1:] == ["--version"]:
        from todolint.version_report import version_text

        with contextlib.suppress(BrokenPipeError):  # `todolint --version | head -1`
            sys.stdout.write(version_text() + "\n")
        _exit_now(0)
    _keep_interrupts()
    try:
        from todolint.render.worker import discard_early, start_early

        start_early(sys.argv[1:], os.environ)
        from todolint.cli import run
    except KeyboardInterrupt:  # Ctrl-C while todolint loads: no traceback, as at any later moment
        with contextlib.suppress(NameError):
            discard_early()
        os.write(2, b"todolint: interrupted\n")
        os._exit(2)
    code = run(sys.argv[1:])
    _exit_now(code)


def _exit_now(code: int) -> NoReturn:
    """Run the exit handlers (they stop the render worker), flush, and end the process without the
    interpreter's teardown, which frees every object one by one (the Kubernetes definitions among
    them). In-process callers (tests, CliRunner) use todolint.cli, which returns as usual."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed by the reader, or by us
            stream.flush()
    os._exit(code)


def _keep_interrupts() -> None:
    """Never lose a Ctrl-C. Python raises KeyboardInterrupt wherever the main thread is when SIGINT is
    handled; inside a weakref callback or a `__del__` it is printed as "Exception ignored" and dropped.
    Seen: inside importlib's module-lock callback, as todolint started; the run went on and waited on
    the render worker for the whole --timeout. Here it comes again, silently, as a new SIGINT."""
    import _thread

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
