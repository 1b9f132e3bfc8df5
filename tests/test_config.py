"""Configuration: where it is found, what it may say (JSON Schema), and command line > config > defaults."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, RunCli
from todolint.config import Config, find_config, load_config, severities_for
from todolint.contract import load_contract
from todolint.models import Severity
from todolint.rules import all_rules

INPUT = (ROOT / "tests" / "golden" / "input.yaml").read_text()
#: One warning only (a stale suppression), so that the fail level decides the exit code.
WARN_ONLY = INPUT[INPUT.index("# Source: todo-backend/templates/configmap.yaml") :].split("---")[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root: the upward search stops here
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "dev.yaml").write_text(INPUT)
    (tmp_path / "manifests" / "warn.yaml").write_text(WARN_ONLY)
    return tmp_path


def codes(stdout: str) -> list[tuple[str, str, bool]]:
    return [(f["code"], f["severity"], f["suppressed"]) for f in json.loads(stdout)["findings"]]


ALL = [
    ("TL090", "error", False),
    ("TL010", "error", True),
    ("TL010", "error", False),
    ("TL091", "warning", False),
    ("TL011", "warning", False),
]
LINT = ("manifests/dev.yaml", "--env", "dev", "--kube-version", "1.30", "--format", "json")


def test_no_config_means_defaults(run_cli: RunCli, project: Path) -> None:
    done = run_cli(*LINT, "--select", "TL0", cwd=project)
    assert (done.code, codes(done.stdout)) == (1, ALL)


def test_yaml_config_selects_ignores_and_sets_severity(run_cli: RunCli, project: Path) -> None:
    (project / ".todolint.yaml").write_text(
        "select: [TL0]\nignore: [suppression-without-reason]\nseverity:\n  TL01: info\n  schema-invalid: warning\n"
    )
    done = run_cli(*LINT, cwd=project)
    assert done.code == 0, done.stderr
    assert codes(done.stdout) == [
        ("TL010", "warning", True),
        ("TL010", "warning", False),
        ("TL091", "warning", False),
        ("TL011", "info", False),
    ]


def test_pyproject_table_found_from_a_subfolder(run_cli: RunCli, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.todolint]\nfail-on = "warning"\nselect = ["TL0"]\n'
    )
    done = run_cli("warn.yaml", *LINT[1:], cwd=project / "manifests")
    assert (done.code, codes(done.stdout)) == (1, [("TL091", "warning", False)])
    assert find_config(project / "manifests") == project / "pyproject.toml"


#: Every TOML spelling of a tool.todolint table, and pyproject files that only mention todolint.
TOML_TABLES = [
    ("[tool.todolint]\nselect = ['TL0']\n", True),
    ('[ "tool" . \'todolint\' ]\nselect = ["TL0"]\n', True),
    ("[[tool.todolint.exemptions]]\nreason = 'r'\n", True),
    ("[tool]\ntodolint.select = ['TL0']\n", True),
    ("[tool]\ntodolint = { select = ['TL0'] }\n", True),
    ("tool.todolint.select = ['TL0']\n", True),
    ("tool = { todolint = { select = ['TL0'] } }\n", True),
    ('[project]\nname = "todolint"\n[project.scripts]\ntodolint = "todolint.start:main"\n[tool.ruff]\n', False),
    ("[tool]\nruff.line-length = 120\n", False),
    ("# [tool.todolint] belongs here\n[tool.mypy]\nstrict = true\n", False),
]


@pytest.mark.parametrize(("text", "table"), TOML_TABLES)
def test_pyproject_tables_in_every_spelling(project: Path, text: str, table: bool) -> None:
    """Every TOML spelling of the table is found; a file that only mentions todolint is no config."""
    (project / "pyproject.toml").write_text(text)
    assert find_config(project / "manifests") == (project / "pyproject.toml" if table else None)


def test_yaml_wins_over_pyproject_and_search_stops_at_repository_root(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.todolint]\nselect = ['TL011']\n")
    (project / ".todolint.yaml").write_text("select: [TL010]\n")
    assert find_config(project / "manifests") == project / ".todolint.yaml"
    inner = project / "manifests"
    (inner / ".git").mkdir()
    assert find_config(inner) is None


def test_command_line_wins_over_config(run_cli: RunCli, project: Path) -> None:
    (project / ".todolint.yaml").write_text("select: [TL090]\nfail-on: warning\nkube-version: '1.25'\n")
    warn = ("manifests/warn.yaml", *LINT[1:])
    assert (run_cli(*warn, cwd=project).code, codes(run_cli(*warn, cwd=project).stdout)) == (0, [])
    done = run_cli(*warn, "--select", "TL091", cwd=project)
    assert (done.code, codes(done.stdout)) == (1, [("TL091", "warning", False)])
    done = run_cli(*warn, "--select", "TL091", "--fail-on", "error", cwd=project)
    assert (done.code, codes(done.stdout)) == (0, [("TL091", "warning", False)])
    assert json.loads(done.stdout)["kube_version"] == "1.30.0"
    assert json.loads(run_cli(*warn[:3], "--format", "json", cwd=project).stdout)["kube_version"] == "1.25.0"


def test_explicit_config_and_no_config(run_cli: RunCli, project: Path) -> None:
    (project / ".todolint.yaml").write_text("select: [TL090]\n")
    (project / "strict.yaml").write_text("select: [TL091]\n")
    assert codes(run_cli(*LINT, "--config", "strict.yaml", cwd=project).stdout) == [
        ("TL010", "error", True),
        ("TL010", "error", False),
        ("TL091", "warning", False),
        ("TL011", "warning", False),
    ]
    assert len(codes(run_cli(*LINT, "--no-config", "--select", "TL0", cwd=project).stdout)) == 5


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (".todolint.yaml", "fail_on: warning\n", ".todolint.yaml: unknown key 'fail_on' (did you mean 'fail-on'?)"),
        (
            ".todolint.yaml",
            "exemptions:\n  - chart: x\n    rule: [TL010]\n    reason: r\n",
            ".todolint.yaml: exemptions[0]: unknown key 'rule' (did you mean 'rules'?)",
        ),
        (".todolint.yaml", "exemptions:\n  - chart: x\n", ".todolint.yaml: exemptions[0]: 'reason' is a required"),
        (".todolint.yaml", "fail-on: fatal\n", ".todolint.yaml: fail-on: 'fatal' is not one of ['error', 'warning'"),
        (".todolint.yaml", "select: [TL9]\n", ".todolint.yaml: select: no rule matches 'TL9' (see `todolint rules`)"),
        (".todolint.yaml", "select: [\n", ".todolint.yaml:2: not valid YAML"),
        ("pyproject.toml", "[tool.todolint]\nbogus = 1\n", "pyproject.toml: [tool.todolint]: unknown key 'bogus'"),
    ],
)
def test_invalid_config_is_one_line_and_exit_2(
    run_cli: RunCli, project: Path, name: str, text: str, message: str
) -> None:
    (project / name).write_text(text)
    done = run_cli(*LINT, cwd=project)
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.startswith(f"todolint: error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1


def test_paths_in_config_are_relative_to_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "ci").mkdir()
    (project / "ci" / ".todolint.yaml").write_text("policies: [../policies]\nbaseline: base.json\ncontract: c.yaml\n")
    monkeypatch.chdir(project)
    config = load_config(project / "ci" / ".todolint.yaml")
    assert (config.policies, config.baseline, config.contract) == (("policies",), "ci/base.json", "ci/c.yaml")


def test_missing_policy_folder(run_cli: RunCli, project: Path) -> None:
    done = run_cli(*LINT, "--policies", "nope", cwd=project)
    assert (done.code, done.stderr) == (2, "todolint: error: nope: policy folder not found\n")


def test_severity_prefixes_resolve_to_codes() -> None:
    rules = all_rules(load_contract())
    got = severities_for(rules, {"TL0": Severity.INFO, "TL01": Severity.WARNING, "unknown-kind": Severity.ERROR})
    assert got["TL001"] == Severity.INFO
    assert got["TL010"] == Severity.WARNING
    assert got["TL011"] == Severity.ERROR


def test_schema_documents_every_config_field() -> None:
    from todolint.config import schema

    keys: dict[str, Any] = schema()["properties"]
    assert sorted(keys) == sorted(
        ["select", "ignore", "severity", "fail-on", "environments", "renderer", "kube-version", "contract",
         "policies", "baseline", "exemptions"]
    )  # fmt: skip
    assert Config().file is None


def _readme_block(section: str, language: str) -> str:
    text = (ROOT / "README.md").read_text()
    body = text[text.index(f"\n## {section}\n") :]
    start = body.index(f"```{language}\n") + len(language) + 4
    return body[start : body.index("```", start)]


def test_readme_config_examples_are_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".todolint.yaml").write_text(_readme_block("Configuration", "yaml"))
    config = load_config(tmp_path / ".todolint.yaml")
    assert (config.fail_on, config.renderer, config.kube_version) == (Severity.WARNING, "embedded", "1.31")
    assert [(e.chart, e.env, e.kind, e.rules) for e in config.exemptions] == [
        ("redis", "*", "*", ()),
        ("todo-backend", "dev", "Deployment", ("TL010",)),
    ]
    (tmp_path / "pyproject.toml").write_text(_readme_block("Configuration", "toml"))
    config = load_config(tmp_path / "pyproject.toml")
    assert (config.select, config.severities, config.exemptions[0].line) == (
        ("TL0", "TL1", "TL2"),
        {"TL011": Severity.INFO},
        6,
    )


def test_config_environments_and_renderer(run_cli: RunCli, project: Path) -> None:
    (project / ".todolint.yaml").write_text("environments: [staging]\nselect: [TL0]\n")
    done = run_cli("manifests/warn.yaml", "--format", "json", cwd=project)
    data = json.loads(done.stdout)
    assert [(f["code"], f["environments"]) for f in data["findings"]] == [("TL091", ["staging"])]
    assert [(t["env"], t["namespace"]) for t in data["targets"]] == [("staging", "todo-staging")]
    shutil.copytree(ROOT / "charts" / "todo-frontend", project / "chart")
    (project / ".todolint.yaml").write_text("renderer: helm\n")
    no_helm = run_cli("chart", cwd=project)
    assert no_helm.code == 2
    assert no_helm.stderr.startswith("todolint: error: ") and "helm" in no_helm.stderr
    assert run_cli("chart", "--renderer", "embedded", "--env", "dev", "--select", "TL0", cwd=project).code == 0
