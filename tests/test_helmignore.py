"""A `.helmignore` that hides Chart.yaml or values.yaml from Helm is named as the cause, at its line.

Helm's own word for a hidden Chart.yaml is "Chart.yaml file is missing" while the file is right there;
a hidden values.yaml renders every template without the chart's defaults. The reader of `.helmignore`
is checked against Helm itself: for each text, it hides Chart.yaml exactly when `helm template` says
the file is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CHARTS, RunCli
from todolint.render.helmignore import hiding_rule, parse_rules

IGNORE_TEXTS = {
    "star then negation": "*\n!README.md\n",
    "negation alone": "!README.md\n",
    "negation of Chart.yaml alone": "!Chart.yaml\n",
    "helm create's": "# Patterns to ignore\n.DS_Store\n.git/\n*.swp\n*.tmp\n.vscode/\n*.tgz\n",
    "yaml by name": "*.yaml\n",
    "anchored": "/Chart.yaml\n",
    "class": "[A-D]hart.yaml\n",
    "negated class": "[^x]hart.yaml\n",
    "question marks": "Chart.y?ml\n",
    "folder only": "Chart.yaml/\n",
    "templates only": "templates/*.yaml\n",
}


def _chart(tmp_path: Path, ignore: str) -> Path:
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    (chart / ".helmignore").write_text(ignore)
    return chart


@pytest.mark.parametrize("name", sorted(IGNORE_TEXTS))
def test_the_reader_agrees_with_helm_on_chart_yaml(tmp_path: Path, helm3: str, name: str) -> None:
    chart = _chart(tmp_path, IGNORE_TEXTS[name])
    done = subprocess.run(
        [helm3, "template", "x", str(chart)], capture_output=True, text=True, timeout=120, check=False
    )
    helm_says_missing = "Chart.yaml file is missing" in done.stderr
    assert (hiding_rule(parse_rules(IGNORE_TEXTS[name]), "Chart.yaml") is not None) == helm_says_missing


@pytest.mark.parametrize(
    ("ignore", "line", "message"),
    [
        (
            "# keep docs only\n*\n!README.md\n",
            2,
            "`*` hides Chart.yaml from Helm, although the file is there; a later `!Chart.yaml` does not bring it "
            "back (Helm stops at the first rule that matches): narrow the rule",
        ),
        (
            "!README.md\n",
            1,
            "`!README.md` hides from Helm every path it does not match, Chart.yaml included (Helm reads a `!` "
            "rule as 'ignore all but this', not as an exception to an earlier rule): narrow or remove the rule",
        ),
        (
            ".git/\nvalues*.yaml\n",
            2,
            "`values*.yaml` hides values.yaml from Helm, although the file is there; a later `!values.yaml` does "
            "not bring it back (Helm stops at the first rule that matches): narrow the rule",
        ),
    ],
)
@pytest.mark.parametrize("renderer", ["embedded", "helm3", "helm4"])
def test_the_hiding_line_is_named(
    tmp_path: Path, run_cli: RunCli, request: pytest.FixtureRequest, renderer: str, ignore: str, line: int, message: str
) -> None:
    chart = _chart(tmp_path, ignore)
    helm = None if renderer == "embedded" else request.getfixturevalue(renderer)
    options = ["--renderer", "embedded"] if helm is None else ["--renderer", "helm"]
    done = run_cli(str(chart), "--env", "dev", "-q", "--format", "concise", *options, helm=helm, cwd=tmp_path)
    assert done.code == 2
    assert done.stdout == f"todo-backend/.helmignore:{line}:1: TL001 [dev] chart: {message}\n"
    assert done.stderr == f"todolint: error: todo-backend (dev): todo-backend/.helmignore:{line}: {message}\n"


def test_a_usual_helmignore_changes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    chart = _chart(tmp_path, IGNORE_TEXTS["helm create's"])
    done = run_cli(str(chart), "--env", "dev", "-q", cwd=tmp_path)
    assert (done.code, done.stdout, done.stderr) == (0, "", "")
