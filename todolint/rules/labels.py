"""Labels (spec §4.1, §4.2): the five standard labels on every rendered object, the selector labels (or all five,
by contract setting) on every pod template, and release-wide agreement where no Chart.yaml says the values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from todolint.models import FieldPath, Hit, Manifest, Severity, Target
from todolint.rules.apps import (
    chart_of,
    recognise_app,
    subchart_of,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import WORKLOAD
from todolint.rules.pods import pod_template_path
from todolint.rules.shape import as_map, dig


def _text(value: Any) -> str | None:
    if isinstance(value, str):  # most label values: the slower checks below are for the rest
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def expected_labels(ctx: EnvContext, manifest: Manifest, app: str | None) -> dict[str, str | None]:
    """Each contract label and its expected value; None when the value cannot be known (no Chart.yaml)."""
    chart = chart_of(ctx, manifest)
    meta = chart.meta if chart is not None else {}
    chart_version = _text(meta.get("version"))
    chart_name = _text(meta.get("name"))
    known = {
        "app": app,
        "release": manifest.target.release or None,
        "app_version": _text(meta.get("appVersion")),
        "chart": chart_name,
        "chart_version": chart_version,
    }
    out: dict[str, str | None] = {}
    for label, pattern in ctx.contract.labels.items():
        try:
            value = pattern.format_map({k: v if v is not None else _Unknown() for k, v in known.items()})
        except (KeyError, IndexError, ValueError, _UnknownError):
            out[label] = None
            continue
        if label == "helm.sh/chart":
            # Helm's own convention (`helm create`): '+' is not allowed in label values.
            value = value.replace("+", "_")[:63].rstrip("-")
        out[label] = value
    return out


class _UnknownError(Exception):
    pass


class _Unknown:
    def __format__(self, spec: str) -> str:
        raise _UnknownError


def _pod_template_required(ctx: EnvContext) -> frozenset[str] | None:
    """The labels a pod template must carry: the selector labels, or None for all (`pod_template_labels`)."""
    if ctx.contract.pod_template_labels == "all":
        return None
    return frozenset(ctx.contract.selector_labels)


def _check_labels(
    manifest: Manifest,
    labels: Mapping[str, Any],
    labels_path: FieldPath,
    expected: Mapping[str, str | None],
    where: str,
    required: frozenset[str] | None = None,
) -> Iterator[Hit]:
    """One finding per labels block, listing every label missing (of `required`; None: all) or wrong."""
    missing = [
        (label, value)
        for label, value in expected.items()
        if label not in labels and (required is None or label in required)
    ]
    wrong = [
        (label, value, labels[label])
        for label, value in expected.items()
        if label in labels and value is not None and _text(labels[label]) != value
    ]
    if not missing and not wrong:
        return
    if len(missing) == 1 and not wrong:
        label, value = missing[0]
        shown = f" {value!r}" if value is not None else ""
        yield Hit(f"{where} lacks label {label}{shown}", manifest=manifest, path=labels_path)
        return
    if len(wrong) == 1 and not missing:
        label, value, found = wrong[0]
        yield Hit(
            f"{where} label {label}: expected {value!r}, found {found!r}", manifest=manifest, path=(*labels_path, label)
        )
        return
    parts = []
    if missing:
        parts.append(
            "lacks " + ", ".join(label + (f" {value!r}" if value is not None else "") for label, value in missing)
        )
    if wrong:
        parts.append(
            "wrong " + ", ".join(f"{label} (expected {value!r}, found {found!r})" for label, value, found in wrong)
        )
    yield Hit(f"{where} labels: {'; '.join(parts)}", manifest=manifest, path=labels_path)


def _expected_for(
    ctx: EnvContext, manifest: Manifest, known: dict[Any, dict[str, str | None]]
) -> dict[str, str | None]:
    # What the labels should be depends only on this key: worked out once per key, not once per object.
    app = recognise_app(ctx, manifest)
    target = manifest.target
    key = (app, target.release, target.chart_path, subchart_of(manifest) if target.chart_path else "")
    expected = known.get(key)
    if expected is None:
        expected = known[key] = expected_labels(ctx, manifest, app)
    return expected


def check_standard_labels(ctx: EnvContext) -> Iterator[Hit]:
    """TL100: every labels block (object, pod template) that lacks a standard label or has a wrong value."""
    known: dict[Any, dict[str, str | None]] = {}
    required = _pod_template_required(ctx)
    for manifest in ctx.manifests:
        expected = _expected_for(ctx, manifest, known)
        if not expected:
            return
        where = manifest.kind or "object"
        yield from _check_labels(manifest, manifest.labels, ("metadata", "labels"), expected, where)
        template = pod_template_path(manifest)
        # The pod templates of the contract's workloads: a DeploymentConfig's are the generic rules'.
        if template and manifest.kind in WORKLOAD.kinds:
            path = (*template, "metadata", "labels")
            labels = as_map(dig(manifest.obj, path))
            yield from _check_labels(manifest, labels, path, expected, "pod template", required)


STANDARD_LABELS = Rule(
    code="TL100",
    name="standard-labels",
    category="labels",
    severity=Severity.ERROR,
    summary=(
        "Every object carries the standard labels with the contract's values; pod templates carry the selector "
        "labels, and any standard label they carry has its value."
    ),
    rationale=(
        "The contract (§4.1) labels everything with {{ contract.labels }}. Dashboards, `kubectl get -l`, "
        "NetworkPolicies and selectors find the app's objects by them. Pods must carry the selector labels "
        "({{ contract.selector_labels | and }}, §4.2); the full set on pod templates is `pod_template_labels: "
        "all`. An app recognised by anything but its name label has a wrong name label. One finding per labels "
        "block."
    ),
    remediation=(
        "Put the chart's `labels` helper (as `helm create` writes it) under metadata.labels of every template "
        "and the `selectorLabels` helper (or `labels`) on the pod template; set name/version in Chart.yaml. "
        "Label patterns are `labels` in contract.yaml."
    ),
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
  labels:
    app.kubernetes.io/name: backend   # expect: TL100
    app.kubernetes.io/instance: todo-backend-dev
    app.kubernetes.io/version: "1.0.0"
    app.kubernetes.io/managed-by: Helm
    helm.sh/chart: todo-backend-0.1.0
""",
    origin=__name__,
    check=check_standard_labels,
)


def _unknowable(ctx: EnvContext, manifest: Manifest, known: dict[Any, dict[str, str | None]]) -> list[str]:
    """Labels whose value cannot be known (no Chart.yaml) and is the same for every object of a release."""
    patterns = ctx.contract.labels
    return [
        label
        for label, value in _expected_for(ctx, manifest, known).items()
        if value is None and "{app}" not in patterns[label]
    ]


def check_label_agreement(ctx: EnvContext) -> Iterator[Hit]:
    """TL101: labels no Chart.yaml says, where they differ from the rest of their release or workload."""
    known: dict[Any, dict[str, str | None]] = {}
    groups: dict[tuple[Target, str], list[Manifest]] = {}
    for manifest in ctx.manifests:
        groups.setdefault((manifest.target, subchart_of(manifest)), []).append(manifest)
    for members in groups.values():
        labels = _unknowable(ctx, members[0], known)
        if not labels:
            continue
        common: dict[str, Any] = {}
        for label in labels:
            values = Counter(_text(m.labels[label]) for m in members if label in m.labels)
            if values:
                common[label] = values.most_common(1)[0][0]  # ties: the first seen
        for manifest in members:
            yield from _disagreeing(manifest, manifest.labels, ("metadata", "labels"), common, manifest.kind, "release")
            template = pod_template_path(manifest)
            if template and manifest.kind in WORKLOAD.kinds:
                own = {label: _text(manifest.labels[label]) for label in labels if label in manifest.labels}
                path = (*template, "metadata", "labels")
                wanted = {**common, **own}
                labels_there = as_map(dig(manifest.obj, path))
                yield from _disagreeing(manifest, labels_there, path, wanted, "pod template", manifest.kind)


RELEASE_LABEL_AGREEMENT = Rule(
    code="TL101",
    name="release-label-agreement",
    category="labels",
    severity=Severity.ERROR,
    summary=(
        "Without a Chart.yaml (pre-rendered input), app.kubernetes.io/version and helm.sh/chart agree across "
        "the objects of one release, and a pod template's agree with its workload's."
    ),
    rationale=(
        "The version and chart labels come from one Chart.yaml per release: objects of one release that "
        "disagree were rendered from two versions, or one template hard-codes what the helper computes. "
        "The contract (§4.1) cannot say the value without the chart, but one release has one."
    ),
    remediation="Render every label from the chart's `labels` helper; check the template that writes its own.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-backend-dev
  labels: {app.kubernetes.io/version: "1.0.0"}
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: todo-backend
        app.kubernetes.io/instance: todo-backend-dev
        app.kubernetes.io/version: "0.9.0"   # expect: TL101
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
""",
    origin=__name__,
    check=check_label_agreement,
)


def _disagreeing(
    manifest: Manifest,
    labels: Mapping[str, Any],
    path: FieldPath,
    wanted: Mapping[str, Any],
    where: str,
    whose: str,
) -> Iterator[Hit]:
    wrong = [(k, v, labels[k]) for k, v in wanted.items() if k in labels and _text(labels[k]) != v]
    if wrong:
        shown = ", ".join(f"{k} {found!r} (the {whose}'s is {v!r})" for k, v, found in wrong)
        yield Hit(
            f"{where} label disagrees with the {whose}: {shown}",
            manifest=manifest,
            path=(*path, wrong[0][0]) if len(wrong) == 1 else path,
        )


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [STANDARD_LABELS, RELEASE_LABEL_AGREEMENT]
