"""The README's CI recipe, run as written in a repository that keeps its charts in `deploy/`: the
command names no path, so it lints the charts the repository has, set up by its `.todolint.yaml`."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

from tests.conftest import CHARTS, ROOT, RunCli


def _recipe_command() -> list[str]:
    """The `run: todolint ...` line of the README's workflow, as its arguments."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    workflow = readme[readme.index("# .github/workflows/charts.yml") :]
    line = re.search(r"^\s+run: (todolint .*)$", workflow, re.M)
    assert line is not None
    words = shlex.split(line.group(1))
    assert words[0] == "todolint"
    return words[1:]


def test_the_ci_recipe_lints_the_charts_where_the_repository_keeps_them(tmp_path: Path, run_cli: RunCli) -> None:
    repo = tmp_path / "repo"
    for chart in ("todo-backend", "todo-frontend"):
        shutil.copytree(CHARTS / chart, repo / "deploy" / chart)
    # A setting only the config gives: prod with 5 replicas of the backend, which the contract refuses.
    (repo / ".todolint.yaml").write_text("charts:\n  todo-backend:\n    set:\n      prod: {replicaCount: 5}\n")
    done = run_cli(*_recipe_command(), cwd=repo)
    assert done.code == 1, done.stderr
    assert done.stderr == ""
    assert done.stdout == (
        "::error title=TL330 replicas-range::todo-backend [prod] Deployment/todo-backend-prod spec.replicas: "
        "expected at most 3, found 5\n"
    )
    sarif = json.loads((repo / "todolint.sarif").read_text())
    rules = [r["ruleId"] for r in sarif["runs"][0]["results"]]
    assert rules == ["TL330"]
    assert (repo / "todolint.xml").read_text().startswith("<?xml")
