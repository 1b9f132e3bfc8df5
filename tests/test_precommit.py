"""The pre-commit hooks, proven with the real `pre-commit` in a temporary git repository.

pre-commit pip-installs this repository and its dependencies into a fresh environment. Tests run
offline, so pip reads `.tools/wheelhouse` (built by .ci/run) with PIP_NO_INDEX=1; without it the test
skips on a laptop and fails in CI (TODOLINT_REQUIRE_HELM=1).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHARTS, ROOT
from todolint.contract import load_contract
from todolint.rules import all_rules

WHEELHOUSE = ROOT / ".tools" / "wheelhouse"
SKIP_PARTS = {".git", ".tools", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"}


def _require_wheelhouse() -> None:
    if not any(WHEELHOUSE.glob("hatchling-*.whl")):
        message = f"no offline wheelhouse at {WHEELHOUSE} (.ci/run builds it with pip wheel)"
        if os.environ.get("TODOLINT_REQUIRE_HELM"):
            pytest.fail(message)
        pytest.skip(message)


def _environ(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("NO_COLOR", "PRE_COMMIT_COLOR", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    # The embedded Helm SDK renders inside the hook: no helm binary on PATH, so the result is the same everywhere.
    env["PATH"] = os.pathsep.join(
        d for d in env.get("PATH", "").split(os.pathsep) if d and not shutil.which("helm", path=d)
    )
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELHOUSE),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = _run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def _source_files() -> list[Path]:
    """This repository's files as a clone would have them (tracked and new, minus what .gitignore drops)."""
    done = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if done.returncode == 0:
        return [ROOT / name for name in done.stdout.decode().split("\0") if name and (ROOT / name).is_file()]
    return [p for p in ROOT.rglob("*") if p.is_file() and not SKIP_PARTS & set(p.relative_to(ROOT).parts)]


def _hook_repo(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    """A committed copy of this repository: try-repo and `repo:` need the hook files in a commit."""
    repo = tmp_path / "todolint-hooks"
    for source in _source_files():
        target = repo / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    _git(repo, env, "init", "-q")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "todolint")
    return repo, _git(repo, env, "rev-parse", "HEAD")


def _project(tmp_path: Path, env: dict[str, str]) -> Path:
    project = tmp_path / "project"
    shutil.copytree(CHARTS, project / "charts")
    _git(project, env, "init", "-q")
    _git(project, env, "add", "-A")
    _git(project, env, "commit", "-q", "-m", "charts")
    return project


def _linted(report: Path) -> list[tuple[str, str]]:
    data = json.loads(report.read_text())
    return [(t["chart"], t["env"]) for t in data["targets"]]


def test_precommit_hooks_lint_owning_charts_once(tmp_path: Path) -> None:
    _require_wheelhouse()
    env = _environ(tmp_path)
    hooks, rev = _hook_repo(tmp_path, env)
    project = _project(tmp_path, env)
    pre_commit = [sys.executable, "-m", "pre_commit"]

    # 1. try-repo on every file: both charts linted once each, clean.
    tried = _run([*pre_commit, "try-repo", str(hooks), "todolint", "--all-files", "--verbose"], project, env)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "2 charts · 3 environments · 30 objects · 0 error, 0 warning, 0 info" in tried.stdout, tried.stdout
    every = _run([*pre_commit, "try-repo", str(hooks), "todolint-all", "--verbose"], project, env)
    assert every.returncode == 0, every.stdout + every.stderr
    assert "2 charts · 3 environments · 30 objects" in every.stdout, every.stdout

    # 2. Installed as a git hook: a commit that touches only todo-frontend lints only todo-frontend.
    report = tmp_path / "report.json"
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: todolint\n"
        f"        args: [--format, text, --format, json, --output, {report}]\n"
    )
    _git(project, env, "add", ".pre-commit-config.yaml")
    _git(project, env, "commit", "-q", "-m", "pre-commit config")
    installed = _run([*pre_commit, "install"], project, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    values = project / "charts/todo-frontend/values-dev.yaml"
    values.write_text(values.read_text() + "# one more replica next sprint\n")
    (project / "charts/todo-frontend/templates/NOTES.txt").write_text("Thanks for installing todo-frontend.\n")
    _git(project, env, "add", "-A")
    committed = _run(["git", "commit", "-m", "frontend: notes"], project, env)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert _linted(report) == [("todo-frontend", "dev"), ("todo-frontend", "staging"), ("todo-frontend", "prod")]

    # 3. A change that breaks rules fails the commit, and names the chart, environment and rule: a schema
    # rule (cpu must be a quantity) and the contract's readiness timing (10 s), when that rule is present.
    head = _git(project, env, "rev-parse", "HEAD")
    prod = project / "charts/todo-backend/values-prod.yaml"
    prod.write_text(
        prod.read_text().replace('cpu: "1"', "cpu: [1]") + "\nprobes:\n  readiness:\n    periodSeconds: 20\n"
    )
    _git(project, env, "add", "-A")
    rejected = _run(["git", "commit", "-m", "backend: cpu"], project, env)
    assert rejected.returncode != 0, rejected.stdout + rejected.stderr
    assert _git(project, env, "rev-parse", "HEAD") == head
    findings = json.loads(report.read_text())["findings"]
    expected = [("TL010", "todo-backend", "prod", "spec.template.spec.containers[0].resources.limits.cpu")]
    if "TL204" in {rule.code for rule in all_rules(load_contract())}:
        expected.append(
            ("TL204", "todo-backend", "prod", "spec.template.spec.containers[0].readinessProbe.periodSeconds")
        )
    assert sorted((f["code"], f["chart"], *f["environments"], f["path"]) for f in findings) == expected
    assert _linted(report) == [("todo-backend", "dev"), ("todo-backend", "staging"), ("todo-backend", "prod")]
    assert "TL010 schema-invalid" in rejected.stdout + rejected.stderr
    _git(project, env, "checkout", "HEAD", "--", "charts/todo-backend/values-prod.yaml")

    # 4. A change under policies/ relints every chart.
    (project / "policies").mkdir()
    (project / "policies/team-notes.yaml").write_text("# rules the team is discussing\n")
    _git(project, env, "add", "-A")
    relinted = _run(["git", "commit", "-m", "policies: notes"], project, env)
    assert relinted.returncode == 0, relinted.stdout + relinted.stderr
    assert sorted({chart for chart, _ in _linted(report)}) == ["todo-backend", "todo-frontend"]


def test_fix_hook_fixes_and_fails_until_the_fixes_are_staged(tmp_path: Path) -> None:
    """Like ruff's fixing hook: the run that changes files fails (pre-commit sees them modified), with the
    contract's value written in; the next run, with nothing left to fix, passes."""
    _require_wheelhouse()
    env = _environ(tmp_path)
    hooks, _rev = _hook_repo(tmp_path, env)
    project = _project(tmp_path, env)
    prod = project / "charts/todo-backend/values-prod.yaml"
    original = prod.read_text()
    prod.write_text(original.replace("replicaCount: 3", "replicaCount: 5"))
    _git(project, env, "add", "-A")
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "todolint-fix", "--all-files"]
    fixing = _run(pre_commit, project, env)
    assert fixing.returncode == 1, fixing.stdout + fixing.stderr
    assert "- files were modified by this hook" in fixing.stdout, fixing.stdout
    assert prod.read_text() == original
    _git(project, env, "add", "-A")
    clean = _run(pre_commit, project, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_readme_names_the_hooks_that_exist() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [(h["id"], h["language"], h.get("pass_filenames", True)) for h in hooks] == [
        ("todolint", "python", True),
        ("todolint-all", "python", False),
        ("todolint-fix", "python", True),
    ]
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## pre-commit\n") :]
    assert "- id: todolint " in section and "# - id: todolint-all " in section


@pytest.mark.parametrize(
    ("path", "linted"),
    [
        ("charts/todo-frontend/templates/deployment.yaml", True),
        ("charts/todo-frontend/templates/_helpers.tpl", True),
        ("charts/todo-backend/values-prod.yaml", True),
        ("charts/todo-backend/values.schema.json", True),
        ("charts/todo-backend/Chart.yaml", True),
        ("deploy/charts/app/charts/redis-1.0.0.tgz", True),
        ("policies/TL900-team.yaml", True),
        (".todolint.yaml", True),
        ("README.md", False),
        ("charts/README.md", False),
        ("backend/app/main.py", False),
        ("docker-compose.yaml", False),
    ],
)
def test_hook_files_pattern(path: str, linted: bool) -> None:
    import re

    import yaml

    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert bool(re.search(hooks["todolint"]["files"], path)) is linted
    assert hooks["todolint-fix"]["files"] == hooks["todolint"]["files"]  # fixes what the lint hook lints
