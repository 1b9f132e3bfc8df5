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
        ["select", "ignore", "severity", "fail-on", "environments", "release", "namespace", "values", "set",
         "charts", "renderer", "kube-version", "contract", "policies", "baseline", "exemptions"]
    )  # fmt: skip
    assert Config().file is None


def _docs_block(language: str) -> str:
    body = (ROOT / "docs" / "configuration.md").read_text()
    start = body.index(f"```{language}\n") + len(language) + 4
    return body[start : body.index("```", start)]


def test_documented_config_examples_are_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".todolint.yaml").write_text(_docs_block("yaml"))
    config = load_config(tmp_path / ".todolint.yaml")
    assert (config.fail_on, config.renderer, config.kube_version) == (Severity.WARNING, "embedded", "1.31")
    assert [(e.chart, e.env, e.kind, e.rules) for e in config.exemptions] == [
        ("redis", "*", "*", ()),
        ("todo-backend", "dev", "Deployment", ("TL010",)),
    ]
    layout = config.layout
    assert (layout.every.release, layout.every.namespace, layout.charts["todo-frontend"].namespace) == (
        "{chart}-{env}",
        "todo-{env}",
        "web",
    )
    assert layout.every.values == {"*": (("values-{env}.yaml",), ("values/{env}.yaml",))}
    assert layout.every.set_values == {"*": ("image.pullPolicy=IfNotPresent",), "prod": ("replicaCount=2",)}
    (tmp_path / "pyproject.toml").write_text(_docs_block("toml"))
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


CHARTS_ARGS = ("charts", "--renderer", "embedded", "--format", "json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--select", "TL9999"), "--select: no rule matches 'TL9999' (see `todolint rules`)"),
        (("--ignore", "TL1OO"), "--ignore: no rule matches 'TL1OO' (did you mean 'TL100'?)"),
        (("--select", "TL0,probe"), "--select: no rule matches 'probe' (did you mean 'probes'?)"),
        (
            ("--env", "prd"),
            "--env prd: not an environment of the matrix (did you mean 'prod'? known: dev, staging, prod); "
            "to lint another, give its values files with -f",
        ),
        (
            ("--release", "{chart}-{stage}"),
            "--release: unknown placeholder {stage} in '{chart}-{stage}' (allowed: {chart}, {env})",
        ),
        (("--namespace", "ns-{}"), "--namespace: unknown placeholder {} in 'ns-{}' (allowed: {chart}, {env})"),
        (("--namespace", "ns-{env"), "--namespace: 'ns-{env': expected '}' before end of string"),
    ],
)
def test_command_line_typos_are_exit_2(run_cli: RunCli, args: tuple[str, ...], message: str) -> None:
    done = run_cli(*CHARTS_ARGS, *args)
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.startswith(f"todolint: error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("how", "args"),
    [
        ("the chart's own values file", ()),
        ("the command line's -f", ("-f", "todo-backend/values-prod.yaml")),
    ],
)
def test_an_environment_outside_the_matrix_is_linted_when_its_values_are_known(
    tmp_path: Path, run_cli: RunCli, how: str, args: tuple[str, ...]
) -> None:
    shutil.copytree(ROOT / "charts" / "todo-backend", tmp_path / "todo-backend")
    if not args:
        (tmp_path / "todo-backend" / "values-minikube.yaml").write_text("replicaCount: 5\n")
    done = run_cli("todo-backend", "--env", "minikube", *args, "--format", "json", cwd=tmp_path)
    found = json.loads(done.stdout)["findings"]
    if args:
        assert (done.code, found) == (0, []), done.stderr
    else:
        assert done.code == 1, done.stderr
        assert [(f["code"], f["environments"], f["kind"], f["object"], f["file"], f["line"]) for f in found] == [
            ("TL330", ["minikube"], "Deployment", "todo-backend-minikube", "todo-backend/values-minikube.yaml", 1)
        ]
    assert done.stderr == ""


def test_an_environment_outside_the_matrix_without_values_stays_an_error(tmp_path: Path, run_cli: RunCli) -> None:
    shutil.copytree(ROOT / "charts" / "todo-backend", tmp_path / "todo-backend")
    done = run_cli("todo-backend", "--env", "minikube", cwd=tmp_path)
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr == (
        "todolint: error: --env minikube: not an environment of the matrix (known: dev, staging, prod); "
        "to lint another, give its values files with -f\n"
    )


def test_categories_select_their_rules(run_cli: RunCli) -> None:
    done = run_cli("tests/golden/input.yaml", "--env", "dev", "--format", "json", "--select", "probes")
    assert done.code == 1, done.stderr
    # Render, parse and schema findings are always reported; of the rest, only the probe rules run.
    assert sorted({f["code"] for f in json.loads(done.stdout)["findings"]}) == ["TL010", "TL011", "TL200"]
    unselected = run_cli("tests/golden/input.yaml", "--env", "dev", "--format", "json")
    assert len({f["code"] for f in json.loads(unselected.stdout)["findings"]}) > 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("release: '{chart}-{stage}'\n", ".todolint.yaml: release: unknown placeholder {stage} in '{chart}-{stage}'"),
        (
            "charts:\n  web:\n    namespace: '{team}'\n",
            ".todolint.yaml: charts.web.namespace: unknown placeholder {team} in '{team}' (allowed: {chart}, {env})",
        ),
        ("values: ['values/{environment}.yaml']\n", ".todolint.yaml: values: unknown placeholder {environment}"),
        (
            "environments: [dev, prod]\nvalues:\n  prd: [prod.yaml]\n",
            ".todolint.yaml: values.prd: not an environment of the matrix (known: dev, prod, or '*' for every one)",
        ),
        (
            "set:\n  staging: {replicaCount: 2}\nenvironments: [dev]\n",
            ".todolint.yaml: set.staging: not an environment of the matrix (known: dev, or '*' for every one)",
        ),
        (
            "charts:\n  web:\n    relase: x\n",
            ".todolint.yaml: charts.web: unknown key 'relase' (did you mean 'release'?)",
        ),
        ("set:\n  dev: {a: [1]}\n", ".todolint.yaml: set.dev.a: [1] is not of type 'string', 'number', 'boolean'"),
    ],
)
def test_invalid_matrix_in_config_is_exit_2(run_cli: RunCli, project: Path, text: str, message: str) -> None:
    shutil.copytree(ROOT / "charts" / "todo-frontend", project / "chart")
    (project / ".todolint.yaml").write_text(text)
    done = run_cli("chart", "--renderer", "embedded", cwd=project)
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.startswith(f"todolint: error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1


def test_contract_with_unknown_placeholder_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    contract = tmp_path / "contract.yaml"
    text = (ROOT / "policies" / "contract.yaml").read_text()
    contract.write_text(text.replace('namespace: "todo-{env}"', 'namespace: "todo-{stage}"'))
    done = run_cli(*CHARTS_ARGS, "--contract", str(contract))
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr == (
        f"todolint: error: {contract}: namespace: unknown placeholder {{stage}} in 'todo-{{stage}}' "
        "(allowed: {chart}, {env})\n"
    )


MATRIX_CONFIG = """\
environments: [dev, prod]
release: "{chart}"
namespace: "shop-{env}"
values: ["values-{env}.yaml"]
set:
  "*": {image.pullPolicy: Always}
  prod: {replicaCount: 2, config.CORS_ORIGINS: "https://a.example,https://b.example", debug: false}
charts:
  todo-frontend:
    namespace: web
    values:
      prod: [missing.yaml, ["nope-{env}.yaml", values-staging.yaml]]
    set:
      dev: {replicaCount: 1}
"""


def _matrix(project: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> list[tuple[Any, ...]]:
    from todolint.app import Request, show_matrix

    monkeypatch.chdir(project)
    data = json.loads(show_matrix(Request(paths=("charts",), **options), "json"))
    return [
        (t["chart"], t["env"], t["release"], t["namespace"], t["values"], t["set"], tuple(t["from"].values()))
        for t in data["targets"]
    ]


def test_matrix_from_config_chart_entries_and_command_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "charts", project / "charts")
    (project / ".todolint.yaml").write_text(MATRIX_CONFIG)
    back, front = "charts/todo-backend/", "charts/todo-frontend/"
    # `todolint config` prints the --set keys, never their values.
    every = "image.pullPolicy"
    prod = ["replicaCount", "config.CORS_ORIGINS", "debug"]
    top = ".todolint.yaml"
    own = ".todolint.yaml charts.todo-frontend"
    assert _matrix(project, monkeypatch) == [
        ("todo-backend", "dev", "todo-backend", "shop-dev", [f"{back}values-dev.yaml"], [every], (top, top, top, top)),
        ("todo-backend", "prod", "todo-backend", "shop-prod", [f"{back}values-prod.yaml"], [every, *prod], (top,) * 4),
        (
            "todo-frontend", "dev", "todo-frontend", "web", [], [every, "replicaCount"],
            (top, own, own, f"{top} + {own}"),
        ),
        (
            "todo-frontend", "prod", "todo-frontend", "web", [f"{front}values-staging.yaml"], [every, *prod],
            (top, own, own, top),
        ),
    ]  # fmt: skip
    # The command line wins over the config (and adds its values files and --set after the config's).
    cli = _matrix(project, monkeypatch, environments=("prod",), release="r-{env}", namespace="n", set_values=("a=1",))
    assert [(*row[:4], row[5], row[6][:2]) for row in cli] == [
        ("todo-backend", "prod", "r-prod", "n", [every, *prod, "a"], ("command line", "command line")),
        ("todo-frontend", "prod", "r-prod", "n", [every, *prod, "a"], ("command line", "command line")),
    ]


def test_set_in_config_reaches_helm(run_cli: RunCli, project: Path) -> None:
    shutil.copytree(ROOT / "charts" / "todo-backend", project / "charts" / "todo-backend")
    (project / ".todolint.yaml").write_text("set:\n  prod: {replicaCount: 5}\n")
    done = run_cli("charts", "--renderer", "embedded", "--format", "json", cwd=project)
    assert done.code == 1, done.stderr
    found = [(f["code"], f["environments"], f["kind"], f["path"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [("TL330", ["prod"], "Deployment", "spec.replicas")]


def test_config_text_names_every_source(run_cli: RunCli, project: Path) -> None:
    shutil.copytree(ROOT / "charts", project / "charts")
    (project / ".todolint.yaml").write_text("charts:\n  todo-frontend: {namespace: web}\n")
    done = run_cli("config", "--env", "dev", "charts", cwd=project)
    assert (done.code, done.stderr) == (0, "")
    assert done.stdout.splitlines()[3:] == [
        "chart          env  release            namespace  values files                          set",
        "todo-backend   dev  todo-backend-dev   todo-dev   charts/todo-backend/values-dev.yaml   -",
        "todo-frontend  dev  todo-frontend-dev  web        charts/todo-frontend/values-dev.yaml  -",
        "",
        "chart folder          release from  namespace from                       values from  set from",
        "charts/todo-backend   contract      contract                             contract     -",
        "charts/todo-frontend  contract      .todolint.yaml charts.todo-frontend  contract     -",
    ]
    assert done.stdout.splitlines()[0] == "config: .todolint.yaml"


def test_rules_see_the_configured_namespaces(run_cli: RunCli, project: Path) -> None:
    """TL340 knows each environment's namespace from the config's entry for the chart, not the contract's."""
    chart = project / "charts" / "todo-backend"
    shutil.copytree(ROOT / "charts" / "todo-backend", chart)
    values = chart / "values-dev.yaml"
    values.write_text(values.read_text().replace("CORS_ORIGINS: ", "CORS_ORIGINS: http://web.api-prod.svc:3000 #"))
    (project / ".todolint.yaml").write_text("charts:\n  todo-backend: {namespace: 'api-{env}'}\n")
    done = run_cli("charts", "--renderer", "embedded", "--env", "dev", "--format", "json", cwd=project)
    found = [(f["code"], f["environments"], f["path"], f["message"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [
        (
            "TL340",
            ["dev"],
            "data.CORS_ORIGINS",
            "refers to namespace 'api-prod' of environment prod; expected only 'api-dev'",
        )
    ]
    assert done.code == 1
    (project / ".todolint.yaml").write_text("charts:\n  todo-backend: {namespace: 'api'}\n")  # one for all
    assert run_cli("charts", "--renderer", "embedded", "--env", "dev", cwd=project).code == 0
