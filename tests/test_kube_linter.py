"""Conformance with a peer's own tests: kube-linter's fixtures for the checks the generic pack shares
with it (tests/peers/kube-linter, Apache-2.0), linted by the rule of the same name.

For each fixture todolint reports exactly the objects kube-linter's end-to-end test expects, no more and
no fewer, unless `expected.yaml` names a deliberate difference (and why); the differences kube-linter's
fixtures do not reach are small documents of their own, asserted here too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import ROOT
from todolint.cli import main
from todolint.contract import load_contract
from todolint.rules import all_rules

PEER = ROOT / "tests" / "peers" / "kube-linter"
EXPECTED: dict[str, Any] = yaml.safe_load((PEER / "expected.yaml").read_text(encoding="utf-8"))
RULES = {rule.name: rule for rule in all_rules(load_contract())}


@pytest.fixture(autouse=True)
def _own_cache_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _fixture(check: str) -> Path:
    found = sorted((PEER / "checks").glob(f"{check}.y*ml"))
    assert len(found) == 1, check
    return found[0]


def _lint(path: Path, rule: str) -> tuple[int, list[dict[str, Any]]]:
    args = [str(path), "--env", "dev", "--select", rule, "--format", "json", "--fail-on", "warning"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    report = json.loads(result.stdout)
    assert report["errors"] == []
    return result.exit_code, [f for f in report["findings"] if f["code"] == RULES[rule].code]


@pytest.mark.parametrize("check", sorted(EXPECTED["checks"]))
def test_same_objects_as_kube_linter(check: str) -> None:
    entry = EXPECTED["checks"][check]
    wanted = entry.get("todolint", entry["kube_linter"])
    code, findings = _lint(_fixture(check), check)
    assert sorted({f"{f['kind']}/{f['object']}" for f in findings}) == sorted(wanted["objects"])
    assert len(findings) == wanted.get("findings", wanted.get("reports"))
    assert code == 1  # warnings, with --fail-on warning: kube-linter's exit status 1 too
    assert all(f["severity"] == "warning" and f["line"] for f in findings)


def test_every_shared_check_has_its_fixture_and_a_rule() -> None:
    """Each generic rule named like a kube-linter check is held to that check's fixture."""
    fixtures = {path.name.split(".")[0] for path in (PEER / "checks").iterdir()}
    assert fixtures == set(EXPECTED["checks"])
    assert all(RULES[check].code.startswith("TL5") for check in fixtures)
    for entry in EXPECTED["checks"].values():
        if "todolint" in entry:
            assert entry["todolint"]["why"].strip()


def _document(case: dict[str, Any]) -> str:
    pod = dict(case.get("pod", {}))
    pod.setdefault("containers", [case.get("container", {"name": "app"})])
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "difference"},
        "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": {"metadata": {"labels": {"app": "x"}}}},
    }
    deployment["spec"]["template"]["spec"] = pod
    return yaml.safe_dump(deployment)


@pytest.mark.parametrize("case", EXPECTED["differences"], ids=lambda c: f"{c['rule']}: {c['case']}")
def test_deliberate_difference(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "difference.yaml"
    path.write_text(_document(case), encoding="utf-8")
    _code, findings = _lint(path, case["rule"])
    assert case["todolint"] in ("reports", "silent")
    assert [f["object"] for f in findings] == (["difference"] if case["todolint"] == "reports" else [])
    assert case["kube_linter"].split()[0] != case["todolint"].split()[0], "not a difference"
