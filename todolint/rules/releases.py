"""Which app a workload runs and which release renders it (spec §2): every long-running workload is one of
the contract's apps, and each app has its own release."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Location, Manifest, Severity, Target
from todolint.rules.apps import (
    RECOGNITION_ORDER,
    app_workloads,
    is_database_workload,
    recognise_app,
    release_apps,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import LONG_RUNNING


def check_unknown_workload(ctx: EnvContext) -> Iterator[Hit]:
    """TL124: every long-running workload that is none of the contract's apps (and no database)."""
    for manifest in ctx.of_kind(*LONG_RUNNING.kinds):
        if "helm.sh/hook" in manifest.annotations or recognise_app(ctx, manifest) is not None:
            continue
        if is_database_workload(ctx, manifest):
            continue  # database-image reports it
        yield Hit(
            f"{manifest.kind} {manifest.name!r} is none of the contract's apps (looked for by "
            f"{', '.join(RECOGNITION_ORDER)}): expected an app's workload, found one no app rule checks",
            manifest=manifest,
            path=("metadata", "name"),
        )


UNKNOWN_WORKLOAD = Rule(
    code="TL124",
    name="unknown-workload",
    category="names",
    severity=Severity.WARNING,
    summary="Every Deployment, StatefulSet and DaemonSet is recognised as one of the contract's apps.",
    rationale=(
        "The app rules (labels, probes, ports, config, secrets) check only workloads they recognise, by "
        "chart or subchart name, app.kubernetes.io/name, app.kubernetes.io/component, container name, "
        "image basename, then object name. A workload none of these names passes in silence."
    ),
    remediation=(
        "Name the chart, the name label or the component label after the app, or add the chart's word for "
        "it to `apps.<app>.match` in contract.yaml."
    ),
    example="""\
# todolint: chart=worker env=dev release=worker-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker-dev   # expect: TL124
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: worker, app.kubernetes.io/instance: worker-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: worker, app.kubernetes.io/instance: worker-dev}
    spec:
      containers:
        - name: worker
          image: queue-worker:1.0.0
""",
    relational=True,
    origin=__name__,
    check=check_unknown_workload,
)


def _on_chart(ctx: EnvContext, target: Target, first: Manifest, message: str) -> Hit:
    """A finding on Chart.yaml's `name` line; for pre-rendered input (no chart), on the first app workload."""
    if not target.chart_path:
        return Hit(message, manifest=first, path=("metadata", "name"))
    facts = ctx.charts.get(target.chart_path)
    line = facts.lines.get(("name",)) if facts is not None else None
    location = Location("template", f"{target.chart_path}/Chart.yaml", line)
    return Hit(message, target=target, location=location)


def check_one_release_per_app(ctx: EnvContext) -> Iterator[Hit]:
    """TL125: every release that renders more than one app, once, on its Chart.yaml."""
    firsts: dict[Target, dict[str, Manifest]] = {}
    for manifest, app in app_workloads(ctx):
        firsts.setdefault(manifest.target, {}).setdefault(app, manifest)
    for target, by_app in firsts.items():
        apps = release_apps(ctx, target)
        if len(apps) < 2:
            continue
        shown = " and ".join(f"{app} ({by_app[app].kind} {by_app[app].name})" for app in apps)
        yield _on_chart(
            ctx,
            target,
            by_app[apps[0]],
            f"release {target.release or target.chart} renders {shown}: expected one chart and release per app; "
            "to keep one release, name the apps apart with {app} in the contract's `names`",
        )


ONE_RELEASE_PER_APP = Rule(
    code="TL125",
    name="one-release-per-app",
    category="names",
    severity=Severity.WARNING,
    summary="One release renders one app: the frontend and the backend have a chart and a release each.",
    rationale=(
        "The contract (§1, §2) installs {{ contract.apps | and }} as a release each, so that each is upgraded "
        "and rolled back alone. An umbrella release that renders both cannot name both apps' objects "
        "{release}; the name rules then stay silent for it rather than ask for two objects of one name."
    ),
    remediation=(
        "Split the chart into one chart per app, or keep the umbrella and set the `names` patterns in "
        'contract.yaml to tell the apps apart (`Deployment: "{release}-{app}"`).'
    ),
    example="""\
# todolint: env=dev release=todo-dev namespace=todo-dev
---
# Source: todo/charts/todo-backend/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-dev-todo-backend   # expect: TL125
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-dev}
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
---
# Source: todo/charts/todo-frontend/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-dev-todo-frontend
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-frontend, app.kubernetes.io/instance: todo-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: todo-frontend, app.kubernetes.io/instance: todo-dev}
    spec:
      containers:
        - name: todo-frontend
          image: todo-frontend:1.0.0
""",
    relational=True,
    origin=__name__,
    check=check_one_release_per_app,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [UNKNOWN_WORKLOAD, ONE_RELEASE_PER_APP]
