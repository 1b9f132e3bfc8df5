"""Which app a workload runs and which release renders it (spec §2): every long-running workload is one of
the contract's apps, and each app has its own release."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Manifest, Severity
from todolint.rules.apps import (
    RECOGNITION_ORDER,
    app_objects,
    is_database_workload,
    name_in,
    recognise_app,
    release_apps,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import LONG_RUNNING
from todolint.rules.names import RENDERED_NAMED_KINDS


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


#: The kinds whose names one-release-per-app checks: the app's long-running workloads, and the kinds the
#: contract names that a chart renders.
RELEASE_NAMED_KINDS = tuple(dict.fromkeys((*LONG_RUNNING.kinds, *RENDERED_NAMED_KINDS)))


def check_one_release_per_app(ctx: EnvContext) -> Iterator[Hit]:
    """TL125: every object of an app, in a release that renders more than one app, not named as the app's
    own release names it; the grouping makes one finding of each app's (todolint.group.BY_APP)."""
    for manifest, app in app_objects(ctx, *RELEASE_NAMED_KINDS):
        if manifest.kind in LONG_RUNNING.kinds and "helm.sh/hook" in manifest.annotations:
            continue
        apps = release_apps(ctx, manifest.target)
        if len(apps) < 2:
            continue
        yield Hit(_shared_release(ctx, manifest, app, apps), manifest=manifest, path=("metadata", "name"))


def _shared_release(ctx: EnvContext, manifest: Manifest, app: str, apps: tuple[str, ...]) -> str:
    """What one-release-per-app says of one object: the name the app's own release gives it (the release
    pattern with the app as the chart), and why this release cannot."""
    target = manifest.target
    release = target.release or target.chart
    both = "both apps'" if len(apps) == 2 else f"{len(apps)} apps'"
    renders = f"renders {both} objects ({' and '.join(apps)})"
    own = ctx.contract.release_for(app, target.env) if target.env not in ("", "-") else ""
    expected = name_in(ctx, manifest.kind, own, app) if own else None
    if expected is None or expected == manifest.name:
        own_release = f"{app}'s own release" + (f" {own!r}" if own else "")
        return (
            f"{manifest.kind} {manifest.name!r}: expected in {own_release}, found in release {release}, which {renders}"
        )
    named = f"{app}'s own release in {target.env}" + (f", {own!r}" if own != expected else "")
    return (
        f"{manifest.kind} name: expected {expected!r} ({named}), found {manifest.name!r}: one release cannot "
        f"give it, since release {release} {renders}"
    )


ONE_RELEASE_PER_APP = Rule(
    code="TL125",
    name="one-release-per-app",
    category="names",
    severity=Severity.ERROR,
    summary=(
        "One release renders one app, whose objects then have the names its own release gives them "
        "({{ contract.release }} with the app as the chart)."
    ),
    rationale=(
        "The contract (§1, §2) installs {{ contract.apps | and }} as a chart and a release each, so that each "
        "is upgraded and rolled back alone, and names every object after its release (Deployment "
        "{{ contract.names.Deployment }}, ConfigMap {{ contract.names.ConfigMap }}). An umbrella release that "
        "renders both apps cannot give both apps those names. Each app's objects are one finding, on its "
        "workload, listing the others (`also`); object-names asks nothing of them while the patterns cannot "
        "tell the apps apart."
    ),
    remediation=(
        "Split the chart into one chart per app, each installed as its own release. To keep the umbrella on "
        'purpose, tell the apps apart in the contract\'s `names` with {app} (`Deployment: "{release}-{app}"`), '
        "which object-names then checks, and exempt this rule for the chart with the reason (docs/apps.md)."
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
  name: todo-dev-todo-frontend   # expect: TL125
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
