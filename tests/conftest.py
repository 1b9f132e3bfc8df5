"""Shared fixtures: the repository paths, the helm binaries, and a CLI runner.

Tests that need the helm CLI skip on a laptop without it, but fail when TODOLINT_REQUIRE_HELM=1
(set by .ci/run, which installs Helm 3 and Helm 4 first): nothing is skipped in CI.

Nothing reaches the network: a local HTTP server (`network_sentinel`) is every process's proxy for
the whole session and the target of the tests that plant URLs, and must see zero requests.
"""

from __future__ import annotations

import dataclasses
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from todolint.models import Target

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


def backend_dev_target(chart: Path, **changes: object) -> Target:
    """The backend chart at `chart` as its dev target, with `changes` to the Target's fields."""
    target = Target(
        chart="todo-backend",
        chart_path=str(chart),
        env="dev",
        release="todo-backend-dev",
        namespace="todo-dev",
        values_files=(str(chart / "values-dev.yaml"),),
        set_values=(),
        kube_version="1.37.0",
    )
    return dataclasses.replace(target, **changes)  # type: ignore[arg-type]


def recording_server(seen: list[str]) -> http.server.ThreadingHTTPServer:
    """A local HTTP server, already serving on a thread, that appends each request it gets to `seen`
    and answers with a trivial JSON schema (what a followed `$ref` would fetch)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _record(self) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"type": "object"}')

        do_GET = do_HEAD = do_POST = do_CONNECT = _record

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Sentinel:
    """A local HTTP server that records every request it gets: none is the only right number."""

    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="session", autouse=True)
def network_sentinel() -> Iterator[Sentinel]:
    """For the whole session: the proxy of every process the tests start (Helm, pip, git honour
    HTTP(S)_PROXY), and the host of every URL a test plants in a chart. Asserts, at the end of the
    session, that it saw zero requests."""
    seen: list[str] = []
    server = recording_server(seen)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    saved = {key: os.environ.get(key) for key in _PROXY_VARIABLES}
    for key in _PROXY_VARIABLES:
        if key.lower().startswith("no_"):
            os.environ.pop(key, None)
        else:
            os.environ[key] = url
    sentinel = Sentinel(url, seen)
    try:
        yield sentinel
    finally:
        server.shutdown()
        server.server_close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert seen == [], f"the network was reached during the tests: {seen}"


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "NO_PROXY", "no_proxy")


def property_settings(examples: int, *, derandomize: bool = False) -> settings:
    """Hypothesis settings of the property runs (the CI tests and the long runs): no deadline (each
    example runs todolint, maybe Helm), no example database and no explain phase (a failure is
    reproduced by its seed), no health check (slow examples are the point)."""
    return settings(
        max_examples=examples,
        derandomize=derandomize,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
