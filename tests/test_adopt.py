"""The readers of install commands (todolint.adopt), one way of writing them at a time: what each command
line gives, what stays unknown, the bounds on what is read, and how commands become settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CHARTS, ROOT
from todolint.adopt import Said, chart_installs, find_installs, secret_key, template_apps
from todolint.adopt.declared import read_helmfile, read_skaffold
from todolint.adopt.envs import env_of_file, env_of_files, generalise
from todolint.adopt.make import read_makefile
from todolint.adopt.model import ENV, ROOT_ANCHOR, Install
from todolint.adopt.powershell import read_powershell
from todolint.adopt.scan import MAX_FILE_BYTES
from todolint.adopt.shell import Script, read_script
from todolint.adopt.workflows import read_workflow
from todolint.contract import load_contract
from todolint.discover import ChartRef

SCRIPT = Script(file="deploy.sh", source="script", folder="", bases=("",))


def _said(installs: list[Install]) -> list[tuple[object, ...]]:
    return [(i.line, i.release, i.chart, i.namespace, i.values, i.sets, i.env) for i in installs]


def test_shell_variables_defaults_continuations_and_a_loop() -> None:
    text = """#!/bin/bash
RELEASE=todo
NAMESPACE=${NAMESPACE:-todo}
CHART=./helm/todo-app
for env in dev prod; do
  helm upgrade --install "$RELEASE" "$CHART" \\
    --namespace "$NAMESPACE-$env" \\
    -f "$CHART/values-$env.yaml" --set image.tag="$(git rev-parse HEAD)" --set replicas=2
done
"""
    sets = (("image.tag", None), ("replicas", "2"))  # a value from a command substitution is unknown
    assert _said(read_script(text, SCRIPT)) == [
        (6, "todo", "./helm/todo-app", "todo-dev", ("./helm/todo-app/values-dev.yaml",), sets, "dev"),
        (6, "todo", "./helm/todo-app", "todo-prod", ("./helm/todo-app/values-prod.yaml",), sets, "prod"),
    ]


def test_shell_environment_argument_becomes_a_pattern_with_its_default_offered() -> None:
    text = 'ENVIRONMENT=${1:-dev}\nhelm upgrade --install todo-$ENVIRONMENT ./chart -n "todo-$ENVIRONMENT"\n'
    (install,) = read_script(text, SCRIPT)
    assert (install.release, install.namespace, install.env, install.env_choices) == (
        f"todo-{ENV}",
        f"todo-{ENV}",
        None,
        ("dev",),
    )


def test_shell_case_arms_functions_script_folder_and_what_is_no_install() -> None:
    text = """set -e
cd "$(dirname "$0")/.."
deploy() {
  local env=$1
  case "$env" in
    prod) ns=todo ;;
    *) ns="todo-$env" ;;
  esac
  helm upgrade --install "todo" ./chart --namespace "$ns" >/dev/null 2>&1
}
deploy prod
deploy dev
echo "helm install todo ./chart"
cat <<EOF
helm install from-a-heredoc ./chart
EOF
helm repo add bitnami https://charts.bitnami.com/bitnami
helm template ./chart --namespace x
"""
    installs = read_script(text, Script(file="ci/deploy.sh", source="script", folder="ci", bases=("", "ci")))
    assert [(i.line, i.release, i.namespace, i.bases) for i in installs] == [
        (9, "todo", "todo", ("",)),
        (9, "todo", "todo-dev", ("",)),
        (18, None, "x", ("",)),  # `helm template CHART`: the release is Helm's own default
    ]
    anchored = read_script('helm install todo "$(dirname "$0")/../chart"\n', SCRIPT)
    assert anchored[0].chart == f"{ROOT_ANCHOR}./../chart"


def test_powershell_backticks_params_and_foreach() -> None:
    text = """param(
    [string]$Environment = "dev"
)
$Release = 'todo'
foreach ($e in @("dev", "prod")) {
    helm upgrade --install "$Release-$e" ./chart `
        --namespace "todo-$e" `
        -f "./chart/values-$e.yaml"
}
helm upgrade --install $Release ./chart -n "todo-$Environment" --set "image.tag=$env:TAG" --set debug=true
"""
    installs = read_powershell(text, Script(file="deploy.ps1", source="script", folder="", bases=("",)))
    assert _said(installs) == [
        (6, "todo-dev", "./chart", "todo-dev", ("./chart/values-dev.yaml",), (), "dev"),
        (6, "todo-prod", "./chart", "todo-prod", ("./chart/values-prod.yaml",), (), "prod"),
        (10, "todo", "./chart", f"todo-{ENV}", (), (("debug", "true"),), None),
    ]
    assert installs[2].env_choices == ("dev",)
    joined = read_powershell(
        '$Chart = Join-Path $PSScriptRoot "helm/todo-app"\nhelm upgrade --install todo $Chart -n todo\n',
        Script(file="ops/deploy.ps1", source="script", folder="ops", bases=("", "ops")),
    )
    assert joined[0].chart == f"{ROOT_ANCHOR}ops/helm/todo-app"


def test_makefile_variables_targets_and_the_environment_make_is_given() -> None:
    text = """HELM ?= helm
CHART := deploy/chart
ENV ?= dev
NS = todo-$(ENV)

deploy: ## ENV=prod make deploy
\t$(HELM) upgrade --install todo $(CHART) \\
\t\t-n $(NS) -f $(CHART)/values-$(ENV).yaml

deploy-prod: ENV = prod
deploy-prod:
\t@helm upgrade --install todo $(CHART) -n $(NS) --set replicas=$$REPLICAS
"""
    installs = read_makefile(text, file="Makefile", folder="")
    assert [(i.line, i.namespace, i.values, i.sets, i.env, i.env_choices) for i in installs] == [
        (7, f"todo-{ENV}", (f"deploy/chart/values-{ENV}.yaml",), (), None, ("dev",)),
        (12, "todo-prod", (), (("replicas", None),), "prod", ()),
    ]


def test_workflow_matrix_env_inputs_and_secrets() -> None:
    text = """on:
  workflow_dispatch:
    inputs:
      environment: {type: choice, options: [staging, prod]}
env:
  CHART: ./chart
jobs:
  each:
    strategy:
      matrix:
        stage: [dev, prod]
    steps:
      - run: >-
          helm upgrade --install todo $CHART -n todo-${{ matrix.stage }}
          --set token=${{ secrets.TOKEN }}
  manual:
    environment: ${{ inputs.environment }}
    defaults:
      run:
        working-directory: deploy
    steps:
      - working-directory: deploy
        run: |
          helm upgrade --install todo ../chart -n "todo-${{ inputs.environment }}"
"""
    installs = read_workflow(text, file=".github/workflows/deploy.yml")
    assert [(i.line, i.namespace, i.sets, i.env, i.env_choices, i.bases) for i in installs] == [
        (14, "todo-dev", (("token", None),), "dev", (), ("",)),
        (14, "todo-prod", (("token", None),), "prod", (), ("",)),
        (24, f"todo-{ENV}", (), None, ("prod", "staging"), ("deploy",)),
    ]


def test_helmfile_one_install_per_environment_and_templates_unknown() -> None:
    text = """environments:
  dev: {}
  prod: {}
---
releases:
  - name: todo
    namespace: todo-{{ .Environment.Name }}
    chart: ../charts/todo
    values:
      - ../charts/todo/values-{{ .Environment.Name }}.yaml
      - {inline: true}
    set:
      - {name: image.tag, value: {{ requiredEnv "TAG" }}}
      - {name: replicas, value: "2"}
  - name: redis
    chart: bitnami/redis
"""
    installs = read_helmfile(text, file="deploy/helmfile.yaml")
    sets = (("image.tag", None), ("replicas", "2"))
    assert _said(installs)[:2] == [
        (6, "todo", "../charts/todo", "todo-dev", ("../charts/todo/values-dev.yaml",), sets, "dev"),
        (6, "todo", "../charts/todo", "todo-prod", ("../charts/todo/values-prod.yaml",), sets, "prod"),
    ]
    assert installs[0].bases == ("deploy",)


def test_skaffold_base_release_and_profiles() -> None:
    text = """apiVersion: skaffold/v2beta29
kind: Config
deploy:
  helm:
    releases:
      - name: todo
        chartPath: chart
        valuesFiles: [chart/values-dev.yaml]
        setValues: {debug: true}
profiles:
  - name: prod
    deploy:
      helm:
        releases:
          - name: todo
            chartPath: chart
            namespace: todo-prod
"""
    assert _said(read_skaffold(text, file="skaffold.yaml")) == [
        (6, "todo", "chart", None, ("chart/values-dev.yaml",), (("debug", "true"),), None),
        (15, "todo", "chart", "todo-prod", (), (), "prod"),
    ]


def test_docs_code_blocks_prompts_and_output(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "# App\n\n```console\n$ helm install todo ./chart \\\n    -n todo\nNAME: todo\n```\n\n"
        "```yaml\nrun: helm install not-a-command ./chart\n```\n\n"
        "```powershell\nhelm upgrade --install todo ./chart `\n  -n todo-ps\n```\n"
    )
    installs = find_installs(tmp_path)
    assert [(i.file, i.line, i.source, i.namespace) for i in installs] == [
        ("README.md", 4, "docs", "todo"),
        ("README.md", 14, "docs", "todo-ps"),
    ]


def test_what_is_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "deploy.sh").write_text("helm install outside ./chart\n")
    repo = tmp_path / "repo"
    for folder in ("node_modules/x", ".git", "scripts"):
        (repo / folder).mkdir(parents=True)
    (repo / "node_modules" / "x" / "deploy.sh").write_text("helm install vendored ./chart\n")
    (repo / "scripts" / "binary.sh").write_bytes(b"helm install binary ./chart\n\0")
    (repo / "scripts" / "huge.sh").write_text("helm install huge ./chart\n" + "#" * MAX_FILE_BYTES)
    (repo / "scripts" / "linked.sh").symlink_to(outside / "deploy.sh")
    os.symlink(outside, repo / "linked-folder")
    (repo / "scripts" / "deploy").write_text("#!/usr/bin/env bash\nhelm install shebang ./chart\n")
    (repo / "scripts" / "notes").write_text("helm install no-shebang ./chart\n")
    assert [i.release for i in find_installs(repo)] == ["shebang"]


@pytest.mark.parametrize(
    ("key", "value", "secret"),
    [
        ("backend.secretKey", "x", True),
        ("openai.apiKey", "x", True),
        ("db.password", "x", True),
        ("backend.env.DATABASE_URL", "x", True),
        ("auth.jwt", "x", True),
        ("config.url", "postgres://user:pass@db/app", True),
        ("image.tag", "1.0", False),
        ("replicaCount", "2", False),
        ("backend.env.LOG_LEVEL", "info", False),
    ],
)
def test_secret_keys_stay_out(key: str, value: str, secret: bool) -> None:
    assert secret_key(load_contract(None), key, value) is secret


def test_environments_in_values_file_names() -> None:
    assert [env_of_file(f) for f in ("values-production.yaml", "values.prod.yml", "values/qa.yaml")] == [
        "production",
        "prod",
        "qa",
    ]
    assert [env_of_file(f) for f in ("env/prod/values.yaml", "values-common.yaml", "values.yaml")] == [
        "prod",
        None,
        None,
    ]
    assert env_of_files(["values-common.yaml", "values-minikube.yaml"]) == "minikube"
    assert env_of_files(["values-prod.yaml", "values-eu.yaml"]) == "prod"
    assert generalise("todo-app-dev", env="dev", chart="todo-app") == "{chart}-{env}"
    assert generalise("devtools-dev", env="dev") == "devtools-{env}"


def test_apps_a_chart_s_templates_render() -> None:
    contract = load_contract(None)
    assert template_apps(ROOT / "tests" / "installs" / "scripts" / "helm" / "todo-app", contract) == (
        "todo-frontend",
        "todo-backend",
    )
    assert template_apps(ROOT / "tests" / "installs" / "skaffold" / "k8s" / "helm", contract) == (
        "todo-frontend",
        "todo-backend",
    )
    assert template_apps(CHARTS / "todo-backend", contract) == ("todo-backend",)
    assert template_apps(ROOT / "tests" / "installs" / "values-only" / "chart", contract) == ("todo-backend",)


def _chart(repo: Path, folder: str, *files: str) -> ChartRef:
    chart = repo / folder
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: todo\nversion: 0.1.0\n")
    for name in ("values.yaml", *files):
        (chart / name).write_text("{}\n")
    return ChartRef(path=str(chart), name="todo")


def test_an_environment_with_values_yaml_alone_is_kept(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "chart", "values-prod.yaml")
    (tmp_path / "deploy.sh").write_text(
        "helm upgrade --install todo ./chart -n todo-dev\n"
        "helm upgrade --install todo ./chart -n todo-prod -f chart/values-prod.yaml\n"
    )
    found = chart_installs(tmp_path, [chart], load_contract(None))[chart.path]
    assert found.environments == ("dev", "prod")
    assert [(e.values.value if e.values else None) for e in found.by_env.values()] == [(), ("values-prod.yaml",)]
    assert [e.namespace.origin for e in found.by_env.values() if e.namespace] == ["deploy.sh:1", "deploy.sh:2"]


def test_a_repository_with_values_yaml_only_has_one_environment(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "chart")
    (tmp_path / "README.md").write_text("```sh\nhelm install todo ./chart --namespace todo\n```\n")
    found = chart_installs(tmp_path, [chart], load_contract(None))[chart.path]
    assert found.environments == ("default",)
    default = found.by_env["default"]
    assert (default.release, default.namespace, default.values) == (
        Said("todo", "README.md:2"),
        Said("todo", "README.md:2"),
        None,  # a command for every environment with no -f says nothing about values files
    )


def test_commands_for_other_charts_or_from_nowhere_are_not_matched(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "helm/todo", "values-dev.yaml")
    (tmp_path / "deploy.sh").write_text(
        "helm install db bitnami/postgresql -n todo-dev\n"
        "helm install x oci://registry/todo -n todo-dev\n"
        "cd helm && helm install todo ./todo -n todo-dev\n"
    )
    found = chart_installs(tmp_path, [chart], load_contract(None))[chart.path]
    assert found.origins == ("deploy.sh:3",)


def test_hostile_scripts_cost_little_and_break_nothing(tmp_path: Path) -> None:
    doubling = "A=x\n" + "A=$A$A\n" * 60 + 'helm install "$A" ./chart -n todo\n'
    (tmp_path / "double.sh").write_text(doubling)
    (tmp_path / "nested.sh").write_text("helm install ${a:-" * 20_000 + "x" + "}" * 20_000 + " ./chart\n")
    (tmp_path / "Makefile").write_text("A = $(A)$(A)\nB = $(B)\nx:\n\thelm install $(A) ./chart -n $(B)\n")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "loop.yml").write_text(
        "env: {A: '${{ env.B }}', B: '${{ env.A }}'}\njobs:\n  x:\n    steps:\n"
        "      - run: helm install todo ./chart -n ${{ env.A }}\n"
    )
    (tmp_path / "helmfile.yaml").write_text("a: &a [*a, *a]\nreleases: *a\n")
    installs = find_installs(tmp_path)
    assert sorted((i.file, i.release, i.namespace) for i in installs) == [
        (".github/workflows/loop.yml", "todo", None),
        ("Makefile", None, None),
        ("double.sh", None, "todo"),
        ("nested.sh", None, None),
    ]
