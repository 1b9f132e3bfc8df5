"""Every pod an object runs and every container in it: where the pod template and pod spec of each kind
live (`todolint.rules.kinds`), read the same way for any object of any app.

Which objects a rule asks about is the rule's choice of kind group: the contract rules keep to
`WORKLOAD`, the generic rules take every `DEPLOYMENT_LIKE` kind (an OpenShift `DeploymentConfig` too).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from todolint.models import FieldPath, Manifest
from todolint.rules.kinds import LONG_RUNNING, POD_TEMPLATE_PATHS
from todolint.rules.shape import as_list, as_map, dig


@dataclass(frozen=True)
class Container:
    """One container of a workload, with its field path inside the object."""

    path: FieldPath
    spec: Mapping[str, Any]

    @property
    def name(self) -> str:
        """The container's name; "" when it has none."""
        name = self.spec.get("name")
        return name if isinstance(name, str) else ""

    @property
    def image(self) -> str:
        """The container's image; "" when it has none."""
        image = self.spec.get("image")
        return image if isinstance(image, str) else ""

    def ports(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """(index, entry) of each mapping in `ports`."""
        for index, port in enumerate(as_list(self.spec.get("ports"))):
            if isinstance(port, (dict, Mapping)):
                yield index, port

    def port_by_name(self, name: str) -> int | None:
        """The containerPort of the port named `name`, or None."""
        for _, port in self.ports():
            number = port.get("containerPort")
            if port.get("name") == name and isinstance(number, int) and not isinstance(number, bool):
                return number
        return None

    def port_numbers(self) -> set[int]:
        """Every whole-number containerPort."""
        return {
            p["containerPort"]
            for _, p in self.ports()
            if isinstance(p.get("containerPort"), int) and not isinstance(p.get("containerPort"), bool)
        }


def pod_template_path(manifest: Manifest) -> FieldPath | None:
    """Path of the pod template (metadata + spec); () for a bare Pod; None for a kind that runs no pods."""
    if manifest.kind == "Pod":
        return ()
    return POD_TEMPLATE_PATHS.get(manifest.kind)


def pod_spec(manifest: Manifest) -> tuple[FieldPath, Mapping[str, Any]] | None:
    """(path, pod spec) of a pod-running object; None when it runs none or the spec is no mapping."""
    template = pod_template_path(manifest)
    if template is None:
        return None
    path = (*template, "spec")
    spec = dig(manifest.obj, path)
    return (path, spec) if isinstance(spec, Mapping) else None


def pod_labels(manifest: Manifest) -> Mapping[str, Any]:
    """The labels of the object's pod template ({} when it has none)."""
    template = pod_template_path(manifest)
    return {} if template is None else as_map(dig(manifest.obj, (*template, "metadata", "labels")))


def containers(manifest: Manifest) -> tuple[Container, ...]:
    """The containers of a pod-running object, in order, init containers left out (worked out once per
    object)."""
    found: tuple[Container, ...] | None = manifest.memo.get("containers")
    if found is None:
        found = manifest.memo["containers"] = _containers(manifest, "containers")
    return found


def all_containers(manifest: Manifest) -> tuple[Container, ...]:
    """Init containers, then containers, of a pod-running object (worked out once per object)."""
    found: tuple[Container, ...] | None = manifest.memo.get("all-containers")
    if found is None:
        found = manifest.memo["all-containers"] = _containers(manifest, "initContainers") + containers(manifest)
    return found


def _containers(manifest: Manifest, key: str) -> tuple[Container, ...]:
    located = pod_spec(manifest)
    if located is None:
        return ()
    path, spec = located
    return tuple(
        Container((*path, key, index), item)
        for index, item in enumerate(as_list(spec.get(key)))
        if isinstance(item, (dict, Mapping))
    )


def is_long_running(manifest: Manifest) -> bool:
    """A Deployment, StatefulSet or DaemonSet that is not a Helm hook: the app container rules apply."""
    return manifest.kind in LONG_RUNNING.kinds and "helm.sh/hook" not in manifest.annotations
