"""`todolint init` on repositories that say how they install their charts (tests/installs/<name>/): the
exact `.todolint.yaml` it writes and the exact `todolint config` output (text and JSON) with the command
behind each setting, through the real CLI; then todolint lints the repository with that config.

The expected files sit beside each fixture: `<name>.todolint.yaml`, `<name>.config.txt`,
`<name>.config.json` (`TODOLINT_UPDATE_GOLDEN=1` rewrites them).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunCli

INSTALLS = ROOT / "tests" / "installs"
FIXTURES = sorted(p.name for p in INSTALLS.iterdir() if p.is_dir())
KUBE = ("--kube-version", "1.30")


def _repository(tmp_path: Path, name: str) -> Path:
    repo = tmp_path / name
    shutil.copytree(INSTALLS / name, repo)
    (repo / ".git").mkdir()  # the repository's root: the config search stops here
    return repo


def _golden(path: Path, got: str) -> None:
    if os.environ.get("TODOLINT_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_every_fixture_has_its_expected_files() -> None:
    assert FIXTURES == ["helmfile", "scripts", "skaffold", "two-todo-apps", "values-only"]
    for name in FIXTURES:
        for suffix in (".todolint.yaml", ".config.txt", ".config.json"):
            assert (INSTALLS / f"{name}{suffix}").is_file(), name + suffix


@pytest.mark.parametrize("name", FIXTURES)
def test_init_and_config_on_a_repository_that_installs_its_charts(run_cli: RunCli, tmp_path: Path, name: str) -> None:
    repo = _repository(tmp_path, name)
    done = run_cli("init", cwd=repo)
    assert (done.code, done.stderr) == (0, ""), done.stderr
    _golden(INSTALLS / f"{name}.todolint.yaml", (repo / ".todolint.yaml").read_text(encoding="utf-8"))
    shown = run_cli("config", *KUBE, cwd=repo)
    assert (shown.code, shown.stderr) == (0, "")
    _golden(INSTALLS / f"{name}.config.txt", shown.stdout)
    shown_json = run_cli("config", "--format", "json", *KUBE, cwd=repo)
    assert (shown_json.code, shown_json.stderr) == (0, "")
    _golden(INSTALLS / f"{name}.config.json", shown_json.stdout)

    # The config init wrote is read back: the repository lints with it, every target renders.
    linted = run_cli("--format", "json", *KUBE, ".", cwd=repo)
    assert linted.code in (0, 1), linted.stderr
    report = json.loads(linted.stdout)
    assert report["errors"] == []
    matrix = json.loads(shown_json.stdout)["targets"]
    assert [(t["chart"], t["env"], t["release"], t["namespace"]) for t in report["targets"]] == [
        (t["chart"], t["env"], t["release"], t["namespace"]) for t in matrix
    ]


def test_init_says_which_files_it_read(run_cli: RunCli, tmp_path: Path) -> None:
    said = {
        "scripts": "1 chart: todo-app (values-{env}.yaml; installed by Makefile, README.md, deploy.sh, "
        ".github/workflows/deploy.yml)",
        "two-todo-apps": "2 charts: todo-app (helm-chart) (values.yaml only), todo-app (helm/todo-app) "
        "(values-{env}.yaml; installed by scripts/deploy.sh)",
        "values-only": "1 chart: todo-api (values.yaml only; installed by README.md, deploy.ps1)",
    }
    for name, summary in said.items():
        done = run_cli("init", cwd=_repository(tmp_path, name))
        assert done.stdout == f"wrote .todolint.yaml: {summary}\n"


def test_init_never_overwrites_without_force(run_cli: RunCli, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "scripts")
    assert run_cli("init", cwd=repo).code == 0
    written = (repo / ".todolint.yaml").read_text()
    (repo / ".todolint.yaml").write_text(written + "fail-on: warning\n")
    again = run_cli("init", cwd=repo)
    assert (again.code, again.stdout) == (2, "")
    assert again.stderr == "todolint: error: .todolint.yaml: exists; `todolint init --force` overwrites it\n"
    assert (repo / ".todolint.yaml").read_text() == written + "fail-on: warning\n"
    assert run_cli("init", "--force", cwd=repo).code == 0
    assert (repo / ".todolint.yaml").read_text() == written


def test_a_setting_edited_by_hand_no_longer_names_the_command(run_cli: RunCli, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "scripts")
    assert run_cli("init", cwd=repo).code == 0
    config = repo / ".todolint.yaml"
    config.write_text(config.read_text().replace('release: "todo"', 'release: "todo-{env}"'))
    targets = json.loads(run_cli("config", "--format", "json", *KUBE, cwd=repo).stdout)["targets"]
    assert [t["from"]["release"] for t in targets] == [".todolint.yaml", ".todolint.yaml"]
    assert [t["from"]["namespace"] for t in targets] == [
        ".todolint.yaml (deploy.sh:13)",
        ".todolint.yaml (.github/workflows/deploy.yml:23)",
    ]


def test_two_charts_of_one_name_are_told_apart_in_every_report(run_cli: RunCli, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "two-todo-apps")
    assert run_cli("init", cwd=repo).code == 0
    names = ["todo-app (helm-chart)", "todo-app (helm/todo-app)"]
    report = json.loads(run_cli("--format", "json", *KUBE, ".", cwd=repo).stdout)
    assert sorted({t["chart"] for t in report["targets"]}) == names
    assert sorted({f["chart"] for f in report["findings"]}) == names
    sarif = json.loads(run_cli("--format", "sarif", *KUBE, ".", cwd=repo).stdout)
    results = sarif["runs"][0]["results"]
    assert sorted({r["properties"]["chart"] for r in results}) == names
    qualified = [
        place["fullyQualifiedName"]
        for r in results
        for location in r.get("locations", ())
        for place in location.get("logicalLocations", ())
    ]
    assert qualified and all(q.startswith((f"{names[0]}/", f"{names[1]}/")) for q in qualified)
    assert {q.startswith(f"{names[0]}/") for q in qualified} == {True, False}
    assert all(r["message"]["text"].startswith((names[0], names[1])) for r in results)
    text = run_cli("--format", "text", *KUBE, ".", cwd=repo).stdout
    headers = [line for line in text.splitlines() if line.startswith("todo-app")]
    assert headers == ["todo-app (helm-chart) (helm-chart)", "todo-app (helm/todo-app) (helm/todo-app)"]
    # The rules see each chart's own patterns: the folder entry's release, not the other chart's.
    by_chart = {(t["chart"], t["env"]): t["release"] for t in report["targets"]}
    assert by_chart[("todo-app (helm-chart)", "dev")] == "todo-app"
    assert by_chart[("todo-app (helm/todo-app)", "dev")] == "todo-app-dev"
