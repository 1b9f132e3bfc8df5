"""App recognition and the contract settings that charts written by others need: the recognition order,
`{app}` in name patterns for an umbrella release, `pod_template_labels`, and one chart of the pair alone;
in process, `recognise_app` and what the rules know of a chart folder (`ChartFacts`)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CHARTS, ROOT, RunCli
from todolint.chart_facts import ChartFacts, read_chart_facts
from todolint.contract import default_contract_path, load_contract
from todolint.models import Manifest, Target
from todolint.rules import all_rules
from todolint.rules.apps import recognise_app
from todolint.rules.base import EnvContext

RULES = ROOT / "tests" / "rules"

DEPLOYMENT = """\
# Source: {chart}/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {object}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/component: {component}
    app.kubernetes.io/instance: {chart}-dev
    app.kubernetes.io/version: "1.0.0"
    app.kubernetes.io/managed-by: Helm
    helm.sh/chart: {chart}-0.1.0
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
      app.kubernetes.io/instance: {chart}-dev
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        app.kubernetes.io/instance: {chart}-dev
    spec:
      containers:
        - name: {container}
          image: {image}
"""

# Each level names the backend while every level after it names the frontend: the first one wins. The
# last case names no app anywhere.
LEVELS = {
    "chart": dict(
        chart="todo-api", name="web", component="ui", container="frontend", image="x/todo-web:1", object="ui"
    ),
    "name-label": dict(chart="stack", name="backend", component="ui", container="web", image="todo-web:1", object="ui"),
    "component-label": dict(chart="stack", name="stack", component="api", container="web", image="web:1", object="ui"),
    "container-name": dict(chart="stack", name="stack", component="x", container="api", image="web:1", object="ui"),
    "image": dict(chart="stack", name="stack", component="x", container="main", image="r.io/a/b-api:2", object="ui"),
    "object-name": dict(chart="stack", name="stack", component="x", container="main", image="nginx:1", object="s-api"),
    "none": dict(chart="stack", name="stack", component="x", container="main", image="nginx:1", object="worker"),
}


def lint(run_cli: RunCli, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    # App recognition is the contract rules' business: the generic pack (TL5xx) is left out.
    run = run_cli(
        *args, "--format", "json", "--fail-on", "info", "--ignore", "TL5", env={"HOME": str(tmp_path / "home")}
    )
    assert run.stderr == ""
    return run.code, json.loads(run.stdout)


def contract_with(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(default_contract_path().read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("level", list(LEVELS))
def test_recognition_order_first_match_wins(run_cli: RunCli, tmp_path: Path, level: str) -> None:
    case = LEVELS[level]
    stream = tmp_path / "stream.yaml"
    stream.write_text(DEPLOYMENT.format(**case), encoding="utf-8")
    _, report = lint(run_cli, tmp_path, str(stream), "--env", "dev", "--select", "TL100,TL124")
    about_name = [
        (f["code"], f["message"])
        for f in report["findings"]
        if f["path"] == 'metadata.labels["app.kubernetes.io/name"]' or f["code"] == "TL124"
    ]
    if level == "none":
        assert [code for code, _ in about_name] == ["TL124"]
    else:
        wrong = f"Deployment label app.kubernetes.io/name: expected 'todo-backend', found {case['name']!r}"
        assert about_name == [("TL100", wrong)]


def test_umbrella_names_apart_with_app(run_cli: RunCli, tmp_path: Path) -> None:
    """With {app} in the name patterns, an umbrella release's names are checked per app: only the umbrella
    findings stay (one per app), and a wrong name is told the name of its own app."""
    names = {"Deployment": "{release}-{app}", "Service": "{release}-{app}", "ConfigMap": "{release}-{app}-config"}
    contract = contract_with(tmp_path, names={**names, "Secret": "{release}-secrets"})
    fixture = RULES / "TL125" / "fail-umbrella-subcharts.yaml"
    _, report = lint(run_cli, tmp_path, str(fixture), "--env", "dev", "--contract", str(contract))
    assert [(f["code"], f["object"]) for f in report["findings"]] == [
        ("TL125", "todo-dev-todo-backend"),
        ("TL125", "todo-dev-todo-frontend"),
    ]

    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(
        re.sub(r"name: todo-dev-todo-frontend(?=\s)", "name: todo-dev", fixture.read_text(encoding="utf-8"))
    )
    _, report = lint(run_cli, tmp_path, str(renamed), "--env", "dev", "--contract", str(contract))
    assert sorted((f["code"], f["kind"], f["message"]) for f in report["findings"] if f["code"] != "TL125") == [
        ("TL120", "Deployment", "Deployment name: expected 'todo-dev-todo-frontend', found 'todo-dev'"),
        ("TL120", "Service", "Service name: expected 'todo-dev-todo-frontend', found 'todo-dev'"),
    ]
    assert [f["code"] for f in report["findings"]].count("TL125") == 2


def test_pod_template_labels_all(run_cli: RunCli, tmp_path: Path) -> None:
    """`pod_template_labels: all` asks the full set of the pod template: one finding listing what lacks."""
    fixture = RULES / "TL100" / "pass-pod-selector-labels.yaml"
    args = ["--chart", "todo-backend", "--env", "dev", "--release", "todo-backend-dev", "--namespace", "todo-dev"]
    contract = contract_with(tmp_path, pod_template_labels="all")
    _, report = lint(run_cli, tmp_path, str(fixture), *args, "--contract", str(contract))
    assert [(f["code"], f["path"], f["message"]) for f in report["findings"]] == [
        (
            "TL100",
            "spec.template.metadata.labels",
            "pod template labels: lacks app.kubernetes.io/version, app.kubernetes.io/managed-by 'Helm', helm.sh/chart",
        )
    ]


@pytest.mark.parametrize("chart", ["todo-backend", "todo-frontend"])
def test_one_chart_of_the_pair_alone(run_cli: RunCli, tmp_path: Path, chart: str) -> None:
    """The other app's absence is not an error: the backend alone is clean, the frontend alone only says
    that its API URL could not be checked (info)."""
    code, report = lint(run_cli, tmp_path, str(CHARTS / chart), "--renderer", "embedded")
    expected = [] if chart == "todo-backend" else ["TL351"] * 3
    assert [f["code"] for f in report["findings"]] == expected
    assert code == (0 if chart == "todo-backend" else 1)  # --fail-on info


# --- in process: recognition, and what the rules know of a chart -------------------------------------

CONTRACT = load_contract()


def _context(
    *objects: dict[str, Any], chart: str = "stack", path: str = "", charts: dict[str, ChartFacts] | None = None
) -> EnvContext:
    target = Target(chart=chart, chart_path=path or chart, env="dev", release=f"{chart}-dev", namespace="todo-dev")
    manifests = tuple(
        Manifest(target, f"{chart}/templates/{index}.yaml", f"{index}.yaml", obj, {(): 1}, index=index)
        for index, obj in enumerate(objects)
    )
    return EnvContext("dev", CONTRACT, manifests, (target,), charts=charts or {})


def _workload(kind: str, name: str, container: str, *, config: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"name": container, "image": "nginx:1"}
    if config:
        spec["envFrom"] = [{"configMapRef": {"name": config}}]
    pod = {"metadata": {"labels": {"tier": name}}, "spec": {"containers": [spec]}}
    return {"kind": kind, "metadata": {"name": name}, "spec": {"selector": {}, "template": pod}}


def test_recognise_app_by_names_then_by_what_the_object_serves() -> None:
    """A workload is recognised by its own names only; a ConfigMap or Service none of whose names says
    anything belongs to the app of the workloads that load or select it; a DeploymentConfig's pods are
    the generic rules', not a way to recognise it."""
    ctx = _context(
        _workload("Deployment", "main", "api", config="settings"),
        {"kind": "ConfigMap", "metadata": {"name": "settings"}},
        {"kind": "Service", "metadata": {"name": "front"}, "spec": {"selector": {"tier": "main"}}},
        _workload("DeploymentConfig", "legacy", "api"),
        {"kind": "ServiceAccount", "metadata": {"name": "runner"}},
    )
    deployment, config_map, service, legacy, account = ctx.manifests
    assert recognise_app(ctx, deployment) == "todo-backend"  # its container's name, `api`
    assert recognise_app(ctx, config_map) == "todo-backend"  # loaded by the backend's Deployment
    assert recognise_app(ctx, service) == "todo-backend"  # selects the backend's pods
    assert recognise_app(ctx, legacy) == "todo-backend"  # the one app its chart renders: not by its pods
    assert recognise_app(ctx, account) == "todo-backend"
    alone = _context(_workload("DeploymentConfig", "legacy", "api"))
    assert recognise_app(alone, alone.manifests[0]) is None


def test_chart_facts_are_read_once_as_helm_reads_them(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates" / "tests").mkdir(parents=True)
    (chart / "Chart.yaml").write_bytes(
        b"apiVersion: v2\r\nname: demo\r\nappVersion: 1.10\r\ndependencies:\r\n  - name: x\r\n"
    )
    (chart / "templates" / "deployment.yaml").write_text("")
    (chart / "templates" / "tests" / "test.yaml").write_text("")
    (chart / "templates" / "link.yaml").symlink_to("deployment.yaml")
    (chart / "templates" / "loop").symlink_to(".", target_is_directory=True)
    (chart / "charts" / "sub" / "templates").mkdir(parents=True)
    (chart / "charts" / "sub" / "Chart.yaml").write_text("name: [not, text\n")
    (chart / "charts" / "empty").mkdir()
    (chart / "charts" / "packaged.tgz").write_bytes(b"")
    os.mkfifo(chart / "charts" / "empty" / "Chart.yaml")  # read, it would block for ever

    facts = read_chart_facts(str(chart))
    assert facts.meta == {"apiVersion": "v2", "name": "demo", "appVersion": "1.10", "dependencies": [{"name": "x"}]}
    assert facts.lines == {
        ("apiVersion",): 1,
        ("name",): 2,
        ("appVersion",): 3,
        ("dependencies",): 4,
        ("dependencies", 0): 5,
    }
    assert facts.templates == ("deployment.yaml", "link.yaml", "tests/test.yaml")
    assert facts.has_template("tests/test.yaml") and not facts.has_template("tests")
    assert [(sub.folder, sub.path, dict(sub.meta)) for sub in facts.subcharts] == [
        ("empty", f"{chart.as_posix()}/charts/empty", {}),
        ("sub", f"{chart.as_posix()}/charts/sub", {}),
    ]
    assert facts.subchart("sub") is facts.subcharts[1] and facts.subchart("packaged.tgz") is None


def test_chart_rules_read_the_facts_not_the_disk() -> None:
    """The chart rules see what the context says of a chart (the engine reads it once), here a chart
    folder that does not exist at all."""
    facts = ChartFacts(
        path="nowhere",
        meta={"apiVersion": "v1", "name": "todo-backend", "version": "1.0", "appVersion": "1.0.0"},
        lines={("apiVersion",): 1, ("name",): 2, ("version",): 3},
        templates=("deployment.yaml",),
    )
    ctx = _context(chart="todo-backend", path="nowhere", charts={"nowhere": facts})
    rules = {rule.code: rule for rule in all_rules(CONTRACT)}
    found = [
        (code, hit.location.line if hit.location else None, hit.message)
        for code in ("TL370", "TL371")
        for hit in rules[code].check(ctx)  # type: ignore[misc]
    ]
    assert [(code, line) for code, line, _ in found] == [("TL370", 2), ("TL371", 1), ("TL371", 3)]
    assert found[0][2].startswith("chart todo-backend: expected templates ")
    assert list(rules["TL371"].check(_context(chart="todo-backend", path="nowhere"))) == []  # type: ignore[misc]
