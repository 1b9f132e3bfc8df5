"""Every pod an object runs and every container in it, whatever app the object belongs to.

The generic rules (TL5xx) look at any workload: a third-party sidecar chart or an OpenShift
`DeploymentConfig` runs pods as much as the app's Deployment does. The contract rules keep to
`todolint.rules.apps`, whose kind table is the contract's; this one adds the kinds that only a generic
check has reason to read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from todolint.models import FieldPath, Manifest
from todolint.rules.apps import POD_TEMPLATE_PATHS, Container, as_list, as_map, dig

#: Kinds whose pod template the generic rules read, and where it lives (kube-linter's `DeploymentLike`).
GENERIC_POD_TEMPLATE_PATHS: Mapping[str, FieldPath] = {
    **POD_TEMPLATE_PATHS,
    "DeploymentConfig": ("spec", "template"),  # OpenShift's apps.openshift.io/v1
}
POD_KINDS: tuple[str, ...] = (*GENERIC_POD_TEMPLATE_PATHS, "Pod")


def pod_template_of(manifest: Manifest) -> FieldPath | None:
    """Path of the pod template (metadata + spec); () for a bare Pod; None for anything else."""
    if manifest.kind == "Pod":
        return ()
    return GENERIC_POD_TEMPLATE_PATHS.get(manifest.kind)


def pod_spec_of(manifest: Manifest) -> tuple[FieldPath, Mapping[str, Any]] | None:
    """(path, pod spec) of any pod-running object; None when it runs none or the spec is no mapping."""
    template = pod_template_of(manifest)
    if template is None:
        return None
    path = (*template, "spec")
    spec = dig(manifest.obj, path)
    return (path, spec) if isinstance(spec, Mapping) else None


def pod_labels_of(manifest: Manifest) -> Mapping[str, Any]:
    template = pod_template_of(manifest)
    if template is None:
        return {}
    return as_map(dig(manifest.obj, (*template, "metadata", "labels")))


def every_container(manifest: Manifest) -> tuple[Container, ...]:
    """Init containers, then containers, of any pod-running object (worked out once per object)."""
    found: tuple[Container, ...] | None = manifest.memo.get("generic-containers")
    if found is None:
        found = ()
        located = pod_spec_of(manifest)
        if located is not None:
            path, spec = located
            found = tuple(
                Container((*path, key, index), item)
                for key in ("initContainers", "containers")
                for index, item in enumerate(as_list(spec.get(key)))
                if isinstance(item, Mapping)
            )
        manifest.memo["generic-containers"] = found
    return found
