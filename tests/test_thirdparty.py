"""Charts written the ways people write them, for the same Todo app: `helm create` scaffolding, umbrella
charts with and without subcharts, renamed apps, shared ConfigMaps, hook Jobs, an in-chart database.

Each chart under tests/thirdparty/charts/ is linted by the real CLI (`python -m todolint CHART --env dev
--renderer embedded --format json`) and must yield exactly the hand-checked findings listed for it in
tests/thirdparty/expected.yaml, as (code, Kind/name, field path): zero unexpected, zero missed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, RunCli

SET = ROOT / "tests" / "thirdparty"
EXPECTED: dict[str, list[list[str]]] = yaml.safe_load((SET / "expected.yaml").read_text(encoding="utf-8"))


def finding_keys(report: dict[str, Any]) -> Counter[tuple[str, str, str]]:
    """(code, Kind/name, path) of each place a finding stands for (its own and its `also`: one line of
    source giving it in several objects is one finding); a finding on the chart itself has the object
    `chart`."""
    return Counter(
        (f["code"], f"{p['kind']}/{p['object']}" if p["kind"] else "chart", p["path"])
        for f in report["findings"]
        for p in [f, *f.get("also", [])]
    )


def lint(run_cli: RunCli, chart: str, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    args = [str(SET / "charts" / chart), "--env", "dev", "--renderer", "embedded", "--format", "json"]
    # The contract's findings; the generic pack (TL5xx) has its own fixtures (tests/rules/TL5xx, tests/peers).
    run = run_cli(*args, "--fail-on", "info", "--ignore", "TL5", env={"HOME": str(tmp_path / "home")})
    assert run.stderr == ""
    return run.code, json.loads(run.stdout)


def test_every_chart_has_its_expectations() -> None:
    charts = {p.name for p in (SET / "charts").iterdir() if p.is_dir()}
    assert charts == set(EXPECTED)
    assert len(charts) >= 8


@pytest.mark.parametrize("chart", sorted(EXPECTED))
def test_chart_yields_exactly_its_expected_findings(run_cli: RunCli, chart: str, tmp_path: Path) -> None:
    code, report = lint(run_cli, chart, tmp_path)
    assert report["errors"] == []
    found = finding_keys(report)
    expected = Counter((c, o, p) for c, o, p in EXPECTED[chart])
    unexpected, missed = found - expected, expected - found
    assert (sorted(unexpected.elements()), sorted(missed.elements())) == ([], [])
    assert code == (1 if expected else 0)
