"""What lies around the test suite never changes a test's outcome, and under the test command no test skips.

The suite runs each test with its own cache and HOME, without the user's Helm, Git or CI settings and
without a helm on PATH (tests/conftest.py). The proof runs todolint as a user would (README:
`todolint charts/`), which fills the user's cache with renders and a stored result, gives that user a
HOME with Helm repositories and a Git config, a helm of their own on PATH and the settings a shell or
a CI runner sets, then runs the progress, cache and library tests in that user's environment: they
must pass as they do on a machine that never ran todolint.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import NO_SKIP, ROOT, TEST_COMMAND

SENSITIVE = (
    "tests/test_reporters_polish.py::test_progress_on_a_terminal_never_in_a_pipe",
    "tests/test_result_cache.py",
    "tests/test_cache.py",
    "tests/test_app.py",
)


def a_used_machine(home: Path, helm3: str, helm4: str) -> dict[str, str]:
    """The environment of a user who set up Helm and Git and keeps a helm of their own on PATH."""
    (home / ".config" / "helm").mkdir(parents=True)
    (home / ".config" / "helm" / "repositories.yaml").write_text(
        "apiVersion: v1\nrepositories:\n- name: theirs\n  url: https://charts.example.invalid\n"
    )
    (home / ".kube").mkdir()
    (home / ".kube" / "config").write_text("not: [a kubeconfig\n")
    (home / ".gitconfig").write_text("[commit]\n\tgpgsign = true\n[init]\n\tdefaultBranch = trunk\n")
    (home / "bin").mkdir()
    (home / "bin" / "helm").write_text("#!/bin/sh\necho 'the user's own helm ran in a test' >&2\nexit 3\n")
    (home / "bin" / "helm").chmod(0o755)
    user = dict(os.environ)
    user.update(
        HOME=str(home),
        PATH=os.pathsep.join([str(home / "bin"), user.get("PATH", "")]),
        XDG_CONFIG_HOME=str(home / ".config"),
        HELM_CONFIG_HOME=str(home / ".config" / "helm"),
        HELM_NAMESPACE="theirs",
        KUBECONFIG=str(home / ".kube" / "config"),
        CI="true",
        NO_COLOR="1",
        TODOLINT_HELM3=helm3,
        TODOLINT_HELM4=helm4,
    )
    user[NO_SKIP] = "1"
    return user


def test_a_filled_user_cache_changes_no_test(tmp_path: Path, helm3: str, helm4: str) -> None:
    """The progress, cache and library tests pass in the environment of a user who ran todolint and set
    up Helm, Git and a helm of their own, with nothing skipped."""
    (tmp_path / "user-home").mkdir()
    user = a_used_machine(tmp_path / "user-home", helm3, helm4)
    user["XDG_CACHE_HOME"] = str(tmp_path / "user-cache")
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


SKIPPING = """
import pytest

def test_skips_in_its_body():
    pytest.skip("a reason of its own")

@pytest.mark.skipif(True, reason="a marker's reason")
def test_skipped_by_a_marker():
    pass

def test_passes():
    pass
"""


def test_a_skip_fails_under_the_test_command(tmp_path: Path) -> None:
    """With the test command's $TODOLINT_NO_SKIP a skipped test, or a module skipped whole, fails and
    says why; without it, pytest skips as usual."""
    (tmp_path / "test_skipping.py").write_text(SKIPPING)
    (tmp_path / "test_module.py").write_text('import pytest\npytest.skip("all of it", allow_module_level=True)\n')
    environ = {key: value for key, value in os.environ.items() if key != NO_SKIP}
    # The repository's conftest as a plugin, for test files outside the repository.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest", str(tmp_path)]
    plain = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, check=False, timeout=300)
    assert plain.returncode == 0, plain.stdout
    assert "1 passed, 3 skipped" in plain.stdout, plain.stdout
    strict = subprocess.run(
        [*command, "--continue-on-collection-errors"],
        cwd=ROOT,
        env={**environ, NO_SKIP: "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert strict.returncode == 1, strict.stdout
    summary = strict.stdout.strip().splitlines()[-1]
    assert "1 passed" in summary and "skipped" not in summary, summary
    for reason in ("a reason of its own", "a marker's reason", "all of it"):
        assert f"skipped ({reason}), but under `{TEST_COMMAND}` ({NO_SKIP}=1) every test runs" in strict.stdout
