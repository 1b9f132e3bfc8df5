"""todolint.start's guess, from the command line alone, that a run will render with the embedded SDK."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from todolint.cache import RenderCache
from todolint.paths import cache_root, entry_folder
from todolint.render import worker


@pytest.mark.parametrize(
    ("args", "helm_on_path", "guess"),
    [
        ([], False, True),  # `todolint` lints the working directory
        (["charts/"], False, True),
        (["check", "charts/", "--env", "dev"], False, True),
        (["charts/"], True, False),  # auto picks the helm CLI
        (["charts/", "--renderer", "embedded"], True, True),
        (["charts/", "--renderer=embedded"], True, True),
        (["charts/", "--renderer", "helm"], False, False),
        (["charts/", "--renderer=helm"], False, False),
        (["charts/", "--renderer", "auto"], False, True),
        (["-", "--env", "dev"], False, False),  # stdin: nothing to render
        (["rules"], False, False),
        (["explain", "TL100"], False, False),
        (["--version"], False, False),
        (["charts/", "--help"], False, False),
        (["charts/", "--", "--renderer", "helm"], False, True),  # after --, a path
    ],
)
def test_guess(
    args: list[str], helm_on_path: bool, guess: bool, helm3: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(worker, "_cores", lambda: 2)
    path = os.pathsep.join(["/nonexistent", str(Path(helm3).parent) if helm_on_path else "/usr/bin/nonexistent"])
    environ = {"PATH": path, "XDG_CACHE_HOME": str(tmp_path)}  # nothing cached
    assert worker.will_render_embedded(args, environ) is guess


def test_no_early_worker_once_renders_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With renders cached, the worker starts only once a render is known to be missing."""
    monkeypatch.setattr(worker, "_cores", lambda: 2)
    environ = {"PATH": "", "XDG_CACHE_HOME": str(tmp_path)}
    args = ["charts/", "--renderer", "embedded"]
    assert worker.will_render_embedded(args, environ) is True
    folder = Path(entry_folder(cache_root(environ), "render"))
    folder.mkdir(parents=True)
    assert worker.will_render_embedded(args, environ) is True  # an empty folder holds nothing
    (folder / "entry.json").write_text("{}")
    assert worker.will_render_embedded(args, environ) is False
    assert worker.will_render_embedded([*args, "--no-cache"], environ) is True
    # The folder the cache itself writes renders to.
    assert RenderCache(Path(cache_root(environ))).entry_path("render", "entry").parent == folder


def test_no_guess_on_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "_cores", lambda: 1)
    assert worker.will_render_embedded(["charts/", "--renderer", "embedded"], {"PATH": ""}) is False


def test_a_worker_started_early_is_stopped_and_reaped() -> None:
    process = worker.start_worker()
    worker.stop_worker(process)
    assert process.returncode is not None
    worker.stop_worker(process)  # twice is harmless: the renderer and the entry point may both stop it


_DROPPED_INTERRUPT = """
import select, sys, weakref
from todolint import start
if sys.argv[1] == "kept":
    start._keep_interrupts()

class Lock:
    pass

def callback(ref):
    raise KeyboardInterrupt  # what SIGINT does when it lands in a weakref callback (importlib's, as seen)

lock = Lock()
ref = weakref.ref(lock, callback)
del lock  # the callback runs: Python prints "Exception ignored" and drops the KeyboardInterrupt
try:
    select.select([], [], [], float(sys.argv[2]))  # a wait, like the one on the render worker
except KeyboardInterrupt:
    print("interrupted")
else:
    print("not interrupted")
"""


@pytest.mark.parametrize(
    ("mode", "wait", "out"),
    [
        ("kept", "600", "interrupted\n"),  # without the hook: the wait runs out, the run below times out
        ("plain", "0.5", "not interrupted\n"),
    ],
)
def test_an_interrupt_python_drops_comes_again(mode: str, wait: str, out: str) -> None:
    """A Ctrl-C raised where Python swallows exceptions still ends the wait after it, without a word on stderr."""
    done = subprocess.run(
        [sys.executable, "-c", _DROPPED_INTERRUPT, mode, wait],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        # A shell's background jobs ignore SIGINT (and pass that on); a person's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert done.stdout == out
    if mode == "kept":
        assert done.stderr == ""
    else:  # Python's own behaviour, which the hook is for
        assert "Exception ignored" in done.stderr and "KeyboardInterrupt" in done.stderr
