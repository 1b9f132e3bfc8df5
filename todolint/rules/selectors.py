"""Selectors (spec §4.2): Deployment and Service select exactly {name, instance}; a Deployment selects its
own pod template; every Service selects the pods of a workload rendered in the same environment."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Severity
from todolint.rules.apps import (
    app_objects,
    selected_workloads,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import SELECTING
from todolint.rules.pods import pod_labels
from todolint.rules.shape import as_map, dig


def check_selector_labels(ctx: EnvContext) -> Iterator[Hit]:
    """TL110: every Deployment and Service selector that is not exactly the contract's labels and values."""
    keys = ctx.contract.selector_labels
    wanted = sorted(keys)
    for manifest, app in app_objects(ctx, "Service", *SELECTING.kinds):
        path = ("spec", "selector") if manifest.kind == "Service" else ("spec", "selector", "matchLabels")
        selector = dig(manifest.obj, path)
        if manifest.kind == "Service" and selector is None:
            continue  # a Service without selector has hand-made endpoints: nothing to compare
        selector = as_map(selector)
        values = {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": manifest.target.release or None}
        wrong = [
            (key, values[key], selector[key])
            for key in keys
            if key in selector and values.get(key) is not None and selector[key] != values[key]
        ]
        # One finding per selector block: the label set and the values are usually one helper's output.
        if sorted(selector) != wanted:
            found = ", ".join(sorted(selector)) or "none"
            detail = "".join(f"; {key}: expected {want!r}, found {got!r}" for key, want, got in wrong)
            yield Hit(
                f"{manifest.kind} selector: expected exactly the labels {', '.join(keys)}, found {found}{detail}",
                manifest=manifest,
                path=path,
            )
        elif len(wrong) == 1:
            key, want, got = wrong[0]
            yield Hit(
                f"{manifest.kind} selector {key}: expected {want!r}, found {got!r}",
                manifest=manifest,
                path=(*path, key),
            )
        elif wrong:
            shown = "; ".join(f"{key}: expected {want!r}, found {got!r}" for key, want, got in wrong)
            yield Hit(f"{manifest.kind} selector {shown}", manifest=manifest, path=path)


SELECTOR_LABELS = Rule(
    code="TL110",
    name="selector-labels",
    category="selectors",
    severity=Severity.ERROR,
    summary=(
        "Deployment matchLabels and Service selector are exactly the labels "
        "{{ contract.selector_labels | and }}, with the contract's values for the app and release."
    ),
    rationale=(
        "The contract (§4.2) selects pods by {{ contract.selector_labels | and }} only. Adding the version or "
        "chart label to a selector breaks every upgrade (a Deployment selector is immutable); leaving out "
        "instance makes two releases' Services share pods."
    ),
    remediation=(
        "Use the chart's `selectorLabels` helper for both `spec.selector.matchLabels` and the Service "
        "`spec.selector`; the label keys are `selector_labels` in contract.yaml."
    ),
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: Service
metadata:
  name: todo-backend-dev
spec:
  selector:   # expect: TL110
    app: todo-backend
  ports:
    - port: 8000
""",
    origin=__name__,
    check=check_selector_labels,
)


def check_selector_matches_template(ctx: EnvContext) -> Iterator[Hit]:
    """TL111: every selector label its own pod template does not carry."""
    for manifest in ctx.of_kind(*SELECTING.kinds):
        selector = as_map(dig(manifest.obj, ("spec", "selector", "matchLabels")))
        labels = pod_labels(manifest)
        for key, value in selector.items():
            if labels.get(key) != value:
                found = repr(labels[key]) if key in labels else "no such label"
                yield Hit(
                    f"selector {key}={value!r} does not select the pod template: found {found}",
                    manifest=manifest,
                    path=("spec", "selector", "matchLabels", key),
                )


SELECTOR_MATCHES_TEMPLATE = Rule(
    code="TL111",
    name="selector-matches-template",
    category="selectors",
    severity=Severity.ERROR,
    summary="A workload's selector matches the labels of its own pod template.",
    rationale=(
        "The API server rejects a Deployment whose selector does not match its template; with a partial "
        "match the ReplicaSet never sees its own pods."
    ),
    remediation="Render matchLabels and the template labels from the same helper.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-backend-dev
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}   # expect: TL111
  template:
    metadata:
      labels: {app.kubernetes.io/name: backend, app.kubernetes.io/instance: todo-backend-dev}
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
""",
    origin=__name__,
    check=check_selector_matches_template,
)


def check_dangling_service(ctx: EnvContext) -> Iterator[Hit]:
    """TL112: every Service that selects no workload rendered in the environment."""
    for service in ctx.of_kind("Service"):
        selector = dig(service.obj, ("spec", "selector"))
        if not isinstance(selector, dict) or not selector:
            continue
        if dig(service.obj, ("spec", "type")) == "ExternalName":
            continue
        if not selected_workloads(ctx, service):
            shown = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
            yield Hit(
                f"Service selects no pods: no workload in environment {ctx.env} has pod labels {shown}",
                manifest=service,
                path=("spec", "selector"),
            )


DANGLING_SERVICE = Rule(
    code="TL112",
    name="dangling-service",
    category="selectors",
    severity=Severity.ERROR,
    summary="Every Service selects the pods of a workload rendered in the same environment.",
    rationale=(
        "A Service whose selector matches no pod has no endpoints: the frontend's calls to the backend fail "
        "with connection refused while every object looks healthy (kube-linter's dangling-service)."
    ),
    remediation="Make the Service selector equal the workload's selector labels (same helper, same release).",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: Service
metadata:
  name: todo-backend-dev
spec:
  selector:   # expect: TL112
    app.kubernetes.io/name: todo-backend
    app.kubernetes.io/instance: todo-backend-dev
  ports:
    - port: 8000
""",
    relational=True,
    origin=__name__,
    check=check_dangling_service,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [SELECTOR_LABELS, SELECTOR_MATCHES_TEMPLATE, DANGLING_SERVICE]
