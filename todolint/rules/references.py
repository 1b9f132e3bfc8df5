"""References (spec §3.1): every ConfigMap, ServiceAccount, PersistentVolumeClaim and Service an object refers
to is rendered, and an Ingress reaches a port its Service exposes. Secrets are exempt: the contract's Secret is
pre-created, outside the chart."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from todolint.models import FieldPath, Hit, Manifest, Severity, is_map
from todolint.rules.apps import same_namespace
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
        for path, _port in _ingress_backends(manifest):
            name = dig(manifest.obj, (*path, "name"))
            if isinstance(name, str):
                yield "Service", name, (*path, "name"), False


def _ingress_backends(manifest: Manifest) -> Iterator[tuple[FieldPath, Mapping[str, Any]]]:
    """(path of `service`, its `port`) of each Service backend of an Ingress (networking.k8s.io/v1)."""
    default = ("spec", "defaultBackend", "service")
    if is_map(dig(manifest.obj, default)):
        yield default, as_map(dig(manifest.obj, (*default, "port")))
    for r_index, rule in enumerate(as_list(dig(manifest.obj, ("spec", "rules")))):
        for p_index, entry in enumerate(as_list(dig(rule, ("http", "paths")))):
            path = ("spec", "rules", r_index, "http", "paths", p_index, "backend", "service")
            if is_map(dig(entry, ("backend", "service"))):
                yield path, as_map(dig(entry, ("backend", "service", "port")))


def _service_ports(services: list[Manifest]) -> tuple[set[int], set[str], list[str]]:
    """The port numbers and names the Services expose, and each port as a message shows it (`8000 (http)`)."""
    numbers: set[int] = set()
    names: set[str] = set()
    shown: list[str] = []
    for service in services:
        for entry in as_list(dig(service.obj, ("spec", "ports"))):
            number, name = as_map(entry).get("port"), as_map(entry).get("name")
            if isinstance(number, int) and not isinstance(number, bool):
                numbers.add(number)
            if isinstance(name, str) and name:
                names.add(name)
            text = f"{number} ({name})" if isinstance(name, str) and name else str(number)
            if text not in shown:
                shown.append(text)
    return numbers, names, shown


def _port_problem(port: Mapping[str, Any], services: list[Manifest]) -> tuple[str, str] | None:
    """(field, message) when the Ingress backend's port is none the Services expose; None when it is one,
    or when there is nothing to compare (no port given, a Service without ports: ExternalName)."""
    numbers, names, shown = _service_ports(services)
    if not shown or any(dig(s.obj, ("spec", "type")) == "ExternalName" for s in services):
        return None
    exposes = f"which exposes only {', '.join(shown)}: the route is dead"
    number, name = port.get("number"), port.get("name")
    if isinstance(number, int) and not isinstance(number, bool) and number not in numbers:
        return "number", f"sends traffic to port {number} of Service {{service}}, {exposes}"
    if isinstance(name, str) and name and name not in names:
        return "name", f"sends traffic to the port named {name!r} of Service {{service}}, {exposes}"
    return None


def _ingress_port_hits(ctx: EnvContext, ingress: Manifest) -> Iterator[Hit]:
    """The Ingress backends whose Service (rendered, same namespace) exposes no such port."""
    by_name: dict[str, list[Manifest]] | None = ctx.memo.get(("services-by-name",))
    if by_name is None:
        by_name = ctx.memo[("services-by-name",)] = {}
        for service in ctx.of_kind("Service"):
            by_name.setdefault(service.name, []).append(service)
    for path, port in _ingress_backends(ingress):
        name = dig(ingress.obj, (*path, "name"))
        services = [s for s in by_name.get(name, ()) if same_namespace(ingress, s)] if isinstance(name, str) else []
        problem = _port_problem(port, services) if services else None
        if problem is not None:
            field, message = problem
            yield Hit(message.replace("{service}", repr(name)), manifest=ingress, path=(*path, "port", field))


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
        if manifest.kind == "Ingress":
            yield from _ingress_port_hits(ctx, manifest)


DANGLING_REFERENCE = Rule(
    code="TL360",
    name="dangling-reference",
    category="references",
    severity=Severity.ERROR,
    summary=(
        "Every ConfigMap (same release), ServiceAccount, PersistentVolumeClaim and Ingress backend Service "
        "an object refers to is rendered, and an Ingress backend's port (number or name) is one its Service "
        "exposes."
    ),
    rationale=(
        "A pod that refers to a missing ConfigMap or ServiceAccount never starts (CreateContainerConfigError, "
        "or the ReplicaSet cannot create it); the error shows only at deploy time, in one environment. "
        "An Ingress path sent to a port its Service does not expose is a dead route: the controller answers "
        "503 while every object applies cleanly. Secrets are exempt: the contract's Secret is pre-created."
    ),
    remediation=(
        "Render the object in the chart (e.g. `serviceAccount.create: true`) or fix the name; mark truly "
        "external ConfigMaps `optional: true`. Point an Ingress backend at one of the Service's `ports` (its "
        "`port` number, or its `name`), usually the value the Service template reads."
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
