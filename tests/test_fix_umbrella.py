"""Fixes on charts not named after an app: the contract value comes from the app the object was
recognised as (docs/apps.md), so an umbrella chart's backend subchart is fixed like the backend chart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import CHARTS, RunCli

PARENT = """apiVersion: v2
name: todo-app
version: 0.1.0
dependencies:
  - name: backend
    version: 0.1.0
  - name: frontend
    version: 0.1.0
"""


def _umbrella(tmp_path: Path) -> Path:
    """An umbrella `todo-app` with the project's two charts as subcharts `backend` and `frontend`."""
    parent = tmp_path / "charts" / "todo-app"
    for app, sub in (("todo-backend", "backend"), ("todo-frontend", "frontend")):
        shutil.copytree(CHARTS / app, parent / "charts" / sub)
        chart_yaml = parent / "charts" / sub / "Chart.yaml"
        chart_yaml.write_text(chart_yaml.read_text().replace(f"name: {app}\n", f"name: {sub}\n", 1))
    (parent / "Chart.yaml").write_text(PARENT)
    (parent / "values.yaml").write_text("backend: {}\nfrontend: {}\n")
    values = parent / "charts" / "backend" / "values.yaml"
    text = values.read_text()
    assert "  liveness:\n    periodSeconds: 30\n" in text
    values.write_text(text.replace("  liveness:\n    periodSeconds: 30\n", "  liveness:\n    periodSeconds: 20\n", 1))
    return parent


def _codes(run_cli: RunCli, parent: Path, cwd: Path) -> list[tuple[str, str, int]]:
    done = run_cli(str(parent.relative_to(cwd)), "--env", "dev", "--select", "TL203", "--format", "json", cwd=cwd)
    return [(f["code"], f["file"], f["line"]) for f in json.loads(done.stdout)["findings"]]


def test_a_subcharts_own_value_is_fixed_from_the_recognised_apps_contract(tmp_path: Path, run_cli: RunCli) -> None:
    parent = _umbrella(tmp_path)
    values = "charts/todo-app/charts/backend/values.yaml"
    assert _codes(run_cli, parent, tmp_path) == [("TL203", values, 34)]
    before = (tmp_path / values).read_text()

    shown = run_cli("charts/todo-app", "--env", "dev", "--select", "TL203", "--diff", cwd=tmp_path)
    assert shown.code == 1, shown.stderr
    assert [line for line in shown.stdout.splitlines() if line[:1] in "+-"] == [
        f"--- a/{values}",
        f"+++ b/{values}",
        "-    periodSeconds: 20",
        "+    periodSeconds: 30",
    ]
    assert shown.stderr == ""
    assert (tmp_path / values).read_text() == before  # --diff writes nothing

    fixed = run_cli("charts/todo-app", "--env", "dev", "--select", "TL203", "--fix", cwd=tmp_path)
    assert fixed.code == 0, fixed.stderr
    assert (tmp_path / values).read_text() == before.replace("periodSeconds: 20", "periodSeconds: 30", 1)
    assert _codes(run_cli, parent, tmp_path) == []
    again = run_cli("charts/todo-app", "--env", "dev", "--select", "TL203", "--fix", cwd=tmp_path)
    assert "fixed 0 findings (0 edits in 0 files)" in again.stderr
