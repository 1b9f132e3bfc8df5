"""The contract rules on layouts other than ours (the generic pack, TL5xx, left out: tests/test_generic.py
and its fixtures hold it): the project charts with both renderers, a `helm create`
scaffold (nginx on port 80), an umbrella chart holding both apps, a backend with a bundled PostgreSQL, and
arbitrary object shapes (no rule may raise, whatever the YAML holds)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CHARTS, ENVS, RunCli
from todolint.contract import load_contract
from todolint.models import Manifest, Target
from todolint.rules import EnvContext, all_rules


def findings(run: Any) -> set[tuple[str, str, str, str]]:
    data = json.loads(run.stdout)
    return {(f["code"], f["kind"], f["object"], f["path"]) for f in data["findings"]}


def test_project_charts_are_clean_embedded(run_cli: RunCli) -> None:
    done = run_cli("--renderer", "embedded", "--format", "json", "--fail-on", "info", "charts/")
    data = json.loads(done.stdout)
    assert done.code == 0, done.stdout
    assert data["findings"] == []
    assert sorted({t["env"] for t in data["targets"]}) == sorted(ENVS)
    assert all(t["status"] == "ok" for t in data["targets"])


@pytest.mark.parametrize("major", ["v3", "v4"])
def test_project_charts_are_clean_with_helm(run_cli: RunCli, major: str, helm3: str, helm4: str) -> None:
    done = run_cli("--format", "json", "--fail-on", "info", "charts/", helm=helm3 if major == "v3" else helm4)
    data = json.loads(done.stdout)
    assert data["renderer"]["name"] == "helm"
    assert done.code == 0, done.stdout
    assert data["findings"] == []
    assert len(data["targets"]) == 6


def test_helm_create_scaffold(run_cli: RunCli, tmp_path: Path, helm3: str) -> None:
    """`helm create`: nginx on port 80, probes on `http`, no ConfigMap, no secrets; a test-hook Pod. The
    probes and the Service's targetPort name the container's port `http`, rightly: its number (80) is
    the one finding (TL220), not three more."""
    subprocess.run([helm3, "create", "todo-backend"], cwd=tmp_path, check=True, capture_output=True)
    done = run_cli(
        "--renderer", "embedded", "--env", "dev", "--format", "json", "--ignore", "TL5", str(tmp_path / "todo-backend")
    )
    assert done.code == 1, done.stderr
    containers = "spec.template.spec.containers[0]"
    deployment = ("Deployment", "todo-backend-dev")
    assert findings(done) == {
        ("TL370", "", "", ""),
        ("TL300", *deployment, "metadata.name"),
        ("TL301", *deployment, containers),
        ("TL310", *deployment, containers),
        ("TL220", *deployment, f"{containers}.ports"),
        ("TL203", *deployment, f"{containers}.livenessProbe"),
        ("TL202", *deployment, f"{containers}.livenessProbe.httpGet.path"),
        ("TL202", *deployment, f"{containers}.readinessProbe.httpGet.path"),
        ("TL231", "Service", "todo-backend-dev", "spec.ports"),
    }


def _umbrella(tmp_path: Path) -> Path:
    umbrella = tmp_path / "todo"
    for chart in ("todo-backend", "todo-frontend"):
        shutil.copytree(CHARTS / chart, umbrella / "charts" / chart)
    (umbrella / "Chart.yaml").write_text(
        'apiVersion: v2\nname: todo\nversion: 0.1.0\nappVersion: "1.0.0"\ndependencies:\n'
        "  - name: todo-backend\n    version: 0.1.0\n  - name: todo-frontend\n    version: 0.1.0\n",
        encoding="utf-8",
    )
    return umbrella


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
def test_umbrella_chart_recognises_both_apps(run_cli: RunCli, tmp_path: Path, renderer: str, helm4: str) -> None:
    """Both subcharts name their objects `{release}`: they collide, and the frontend URL names another release;
    the one release renders both apps (said once per app, on its Deployment: both are todo-dev)."""
    umbrella = _umbrella(tmp_path)
    done = run_cli(
        "--renderer", renderer, "--env", "dev", "--format", "json", "--ignore", "TL5", str(umbrella), helm=helm4
    )
    assert done.code == 1, done.stderr
    assert findings(done) == {
        ("TL125", "Deployment", "todo-dev", "metadata.name"),
        ("TL123", "ConfigMap", "todo-dev-config", "metadata.name"),
        ("TL123", "Deployment", "todo-dev", "metadata.name"),
        ("TL123", "Service", "todo-dev", "metadata.name"),
        ("TL123", "ServiceAccount", "todo-dev", "metadata.name"),
        ("TL123", "NetworkPolicy", "todo-dev", "metadata.name"),
        ("TL350", "ConfigMap", "todo-dev-config", "data.NEXT_PUBLIC_API_URL"),
    }
    # Recognised by subchart name: the frontend's ConfigMap is checked against the backend's Service.
    message = next(f["message"] for f in json.loads(done.stdout)["findings"] if f["code"] == "TL350")
    assert message == ("NEXT_PUBLIC_API_URL: expected 'http://todo-dev:8000', found 'http://todo-backend-dev:8000'")


def test_umbrella_with_other_subchart_names_is_recognised(run_cli: RunCli, tmp_path: Path) -> None:
    """Subcharts `api` and `web`: words of the apps (`apps.<app>.match`), so every object of each is the app's;
    the app-name label and selector are checked against the app, and the one release is said once per app."""
    umbrella = tmp_path / "todo-app"
    for chart, alias in (("todo-backend", "api"), ("todo-frontend", "web")):
        shutil.copytree(CHARTS / chart, umbrella / "charts" / alias)
        meta = umbrella / "charts" / alias / "Chart.yaml"
        meta.write_text(meta.read_text(encoding="utf-8").replace(f"name: {chart}", f"name: {alias}"), encoding="utf-8")
    (umbrella / "Chart.yaml").write_text('apiVersion: v2\nname: todo-app\nversion: 0.1.0\nappVersion: "1"\n')
    done = run_cli("--renderer", "embedded", "--env", "dev", "--format", "json", "--ignore", "TL5", str(umbrella))
    assert done.code == 1, done.stderr
    found = {(f["code"], f["file"].split("todo-app/")[1], f["path"]) for f in json.loads(done.stdout)["findings"]}
    name = '["app.kubernetes.io/name"]'
    expected = {
        ("TL350", "charts/web/values.yaml", "data.NEXT_PUBLIC_API_URL"),
        ("TL125", "charts/api/templates/deployment.yaml", "metadata.name"),
        ("TL125", "charts/web/templates/deployment.yaml", "metadata.name"),
    }
    # Each subchart's labels helper writes the app-name label of all its objects: one finding per helper
    # line, at the subchart's _helpers.tpl, the objects in `also`.
    for alias in ("api", "web"):
        helpers = f"charts/{alias}/templates/_helpers.tpl"
        expected |= {
            ("TL100", helpers, f"metadata.labels{name}"),
            ("TL110", helpers, f"spec.selector.matchLabels{name}"),
        }
    expected |= {
        ("TL123", f"charts/web/templates/{t}.yaml", "metadata.name")
        for t in ("configmap", "deployment", "service", "serviceaccount", "networkpolicy")
    }
    assert found == expected


LABELS = """\
    app.kubernetes.io/name: postgresql
    app.kubernetes.io/instance: {{ .Release.Name }}
    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    helm.sh/chart: {{ include "todo-backend.chart" . }}
"""
POSTGRES = f"""\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{{{ .Release.Name }}}}-postgresql
  labels:
{LABELS}spec:
  serviceName: {{{{ .Release.Name }}}}-postgresql
  selector:
    matchLabels:
      app.kubernetes.io/name: postgresql
      app.kubernetes.io/instance: {{{{ .Release.Name }}}}
  template:
    metadata:
      labels:
{LABELS.replace("    ", "        ")}    spec:
      containers:
        - name: postgresql
          image: bitnami/postgresql:16.4.0
          ports:
            - name: tcp-postgresql
              containerPort: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: {{{{ .Release.Name }}}}-postgresql
  labels:
{LABELS}spec:
  selector:
    app.kubernetes.io/name: postgresql
    app.kubernetes.io/instance: {{{{ .Release.Name }}}}
  ports:
    - name: tcp-postgresql
      port: 5432
      targetPort: tcp-postgresql
"""


def test_bundled_postgres_is_reported_and_not_taken_for_the_backend(run_cli: RunCli, tmp_path: Path) -> None:
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    (chart / "templates" / "postgresql.yaml").write_text(POSTGRES, encoding="utf-8")
    done = run_cli("--renderer", "embedded", "--env", "dev", "--format", "json", "--ignore", "TL5", str(chart))
    assert done.code == 1, done.stderr
    assert findings(done) == {
        ("TL320", "StatefulSet", "todo-backend-dev-postgresql", "spec.template.spec.containers[0].image"),
        ("TL321", "StatefulSet", "todo-backend-dev-postgresql", "kind"),
        ("TL322", "Service", "todo-backend-dev-postgresql", "spec.ports[0].port"),
    }


# --- any shape: no rule raises ------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "spec",
                    "template",
                    "metadata",
                    "labels",
                    "containers",
                    "ports",
                    "port",
                    "name",
                    "env",
                    "envFrom",
                    "selector",
                    "matchLabels",
                    "livenessProbe",
                    "readinessProbe",
                    "httpGet",
                    "replicas",
                    "data",
                    "volumes",
                    "secret",
                    "configMapRef",
                    "valueFrom",
                    "secretKeyRef",
                    "targetPort",
                    "image",
                    "app.kubernetes.io/name",
                    "namespace",
                    "scaleTargetRef",
                    "periodSeconds",
                    "DATABASE_URL",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=25,
)
_objects = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(["v1", "apps/v1", "autoscaling/v2", "networking.k8s.io/v1"]),
        "kind": st.sampled_from(
            [
                "Deployment",
                "Service",
                "ConfigMap",
                "Secret",
                "Pod",
                "CronJob",
                "StatefulSet",
                "Ingress",
                "HorizontalPodAutoscaler",
                "Namespace",
                "PersistentVolumeClaim",
            ]
        ),
    },
    optional={"metadata": _values, "spec": _values, "data": _values, "stringData": _values},
)
_CONTRACT = load_contract()
_RULES = [r for r in all_rules(_CONTRACT) if r.check is not None]


@settings(max_examples=150, deadline=None)
@given(st.lists(_objects, min_size=1, max_size=4), st.sampled_from(["todo-backend", "todo-frontend", "other"]))
def test_rules_never_raise_on_any_shape(objects: list[dict[str, Any]], chart: str) -> None:
    target = Target(chart=chart, chart_path="", env="dev", release=f"{chart}-dev", namespace="todo-dev")
    manifests = tuple(
        Manifest(target=target, source=f"{chart}/templates/x.yaml", file="x.yaml", obj=o, lines={}, index=i)
        for i, o in enumerate(objects)
    )
    ctx = EnvContext("dev", _CONTRACT, manifests, (target,))
    for rule in _RULES:
        assert rule.check is not None
        for hit in rule.check(ctx):
            assert isinstance(hit.message, str) and hit.message


def test_service_port_that_is_a_list_is_the_schema_finding_only(run_cli: RunCli) -> None:
    # Found by the fuzz run: a list as a Service port crashed the database-port rule (unhashable).
    stream = (
        "---\n# Source: db/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: db-dev\n"
        "spec:\n  ports:\n    - port: [5432]\n      targetPort: http\n"
    )
    done = run_cli("-", "--env", "dev", "--format", "json", "--select", "TL010,TL32", stdin=stream)
    assert done.code == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("TL010", "spec.ports[0].port", 9)]


def test_api_url_message_names_a_few_expected_urls_and_counts_the_rest(run_cli: RunCli) -> None:
    """A large stream renders a backend Service per release: the message names three URLs, not thousands."""
    fixture = (Path(__file__).parent / "rules" / "TL350" / "fail-diagram-name.yaml").read_text(encoding="utf-8")
    documents = fixture.split("\n---\n")
    service = next(d for d in documents if "kind: Service" in d)
    extra = [service.replace("name: todo-backend-dev\n", f"name: todo-backend-dev-{i}\n", 1) for i in range(1, 6)]
    stream = "\n---\n".join([*documents, *extra]) + "\n"
    done = run_cli("-", "--env", "dev", "--format", "json", "--select", "TL350", stdin=stream)
    assert done.code == 1, done.stderr
    messages = [f["message"] for f in json.loads(done.stdout)["findings"]]
    assert messages == [
        "NEXT_PUBLIC_API_URL: expected 'http://todo-backend-dev-1:8000' or 'http://todo-backend-dev-2:8000' or "
        "'http://todo-backend-dev-3:8000' or 3 more (one per todo-backend Service rendered), "
        "found 'http://todo-backend:8000'"
    ]


def test_named_ports_speak_for_themselves_when_container_port_is_ignored(run_cli: RunCli) -> None:
    """A probe or targetPort naming a container port of 80 is container-port's (TL220) one finding while
    TL220 counts; with TL220 ignored, nothing falls silent: each says what it reaches."""
    fixture = "tests/rules/TL220/fail-named-port-followed-by-probes-and-service.yaml"
    counted = run_cli(fixture, "--format", "json", "--ignore", "TL5")
    assert {f["code"] for f in json.loads(counted.stdout)["findings"]} == {"TL220"}
    ignored = run_cli(fixture, "--format", "json", "--ignore", "TL5,TL220")
    containers = "spec.template.spec.containers[0]"
    assert findings(ignored) == {
        ("TL202", "Deployment", "todo-backend-dev", f"{containers}.livenessProbe.httpGet.port"),
        ("TL202", "Deployment", "todo-backend-dev", f"{containers}.readinessProbe.httpGet.port"),
        ("TL233", "Service", "todo-backend-dev", "spec.ports[0].targetPort"),
    }
