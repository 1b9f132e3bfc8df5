"""The generic pack (TL5xx) as a whole: what `todolint rules` says of it, selection by category and
name, one finding where a contract rule sees the same thing, nothing against the contract, and the
project's own charts passing it with both renderers in every environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENVS, ROOT, RunCli, require_helm

FIXTURES = ROOT / "tests" / "rules"
PEER = ROOT / "tests" / "peers" / "kube-linter" / "checks"
#: The issue's table: every rule of the pack, by name.
PACK = {
    "latest-tag",
    "unset-cpu-requirements",
    "unset-memory-requirements",
    "run-as-non-root",
    "privilege-escalation-container",
    "privileged-container",
    "host-network",
    "host-pid",
    "host-ipc",
    "host-port",
    "host-path",
    "sensitive-host-mounts",
    "no-read-only-root-fs",
    "dangerous-capabilities",
    "drop-net-raw-capability",
    "unsafe-proc-mount",
    "unsafe-sysctls",
    "docker-sock",
    "ssh-port",
    "privileged-ports",
    "duplicate-env-var",
    "naked-pod",
    "non-isolated-pod",
    "default-service-account",
}
CATEGORIES = {"security", "resources", "images", "network", "workloads"}


def _json(run_cli: RunCli, *args: str, helm: str | None = None) -> tuple[int, dict[str, Any]]:
    done = run_cli(*args, "--format", "json", helm=helm)
    assert "Traceback" not in done.stderr
    return done.code, json.loads(done.stdout)


def test_rules_lists_the_pack_with_docs(run_cli: RunCli) -> None:
    done = run_cli("rules", "--format", "json")
    assert done.code == 0
    pack = {rule["name"]: rule for rule in json.loads(done.stdout) if rule["code"].startswith("TL5")}
    assert set(pack) == PACK
    for rule in pack.values():
        assert rule["category"] in CATEGORIES, rule["name"]
        assert rule["severity"] == "warning", rule["name"]
        assert rule["summary"] and rule["rationale"] and rule["remediation"], rule["name"]
        assert f"expect: {rule['code']}" in rule["example"], rule["name"]
    explained = run_cli("explain", "latest-tag")
    assert explained.code == 0
    assert explained.stdout.startswith("TL500 latest-tag\n")


def test_contract_env_and_pull_policy_raise_no_generic_finding(run_cli: RunCli) -> None:
    """Checkov's CKV_K8S_35 (secretKeyRef) and imagePullPolicy Always are not copied: the contract
    mandates secretKeyRef env vars, and Minikube's local images need IfNotPresent."""
    fixture = FIXTURES / "TL500" / "pass.yaml"
    text = fixture.read_text(encoding="utf-8")
    assert text.count("secretKeyRef:") == 4 and "imagePullPolicy: IfNotPresent" in text
    code, report = _json(run_cli, str(fixture), "--env", "dev", "--fail-on", "info")
    assert (code, report["findings"], report["errors"]) == (0, [], [])


@pytest.mark.parametrize("renderer", ["embedded", "helm3", "helm4"])
def test_project_charts_pass_the_pack(run_cli: RunCli, renderer: str) -> None:
    helm = require_helm(renderer[-2:].replace("m", "v")) if renderer != "embedded" else None
    args = ["charts", "--fail-on", "info", "--renderer", "helm" if helm else "embedded", "--no-cache"]
    code, report = _json(run_cli, *args, helm=helm)
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    assert sorted((t["chart"], t["env"]) for t in report["targets"]) == sorted(
        (chart, env) for chart in ("todo-backend", "todo-frontend") for env in ENVS
    )
    kinds = {obj.split("/")[0] for t in report["targets"] for obj in t["objects"]}
    assert {"NetworkPolicy", "ServiceAccount", "Deployment"} <= kinds


def test_select_by_category(run_cli: RunCli) -> None:
    _code, report = _json(run_cli, str(PEER / "docker-sock.yml"), "--env", "dev", "--select", "security")
    codes = {f["code"] for f in report["findings"] if not f["code"].startswith("TL0")}
    assert codes == {"TL520", "TL521", "TL523", "TL525", "TL534", "TL536", "TL538"}
    assert {f["category"] for f in report["findings"] if f["code"] in codes} == {"security"}


def test_ignore_by_name(run_cli: RunCli) -> None:
    fixture = str(FIXTURES / "TL500" / "fail-latest.yaml")
    _code, report = _json(run_cli, fixture, "--env", "dev", "--ignore", "latest-tag")
    assert report["findings"] == []
    _code, report = _json(run_cli, fixture, "--env", "dev", "--select", "images")
    assert [f["code"] for f in report["findings"]] == ["TL500"]


@pytest.mark.parametrize(
    ("option", "value", "hint"),
    [("--select", "secuirty", "'security'"), ("--ignore", "latest-tags", "'latest-tag'"), ("--select", "qqqq", None)],
)
def test_unknown_selector_is_exit_2(run_cli: RunCli, option: str, value: str, hint: str | None) -> None:
    done = run_cli(str(FIXTURES / "TL500" / "pass.yaml"), "--env", "dev", option, value)
    assert done.code == 2
    tail = f"did you mean {hint}?" if hint else "see `todolint rules`"
    assert done.stderr == f"todolint: error: {option}: no rule matches {value!r} ({tail})\n"


def test_one_finding_where_a_contract_rule_sees_the_same_port(run_cli: RunCli) -> None:
    """Port 80 on the app container is container-port's (TL220); privileged-ports (TL542) says it only
    where TL220 does not run, and always on the sidecar."""
    fixture = str(FIXTURES / "TL542" / "fail-app-port-80.yaml")

    def privileged(*args: str) -> list[str]:
        _code, report = _json(run_cli, fixture, "--env", "dev", *args)
        return [f["path"] for f in report["findings"] if f["code"] == "TL542"]

    sidecar = "spec.template.spec.containers[1].ports[0].containerPort"
    app = "spec.template.spec.containers[0].ports[0].containerPort"
    assert privileged() == [sidecar]
    assert privileged("--ignore", "container-port") == [app, sidecar]


def test_policy_hits_every_container_and_any_app(tmp_path: Path, run_cli: RunCli) -> None:
    """Init containers and a CronJob of a chart that is no contract app are linted too."""
    manifest = tmp_path / "cron.yaml"
    manifest.write_text(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cleanup}\nspec:\n  schedule: '@daily'\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n"
        "          initContainers: [{name: wait, image: 'busybox'}]\n"
        "          containers: [{name: run, image: 'busybox:1.36'}]\n",
        encoding="utf-8",
    )
    _code, report = _json(run_cli, str(manifest), "--env", "dev", "--select", "latest-tag")
    assert [(f["path"], f["line"]) for f in report["findings"]] == [
        ("spec.jobTemplate.spec.template.spec.initContainers[0].image", 11)
    ]


def test_one_finding_where_the_secret_rules_see_the_same_env_entry(run_cli: RunCli) -> None:
    """A second DATABASE_URL with a literal value is TL310's (and TL312's) finding, not a duplicate's."""
    fixture = str(FIXTURES / "TL550" / "fail-secret-twice.yaml")

    def duplicates(*args: str) -> list[str]:
        header = ["--chart", "todo-backend", "--release", "todo-backend-dev", "--namespace", "todo-dev"]
        _code, report = _json(run_cli, fixture, "--env", "dev", *header, *args)
        return [f["path"] for f in report["findings"] if f["code"] == "TL550"]

    log_level = "spec.template.spec.containers[0].env[1].name"
    assert duplicates() == [log_level]
    assert duplicates("--ignore", "TL310", "--ignore", "TL312") == [
        log_level,
        "spec.template.spec.containers[0].env[6].name",
    ]


@pytest.mark.parametrize(
    ("pod_selector", "namespace", "isolated"),
    [
        ({}, "todo-dev", True),  # an empty selector selects every pod of its namespace
        ({"matchLabels": {"app": "api"}}, "todo-dev", True),
        ({"matchLabels": {"app": "api", "tier": "web"}}, "todo-dev", False),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["api", "web"]}]}, "todo-dev", True),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api"]}]}, "todo-dev", False),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, "todo-dev", True),
        ({"matchExpressions": [{"key": "app", "operator": "Sideways"}]}, "todo-dev", False),
        ({}, "todo-prod", False),  # another namespace's policy isolates nothing here
    ],
)
def test_non_isolated_pod_reads_label_selectors(
    tmp_path: Path, run_cli: RunCli, pod_selector: dict[str, Any], namespace: str, isolated: bool
) -> None:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": namespace},
        "spec": {"podSelector": pod_selector},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "todo-dev"},
        "spec": {
            "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api"}]}},
        },
    }
    manifest = tmp_path / "objects.yaml"
    manifest.write_text(json.dumps(policy) + "\n---\n" + json.dumps(deployment) + "\n", encoding="utf-8")
    _code, report = _json(run_cli, str(manifest), "--env", "dev", "--select", "non-isolated-pod")
    found = [(f["kind"], f["object"], f["path"]) for f in report["findings"] if f["code"] == "TL540"]
    assert found == ([] if isolated else [("Deployment", "api", "spec.template.metadata.labels")])
