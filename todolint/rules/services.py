"""Services (spec §3.2, §5): the Service's targetPort, by number or name, reaches the app container port."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from todolint.models import FieldPath, Hit, Manifest, Severity
from todolint.rules.apps import (
    app_containers,
    app_objects,
    app_port,
    recognise_app,
    selected_workloads,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.pods import containers
from todolint.rules.probes import ports_field, resolve_port
from todolint.rules.shape import as_list, dig


def check_service_target_port(ctx: EnvContext) -> Iterator[Hit]:
    """TL233: every Service targetPort that reaches no app container port."""
    for service, app in app_objects(ctx, "Service"):
        workloads = selected_workloads(ctx, service)
        if not workloads:
            continue  # dangling-service reports it
        want = app_port(ctx.contract, app)
        entries = enumerate(as_list(dig(service.obj, ("spec", "ports"))))
        ports = [(i, p) for i, p in entries if isinstance(p, (dict, Mapping))]
        # The entry carrying the app port (else the first) must reach the app container's port.
        primary = next((i for i, p in ports if p.get("port") == want), ports[0][0] if ports else None)
        for index, entry in ports:
            target = entry.get("targetPort", entry.get("port"))
            path = ("spec", "ports", index, "targetPort" if "targetPort" in entry else "port")
            main = index == primary and want is not None
            reached = _reached_ports(ctx, workloads, app, target, main)
            if not reached:
                yield Hit(
                    f"targetPort {target!r} reaches no container port of the selected pods"
                    + (f"; expected the app port {want}" if main else ""),
                    manifest=service,
                    path=path,
                )
            elif main and want not in reached:
                yield Hit(
                    f"targetPort {target!r}: expected to reach the app port {want}, found "
                    f"{', '.join(str(n) for n in sorted(reached))}",
                    manifest=service,
                    path=path,
                    follows=_named_ports(ctx, workloads, app, target),
                )


SERVICE_TARGET_PORT = Rule(
    code="TL233",
    name="service-target-port",
    category="services",
    severity=Severity.ERROR,
    summary="The Service's targetPort (number or name) reaches the app container's port.",
    rationale=(
        "A targetPort that names no container port, or the wrong one, leaves the Service with endpoints "
        "that refuse connections: the frontend cannot reach the backend (§5.1)."
    ),
    remediation=(
        "Set targetPort to the container port's name (`http`) or number (the app port). A name that "
        "resolves to a wrong port of app containers with no app port is container-port's (TL220) finding."
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
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
          ports:
            - {name: http, containerPort: 8000}
---
apiVersion: v1
kind: Service
metadata:
  name: todo-backend-dev
spec:
  selector: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  ports:
    - port: 8000
      targetPort: web   # expect: TL233
""",
    relational=True,
    origin=__name__,
    check=check_service_target_port,
    defers_to=("TL220",),
)


def _named_ports(
    ctx: EnvContext, workloads: list[Manifest], app: str, target: object
) -> tuple[tuple[Manifest, FieldPath], ...]:
    """A targetPort by name follows from the ports of the app containers it names: where container-port
    (TL220) reports them all, that is the one finding (see probes.ports_field)."""
    if not isinstance(target, str) or target.isdigit():
        return ()
    return tuple(
        (workload, ports_field(container))
        for workload in workloads
        if recognise_app(ctx, workload) == app
        for container in app_containers(ctx, workload, app)
    )


def _reached_ports(ctx: EnvContext, workloads: list[Manifest], app: str, target: object, main: bool) -> set[int]:
    """The container ports `target` reaches in `workloads`; remembered, since Services that share a
    selector share their workloads (the same list object, from `selected_workloads`)."""
    try:
        key: object = ("reached-ports", id(workloads), app, target, main)
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in ctx.memo:
        # The list is kept beside the answer, so an id can never be reused by another list meanwhile.
        kept, known = ctx.memo[key]
        if kept is workloads:
            return set(known)
    reached: set[int] = set()
    for workload in workloads:
        own = recognise_app(ctx, workload) == app
        pool = app_containers(ctx, workload, app) if (main and own) else containers(workload)
        for container in pool:
            number = resolve_port(container, target)
            if number is not None and (number in container.port_numbers() or main):
                reached.add(number)
    if key is not None:
        ctx.memo[key] = (workloads, frozenset(reached))
    return reached


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [SERVICE_TARGET_PORT]
