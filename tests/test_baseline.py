"""Baselines: record today's findings, then fail only on new ones; line shifts do not make a finding new."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import CHARTS, ROOT, RunCli
from tests.test_suppress import deployment

ARGS = ("--env", "dev", "--select", "TL0", "--format", "json")


def active(stdout: str) -> list[tuple[str, str, int]]:
    return [(f["code"], f["path"], f["line"]) for f in json.loads(stdout)["findings"] if not f["suppressed"]]


def all_findings(stdout: str) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(stdout)["findings"]
    return findings


CPU = "spec.template.spec.containers[0].resources.limits.cpu"


def test_baseline_of_pre_rendered_input(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(deployment())
    assert run_cli("app.yaml", *ARGS, cwd=tmp_path).code == 1

    wrote = run_cli("app.yaml", *ARGS, "--write-baseline", "base.json", cwd=tmp_path)
    # One line says what was recorded where; no report goes to stdout beside it.
    assert (wrote.code, wrote.stdout, wrote.stderr) == (0, "", "todolint: recorded 1 finding in base.json\n")
    text = run_cli("app.yaml", "--env", "dev", "--select", "TL0", "--write-baseline", "text.json", cwd=tmp_path)
    assert (text.code, text.stdout, text.stderr) == (0, "", "todolint: recorded 1 finding in text.json\n")
    recorded = json.loads((tmp_path / "base.json").read_text())
    assert [(e["code"], e["kind"], e["object"], e["path"]) for e in recorded["findings"]] == [
        ("TL010", "Deployment", "todo-backend-dev", CPU)
    ]
    assert "line" not in recorded["findings"][0]

    passed = run_cli("app.yaml", *ARGS, "--baseline", "base.json", cwd=tmp_path)
    assert (passed.code, active(passed.stdout)) == (0, [])
    (kept,) = all_findings(passed.stdout)
    assert (kept["code"], kept["justification"]) == ("TL010", "baseline: base.json")

    # Lines move: the same finding is still known.
    manifest.write_text(deployment().replace("kind: Deployment\n", "kind: Deployment\n# moved\n# down\n"))
    assert run_cli("app.yaml", *ARGS, "--baseline", "base.json", cwd=tmp_path).code == 0

    # A new violation fails again, and only it is reported.
    manifest.write_text(deployment().replace("cpu: [1]", "cpu: [1]\n              memory: [1]"))
    failed = run_cli("app.yaml", *ARGS, "--baseline", "base.json", cwd=tmp_path)
    assert (failed.code, active(failed.stdout)) == (1, [("TL010", CPU.replace("cpu", "memory"), 19)])
    text = run_cli("app.yaml", "--env", "dev", "--select", "TL0", "--baseline", "base.json", cwd=tmp_path).stdout
    assert "limits.memory" in text and "limits.cpu" not in text
    assert "1 error, 0 warning, 0 info · 1 suppressed" in text


def test_baseline_of_charts(run_cli: RunCli, tmp_path: Path) -> None:
    """The acceptance path on real renders: failing → baseline → passing → new violation → failing."""
    shutil.copytree(CHARTS, tmp_path / "charts")
    prod = tmp_path / "charts/todo-backend/values-prod.yaml"
    prod.write_text(prod.read_text().replace('cpu: "1"', "cpu: [1]"))
    lint = ("--renderer", "embedded", "--env", "dev", "--env", "prod", "--select", "TL0", "--format", "json", "charts")
    assert run_cli(*lint, cwd=tmp_path).code == 1
    assert run_cli(*lint, "--write-baseline", ".todolint-baseline.json", cwd=tmp_path).code == 0
    (tmp_path / ".todolint.yaml").write_text("baseline: .todolint-baseline.json\n")
    passed = run_cli(*lint, cwd=tmp_path)
    assert (passed.code, active(passed.stdout)) == (0, [])
    dev = tmp_path / "charts/todo-frontend/values-dev.yaml"
    dev.write_text(dev.read_text() + "resources:\n  limits:\n    memory: [1]\n")
    failed = run_cli(*lint, cwd=tmp_path)
    assert failed.code == 1
    assert [(f["chart"], f["environments"], f["path"]) for f in all_findings(failed.stdout) if not f["suppressed"]] == [
        ("todo-frontend", ["dev"], CPU.replace("cpu", "memory"))
    ]


def test_unreadable_baseline_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(deployment())
    missing = run_cli("app.yaml", *ARGS, "--baseline", "nope.json", cwd=tmp_path)
    assert (missing.code, missing.stderr) == (
        2,
        "todolint: error: nope.json: baseline file not found (create it with --write-baseline)\n",
    )
    (tmp_path / "bad.json").write_text('{"version": 7}')
    bad = run_cli("app.yaml", *ARGS, "--baseline", "bad.json", cwd=tmp_path)
    assert (bad.code, bad.stderr) == (2, "todolint: error: bad.json: not a todolint baseline (version 2)\n")


def test_a_grouped_finding_stays_recorded_when_its_first_place_is_fixed(run_cli: RunCli, tmp_path: Path) -> None:
    """One `_helpers.tpl` line gives TL100 in four places, one finding reported on the first (the
    ConfigMap). The ConfigMap then gets its own right name label: the finding is now reported on the
    Deployment, which the baseline recorded with it, so it is still not new."""
    chart = tmp_path / "todo-web"
    shutil.copytree(ROOT / "tests" / "thirdparty" / "charts" / "todo-web", chart)
    lint = ("todo-web", "--renderer", "embedded", "--select", "TL100", "--format", "json")
    wrote = run_cli(*lint, "--write-baseline", "base.json", cwd=tmp_path)
    assert wrote.code == 0
    [entry] = json.loads((tmp_path / "base.json").read_text())["findings"]
    assert (entry["kind"], entry["object"], len(entry["also"])) == ("ConfigMap", "{release}-config", 3)
    configmap = chart / "templates" / "configmap.yaml"
    configmap.write_text(
        configmap.read_text().replace(
            '{{- include "todo-web.labels" . | nindent 4 }}',
            "app.kubernetes.io/name: todo-frontend\n"
            "    app.kubernetes.io/instance: {{ .Release.Name }}\n"
            "    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}\n"
            "    app.kubernetes.io/managed-by: {{ .Release.Service }}\n"
            '    helm.sh/chart: {{ include "todo-web.chart" . }}',
        )
    )
    again = run_cli(*lint, "--baseline", "base.json", cwd=tmp_path)
    [finding] = json.loads(again.stdout)["findings"]
    assert (finding["kind"], finding["object"], len(finding["also"])) == ("Deployment", "{release}", 2)
    assert (again.code, finding["justification"]) == (0, "baseline: base.json")
