"""A user's cache never changes a test's outcome: the suite runs each test with its own cache and HOME.

The proof runs todolint as a user would (README: `todolint charts/`), which fills the user's cache
with renders and a stored result, then runs the progress and cache tests under that same user
environment: they must pass as they do on a machine that never ran todolint.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, helm_binary

SENSITIVE = (
    "tests/test_reporters_polish.py::test_progress_on_a_terminal_never_in_a_pipe",
    "tests/test_result_cache.py",
    "tests/test_cache.py",
)


def test_a_filled_user_cache_changes_no_test(tmp_path: Path) -> None:
    user = dict(os.environ)
    user.update(XDG_CACHE_HOME=str(tmp_path / "user-cache"), HOME=str(tmp_path / "user-home"))
    (tmp_path / "user-home").mkdir()
    first = subprocess.run(
        [sys.executable, "-m", "todolint", "--renderer", "embedded", "--format", "json", "charts/"],
        cwd=ROOT,
        env=user,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    stored = tmp_path / "user-cache" / "todolint"
    assert any(stored.rglob("*")), "the user's run cached nothing: the proof would prove nothing"
    if helm_binary("v3"):
        user.setdefault("TODOLINT_HELM3", str(helm_binary("v3")))
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *SENSITIVE],
        cwd=ROOT,
        env=user,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "skipped" not in tests.stdout, tests.stdout[-500:]
