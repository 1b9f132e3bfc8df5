"""Shared fixtures: the repository paths, the helm binaries, and a CLI runner.

No test depends on what is installed around it. What the test command (`python3 scripts/test`)
installs, a test that needs it requires: the pinned Helm builds, the offline wheelhouse. When one is
missing the test fails with a message naming the command, never skips. Under the command
($TODOLINT_NO_SKIP=1) any skip is a failure. Every test runs with its own HOME and cache, without the
user's Helm, Git or CI settings and without a helm on PATH (`own_cache_and_home`).

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
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, Phase, settings

from todolint.models import Target

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ROOT / "charts"
ENVS = ("dev", "staging", "prod")
CHART_NAMES = ("todo-backend", "todo-frontend")
#: The one command that installs what the tests need and runs them all (README.md, .ci/run).
TEST_COMMAND = "python3 scripts/test"
#: Set by the test command: a skipped test fails the run.
NO_SKIP = "TODOLINT_NO_SKIP"
#: A user's settings that would change what todolint, Helm, Git or pip do in a test; the per-test
#: HOME supplies the defaults instead (XDG_CONFIG_HOME and the like fall back to folders under it).
USER_SETTINGS = (
    "CI", "NO_COLOR", "TODOLINT_DEBUG", "KUBECONFIG", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL", "PRE_COMMIT_HOME",
)  # fmt: skip


def not_installed(what: str) -> NoReturn:
    """Fail the test: `what` is missing, and the test command installs it."""
    pytest.fail(f"{what}: run `{TEST_COMMAND}`, which installs it (docs/development.md)", pytrace=False)


def helm_binary(major: str) -> str | None:
    """Helm `v3` or `v4`: $TODOLINT_HELM3/4, else .tools/helm/<major>/helm (scripts/install-helm)."""
    env = os.environ.get(f"TODOLINT_HELM{major[1:]}")
    if env and Path(env).is_file():
        return env
    local = ROOT / ".tools" / "helm" / major / "helm"
    return str(local) if local.is_file() else None


def require_helm(major: str) -> str:
    """The pinned helm `v3` or `v4`; the test fails, naming the test command, when it is not installed."""
    found = helm_binary(major)
    if found is None:
        not_installed(
            f"helm {major} is not installed at .tools/helm/{major}/helm nor named by $TODOLINT_HELM{major[1:]}"
        )
    return found


def path_without_helm(search_path: str) -> str:
    """`search_path` without the folders that hold a `helm`: a user's helm never renders in a test."""
    return os.pathsep.join(d for d in search_path.split(os.pathsep) if d and not shutil.which("helm", path=d))


@pytest.fixture(autouse=True)
def own_cache_and_home(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test runs with its own cache folder and HOME, inherited by the processes it starts: what a
    user ran or set up before the test suite (a render cache, a stored result, Helm repositories and
    plugins, a helm on PATH, a Git or pip config) can never change a test's outcome."""
    # The cache folder is the one run_cli gives its processes; HOME lies outside tmp_path, whose
    # listing some tests check.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for name in [*USER_SETTINGS, *(key for key in os.environ if key.startswith("HELM_"))]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", path_without_helm(os.environ.get("PATH", "")))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under the test command a skipped test is a failed one: the command installs all a test needs."""
    report = yield
    if report.skipped and os.environ.get(NO_SKIP) and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = _skip_message(report.longrepr)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A module skipped as it is collected fails under the test command, as a skipped test does."""
    report = yield
    if report.skipped and os.environ.get(NO_SKIP):
        report.outcome = "failed"
        report.longrepr = _skip_message(report.longrepr)
    return report


def _skip_message(longrepr: object) -> str:
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    reason = reason.removeprefix("Skipped: ")
    return f"skipped ({reason}), but under `{TEST_COMMAND}` ({NO_SKIP}=1) every test runs"


@pytest.fixture
def helm3() -> str:
    """The pinned Helm 3 build (required: its absence fails the test)."""
    return require_helm("v3")


@pytest.fixture
def helm4() -> str:
    """The pinned Helm 4 build (required: its absence fails the test)."""
    return require_helm("v4")


@dataclass(frozen=True)
class Run:
    """What one todolint process did: exit code and output."""

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
        search_path = path_without_helm(environ.get("PATH", ""))
        environ["PATH"] = os.pathsep.join([str(Path(helm).parent), search_path]) if helm else search_path
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
