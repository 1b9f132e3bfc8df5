"""The README is for users: at most 15 KB, no placeholder owner or domain, and every console block
runs as written, in order, as a user would run it: todolint cloned at `../todolint` beside a
repository holding the Todo app's charts, installed with pip into a fresh virtualenv (offline, from
`.tools/wheelhouse`), then init, config, baseline, pre-commit and the output examples."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CHARTS, ROOT, TEST_COMMAND
from tests.test_precommit import WHEELHOUSE, git, hook_repo_copy, offline_environ, require_wheelhouse

README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_blocks(text: str) -> list[str]:
    return re.findall(r"^```console\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def test_readme_is_short_and_names_no_placeholder() -> None:
    assert len(README.encode("utf-8")) <= 15_000
    for placeholder in ("OWNER", "](https://todolint.io", "rev: v0.1.0", "example.com"):
        assert placeholder not in README, placeholder
    for link in re.findall(r"\]\(([^)#]+)[^)]*\)", README):
        assert link.startswith("https://") or (ROOT / link).exists(), link
    titles = re.findall(r"^## (.*)$", README, re.MULTILINE)
    assert titles == [
        "What it checks",
        "Install and first run",
        "Adopting it on your repository",
        "pre-commit",
        "CI",
        "Output formats",
        "Rules",
        "Fixing findings",
        "Suppression",
        "Exit codes",
    ]


def test_every_console_block_runs_as_written(tmp_path: Path) -> None:
    require_wheelhouse()
    env = offline_environ(tmp_path)
    clone, head = hook_repo_copy(tmp_path, env, name="todolint")
    repo = tmp_path / "todo-app"
    shutil.copytree(CHARTS, repo / "charts")
    git(repo, env, "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "the app's charts")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # The new virtualenv's todolint first; pre-commit (a user's own tool) from the test's environment.
    env["PATH"] = os.pathsep.join([str(venv / "bin"), str(Path(sys.executable).parent), env["PATH"]])
    env.pop("VIRTUAL_ENV", None)
    assert WHEELHOUSE.is_dir()
    blocks = console_blocks(README)
    assert len(blocks) >= 5
    for block in blocks:
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, f"{block}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert shutil.which("todolint", path=env["PATH"]) == str(venv / "bin" / "todolint")
    assert (repo / ".todolint.yaml").is_file() and (repo / ".todolint-baseline.json").is_file()
    assert f"rev: {head}\n" in (repo / ".pre-commit-config.yaml").read_text()
    assert (repo / ".git" / "hooks" / "pre-commit").is_file()
    assert '"findings": []' in (repo / "report.json").read_text()
    assert clone.name == "todolint"


def test_the_test_command_is_the_one_ci_runs() -> None:
    """The README's last block, docs/development.md and .ci/run give one test command: they cannot drift."""
    assert README.rstrip().endswith(f"```sh\n{TEST_COMMAND}\n```"), README[-300:]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail\n" in ci and ci.rstrip().splitlines()[-1] == f"exec {TEST_COMMAND}", ci
    assert f"```console\n{TEST_COMMAND}\n```" in (ROOT / "docs" / "development.md").read_text()
