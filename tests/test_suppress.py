"""Suppression with a reason: annotations on objects and pod templates, config exemptions, and the
findings about suppressions themselves (TL090 no reason, TL091 stale, TL092 not allowed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHARTS, RunCli
from todolint.models import Manifest, Severity, Target
from todolint.rules import Rule
from todolint.suppress import ANNOTATION, Entry, Suppressor, parse_annotation

ARGS = ("--env", "dev", "--select", "TL0", "--format", "json")


def deployment(object_annotation: str | None = None, pod_annotation: str | None = None, cpu: str = "[1]") -> str:
    """A pre-rendered Deployment whose cpu limit is a list (TL010 at line 21) unless `cpu` says otherwise."""

    def block(value: str | None, indent: str) -> str:
        if value is None:
            return ""
        return f"{indent}annotations:\n{indent}  todolint.io/ignore: {json.dumps(value)}\n"

    return (
        "# Source: todo-backend/templates/deployment.yaml\n"
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: todo-backend-dev\n" + block(object_annotation, "  ") + "spec:\n"
        "  selector:\n"
        "    matchLabels: {app: todo-backend}\n"
        "  template:\n"
        "    metadata:\n"
        "      labels: {app: todo-backend}\n" + block(pod_annotation, "      ") + "    spec:\n"
        "      containers:\n"
        "        - name: app\n"
        "          image: todo-backend:1.0.0\n"
        "          resources:\n"
        "            limits:\n"
        f"              cpu: {cpu}\n"
    )


def lint(run_cli: RunCli, text: str, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    done = run_cli("-", *ARGS, *extra, stdin=text)
    assert done.stderr == ""
    return done.code, json.loads(done.stdout)["findings"]


def brief(findings: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(f["code"], f["path"], f["line"], f["justification"]) for f in findings]


CPU = "spec.template.spec.containers[0].resources.limits.cpu"
OBJECT_ANNOTATION = 'metadata.annotations["todolint.io/ignore"]'
POD_ANNOTATION = 'spec.template.metadata.annotations["todolint.io/ignore"]'


def test_parse_annotation_entries() -> None:
    assert parse_annotation("TL203: TCP probe until v2; TL101, TL102: legacy\n\nschema-invalid:x; TL9") == [
        Entry(("TL203",), "TCP probe until v2", "TL203: TCP probe until v2"),
        Entry(("TL101", "TL102"), "legacy", "TL101, TL102: legacy"),
        Entry(("schema-invalid",), "x", "schema-invalid:x"),
        Entry(("TL9",), "", "TL9"),
    ]


def test_unsuppressed_finding(run_cli: RunCli) -> None:
    code, findings = lint(run_cli, deployment())
    assert code == 1
    assert brief(findings) == [("TL010", CPU, 18, None)]


def test_annotation_with_reason_suppresses_and_keeps_the_finding(run_cli: RunCli) -> None:
    code, findings = lint(run_cli, deployment(object_annotation="TL010: the platform sets cpu until v2"))
    assert code == 0
    assert brief(findings) == [("TL010", CPU, 20, "the platform sets cpu until v2")]
    assert findings[0]["suppressed"] is True


def test_pod_template_annotation_and_rule_name(run_cli: RunCli) -> None:
    code, findings = lint(run_cli, deployment(pod_annotation="TL011: none\nschema-invalid: legacy cpu list"))
    assert code == 0
    assert brief(findings) == [("TL091", POD_ANNOTATION, 13, None), ("TL010", CPU, 20, "legacy cpu list")]
    assert findings[0]["message"] == "entry 'TL011: none' matches no TL011 finding on this object; remove it"


def test_annotation_without_reason_is_a_finding_and_silences_nothing(run_cli: RunCli) -> None:
    code, findings = lint(run_cli, deployment(object_annotation="TL010"))
    assert code == 1
    assert brief(findings) == [("TL090", OBJECT_ANNOTATION, 7, None), ("TL010", CPU, 20, None)]
    assert findings[0]["message"] == "entry 'TL010' gives no reason: write 'TL010: why it is acceptable'"
    code, findings = lint(run_cli, deployment(object_annotation=": because"))
    assert brief(findings) == [("TL090", OBJECT_ANNOTATION, 7, None), ("TL010", CPU, 20, None)]


def test_stale_and_unknown_suppressions(run_cli: RunCli) -> None:
    code, findings = lint(run_cli, deployment(pod_annotation="TL010: was a list; TL099: typo", cpu='"1"'))
    assert code == 0  # stale is a warning
    # Both entries sit on one annotation line: one finding (todolint.group) that names both.
    assert brief(findings) == [("TL091", POD_ANNOTATION, 13, None)]
    assert [f["message"] for f in findings] == [
        "entry 'TL010: was a list' matches no TL010 finding on this object; remove it; "
        "entry 'TL099: typo' names TL099, which no rule defines"
    ]
    code, _ = lint(run_cli, deployment(pod_annotation="TL010: was a list", cpu='"1"'), "--fail-on", "warning")
    assert code == 1


def test_suppression_of_an_unselected_rule_is_not_stale() -> None:
    """`--select` narrows what runs: an annotation for a rule that did not run has not gone stale."""
    rule = Rule(
        code="TL500",
        name="demo",
        category="probes",
        severity=Severity.ERROR,
        summary="s",
        rationale="r",
        remediation="f",
        check=lambda ctx: (),
    )
    target = Target("todo-backend", "charts/todo-backend", "dev", "todo-backend-dev", "todo-dev")
    obj = {"kind": "Deployment", "metadata": {"name": "x", "annotations": {ANNOTATION: "TL500: demo"}}}
    manifest = Manifest(target, "t", "f.yaml", obj, {(): 1})
    for selected, stale in ((False, 0), (True, 1)):
        suppressor = Suppressor({"TL500": rule}, (), selected=lambda r, selected=selected: selected)
        assert suppressor.read([manifest]) == []
        assert len(suppressor.stale([target], [])) == stale


def test_rules_that_cannot_be_suppressed(run_cli: RunCli) -> None:
    code, findings = lint(run_cli, deployment(object_annotation="TL001: renders on my machine"))
    assert code == 1
    assert brief(findings) == [("TL092", OBJECT_ANNOTATION, 7, None), ("TL010", CPU, 20, None)]
    assert findings[0]["message"] == (
        "TL001 cannot be suppressed by an annotation (entry 'TL001: renders on my machine')"
    )


def test_sarif_carries_the_justification(run_cli: RunCli) -> None:
    done = run_cli(
        "-", "--env", "dev", "--select", "TL0", "--format", "sarif",
        stdin=deployment(object_annotation="TL010: the platform sets cpu until v2"),
    )  # fmt: skip
    (result,) = json.loads(done.stdout)["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "the platform sets cpu until v2"}
    ]


@pytest.fixture
def vendored(tmp_path: Path) -> Path:
    """Our charts plus a third-party chart (a copy of todo-frontend renamed) with a schema error in dev."""
    shutil.copytree(CHARTS, tmp_path / "charts")
    vendor = tmp_path / "vendor" / "cache"
    shutil.copytree(CHARTS / "todo-frontend", vendor)
    chart = vendor / "Chart.yaml"
    chart.write_text(chart.read_text().replace("name: todo-frontend", "name: vendor-cache"))
    values = vendor / "values-dev.yaml"
    values.write_text(values.read_text() + "resources:\n  limits:\n    cpu: [1]\n")
    return tmp_path


def test_config_exemption_silences_a_third_party_chart(run_cli: RunCli, vendored: Path) -> None:
    args = ("--renderer", "embedded", "--env", "dev", "--select", "TL0", "--format", "json", "charts", "vendor")
    before = run_cli(*args, cwd=vendored)
    assert before.code == 1
    assert [(f["code"], f["chart"], f["suppressed"]) for f in json.loads(before.stdout)["findings"]] == [
        ("TL010", "vendor-cache", False)
    ]
    (vendored / ".todolint.yaml").write_text(
        "exemptions:\n"
        "  - chart: vendor-*\n"
        "    reason: third-party chart, upstream issue 42\n"
        "  - chart: todo-frontend\n"
        "    kind: Ingress\n"
        "    rules: [TL010]\n"
        "    reason: no Ingress any more\n"
    )
    after = run_cli(*args, cwd=vendored)
    assert after.code == 0, after.stderr
    findings = json.loads(after.stdout)["findings"]
    assert [(f["code"], f["chart"], f["suppressed"], f["justification"]) for f in findings] == [
        ("TL091", "-", False, None),
        ("TL010", "vendor-cache", True, "third-party chart, upstream issue 42"),
    ]
    assert (findings[0]["file"], findings[0]["line"]) == (".todolint.yaml", 4)
    assert findings[1]["file"].startswith("vendor/cache/")
    assert findings[0]["message"] == (
        "config exemption (TL010; chart=todo-frontend, kind=Ingress) matches no finding; remove it"
    )
