"""Network paths (spec §5, §7.2): the NetworkPolicies that select an app's pods, combined as Kubernetes
combines them, leave open the paths the app needs: the backend to its external database, the frontend
to the backend (the backend's ingress and the frontend's egress), and each of them to the cluster's DNS.

What NetworkPolicies allow is `todolint.rules.network_policies`'; this module says which paths the
contract's apps need and reports the ones that are surely cut.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from todolint.contract import Contract
from todolint.models import Hit, Manifest, Severity
from todolint.rules.apps import app_containers, app_port, app_workloads, same_namespace
from todolint.rules.base import EnvContext, Rule
from todolint.rules.database import URL_KEY
from todolint.rules.generic import selector_selects
from todolint.rules.network_policies import (
    EGRESS,
    INGRESS,
    Isolation,
    Pods,
    Port,
    allows,
    cluster_dns,
    isolation,
    names_a_port,
    namespace_of,
    outside_cluster,
    selects_pods,
)
from todolint.rules.pods import containers, pod_labels, pod_spec
from todolint.rules.shape import dig

#: The cluster DNS's port; resolvers ask over UDP first.
DNS_PORT = Port((53,), "UDP")
#: What an egress rule to the cluster's DNS looks like, for the messages.
DNS_RULE = "a namespaceSelector with a podSelector matching k8s-app: kube-dns, on UDP and TCP 53"

_Workloads = Sequence[tuple[Manifest, str]]


def check_network_paths(ctx: EnvContext) -> Iterator[Hit]:
    """TL380: every path an app needs that the NetworkPolicies selecting its pods cut."""
    link = ctx.contract.api_url
    database_apps = _database_apps(ctx.contract)
    workloads = [(w, app) for w, app in app_workloads(ctx) if not _host_network(w)]
    for workload, app in workloads:
        selecting = _selecting(ctx, workload)
        if not selecting:
            continue
        egress = isolation(selecting, EGRESS)
        if egress is not None:
            cuts: list[str] = []
            if app in database_apps:
                cuts += _database_cut(ctx, egress)
            if app == link.from_app:
                cuts += _backend_cut(ctx, egress, workload, [(w, a) for w, a in workloads if a == link.to_app])
            if app in database_apps or app == link.from_app:
                needs = "the backend Service's name" if app == link.from_app else "the database's host name"
                if allows(egress, cluster_dns, DNS_PORT) is False:
                    cuts.append(f"UDP 53 to the cluster's DNS, so the pods cannot resolve {needs} (allow {DNS_RULE})")
            if cuts:
                yield _hit(egress, workload, "no egress rule allows", cuts)
        ingress = isolation(selecting, INGRESS)
        if ingress is not None and app == link.to_app:
            frontends = [(w, a) for w, a in workloads if a == link.from_app]
            cuts = list(_frontend_cut(ctx, ingress, workload, app, frontends))
            if cuts:
                yield _hit(ingress, workload, "no ingress rule admits", cuts)


NETWORK_PATHS = Rule(
    code="TL380",
    name="network-paths",
    category="network",
    severity=Severity.ERROR,
    summary=(
        "The NetworkPolicies selecting an app's pods let the backend reach an address outside the cluster on "
        "a database port, admit the frontend's pods on the backend's port, let the frontend reach the "
        "backend's pods on it, and let both reach the cluster's DNS."
    ),
    rationale=(
        "A pod is isolated for a direction once any NetworkPolicy of its namespace selects it with that "
        "direction in its policyTypes (Ingress when the field is absent, Egress too when the policy has egress "
        "rules); it then accepts or opens only the union of those policies' rules. Such policies render and "
        "validate fine, yet one without egress to the internet on a database port "
        "({{ contract.database.ports | first 3 }}: any counts) leaves the backend without its external "
        "database (§1), and one that does not admit the frontend's pods on the backend's port "
        "({{ contract.apps.*.port }}, or the port its container declares instead) breaks §5.1. Selectors, "
        "ipBlock with except, named ports and endPort are read as Kubernetes reads them, and only a surely "
        "cut path is reported: an ipBlock that leaves a public address allowed reaches outside the cluster "
        "(0.0.0.0/0 except 10.0.0.0/8 does), a namespace's labels other than its name and the labels of pods "
        "not rendered are unknown, and a named port never matches an address outside the cluster."
    ),
    remediation=(
        "Add the rule that allows the path to one of the policies named: an egress rule to an ipBlock "
        "(0.0.0.0/0 except the cluster's pod and Service CIDRs) on the database port; an ingress rule from "
        "a podSelector matching the frontend's pods on the backend port (its number or its container "
        "port's name); an egress rule from the frontend to the backend's pods on it; DNS egress on UDP and "
        "TCP 53. A policy that selects no pod of the app changes nothing."
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
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: todo-backend-dev
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/name: todo-backend}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{podSelector: {}}]
      ports: [{port: http}]
  egress:   # expect: TL380
    - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
    - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
      ports: [{port: 5432}]
""",
    relational=True,
    origin=__name__,
    check=check_network_paths,
)


def _hit(isolation: Isolation, workload: Manifest, verb: str, cuts: list[str]) -> Hit:
    policy, path = isolation.blamed()
    direction = isolation.direction.lower()
    return Hit(
        f"{direction} of the pods of {workload.kind} {workload.name} is isolated ({isolation.names()}) and "
        f"{verb} {'; nor '.join(cuts)}",
        manifest=policy,
        path=path,
    )


def _database_apps(contract: Contract) -> set[str]:
    """The apps that connect to the database: those that read its URL (the backend)."""
    return {name for name, app in contract.applications.items() if URL_KEY in (*app.secret_keys, *app.config_keys)}


def _host_network(workload: Manifest) -> bool:
    """Pods on the node's network, which NetworkPolicies do not govern."""
    located = pod_spec(workload)
    return located is not None and located[1].get("hostNetwork") is True


def _selecting(ctx: EnvContext, workload: Manifest) -> tuple[Manifest, ...]:
    """The NetworkPolicies of the workload's namespace whose podSelector selects its pods."""
    labels = pod_labels(workload)
    return tuple(
        policy
        for policy in ctx.of_kind("NetworkPolicy")
        if same_namespace(policy, workload) and selector_selects(dig(policy.obj, ("spec", "podSelector")), labels)
    )


def _pods(workload: Manifest) -> Pods:
    named: dict[str, tuple[int, str]] = {}
    for container in containers(workload):
        for _, port in container.ports():
            name, number = port.get("name"), port.get("containerPort")
            if isinstance(name, str) and isinstance(number, int) and not isinstance(number, bool):
                named.setdefault(name, (number, str(port.get("protocol") or "TCP")))
    return Pods(pod_labels(workload), namespace_of(workload), named)


def _app_ports(ctx: EnvContext, workload: Manifest | None, app: str) -> tuple[int, ...]:
    """The port the app's pods are reached on: the contract's, or the TCP ports the app container declares
    when none of them is the contract's (container-port reports that)."""
    want = app_port(ctx.contract, app)
    declared = sorted(
        {
            number
            for container in (app_containers(ctx, workload, app) if workload is not None else ())
            for _, port in container.ports()
            if (port.get("protocol") or "TCP") == "TCP"
            and isinstance(number := port.get("containerPort"), int)
            and not isinstance(number, bool)
        }
    )
    if want is not None and (not declared or want in declared):
        return (want,)
    return tuple(declared)


def _ports_text(numbers: Sequence[int]) -> str:
    return " or ".join(str(n) for n in numbers)


def _matching(ctx: EnvContext, labels: Any, app: str) -> str:
    """A selector that matches pods with these labels, as a message writes it."""
    keys = [k for k in ctx.contract.selector_labels if isinstance(labels, Mapping) and k in labels]
    if keys:
        return f"{keys[0]}: {labels[keys[0]]}"
    if isinstance(labels, Mapping) and labels:
        key = next(iter(labels))
        return f"{key}: {labels[key]}"
    return f"{ctx.contract.selector_labels[0]}: {app}" if ctx.contract.selector_labels else f"the {app} pods' labels"


def _database_cut(ctx: EnvContext, egress: Isolation) -> list[str]:
    ports = ctx.contract.database.ports
    if not ports or allows(egress, outside_cluster, Port(tuple(ports), "TCP", {})) is not False:
        return []
    more = " (or another database port)" if len(ports) > 1 else ""
    note = (
        "; a named port names a pod's container port, never an address outside the cluster"
        if names_a_port(egress, outside_cluster)
        else ""
    )
    return [
        f"TCP {ports[0]}{more} to an address outside the cluster, so the pods cannot reach the external "
        f"database (allow an ipBlock such as 0.0.0.0/0 except the cluster's pod and Service CIDRs on TCP "
        f"{ports[0]}{note})"
    ]


def _backend_cut(ctx: EnvContext, egress: Isolation, frontend: Manifest, backends: _Workloads) -> list[str]:
    """The frontend's egress to the backend's pods: any backend workload of its namespace (of the
    environment, when none is there) reachable is enough; unknown pods when none is rendered."""
    backend = ctx.contract.api_url.to_app
    near = [w for w, _ in backends if same_namespace(w, frontend)] or [w for w, _ in backends]
    ends: list[tuple[Manifest | None, Pods, tuple[int, ...]]] = [
        (w, _pods(w), _app_ports(ctx, w, backend)) for w in near
    ] or [(None, Pods(None, namespace_of(frontend), None), _app_ports(ctx, None, backend))]
    if not all(numbers for _, _, numbers in ends):
        return []
    reached = [allows(egress, selects_pods(pods), Port(numbers, "TCP", pods.named_ports)) for _, pods, numbers in ends]
    if any(r is not False for r in reached):
        return []
    workload, pods, numbers = ends[0]
    who = f"the pods of {workload.kind} {workload.name}" if workload is not None else f"the {backend} pods"
    return [
        f"{who} on TCP {_ports_text(numbers)}, so the frontend cannot reach the backend (§5.1) (allow a "
        f"podSelector matching {_matching(ctx, pods.labels, backend)} on TCP {numbers[0]})"
    ]


def _frontend_cut(
    ctx: EnvContext, ingress: Isolation, backend: Manifest, app: str, frontends: _Workloads
) -> Iterator[str]:
    """The backend's ingress from each frontend workload of its namespace (of the environment, when none
    is there); from any pod of its namespace when no frontend is rendered."""
    numbers = _app_ports(ctx, backend, app)
    if not numbers:
        return
    port = Port(numbers, "TCP", _pods(backend).named_ports)
    frontend = ctx.contract.api_url.from_app
    near = [w for w, _ in frontends if same_namespace(w, backend)] or [w for w, _ in frontends]
    ends: list[tuple[Manifest | None, Pods]] = [(w, _pods(w)) for w in near] or [
        (None, Pods(None, namespace_of(backend), None))
    ]
    for workload, pods in ends:
        if allows(ingress, selects_pods(pods), port) is not False:
            continue
        if workload is not None:
            who = f"the pods of {workload.kind} {workload.name}"
        else:
            who = f"any pod of namespace {pods.namespace}" if pods.namespace else "any pod"
        yield (
            f"{who} on port {_ports_text(numbers)}, so the frontend cannot reach the backend (§5.1) (admit a "
            f"podSelector matching {_matching(ctx, pods.labels, frontend)} on port {numbers[0]})"
        )


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [NETWORK_PATHS]
