"""References (spec §3.1): every ConfigMap, ServiceAccount, PersistentVolumeClaim and Service an object refers
to is rendered. Secrets are exempt: the contract's Secret is pre-created, outside the chart."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import FieldPath, Hit, Manifest, Severity
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import WORKLOAD
from todolint.rules.pods import all_containers, pod_spec
from todolint.rules.shape import as_list, as_map, dig

Ref = tuple[str, str, FieldPath, bool]  # (kind, name, path, optional)


def _refs(manifest: Manifest) -> Iterator[Ref]:
    located = pod_spec(manifest)
    if located is not None:
        spec_path, spec = located
        for key in ("serviceAccountName", "serviceAccount"):
            name = spec.get(key)
            if isinstance(name, str) and name and name != "default":
                yield "ServiceAccount", name, (*spec_path, key), False
                break
        for container in all_containers(manifest):
            for index, entry in enumerate(as_list(container.spec.get("envFrom"))):
                ref = as_map(as_map(entry).get("configMapRef"))
                if isinstance(ref.get("name"), str):
                    path = (*container.path, "envFrom", index, "configMapRef", "name")
                    yield "ConfigMap", ref["name"], path, ref.get("optional") is True
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                ref = as_map(dig(entry, ("valueFrom", "configMapKeyRef")))
                if isinstance(ref.get("name"), str):
                    path = (*container.path, "env", index, "valueFrom", "configMapKeyRef", "name")
                    yield "ConfigMap", ref["name"], path, ref.get("optional") is True
        for index, volume in enumerate(as_list(spec.get("volumes"))):
            volume = as_map(volume)
            base = (*spec_path, "volumes", index)
            ref = as_map(volume.get("configMap"))
            if isinstance(ref.get("name"), str):
                yield "ConfigMap", ref["name"], (*base, "configMap", "name"), ref.get("optional") is True
            claim = as_map(volume.get("persistentVolumeClaim")).get("claimName")
            if isinstance(claim, str):
                yield "PersistentVolumeClaim", claim, (*base, "persistentVolumeClaim", "claimName"), False
            for s_index, source in enumerate(as_list(dig(volume, ("projected", "sources")))):
                ref = as_map(as_map(source).get("configMap"))
                if isinstance(ref.get("name"), str):
                    path = (*base, "projected", "sources", s_index, "configMap", "name")
                    yield "ConfigMap", ref["name"], path, ref.get("optional") is True
    if manifest.kind == "Ingress":
        name = dig(manifest.obj, ("spec", "defaultBackend", "service", "name"))
        if isinstance(name, str):
            yield "Service", name, ("spec", "defaultBackend", "service", "name"), False
        for r_index, rule in enumerate(as_list(dig(manifest.obj, ("spec", "rules")))):
            for p_index, entry in enumerate(as_list(dig(rule, ("http", "paths")))):
                name = dig(entry, ("backend", "service", "name"))
                if isinstance(name, str):
                    path = ("spec", "rules", r_index, "http", "paths", p_index, "backend", "service", "name")
                    yield "Service", name, path, False


def check_dangling_reference(ctx: EnvContext) -> Iterator[Hit]:
    """TL360: every ConfigMap, ServiceAccount, PersistentVolumeClaim or Service referred to and not rendered."""
    # What is rendered: ConfigMaps per release; every object by kind and name only when something other
    # than a ConfigMap is referred to (built on demand: most streams refer to ConfigMaps only).
    config_maps = {(m.target, m.name) for m in ctx.of_kind("ConfigMap")}
    rendered: set[tuple[str, str]] | None = None
    for manifest in ctx.of_kind(*WORKLOAD.kinds, "Ingress"):
        for kind, name, path, optional in _refs(manifest):
            if optional:
                continue
            if kind == "ConfigMap":
                if (manifest.target, name) in config_maps:
                    continue
                where = f"release {manifest.target.release or manifest.target.chart}"
            else:
                if rendered is None:
                    rendered = {(m.kind, m.name) for m in ctx.manifests}
                if (kind, name) in rendered:
                    continue
                where = f"environment {ctx.env}"
            yield Hit(
                f"refers to {kind} {name!r}, which is rendered nowhere in {where}",
                manifest=manifest,
                path=path,
            )


DANGLING_REFERENCE = Rule(
    code="TL360",
    name="dangling-reference",
    category="references",
    severity=Severity.ERROR,
    summary=(
        "Every ConfigMap (same release), ServiceAccount, PersistentVolumeClaim and Ingress backend Service "
        "an object refers to is rendered."
    ),
    rationale=(
        "A pod that refers to a missing ConfigMap or ServiceAccount never starts (CreateContainerConfigError, "
        "or the ReplicaSet cannot create it); the error shows only at deploy time, in one environment. "
        "Secrets are exempt: the contract's Secret is pre-created."
    ),
    remediation=(
        "Render the object in the chart (e.g. `serviceAccount.create: true`) or fix the name; mark truly "
        "external ConfigMaps `optional: true`."
    ),
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
      serviceAccountName: todo-backend   # expect: TL360
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
""",
    relational=True,
    origin=__name__,
    check=check_dangling_reference,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [DANGLING_REFERENCE]
