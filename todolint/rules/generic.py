"""The generic checks that a declarative policy cannot express (TL5xx): they compare a container with
its pod (run-as-non-root), entries of one list with each other (duplicate-env-var), or pods with the
NetworkPolicies of their namespace (non-isolated-pod).

Like the policies of the pack, they look at every pod-running object, whatever its app, and never print
an environment variable's value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from todolint.models import FieldPath, Hit, Manifest, Severity
from todolint.rules.apps import same_namespace
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import DEPLOYMENT_LIKE
from todolint.rules.pods import Container, all_containers, pod_labels, pod_spec, pod_template_path
from todolint.rules.shape import as_list, as_map, dig


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _effective(field: str, container: Container, pod: FieldPath, spec: Mapping[str, Any]) -> tuple[Any, FieldPath]:
    """A securityContext field as the kubelet reads it, and where it is written: the container's, else
    the pod's (`pod` is the pod spec's path)."""
    own = as_map(container.spec.get("securityContext"))
    if field in own:
        return own[field], (*container.path, "securityContext", field)
    return as_map(spec.get("securityContext")).get(field), (*pod, "securityContext", field)


def _root_problem(container: Container, pod: FieldPath, spec: Mapping[str, Any]) -> tuple[str, FieldPath] | None:
    """What makes the container run as root, or in group root, and where; None when it cannot."""
    user, user_at = _effective("runAsUser", container, pod, spec)
    if _is_int(user) and user == 0:
        return "runs as user 0 (root)", user_at
    group, group_at = _effective("runAsGroup", container, pod, spec)
    if _is_int(group) and group == 0:
        return "runs as group 0 (root)", group_at
    if _effective("runAsNonRoot", container, pod, spec)[0] is True or (_is_int(user) and user > 0):
        return None
    return "is not set to runAsNonRoot (nor to a non-zero runAsUser)", (*container.path, "securityContext")


def check_run_as_non_root(ctx: EnvContext) -> Iterator[Hit]:
    """TL520: every container that may run as root, or in group root."""
    for manifest in ctx.of_kind(*DEPLOYMENT_LIKE.kinds):
        located = pod_spec(manifest)
        if located is None:
            continue
        for container in all_containers(manifest):
            problem = _root_problem(container, *located)
            if problem is not None:
                text, path = problem
                yield Hit(f'container "{container.name or "?"}" {text}', manifest=manifest, path=path)


RUN_AS_NON_ROOT = Rule(
    code="TL520",
    name="run-as-non-root",
    category="security",
    severity=Severity.WARNING,
    summary=(
        "A container may run as root: neither it nor its pod sets runAsNonRoot: true or a non-zero "
        "runAsUser (or it runs as user or group 0)."
    ),
    rationale=(
        "A process that runs as root in its container is root on the node once it escapes, and "
        "owns every file of the image. The container's securityContext wins over the pod's, as the kubelet "
        "reads them. Group 0 is reported too (kube-linter does): files of the image are often writable by "
        "group root."
    ),
    remediation=(
        "Set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser` on the pod (the "
        "project charts use 1001), and build the image to run as that user."
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
      securityContext: {}
      containers:
        - name: todo-backend   # expect: TL520
          image: todo-backend:1.0.0
""",
    origin=__name__,
    check=check_run_as_non_root,
)


def check_duplicate_env_var(ctx: EnvContext) -> Iterator[Hit]:
    """TL550: every environment variable a container sets a second time."""
    for manifest in ctx.of_kind(*DEPLOYMENT_LIKE.kinds):
        for container in all_containers(manifest):
            seen: dict[str, int] = {}
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                name = as_map(entry).get("name")
                if not isinstance(name, str):
                    continue  # no name, or not a string: TL010's finding
                if name in seen:
                    yield Hit(
                        f'container "{container.name or "?"}" sets the environment variable {name} twice '
                        f"(env[{seen[name]}] and env[{index}]); only the last one counts",
                        manifest=manifest,
                        path=(*container.path, "env", index, "name"),
                    )
                else:
                    seen[name] = index


DUPLICATE_ENV_VAR = Rule(
    code="TL550",
    name="duplicate-env-var",
    category="workloads",
    severity=Severity.WARNING,
    summary="A container sets the same environment variable twice.",
    rationale=(
        "Only the last entry counts, silently: the first is dead text that a reader takes for the "
        "value, and a later edit to it changes nothing."
    ),
    remediation="Keep one entry per variable in `env`.",
    example="""\
# todolint: chart=todo-frontend env=dev release=todo-frontend-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-frontend-dev
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-frontend, app.kubernetes.io/instance: todo-frontend-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: todo-frontend, app.kubernetes.io/instance: todo-frontend-dev}
    spec:
      containers:
        - name: todo-frontend
          image: todo-frontend:1.0.0
          env:
            - name: NODE_ENV
              value: development
            - name: NODE_ENV   # expect: TL550
              value: production
""",
    # A second DATABASE_URL with a literal value is the secret rules' finding on that entry.
    defers_to=("TL310", "TL312"),
    origin=__name__,
    check=check_duplicate_env_var,
)


_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _expression_holds(expression: Mapping[str, Any], labels: Mapping[str, Any]) -> bool | None:
    """One `matchExpressions` entry against pod labels; None when the entry is malformed."""
    key, operator, values = expression.get("key"), expression.get("operator"), as_list(expression.get("values"))
    if not isinstance(key, str) or operator not in _OPERATORS:
        return None
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    inside = key in labels and labels[key] in values
    return inside if operator == "In" else not inside


def selector_selects(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a Kubernetes label selector selects `labels`; an empty selector selects every pod, a
    malformed one none (a NetworkPolicy the API server would refuse isolates nothing)."""
    if not isinstance(selector, Mapping):
        return False
    match = selector.get("matchLabels") or {}
    if not isinstance(match, Mapping) or any(labels.get(k) != v for k, v in match.items()):
        return False
    for expression in as_list(selector.get("matchExpressions")):
        if not isinstance(expression, Mapping) or not _expression_holds(expression, labels):
            return False
    return True


_Index = tuple[dict[tuple[str, Any], list[Manifest]], list[Manifest]]


def _policy_index(ctx: EnvContext) -> _Index:
    """The environment's NetworkPolicies by one label their podSelector requires (a pod lacking it is
    not selected), and those that require none; built once, so that each workload meets only the
    policies that may select it, not every policy of the environment."""
    index: _Index | None = ctx.memo.get(("network-policies",))
    if index is None:
        required: list[tuple[Manifest, list[tuple[str, Any]]]] = []
        open_ended: list[Manifest] = []
        shared: dict[tuple[str, Any], int] = {}
        for policy in ctx.of_kind("NetworkPolicy"):
            items = list(as_map(as_map(dig(policy.obj, ("spec", "podSelector"))).get("matchLabels")).items())
            try:
                for item in items:
                    shared[item] = shared.get(item, 0) + 1
            except TypeError:  # a list or map as a value: no label equals it, selector_selects decides
                items = []
            if items:
                required.append((policy, items))
            else:
                open_ended.append(policy)
        by_label: dict[tuple[str, Any], list[Manifest]] = {}
        for policy, items in required:
            # Under its rarest label (the release's instance, not the app's name that every release shares).
            by_label.setdefault(min(items, key=lambda item: shared[item]), []).append(policy)
        index = ctx.memo[("network-policies",)] = (by_label, open_ended)
    return index


def _isolated(ctx: EnvContext, workload: Manifest) -> bool:
    labels = pod_labels(workload)
    by_label, open_ended = _policy_index(ctx)
    candidates = list(open_ended)
    for item in labels.items():
        try:
            candidates += by_label.get(item, ())
        except TypeError:  # a list or map as a label value: in no index
            continue
    return any(
        same_namespace(policy, workload) and selector_selects(dig(policy.obj, ("spec", "podSelector")), labels)
        for policy in candidates
    )


def check_non_isolated_pod(ctx: EnvContext) -> Iterator[Hit]:
    """TL540: every pod-running object whose pods no NetworkPolicy selects."""
    # Policies of a chart that failed to render are not seen, as when each chart is linted alone: a
    # chart's findings never depend on which other charts are linted with it.
    for workload in ctx.of_kind(*DEPLOYMENT_LIKE.kinds):
        if _isolated(ctx, workload):
            continue
        template = pod_template_path(workload) or ()
        yield Hit(
            f"no NetworkPolicy selects the pods of this {workload.kind}: they accept traffic from every "
            "namespace, where the spec (§7.2) isolates each environment's namespace",
            manifest=workload,
            path=(*template, "metadata", "labels"),
        )


NON_ISOLATED_POD = Rule(
    code="TL540",
    name="non-isolated-pod",
    category="network",
    severity=Severity.WARNING,
    summary="No NetworkPolicy selects a workload's pods (spec §7.2: the namespaces are isolated).",
    rationale=(
        "The data model (§7.2) allows pod-to-pod traffic within a namespace only: {{ namespaces | and }} are "
        "isolated. Kubernetes lets every pod reach every other until a NetworkPolicy selects it; a chart that "
        "renders none leaves prod reachable from dev. Every NetworkPolicy rendered intact in the environment "
        "counts, from any chart."
    ),
    remediation=(
        "Render a NetworkPolicy per release whose podSelector selects the app's pods and whose "
        "ingress allows only the same namespace (the project charts' templates/networkpolicy.yaml)."
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
      labels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}   # expect: TL540
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
""",
    relational=True,
    origin=__name__,
    check=check_non_isolated_pod,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [RUN_AS_NON_ROOT, NON_ISOLATED_POD, DUPLICATE_ENV_VAR]
