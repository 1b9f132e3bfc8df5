"""Three repository layouts of the Todo app, as third-party repositories lay them out, each with decoys
that are no chart's files: `docs/templates/x.md`, `tools/templates/y.js`, `deploy/values-prod.yaml`.

- two-charts: charts/<app>/ with values/{env}.yaml; release {chart}-{env}, namespace todo-{env};
- umbrella: one chart todo-app with both apps as subcharts, values-{env}.yaml, release {chart}, one
  namespace todo-app (set in its values.yaml);
- deploy-helm: deploy/helm/<app>/ with values.{env}.yaml, each app in its own namespace (its values.yaml).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CHART_NAMES, CHARTS, ENVS


def _decoys(repo: Path) -> None:
    for name, text in {
        "docs/templates/x.md": "# {{ title }}\n",
        "tools/templates/y.js": "export default () => `${name}`;\n",
        # Read as a manifest it would be TL004 (a mapping with no kind): it belongs to no chart.
        "deploy/values-prod.yaml": "replicaCount: 2\n",
    }.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)


def two_charts(repo: Path) -> None:
    for app in CHART_NAMES:
        chart = repo / "charts" / app
        shutil.copytree(CHARTS / app, chart)
        (chart / "values").mkdir()
        for env in ENVS:
            (chart / f"values-{env}.yaml").rename(chart / "values" / f"{env}.yaml")
    _decoys(repo)


def umbrella(repo: Path) -> None:
    chart = repo / "charts" / "todo-app"
    for app in CHART_NAMES:
        shutil.copytree(CHARTS / app, chart / "charts" / app, ignore=shutil.ignore_patterns("values-*.yaml"))
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: todo-app\ndescription: The Todo app, frontend and backend.\ntype: application\n"
        'version: 0.1.0\nappVersion: "1.0.0"\n'
    )
    (chart / "values.yaml").write_text("namespace: todo-app\n")
    for env in ENVS:
        parts = []
        for app in CHART_NAMES:
            own = (CHARTS / app / f"values-{env}.yaml").read_text()
            parts.append(f"{app}:\n" + "".join(f"  {line}\n" if line else "\n" for line in own.splitlines()))
        (chart / f"values-{env}.yaml").write_text("".join(parts))
    _decoys(repo)


def deploy_helm(repo: Path) -> None:
    for app in CHART_NAMES:
        chart = repo / "deploy" / "helm" / app
        shutil.copytree(CHARTS / app, chart)
        for env in ENVS:
            (chart / f"values-{env}.yaml").rename(chart / f"values.{env}.yaml")
        values = chart / "values.yaml"
        values.write_text(f"namespace: {app}\n" + values.read_text())
    _decoys(repo)


LAYOUTS: dict[str, Callable[[Path], None]] = {
    "two-charts": two_charts,
    "umbrella": umbrella,
    "deploy-helm": deploy_helm,
}
