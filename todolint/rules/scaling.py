"""Scaling (spec §8): an autoscaler targets a Deployment of its own release."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Severity
from todolint.rules.base import EnvContext, Rule
from todolint.rules.shape import as_map, dig


def check_hpa_target(ctx: EnvContext) -> Iterator[Hit]:
    """TL332: every HorizontalPodAutoscaler that scales no Deployment of its own release."""
    for hpa in ctx.of_kind("HorizontalPodAutoscaler"):
        ref = as_map(dig(hpa.obj, ("spec", "scaleTargetRef")))
        kind, name = ref.get("kind"), ref.get("name")
        path = ("spec", "scaleTargetRef")
        if kind != "Deployment":
            yield Hit(f"scaleTargetRef kind: expected 'Deployment', found {kind!r}", manifest=hpa, path=(*path, "kind"))
            continue
        own = [d.name for d in ctx.of_kind("Deployment") if d.target == hpa.target]
        if name not in own:
            shown = ", ".join(repr(n) for n in sorted(own)) or "none"
            yield Hit(
                f"scaleTargetRef name: expected a Deployment of release {hpa.target.release or '?'} ({shown}), "
                f"found {name!r}",
                manifest=hpa,
                path=(*path, "name"),
            )


HPA_TARGET = Rule(
    code="TL332",
    name="hpa-target",
    category="scaling",
    severity=Severity.ERROR,
    summary="A HorizontalPodAutoscaler scales a Deployment rendered by the same release.",
    rationale=(
        "An HPA whose target does not exist does nothing (and says so only in its events); one that targets "
        "another release's Deployment fights that release's replica count (§8)."
    ),
    remediation="Set scaleTargetRef to `{kind: Deployment, name: {{ contract.names.Deployment }}}`.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-backend-dev
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: todo-backend-dev
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: todo-backend   # expect: TL332
  minReplicas: 1
  maxReplicas: 3
""",
    relational=True,
    origin=__name__,
    check=check_hpa_target,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [HPA_TARGET]
