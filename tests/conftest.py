"""Shared fixtures: the repository paths, the helm binaries, and a CLI runner.

Tests that need the helm CLI skip on a laptop without it, but fail when TODOLINT_REQUIRE_HELM=1
(set by .ci/run, which installs Helm 3 and Helm 4 first): nothing is skipped in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ROOT / "charts"
ENVS = ("dev", "staging", "prod")
CHART_NAMES = ("todo-backend", "todo-frontend")


def helm_binary(major: str) -> str | None:
    """Helm `v3` or `v4`: $TODOLINT_HELM3/4, else .tools/helm/<major>/helm (scripts/install-helm)."""
    env = os.environ.get(f"TODOLINT_HELM{major[1:]}")
    if env and Path(env).is_file():
        return env
    local = ROOT / ".tools" / "helm" / major / "helm"
    return str(local) if local.is_file() else None


def require_helm(major: str) -> str:
    found = helm_binary(major)
    if found is None:
        if os.environ.get("TODOLINT_REQUIRE_HELM"):
            pytest.fail(f"helm {major} is required (TODOLINT_REQUIRE_HELM=1) but not installed")
        pytest.skip(f"helm {major} not installed (run scripts/install-helm)")
    return found


@pytest.fixture(autouse=True)
def own_cache_and_home(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test runs with its own cache folder and HOME, inherited by the processes it starts: what a
    user ran before the test suite (a render cache, a stored result) can never change a test's outcome."""
    # The cache folder is the one run_cli gives its processes; HOME lies outside tmp_path, whose
    # listing some tests check.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def helm3() -> str:
    return require_helm("v3")


@pytest.fixture
def helm4() -> str:
    return require_helm("v4")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


RunCli = Callable[..., Run]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run `python -m todolint ARGS` as a user would: a new process, its own cwd and PATH."""

    def run(
        *args: str,
        cwd: Path | None = None,
        helm: str | None = None,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Run:
        environ = dict(os.environ)
        environ.pop("NO_COLOR", None)
        path_dirs = [d for d in environ.get("PATH", "").split(os.pathsep) if d and not shutil.which("helm", path=d)]
        if helm:
            path_dirs.insert(0, str(Path(helm).parent))
        environ["PATH"] = os.pathsep.join(path_dirs)
        # Each test gets its own, empty render cache: never the user's, never another test's.
        environ["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
        environ.update(env or {})
        done = subprocess.run(
            [sys.executable, "-m", "todolint", *args],
            cwd=cwd or ROOT,
            capture_output=True,
            text=True,
            input=stdin,
            env=environ,
            timeout=300,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
