"""The kind groups, declared once (kube-linter's `objectkinds`): which kinds run pods, where their pod
template lives, which select their own pods, which run the app itself.

Rules name a group instead of listing kinds, and a policy's `kinds:` may name one too (`kinds:
DeploymentLike`, or a list mixing groups and kinds). A group's name is never a Kubernetes kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from todolint.models import FieldPath


@dataclass(frozen=True)
class KindGroup:
    """A named set of kinds, in the order `todolint` documents them."""

    name: str
    kinds: tuple[str, ...]
    summary: str


#: Kinds whose objects hold a pod template, and its path (a bare Pod is its own template: path ()).
POD_TEMPLATE_PATHS: Mapping[str, FieldPath] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "DeploymentConfig": ("spec", "template"),  # OpenShift's apps.openshift.io/v1
}

DEPLOYMENT_LIKE = KindGroup(
    "DeploymentLike",
    (*POD_TEMPLATE_PATHS, "Pod"),
    "every kind that runs pods, whatever app it belongs to: what the generic rules (TL5xx) look at",
)
WORKLOAD = KindGroup(
    "Workload",
    tuple(kind for kind in DEPLOYMENT_LIKE.kinds if kind != "DeploymentConfig"),
    "the kinds that run pods of the contract's apps: what the contract rules look at",
)
LONG_RUNNING = KindGroup(
    "LongRunning",
    ("Deployment", "StatefulSet", "DaemonSet"),
    "workloads that run the app itself; Jobs, CronJobs, bare Pods and Helm hooks only help it",
)
SELECTING = KindGroup(
    "Selecting",
    ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"),
    "workloads whose spec.selector.matchLabels must select their own pod template",
)

#: Every group by name, as a policy's `kinds:` names it.
KIND_GROUPS: Mapping[str, KindGroup] = {
    group.name: group for group in (DEPLOYMENT_LIKE, WORKLOAD, LONG_RUNNING, SELECTING)
}


def expand_kinds(names: Iterable[str]) -> tuple[str, ...]:
    """Kinds and group names → the kinds they stand for, each once, in the order named."""
    kinds: dict[str, None] = {}
    for name in names:
        group = KIND_GROUPS.get(name)
        kinds.update(dict.fromkeys(group.kinds if group is not None else (name,)))
    return tuple(kinds)
