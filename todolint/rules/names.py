"""Names (spec §2): objects are named after the release, are unique in their environment, and stay in the
environment's namespace."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Manifest, Severity
from todolint.rules.apps import app_objects, config_map_loaders, name_in, name_names_app, release_apps
from todolint.rules.base import EnvContext, Rule

#: Kinds the contract names that a chart renders (the Secret is pre-created: see the secrets rules).
RENDERED_NAMED_KINDS = ("Deployment", "Service", "ConfigMap")


def check_object_names(ctx: EnvContext) -> Iterator[Hit]:
    """TL120: every object whose name is not the contract's name for its kind, app and release."""
    for manifest, app in app_objects(ctx, *RENDERED_NAMED_KINDS):
        if not name_names_app(ctx.contract, manifest.kind) and len(release_apps(ctx, manifest.target)) > 1:
            continue  # no name fits both apps' objects: one-release-per-app reports each app's, once
        expected = name_in(ctx, manifest.kind, manifest.target.release, app)
        if expected is not None and manifest.name != expected:
            yield Hit(
                f"{manifest.kind} name: expected {expected!r}, found {manifest.name!r}",
                manifest=manifest,
                path=("metadata", "name"),
            )
    yield from _shared_config_names(ctx)


OBJECT_NAMES = Rule(
    code="TL120",
    name="object-names",
    category="names",
    severity=Severity.ERROR,
    summary=(
        "Objects are named after the release: Deployment {{ contract.names.Deployment }}, Service "
        "{{ contract.names.Service }}, ConfigMap {{ contract.names.ConfigMap }} (each app its own)."
    ),
    rationale=(
        "The contract's tables (§2.1, §2.2) name every object after the Helm release, so that two releases "
        "never collide and the frontend can reach the backend by a predictable name. (The spec's diagram "
        "draws `todo-backend`; the tables are the contract: patterns are `names` in contract.yaml.)"
    ),
    remediation=(
        "Name objects with `.Release.Name` (the `fullname` helper) and the suffixes of the `names` patterns; "
        "change `names` in contract.yaml to adopt another reading."
    ),
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: Service
metadata:
  name: todo-backend   # expect: TL120
spec:
  selector: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  ports:
    - port: 8000
""",
    origin=__name__,
    check=check_object_names,
)


def _shared_config_names(ctx: EnvContext) -> Iterator[Hit]:
    """A ConfigMap the workloads of both apps load: the contract gives each app its own."""
    for manifest in ctx.of_kind("ConfigMap"):
        apps = config_map_loaders(ctx, manifest)
        if len(apps) < 2:
            continue
        wanted = {app: name_in(ctx, "ConfigMap", manifest.target.release, app) for app in apps}
        if manifest.name in wanted.values() or None in wanted.values():
            continue
        if len(set(wanted.values())) == 1:  # one name for both (one release, no {app}): ask for that one
            expected = f"{next(iter(wanted.values()))!r}"
        else:
            expected = (
                "one ConfigMap per app (" + ", ".join(f"{name!r} for {app}" for app, name in wanted.items()) + ")"
            )
        yield Hit(
            f"ConfigMap name: expected {expected}, found {manifest.name!r} loaded by {' and '.join(apps)}",
            manifest=manifest,
            path=("metadata", "name"),
        )


def check_object_namespace(ctx: EnvContext) -> Iterator[Hit]:
    """TL121: every metadata.namespace that is not the environment's namespace."""
    for manifest in ctx.manifests:
        if "namespace" not in manifest.metadata or not manifest.target.namespace:
            continue
        found = manifest.metadata.get("namespace")
        if found != manifest.target.namespace:
            yield Hit(
                f"namespace: expected {manifest.target.namespace!r} (or unset), found {found!r}",
                manifest=manifest,
                path=("metadata", "namespace"),
            )


OBJECT_NAMESPACE = Rule(
    code="TL121",
    name="object-namespace",
    category="namespaces",
    severity=Severity.ERROR,
    summary="metadata.namespace, when set, is the environment's namespace.",
    rationale=(
        "Each environment lives in its own namespace (§7). A hard-coded namespace sends objects of one "
        "environment into another, or makes `helm install -n` put half a release elsewhere."
    ),
    remediation="Use `{{ .Release.Namespace }}` or leave metadata.namespace out.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
  namespace: default   # expect: TL121
""",
    origin=__name__,
    check=check_object_namespace,
)


def check_duplicate_object(ctx: EnvContext) -> Iterator[Hit]:
    """TL123: every object whose kind, namespace and name another of the environment has."""
    first: dict[tuple[str, str, str, str], Manifest] = {}
    for manifest in ctx.manifests:
        if not manifest.name:
            continue
        namespace = manifest.metadata.get("namespace") or manifest.target.namespace
        group = manifest.api_version.split("/")[0] if "/" in manifest.api_version else ""
        key = (group, manifest.kind, str(namespace), manifest.name)
        if key not in first:
            first[key] = manifest
            continue
        other = first[key]
        yield Hit(
            f"{manifest.kind} {manifest.name!r}: expected one object of this name in environment {ctx.env}, found "
            f"another in {other.file}" + (f" (chart {other.target.chart})" if other.target != manifest.target else ""),
            manifest=manifest,
            path=("metadata", "name"),
        )


DUPLICATE_OBJECT = Rule(
    code="TL123",
    name="duplicate-object",
    category="names",
    severity=Severity.ERROR,
    summary="No two objects of one environment share kind, namespace and name (across charts).",
    rationale=(
        "Both apps share each environment's namespace (§7.1); two objects with one name overwrite each other, "
        "or make the second `helm install` fail. An umbrella chart that names both apps' objects "
        "`{release}` does exactly this."
    ),
    remediation="Give each release its own name (one release per app), or name the objects after the app as well.",
    example="""\
# todolint: env=dev
---
# Source: todo-backend/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-dev-config
  namespace: todo-dev
---
# Source: todo-frontend/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-dev-config   # expect: TL123
  namespace: todo-dev
""",
    relational=True,
    origin=__name__,
    check=check_duplicate_object,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [OBJECT_NAMES, OBJECT_NAMESPACE, DUPLICATE_OBJECT]
