"""todolint.start's guess, from the command line alone, that a run will render with the embedded SDK."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from todolint import start
from todolint.cache import RenderCache
from todolint.paths import cache_root, entry_folder


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
    monkeypatch.setattr(start, "_cores", lambda: 2)
    path = os.pathsep.join(["/nonexistent", str(Path(helm3).parent) if helm_on_path else "/usr/bin/nonexistent"])
    environ = {"PATH": path, "XDG_CACHE_HOME": str(tmp_path)}  # nothing cached
    assert start.will_render_embedded(args, environ) is guess


def test_no_early_worker_once_renders_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With renders cached, the worker starts only once a render is known to be missing."""
    monkeypatch.setattr(start, "_cores", lambda: 2)
    environ = {"PATH": "", "XDG_CACHE_HOME": str(tmp_path)}
    args = ["charts/", "--renderer", "embedded"]
    assert start.will_render_embedded(args, environ) is True
    folder = Path(entry_folder(cache_root(environ), "render"))
    folder.mkdir(parents=True)
    assert start.will_render_embedded(args, environ) is True  # an empty folder holds nothing
    (folder / "entry.json").write_text("{}")
    assert start.will_render_embedded(args, environ) is False
    assert start.will_render_embedded([*args, "--no-cache"], environ) is True
    # The folder the cache itself writes renders to.
    assert RenderCache(Path(cache_root(environ))).entry_path("render", "entry").parent == folder


def test_no_guess_on_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start, "_cores", lambda: 1)
    assert start.will_render_embedded(["charts/", "--renderer", "embedded"], {"PATH": ""}) is False


def test_a_worker_started_early_is_stopped_and_reaped() -> None:
    worker = start.start_worker()
    start.stop_worker(worker)
    assert worker.returncode is not None
    start.stop_worker(worker)  # twice is harmless: the renderer and the entry point may both stop it
