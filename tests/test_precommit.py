"""The pre-commit hooks, proven with the real `pre-commit` in a temporary git repository.

pre-commit pip-installs this repository and its dependencies into a fresh environment. Tests run
offline, so pip reads `.tools/wheelhouse` (built by `python3 scripts/test`) with PIP_NO_INDEX=1; without
it the test fails, naming that command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHART_NAMES, CHARTS, ENVS, ROOT, not_installed
from tests.layout_fixtures import LAYOUTS
from todolint.contract import load_contract
from todolint.rules import all_rules

WHEELHOUSE = ROOT / ".tools" / "wheelhouse"
SKIP_PARTS = {".git", ".tools", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"}


def require_wheelhouse() -> None:
    if not any(WHEELHOUSE.glob("hatchling-*.whl")):
        not_installed(f"no offline wheelhouse at {WHEELHOUSE}")


def offline_environ(tmp_path: Path) -> dict[str, str]:
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


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def source_files() -> list[Path]:
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


def hook_repo_copy(tmp_path: Path, env: dict[str, str], name: str = "todolint-hooks") -> tuple[Path, str]:
    """A committed copy of this repository: try-repo and `repo:` need the hook files in a commit."""
    repo = tmp_path / name
    for source in source_files():
        target = repo / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    git(repo, env, "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "todolint")
    return repo, git(repo, env, "rev-parse", "HEAD")


def _project(tmp_path: Path, env: dict[str, str]) -> Path:
    project = tmp_path / "project"
    shutil.copytree(CHARTS, project / "charts")
    git(project, env, "init", "-q")
    git(project, env, "add", "-A")
    git(project, env, "commit", "-q", "-m", "charts")
    return project


def _linted(report: Path) -> list[tuple[str, str]]:
    data = json.loads(report.read_text())
    return [(t["chart"], t["env"]) for t in data["targets"]]


def test_precommit_hooks_lint_owning_charts_once(tmp_path: Path) -> None:
    require_wheelhouse()
    env = offline_environ(tmp_path)
    hooks, rev = hook_repo_copy(tmp_path, env)
    project = _project(tmp_path, env)
    pre_commit = [sys.executable, "-m", "pre_commit"]

    # 1. try-repo on every file: both charts linted once each, clean.
    tried = run([*pre_commit, "try-repo", str(hooks), "todolint", "--all-files", "--verbose"], project, env)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "2 charts · 3 environments · 30 objects · 0 error, 0 warning, 0 info" in tried.stdout, tried.stdout
    every = run([*pre_commit, "try-repo", str(hooks), "todolint-all", "--verbose"], project, env)
    assert every.returncode == 0, every.stdout + every.stderr
    assert "2 charts · 3 environments · 30 objects" in every.stdout, every.stdout

    # 2. Installed as a git hook: a commit that touches only todo-frontend lints only todo-frontend.
    report = tmp_path / "report.json"
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: todolint\n"
        f"        args: [--format, text, --format, json, --output, {report}]\n"
    )
    git(project, env, "add", ".pre-commit-config.yaml")
    git(project, env, "commit", "-q", "-m", "pre-commit config")
    installed = run([*pre_commit, "install"], project, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    values = project / "charts/todo-frontend/values-dev.yaml"
    values.write_text(values.read_text() + "# one more replica next sprint\n")
    (project / "charts/todo-frontend/templates/NOTES.txt").write_text("Thanks for installing todo-frontend.\n")
    git(project, env, "add", "-A")
    committed = run(["git", "commit", "-m", "frontend: notes"], project, env)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert _linted(report) == [("todo-frontend", "dev"), ("todo-frontend", "staging"), ("todo-frontend", "prod")]

    # 3. A change that breaks rules fails the commit, and names the chart, environment and rule: a schema
    # rule (cpu must be a quantity) and the contract's readiness timing (10 s), when that rule is present.
    head = git(project, env, "rev-parse", "HEAD")
    prod = project / "charts/todo-backend/values-prod.yaml"
    prod.write_text(
        prod.read_text().replace('cpu: "1"', "cpu: [1]") + "\nprobes:\n  readiness:\n    periodSeconds: 20\n"
    )
    git(project, env, "add", "-A")
    rejected = run(["git", "commit", "-m", "backend: cpu"], project, env)
    assert rejected.returncode != 0, rejected.stdout + rejected.stderr
    assert git(project, env, "rev-parse", "HEAD") == head
    findings = json.loads(report.read_text())["findings"]
    expected = [("TL010", "todo-backend", "prod", "spec.template.spec.containers[0].resources.limits.cpu")]
    if "TL204" in {rule.code for rule in all_rules(load_contract())}:
        expected.append(
            ("TL204", "todo-backend", "prod", "spec.template.spec.containers[0].readinessProbe.periodSeconds")
        )
    assert sorted((f["code"], f["chart"], *f["environments"], f["path"]) for f in findings) == expected
    assert _linted(report) == [("todo-backend", "dev"), ("todo-backend", "staging"), ("todo-backend", "prod")]
    assert "TL010 schema-invalid" in rejected.stdout + rejected.stderr
    git(project, env, "checkout", "HEAD", "--", "charts/todo-backend/values-prod.yaml")

    # 4. A change under policies/ relints every chart.
    (project / "policies").mkdir()
    (project / "policies/team-notes.yaml").write_text("# rules the team is discussing\n")
    git(project, env, "add", "-A")
    relinted = run(["git", "commit", "-m", "policies: notes"], project, env)
    assert relinted.returncode == 0, relinted.stdout + relinted.stderr
    assert sorted({chart for chart, _ in _linted(report)}) == ["todo-backend", "todo-frontend"]


def test_fix_hook_fixes_and_fails_until_the_fixes_are_staged(tmp_path: Path) -> None:
    """Like ruff's fixing hook: the run that changes files fails (pre-commit sees them modified), with the
    contract's value written in; the next run, with nothing left to fix, passes."""
    require_wheelhouse()
    env = offline_environ(tmp_path)
    hooks, _rev = hook_repo_copy(tmp_path, env)
    project = _project(tmp_path, env)
    prod = project / "charts/todo-backend/values-prod.yaml"
    original = prod.read_text()
    prod.write_text(original.replace("replicaCount: 3", "replicaCount: 5"))
    git(project, env, "add", "-A")
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "todolint-fix", "--all-files"]
    fixing = run(pre_commit, project, env)
    assert fixing.returncode == 1, fixing.stdout + fixing.stderr
    assert "- files were modified by this hook" in fixing.stdout, fixing.stdout
    assert prod.read_text() == original
    git(project, env, "add", "-A")
    clean = run(pre_commit, project, env)
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
        ("deploy/helm/api/values/prod.yaml", True),
        ("charts/todo-app/crds/crontab.yaml", True),
        ("README.md", False),
        ("docs/templates/x.md", False),
        ("tools/templates/y.js", False),
        (".claude/commands/templates/plan.js", False),
        (".specify/templates/spec-template.md", False),
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


# --- Adopting todolint on three repository layouts: init → config → todolint → pre-commit, twice ---------

#: layout → (chart folder, release, namespace, values file) per chart × environment, as `todolint config` says.
MATRICES: dict[str, list[tuple[str, str, str, str, str, str]]] = {
    "two-charts": [
        (f"charts/{app}", app, env, f"{app}-{env}", f"todo-{env}", f"charts/{app}/values/{env}.yaml")
        for app in CHART_NAMES
        for env in ENVS
    ],
    "umbrella": [
        ("charts/todo-app", "todo-app", env, "todo-app", "todo-app", f"charts/todo-app/values-{env}.yaml")
        for env in ENVS
    ],
    "deploy-helm": [
        (f"deploy/helm/{app}", app, env, f"{app}-{env}", app, f"deploy/helm/{app}/values.{env}.yaml")
        for app in CHART_NAMES
        for env in ENVS
    ],
}
#: layout → what `todolint init` says it wrote.
INIT_SAYS = {
    "two-charts": "2 charts: todo-backend (values/{env}.yaml), todo-frontend (values/{env}.yaml)",
    "umbrella": "1 chart: todo-app (values-{env}.yaml)",
    "deploy-helm": "2 charts: todo-backend (values.{env}.yaml), todo-frontend (values.{env}.yaml)",
}
#: The umbrella renders both apps under one release: their objects share names, the release holds two
#: apps, and the frontend's API URL names the per-environment backend that this layout does not have.
#: The other layouts are clean.
UMBRELLA_FINDINGS = sorted(
    [
        (code, (env,), kind, name, path)
        for env in ENVS
        for code, kind, name, path in [
            ("TL123", "ConfigMap", "todo-app-config", "metadata.name"),
            ("TL123", "Deployment", "todo-app", "metadata.name"),
            ("TL123", "NetworkPolicy", "todo-app", "metadata.name"),
            ("TL123", "Service", "todo-app", "metadata.name"),
            ("TL123", "ServiceAccount", "todo-app", "metadata.name"),
            ("TL350", "ConfigMap", "todo-app-config", "data.NEXT_PUBLIC_API_URL"),
        ]
    ]
    # one-release-per-app: one error per app, on its Deployment (both are todo-app), the same in every environment
    + [("TL125", ENVS, "Deployment", "todo-app", "metadata.name")] * 2
)
#: deploy-helm puts each app in a namespace of its own, and the backend's NetworkPolicy admits only pods
#: of its namespace: the frontend cannot reach it (network-paths), in each environment's release.
DEPLOY_HELM_FINDINGS = [
    ("TL380", (env,), "NetworkPolicy", f"todo-backend-{env}", "spec.ingress") for env in ("dev", "prod", "staging")
]
FINDINGS = {"two-charts": [], "umbrella": UMBRELLA_FINDINGS, "deploy-helm": DEPLOY_HELM_FINDINGS}


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """One committed copy of this repository and one pre-commit home for the three layouts: pre-commit
    builds the hook's environment once."""
    require_wheelhouse()
    base = tmp_path_factory.mktemp("hooks")
    env = offline_environ(base)
    env.update(HOME=str(base / "home"), XDG_CACHE_HOME=str(base / "xdg-cache"))
    repo, rev = hook_repo_copy(base, env)
    return repo, rev, env


def _todolint(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "todolint", *args], repo, env)


def _adopt_once(repo: Path, env: dict[str, str], layout: str, report: Path) -> tuple[str, str, str, str]:
    """init (or init --force), config, todolint and pre-commit; what each printed that must not change."""
    init = _todolint(repo, env, "init", *(["--force"] if (repo / ".todolint.yaml").exists() else []))
    assert (init.returncode, init.stdout, init.stderr) == (0, f"wrote .todolint.yaml: {INIT_SAYS[layout]}\n", "")

    shown = _todolint(repo, env, "config", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    matrix = json.loads(shown.stdout)
    assert matrix["config"] == ".todolint.yaml"
    targets = matrix["targets"]
    assert [(t["chart_path"], t["chart"], t["env"], t["release"], t["namespace"], *t["values"]) for t in targets] == (
        MATRICES[layout]
    )

    linted = _todolint(repo, env, "--format", "json", ".")
    findings = json.loads(linted.stdout)["findings"]
    got = sorted((f["code"], tuple(f["environments"]), f["kind"], f["object"], f["path"]) for f in findings)
    assert got == FINDINGS[layout]
    assert linted.returncode == (1 if FINDINGS[layout] else 0), linted.stderr

    hooked = run([sys.executable, "-m", "pre_commit", "run", "--all-files"], repo, env)
    assert hooked.returncode == (1 if FINDINGS[layout] else 0), hooked.stdout + hooked.stderr
    data = json.loads(report.read_text())
    # The decoys were passed to the hook and skipped: every target is a chart's, and nothing else broke.
    assert sorted((t["chart_path"], t["env"]) for t in data["targets"]) == sorted(
        (m[0], m[2]) for m in MATRICES[layout]
    )
    assert data["findings"] == findings and data["errors"] == []
    return (repo / ".todolint.yaml").read_text(), shown.stdout, linted.stdout, json.dumps(data["summary"])


@pytest.mark.parametrize("layout", ["two-charts", "umbrella", "deploy-helm"])
def test_adopt_on_three_layouts(tmp_path: Path, hook_repo: tuple[Path, str, dict[str, str]], layout: str) -> None:
    hooks, rev, env = hook_repo
    repo = tmp_path / layout
    LAYOUTS[layout](repo)
    report = tmp_path / "report.json"
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: todolint\n"
        f"        args: [--format, text, --format, json, --output, {report}]\n"
    )
    git(repo, env, "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "the app's charts")
    first = _adopt_once(repo, env, layout, report)
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "todolint's config")

    again = _todolint(repo, env, "init")
    assert (again.returncode, again.stdout) == (2, "")
    assert again.stderr == "todolint: error: .todolint.yaml: exists; `todolint init --force` overwrites it\n"
    assert _adopt_once(repo, env, layout, report) == first
    assert git(repo, env, "status", "--porcelain") == ""
