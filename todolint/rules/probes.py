"""Probes (spec §9): liveness and readiness on every app container, HTTP GET on the app's path and
port, with the contract's period and failure threshold (an unset field is Kubernetes' default)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from todolint.contract import Probe
from todolint.models import FieldPath, Hit, Severity, is_map
from todolint.rules.apps import app_containers, app_port, app_workloads
from todolint.rules.base import EnvContext, Fix, Rule
from todolint.rules.pods import Container

#: Kubernetes' defaults for an unset probe field.
K8S_DEFAULTS: Mapping[str, int] = {"periodSeconds": 10, "failureThreshold": 3}
PROBES: Mapping[str, str] = {"liveness": "livenessProbe", "readiness": "readinessProbe"}
HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")


def _probe_contract(ctx: EnvContext, app: str, kind: str) -> Probe | None:
    """The contract's probe of that kind for an app; None for a name that is no app of the contract."""
    spec = ctx.contract.app(app)
    return spec.probes.get(kind) if spec is not None else None


def _each_probe(ctx: EnvContext) -> Iterator[tuple[Any, str, Container, str, str, Mapping[str, Any]]]:
    """(manifest, app, container, probe kind, probe field, probe) for every contract probe that exists."""
    for manifest, app in app_workloads(ctx):
        for container in app_containers(ctx, manifest, app):
            for kind, key in PROBES.items():
                probe = container.spec.get(key)
                if isinstance(probe, (dict, Mapping)) and _probe_contract(ctx, app, kind) is not None:
                    yield manifest, app, container, kind, key, probe


def check_probe_missing(ctx: EnvContext) -> Iterator[Hit]:
    """TL200: every app container without a liveness or a readiness probe."""
    for manifest, app in app_workloads(ctx):
        for container in app_containers(ctx, manifest, app):
            for kind, key in PROBES.items():
                if _probe_contract(ctx, app, kind) is not None and not is_map(container.spec.get(key)):
                    yield Hit(
                        f"container {container.name or '?'}: expected a {key}, found none",
                        manifest=manifest,
                        path=(*container.path, key),
                    )


PROBE_MISSING = Rule(
    code="TL200",
    name="probe-missing",
    category="probes",
    severity=Severity.ERROR,
    summary="Every app container has a liveness and a readiness probe.",
    rationale=(
        "Without readiness the Service routes traffic to pods that are still starting; without liveness a "
        "hung process is never restarted (§9.1). A startup probe is optional."
    ),
    remediation="Add livenessProbe and readinessProbe to the app container (values `probes.*`).",
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
        - name: todo-backend   # expect: TL200
          image: todo-backend:1.0.0
          livenessProbe:
            httpGet: {path: /health, port: 8000}
""",
    origin=__name__,
    check=check_probe_missing,
)


def check_probe_handler(ctx: EnvContext) -> Iterator[Hit]:
    """TL201: every liveness or readiness probe that is not an HTTP GET."""
    for manifest, _app, container, _kind, key, probe in _each_probe(ctx):
        if "httpGet" in probe:
            continue
        found = next((h for h in HANDLERS if h in probe), None)
        yield Hit(
            f"{key}: expected an httpGet probe, found {found or 'no handler'}",
            manifest=manifest,
            path=(*container.path, key, found) if found else (*container.path, key),
        )


PROBE_HANDLER = Rule(
    code="TL201",
    name="probe-handler",
    category="probes",
    severity=Severity.ERROR,
    summary="Liveness and readiness probes are HTTP GET probes (not tcpSocket, exec or grpc).",
    rationale=(
        "The contract (§9.1) probes HTTP endpoints: an open TCP port says nothing about whether the app "
        "answers, and the endpoint also checks the app's own dependencies."
    ),
    remediation="Replace tcpSocket/exec with `httpGet: {path: <app path>, port: http}`.",
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
          livenessProbe:
            tcpSocket:   # expect: TL201
              port: 8000
""",
    origin=__name__,
    check=check_probe_handler,
)


def resolve_port(container: Container, port: Any) -> int | None:
    """A probe or Service port as a number: an int, a numeric string, or a name in the container's ports."""
    if isinstance(port, bool):
        return None
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        if port.isdigit():
            return int(port)
        return container.port_by_name(port)
    return None


def check_probe_endpoint(ctx: EnvContext) -> Iterator[Hit]:
    """TL202: every HTTP probe whose path or port is not the app's."""
    for manifest, app, container, kind, key, probe in _each_probe(ctx):
        http = probe.get("httpGet")
        if not isinstance(http, (dict, Mapping)):
            continue
        base = (*container.path, key, "httpGet")
        want = _probe_contract(ctx, app, kind)
        path = http.get("path", "/")
        if want is not None and path != want.path:
            yield Hit(f"{key} path: expected {want.path!r}, found {path!r}", manifest=manifest, path=(*base, "path"))
        want_port = app_port(ctx.contract, app)
        port = http.get("port")
        number = resolve_port(container, port)
        if want_port is None:
            continue
        if number is None:
            yield Hit(
                f"{key} port: expected {want_port}, found {port!r}, which names no port of the container",
                manifest=manifest,
                path=(*base, "port"),
            )
        elif number != want_port:
            named = isinstance(port, str) and not port.isdigit()
            yield Hit(
                f"{key} port: expected {want_port}, found {number}{f' ({port!r})' if named else ''}",
                manifest=manifest,
                path=(*base, "port"),
                follows=((manifest, ports_field(container)),) if named else (),
            )


PROBE_ENDPOINT = Rule(
    code="TL202",
    name="probe-endpoint",
    category="probes",
    severity=Severity.ERROR,
    summary="HTTP probes hit the app's path on the app port; a named port is resolved through the container's ports.",
    rationale=(
        "The contract (§9.2) fixes where the apps answer health checks (liveness "
        "{{ contract.apps.*.probes.liveness.path }}; readiness {{ contract.apps.*.probes.readiness.path }}; "
        "port {{ contract.apps.*.port }}); probing another path or port makes a healthy pod look dead (restart "
        "loop) or a dead one look healthy."
    ),
    remediation=(
        "Set httpGet.path to the app's path and httpGet.port to the app port or the name of the container "
        "port that carries it (`apps.<app>.probes` and `.port` in contract.yaml). A name that resolves to "
        "a wrong port of a container with no app port is container-port's (TL220) finding, not this one."
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
          readinessProbe:
            httpGet:
              path: /healthz   # expect: TL202
              port: http
""",
    origin=__name__,
    check=check_probe_endpoint,
    defers_to=("TL220",),
    fix=Fix(safety="safe", contract=("apps", "{app}", "probes", "{probe}", "path"), fields=("path",)),
)


def ports_field(container: Container) -> FieldPath:
    """Where a container's ports are: what a probe or a Service that names a port follows from, and
    where container-port (TL220) reports a container without the app port (`helm create`'s `port:
    http` to `containerPort: 80` is that one finding, not one more for each probe and Service)."""
    return (*container.path, "ports")


def _timing(kind: str) -> Any:
    def check(ctx: EnvContext) -> Iterator[Hit]:
        for manifest, app, container, probe_kind, key, probe in _each_probe(ctx):
            if probe_kind != kind:
                continue
            want = _probe_contract(ctx, app, kind)
            if want is None:
                continue
            wanted = {"periodSeconds": want.period_seconds, "failureThreshold": want.failure_threshold}
            for field, default in K8S_DEFAULTS.items():
                expected = wanted[field]
                value = probe.get(field, default)
                if value != expected:
                    shown = f"{value!r}" if field in probe else f"unset (Kubernetes default {default})"
                    yield Hit(
                        f"{key}.{field}: expected {expected}, found {shown}",
                        manifest=manifest,
                        path=(*container.path, key, field) if field in probe else (*container.path, key),
                    )

    return check


LIVENESS_PROBE_TIMING = Rule(
    code="TL203",
    name="liveness-probe-timing",
    category="probes",
    severity=Severity.ERROR,
    summary=(
        "Liveness probe runs every {{ contract.apps.*.probes.liveness.periodSeconds }} s and fails after "
        "{{ contract.apps.*.probes.liveness.failureThreshold }} misses (unset fields count as 10 s / 3)."
    ),
    rationale=(
        "The contract (§9.1) restarts a pod after failureThreshold failed liveness checks, periodSeconds "
        "apart: short enough to heal a hang, long enough not to kill a pod during a slow request burst."
    ),
    remediation=(
        "Set livenessProbe.periodSeconds to {{ contract.apps.*.probes.liveness.periodSeconds }} and "
        "failureThreshold to {{ contract.apps.*.probes.liveness.failureThreshold }} (values "
        "`probes.liveness`)."
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
          livenessProbe:
            httpGet: {path: /health, port: 8000}
            periodSeconds: 10   # expect: TL203
""",
    origin=__name__,
    check=_timing("liveness"),
    fix=Fix(
        safety="safe",
        contract=("apps", "{app}", "probes", "liveness", "{field}"),
        fields=("periodSeconds", "failureThreshold"),
    ),
)


READINESS_PROBE_TIMING = Rule(
    code="TL204",
    name="readiness-probe-timing",
    category="probes",
    severity=Severity.ERROR,
    summary=(
        "Readiness probe runs every {{ contract.apps.*.probes.readiness.periodSeconds }} s and fails after "
        "{{ contract.apps.*.probes.readiness.failureThreshold }} misses (unset fields count as 10 s / 3)."
    ),
    rationale=(
        "The contract (§9.1) takes a pod out of its Service after failureThreshold failed readiness checks, "
        "periodSeconds apart, the same in every environment."
    ),
    remediation=(
        "Set readinessProbe.periodSeconds to {{ contract.apps.*.probes.readiness.periodSeconds }} and "
        "failureThreshold to {{ contract.apps.*.probes.readiness.failureThreshold }} (values "
        "`probes.readiness`)."
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
          readinessProbe:
            httpGet: {path: /health, port: 8000}
            periodSeconds: 20   # expect: TL204
""",
    origin=__name__,
    check=_timing("readiness"),
    fix=Fix(
        safety="safe",
        contract=("apps", "{app}", "probes", "readiness", "{field}"),
        fields=("periodSeconds", "failureThreshold"),
    ),
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [PROBE_MISSING, PROBE_HANDLER, PROBE_ENDPOINT, LIVENESS_PROBE_TIMING, READINESS_PROBE_TIMING]
