"""`todolint init`'s guesses on layouts the end-to-end test (tests/test_precommit.py) does not cover,
and its refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import CHARTS, ROOT, RunCli


def _body(text: str) -> list[str]:
    """The settings of a written config, without its comments."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_namespace_per_environment_and_mixed_namings(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(CHARTS / "todo-backend", tmp_path / "api", ignore=shutil.ignore_patterns("values-*.yaml"))
    for env in ("qa", "prod"):
        (tmp_path / "api" / "env" / env).mkdir(parents=True)
        (tmp_path / "api" / "env" / env / "values.yaml").write_text(f"global:\n  namespace: shop-{env}\n")
    shutil.copytree(CHARTS / "todo-frontend", tmp_path / "web")  # values-{dev,staging,prod}.yaml
    done = run_cli("init", cwd=tmp_path)
    assert (done.code, done.stderr) == (0, "")
    assert (
        done.stdout
        == "wrote .todolint.yaml: 2 charts: todo-backend (env/{env}/values.yaml), todo-frontend (values-{env}.yaml)\n"
    )
    assert _body((tmp_path / ".todolint.yaml").read_text()) == [
        'environments: ["dev", "qa", "staging", "prod"]',
        'release: "{chart}-{env}"',
        'namespace: "todo-{env}"',
        "charts:",
        '  "todo-backend":  # api',
        '    namespace: "shop-{env}"  # from its values files',
        '    values: ["env/{env}/values.yaml"]',
        '  "todo-frontend":  # web',
        '    values: ["values-{env}.yaml"]',
    ]
    shown = run_cli("config", "--format", "json", cwd=tmp_path)
    assert shown.code == 0, shown.stderr


def test_init_refuses_to_shadow_or_overwrite(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(CHARTS / "todo-frontend", tmp_path / "charts" / "todo-frontend")
    (tmp_path / "pyproject.toml").write_text("[tool.todolint]\nselect = ['TL1']\n")
    refused = run_cli("init", cwd=tmp_path)
    assert (refused.code, refused.stdout) == (2, "")
    assert refused.stderr == (
        "todolint: error: pyproject.toml: holds [tool.todolint]; `todolint init --force` writes .todolint.yaml, "
        "which wins over it\n"
    )
    assert not (tmp_path / ".todolint.yaml").exists()
    assert run_cli("init", "--force", cwd=tmp_path).code == 0
    text = (tmp_path / ".todolint.yaml").read_text()
    # No path into this machine's site-packages: the file is committed and read on other machines.
    assert text.splitlines()[0] == (
        "# For editor completion: `todolint config --schema > .todolint.schema.json`, then make this line "
        "`# yaml-language-server: $schema=.todolint.schema.json`."
    )
    assert run_cli("init", cwd=tmp_path).code == 2
    assert (tmp_path / ".todolint.yaml").read_text() == text


def test_init_points_the_editor_at_a_schema_copy_in_the_repository(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(CHARTS / "todo-frontend", tmp_path / "charts" / "todo-frontend")
    schema = run_cli("config", "--schema", cwd=tmp_path)
    (tmp_path / ".todolint.schema.json").write_text(schema.stdout)
    assert run_cli("init", cwd=tmp_path).code == 0
    lines = (tmp_path / ".todolint.yaml").read_text().splitlines()
    assert lines[0] == "# yaml-language-server: $schema=.todolint.schema.json"
    assert json.loads(schema.stdout) == json.loads((ROOT / "todolint" / "config.schema.json").read_text())


def test_config_notes_a_chart_entry_that_names_no_chart(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    for name in ("todo-frontend", "todo-backend"):
        shutil.copytree(CHARTS / name, tmp_path / "charts" / name)
    (tmp_path / ".todolint.yaml").write_text(
        "charts:\n  todo-frontent:\n    release: web-{env}\n  todo-backend:\n    release: api-{env}\n"
        "  worker:\n    namespace: jobs\n"
    )
    shown = run_cli("config", cwd=tmp_path)
    assert shown.code == 0, shown.stderr
    assert shown.stdout.splitlines()[-3:] == [
        "",
        "note: .todolint.yaml: charts.todo-frontent: names no chart found here (did you mean 'todo-frontend'?)",
        "note: .todolint.yaml: charts.worker: names no chart found here (found: todo-backend, todo-frontend)",
    ]
    data = json.loads(run_cli("config", "--format", "json", cwd=tmp_path).stdout)
    assert data["notes"] == [line.removeprefix("note: .todolint.yaml: ") for line in shown.stdout.splitlines()[-2:]]
    # A path names only some charts: the other entries are not typos.
    assert "note:" not in run_cli("config", "charts/todo-backend", cwd=tmp_path).stdout


def _two_charts_named_todo_app(repo: Path) -> None:
    (repo / ".git").mkdir()
    for folder in ("helm/todo-app", "helm-chart"):
        shutil.copytree(CHARTS / "todo-backend", repo / folder, ignore=shutil.ignore_patterns("values-*.yaml"))
        chart_yaml = repo / folder / "Chart.yaml"
        chart_yaml.write_text(chart_yaml.read_text().replace("name: todo-backend", "name: todo-app"))


def test_charts_configured_by_folder_win_over_their_name(run_cli: RunCli, tmp_path: Path) -> None:
    _two_charts_named_todo_app(tmp_path)
    (tmp_path / ".todolint.yaml").write_text(
        'environments: [dev]\ncharts:\n  todo-app:\n    namespace: shared\n    release: "{chart}-x"\n'
        '  helm/todo-app:\n    release: "{chart}-{env}-new"\n  ./helm-chart/:\n    set: {"*": {old: true}}\n'
    )
    data = json.loads(run_cli("config", "--format", "json", cwd=tmp_path).stdout)
    assert [(t["chart"], t["release"], t["namespace"], t["set"], t["from"]["release"]) for t in data["targets"]] == [
        ("todo-app (helm-chart)", "todo-app-x", "shared", ["old"], ".todolint.yaml charts.todo-app"),
        ("todo-app (helm/todo-app)", "todo-app-dev-new", "shared", [], ".todolint.yaml charts.helm/todo-app"),
    ]
    assert data["notes"] == []


def test_a_chart_folder_key_is_relative_and_names_a_chart(run_cli: RunCli, tmp_path: Path) -> None:
    _two_charts_named_todo_app(tmp_path)
    for key in ("/abs/chart", "C:/charts/x", "helm\\todo-app"):
        (tmp_path / ".todolint.yaml").write_text(f"charts:\n  '{key}':\n    release: x\n")
        refused = run_cli("config", cwd=tmp_path)
        assert refused.code == 2
        assert refused.stderr == (
            f"todolint: error: .todolint.yaml: charts: {key!r}: not a chart key (a chart's name, or its "
            "folder relative to the config file with '/' between folders (never absolute, never a backslash))\n"
        )
    (tmp_path / ".todolint.yaml").write_text("charts:\n  helm/todo-ap:\n    release: x\n")
    shown = run_cli("config", cwd=tmp_path)
    assert shown.stdout.splitlines()[-1] == (
        "note: .todolint.yaml: charts.helm/todo-ap: names no chart folder found here (found: helm-chart, helm/todo-app)"
    )


def test_init_keys_two_charts_of_one_name_by_folder_and_reads_it_back(run_cli: RunCli, tmp_path: Path) -> None:
    _two_charts_named_todo_app(tmp_path)
    (tmp_path / "helm-chart" / "values-prod.yaml").write_text("replicaCount: 2\n")
    done = run_cli("init", cwd=tmp_path)
    assert done.stdout == (
        "wrote .todolint.yaml: 2 charts: todo-app (helm-chart) (values-{env}.yaml), "
        "todo-app (helm/todo-app) (values.yaml only)\n"
    )
    assert _body((tmp_path / ".todolint.yaml").read_text()) == [
        'environments: ["prod"]',
        'release: "{chart}-{env}"',
        'namespace: "todo-{env}"',
        "charts:",
        '  "helm-chart/":  # todo-app',
        '    values: ["values-{env}.yaml"]',
    ]
    data = json.loads(run_cli("config", "--format", "json", cwd=tmp_path).stdout)
    assert [(t["chart"], t["values"]) for t in data["targets"]] == [
        ("todo-app (helm-chart)", ["helm-chart/values-prod.yaml"]),
        ("todo-app (helm/todo-app)", []),
    ]


def test_values_production_is_environment_production(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(CHARTS / "todo-frontend", tmp_path / "web", ignore=shutil.ignore_patterns("values-*.yaml"))
    for env in ("dev", "production"):
        (tmp_path / "web" / f"values-{env}.yaml").write_text("replicaCount: 1\n")
    assert run_cli("init", cwd=tmp_path).code == 0
    assert _body((tmp_path / ".todolint.yaml").read_text())[0] == 'environments: ["dev", "production"]'
    # The config maps it when the team calls it prod.
    (tmp_path / ".todolint.yaml").write_text('environments: [prod]\nvalues:\n  prod: ["values-production.yaml"]\n')
    data = json.loads(run_cli("config", "--format", "json", cwd=tmp_path).stdout)
    assert [(t["env"], t["values"]) for t in data["targets"]] == [("prod", ["web/values-production.yaml"])]
