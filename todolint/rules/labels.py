"""Labels (spec §4.1): the five standard labels on every rendered object and on every pod template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from todolint.models import FieldPath, Hit, Manifest, Severity
from todolint.rules.apps import as_map, chart_meta, dig, pod_template_path, resolve_app, subchart_of
from todolint.rules.base import EnvContext, Rule


def _text(value: Any) -> str | None:
    if isinstance(value, str):  # most label values: the slower checks below are for the rest
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def expected_labels(ctx: EnvContext, manifest: Manifest, app: str | None) -> dict[str, str | None]:
    """Each contract label and its expected value; None when the value cannot be known (no Chart.yaml)."""
    meta = chart_meta(ctx, manifest)
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
    for label, pattern in as_map(ctx.contract.data.get("labels")).items():
        if not isinstance(pattern, str):
            out[label] = None
            continue
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


def _check_labels(
    manifest: Manifest,
    labels: Mapping[str, Any],
    labels_path: FieldPath,
    expected: Mapping[str, str | None],
    where: str,
) -> Iterator[Hit]:
    for label, value in expected.items():
        if label not in labels:
            shown = f" {value!r}" if value is not None else ""
            yield Hit(f"{where} lacks label {label}{shown}", manifest=manifest, path=labels_path)
        elif value is not None and _text(labels[label]) != value:
            found = labels[label]
            yield Hit(
                f"{where} label {label}: expected {value!r}, found {found!r}",
                manifest=manifest,
                path=(*labels_path, label),
            )


def check_standard_labels(ctx: EnvContext) -> Iterator[Hit]:
    # What the labels should be depends only on this key: worked out once per key, not once per object.
    known: dict[tuple[str | None, str, str, str], dict[str, str | None]] = {}
    for manifest in ctx.manifests:
        app = resolve_app(ctx, manifest)
        target = manifest.target
        key = (app, target.release, target.chart_path, subchart_of(manifest) if target.chart_path else "")
        expected = known.get(key)
        if expected is None:
            expected = known[key] = expected_labels(ctx, manifest, app)
        if not expected:
            return
        where = manifest.kind or "object"
        yield from _check_labels(manifest, manifest.labels, ("metadata", "labels"), expected, where)
        template = pod_template_path(manifest)
        if template:
            path = (*template, "metadata", "labels")
            yield from _check_labels(manifest, as_map(dig(manifest.obj, path)), path, expected, "pod template")


def rules() -> list[Rule]:
    return [
        Rule(
            "TL100",
            "standard-labels",
            "labels",
            Severity.ERROR,
            "Every object and pod template carries the five standard labels with the contract's values.",
            "The contract (§4.1) labels everything with app.kubernetes.io/name (the app), /instance (the release), "
            "/version (Chart appVersion), /managed-by: Helm and helm.sh/chart ({chart}-{version}). Dashboards, "
            "`kubectl get -l`, NetworkPolicies and selectors find the app's objects by them.",
            "Put the chart's `labels` helper (as `helm create` writes it) under metadata.labels of every template "
            "and of the pod template; set name/version in Chart.yaml. Label patterns are `labels` in contract.yaml.",
            "metadata:\n  labels:\n    app.kubernetes.io/name: backend   # expect: TL100 ('todo-backend' expected)",
            origin="todolint.rules.labels",
            check=check_standard_labels,
        )
    ]
