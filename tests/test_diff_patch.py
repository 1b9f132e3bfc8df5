"""`--diff` is a patch: `git apply` and `patch -p1` take it from the repository root, and it holds no
secret value. Each case is a copy of the project's charts in a git repository made in tmp_path.

`patch` is checked where it is installed; `git apply` always (CI has git, not necessarily patch).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CHARTS, RunCli

#: The four mutations of the acceptance: a prod replica count, a probe path, a probe period, a Service type.
MUTATIONS = (
    ("charts/todo-backend/values-prod.yaml", "replicaCount: 3\n", "replicaCount: 5\n"),
    ("charts/todo-backend/values.yaml", "  path: /health\n", "  path: /healthz\n"),
    ("charts/todo-backend/values.yaml", "    periodSeconds: 30\n", "    periodSeconds: 20\n"),
    ("charts/todo-backend/values.yaml", "  type: ClusterIP\n", "  type: LoadBalancer\n"),
)


def _repo(tmp_path: Path, *mutations: tuple[str, str, str]) -> Path:
    """The project's charts, committed, then mutated in the working tree."""
    repo = tmp_path / "repo"
    shutil.copytree(CHARTS, repo / "charts")
    _git(repo, "init", "-q")
    _git(repo, "add", "charts")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "charts")
    for file, old, new in mutations:
        path = repo / file
        text = path.read_text(encoding="utf-8")
        assert old in text, (file, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return repo


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False, timeout=60)


def _applies(repo: Path, patch: Path, *options: str) -> bool:
    """Whether `git apply --check` takes the patch from the repository root; and `patch -p1 --dry-run`
    too, where patch is installed."""
    if _git(repo, "apply", "--check", *options, str(patch)).returncode != 0:
        return False
    if shutil.which("patch") is None:
        return True
    with patch.open(encoding="utf-8") as stream:
        done = subprocess.run(
            ["patch", "-p1", "--dry-run", "--force", "--silent"],
            cwd=repo,
            stdin=stream,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    return done.returncode == 0


def _diff(run_cli: RunCli, repo: Path, *args: str) -> tuple[Path, str, str]:
    done = run_cli("charts", "--diff", *args, cwd=repo, env={"HOME": str(repo.parent)})
    assert done.code == 1, done.stderr
    assert "Traceback" not in done.stderr
    patch = repo.parent / "fixes.patch"
    patch.write_text(done.stdout, encoding="utf-8")
    return patch, done.stdout, done.stderr


def test_the_four_mutations_give_a_patch_that_restores_the_charts(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, *MUTATIONS)
    patch, text, stderr = _diff(run_cli, repo)
    assert stderr == ""
    assert text.endswith("\n")
    assert "***" not in text
    assert "   BACKEND_ENV: production\n" in text  # context shown as the file holds it
    assert _applies(repo, patch)
    assert _git(repo, "apply", str(patch)).returncode == 0
    assert _git(repo, "status", "--porcelain").stdout == ""  # the committed charts, byte for byte


def test_a_hunk_stops_short_of_a_secret_in_its_context(tmp_path: Path, run_cli: RunCli) -> None:
    values = "charts/todo-backend/values.yaml"
    before = (values, "  type: ClusterIP\n  port: 8000\n", "  type: NodePort\n  port: 8000\n  dbPassword: s3cretPw1\n")
    after = (values, "containerPort: 8000\n", "containerPort: 8000\nadminToken: s3cretTk2\n")
    repo = _repo(tmp_path, before, after)
    patch, text, stderr = _diff(run_cli, repo, "--select", "TL230")
    assert "s3cret" not in text + stderr
    assert text == (
        f"--- a/{values}\n"
        f"+++ b/{values}\n"
        "@@ -12,3 +12,3 @@\n"  # no dbPassword below, so one line above too (no adminToken either)
        " service:\n"
        "-  type: NodePort\n"
        "+  type: ClusterIP\n"
        "   port: 8000\n"
    )
    assert stderr == ""
    assert _applies(repo, patch)


def test_a_secret_right_after_the_change_leaves_no_context_below(tmp_path: Path, run_cli: RunCli) -> None:
    values = "charts/todo-backend/values.yaml"
    repo = _repo(tmp_path, (values, "  type: ClusterIP\n", "  type: NodePort\n  adminPassword: s3cretPw3\n"))
    patch, text, stderr = _diff(run_cli, repo, "--select", "TL230")
    assert "s3cret" not in text + stderr
    assert text.splitlines()[2:] == ["@@ -12 +12 @@", "-  type: NodePort", "+  type: ClusterIP"]
    assert stderr == (
        f"todolint: {values}:12: the line after this change holds a secret value, so the hunk has no context "
        "after it: git apply takes it with --unidiff-zero (patch -p1 as it is)\n"
    )
    assert _applies(repo, patch, "--unidiff-zero")


def test_a_secret_on_the_edited_line_is_masked_and_said(tmp_path: Path, run_cli: RunCli) -> None:
    """Issue 31 item 9: `adminPassword` on the line of the edited `type:`, in neither the - nor the + line."""
    values = "charts/todo-backend/values.yaml"
    flow = "service: {type: NodePort, port: 8000, adminPassword: s3cretPw4}\n"
    repo = _repo(tmp_path, (values, "service:\n  type: ClusterIP\n  port: 8000\n", flow))
    patch, text, stderr = _diff(run_cli, repo, "--select", "TL230")
    assert "s3cret" not in text + stderr
    changed = [line for line in text.splitlines() if line.startswith(("-s", "+s"))]
    assert changed == [
        "-service: {type: NodePort, port: 8000, adminPassword: ***}",
        "+service: {type: ClusterIP, port: 8000, adminPassword: ***}",
    ]
    assert stderr == (
        f"todolint: {values}:11: --diff shows a secret value on a changed line as ***, so this hunk does not apply\n"
    )
    assert not _applies(repo, patch)


def test_a_file_without_a_final_newline(tmp_path: Path, run_cli: RunCli) -> None:
    prod = "charts/todo-backend/values-prod.yaml"
    repo = _repo(tmp_path)
    (repo / prod).write_text("replicaCount: 5", encoding="utf-8")
    patch, text, stderr = _diff(run_cli, repo, "--select", "TL330")
    assert text == (
        f"--- a/{prod}\n+++ b/{prod}\n@@ -1 +1 @@\n"
        "-replicaCount: 5\n\\ No newline at end of file\n"
        "+replicaCount: 3\n\\ No newline at end of file\n"
    )
    assert stderr == ""
    assert _applies(repo, patch)


SECRET_DOCUMENT = """---
# the chart's own Secret
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-secrets
  namespace: todo-dev
type: Opaque
stringData:
  DATABASE_URL: "postgres://todo:s3cretPw5@db.example/todo"
  API_MODE: c4naryMode6"""


def test_a_removed_secret_shows_its_structure_and_leaves_no_empty_document(tmp_path: Path, run_cli: RunCli) -> None:
    service = "charts/todo-backend/templates/service.yaml"
    repo = _repo(tmp_path)
    original = (repo / service).read_text(encoding="utf-8")
    (repo / service).write_text(original + SECRET_DOCUMENT, encoding="utf-8")  # no final newline either
    _patch, text, stderr = _diff(run_cli, repo, "--select", "TL311", "--unsafe-fixes")
    for secret in ("s3cretPw5", "c4naryMode6"):
        assert secret not in text + stderr
    removed = [line for line in text.splitlines() if line.startswith("-") and not line.startswith("--- a/")]
    assert removed == [
        "----",
        "-# the chart's own Secret",
        "-apiVersion: v1",
        "-kind: Secret",
        "-metadata:",
        "-  name: {{ .Release.Name }}-secrets",
        "-  namespace: todo-dev",
        "-type: Opaque",
        "-stringData:",
        "-  DATABASE_URL: ***",
        "-  API_MODE: ***",
    ]
    assert text.endswith("-  API_MODE: ***\n\\ No newline at end of file\n")
    assert stderr.splitlines() == [
        f"todolint: {service}:{original.count(chr(10)) + 1}: --diff shows a secret value on a changed line as ***, "
        "so this hunk does not apply",
    ]
    fixed = run_cli("charts", "--select", "TL311", "--fix", "--unsafe-fixes", cwd=repo, env={"HOME": str(tmp_path)})
    assert "s3cretPw5" not in fixed.stdout + fixed.stderr
    assert (repo / service).read_text(encoding="utf-8") == original  # the `---` went with it


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
def test_an_umbrella_chart_patch_applies(
    renderer: str, tmp_path: Path, run_cli: RunCli, request: pytest.FixtureRequest
) -> None:
    repo = tmp_path / "repo"
    parent = repo / "charts" / "todo-app"
    for app, sub in (("todo-backend", "backend"), ("todo-frontend", "frontend")):
        shutil.copytree(CHARTS / app, parent / "charts" / sub)
        chart_yaml = parent / "charts" / sub / "Chart.yaml"
        chart_yaml.write_text(chart_yaml.read_text().replace(f"name: {app}\n", f"name: {sub}\n", 1))
    dependencies = "".join(f"  - name: {sub}\n    version: 0.1.0\n" for sub in ("backend", "frontend"))
    (parent / "Chart.yaml").write_text(f"apiVersion: v2\nname: todo-app\nversion: 0.1.0\ndependencies:\n{dependencies}")
    (parent / "values.yaml").write_text("backend: {}\nfrontend: {}\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "charts")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "charts")
    values = parent / "charts" / "backend" / "values.yaml"
    values.write_text(values.read_text().replace("    periodSeconds: 30\n", "    periodSeconds: 20\n", 1))
    helm = str(request.getfixturevalue("helm4")) if renderer == "helm" else None
    args = ("charts/todo-app", "--env", "dev", "--renderer", renderer, "--select", "TL203", "--diff")
    done = run_cli(*args, cwd=repo, helm=helm, env={"HOME": str(tmp_path)})
    assert done.code == 1, done.stderr
    patch = tmp_path / "fixes.patch"
    patch.write_text(done.stdout, encoding="utf-8")
    assert _applies(repo, patch)
    assert _git(repo, "apply", str(patch)).returncode == 0
    assert _git(repo, "status", "--porcelain").stdout == ""
