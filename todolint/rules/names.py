"""Names (spec §2): objects are named after the release, and stay in the environment's namespace."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Severity
from todolint.rules import EnvContext, Rule
from todolint.rules.apps import app_objects, as_map, name_for

#: Kinds the contract names that a chart renders (the Secret is pre-created: see the secrets rules).
RENDERED_NAMED_KINDS = ("Deployment", "Service", "ConfigMap")


def check_object_names(ctx: EnvContext) -> Iterator[Hit]:
    names = as_map(ctx.contract.data.get("names"))
    kinds = [k for k in RENDERED_NAMED_KINDS if k in names]
    for manifest, _app in app_objects(ctx, *kinds):
        expected = name_for(ctx.contract, manifest.kind, manifest.target.release)
        if expected is not None and manifest.name != expected:
            yield Hit(
                f"{manifest.kind} name: expected {expected!r}, found {manifest.name!r}",
                manifest=manifest,
                path=("metadata", "name"),
            )


def check_object_namespace(ctx: EnvContext) -> Iterator[Hit]:
    for manifest in ctx.manifests:
        if "namespace" not in manifest.metadata or not manifest.target.namespace:
            continue
        found = manifest.metadata.get("namespace")
        if found != manifest.target.namespace:
            yield Hit(
                f"metadata.namespace: expected {manifest.target.namespace!r} (or unset), found {found!r}",
                manifest=manifest,
                path=("metadata", "namespace"),
            )


def rules() -> list[Rule]:
    origin = "todolint.rules.names"
    return [
        Rule(
            "TL120",
            "object-names",
            "names",
            Severity.ERROR,
            "Deployment and Service are named {release}, the ConfigMap {release}-config.",
            "The contract's tables (§2.1, §2.2) name every object after the Helm release, so that two releases "
            "never collide and the frontend can reach the backend by a predictable name. (The spec's diagram "
            "draws `todo-backend`; the tables are the contract: patterns are `names` in contract.yaml.)",
            "Name objects with `.Release.Name` (the `fullname` helper) and `-config` for the ConfigMap; "
            "change `names` in contract.yaml to adopt another reading.",
            "kind: Deployment\nmetadata:\n  name: todo-backend   # expect: TL120 ('todo-backend-dev' expected)",
            origin=origin,
            check=check_object_names,
        ),
        Rule(
            "TL121",
            "object-namespace",
            "namespaces",
            Severity.ERROR,
            "metadata.namespace, when set, is the environment's namespace.",
            "Each environment lives in its own namespace (§7). A hard-coded namespace sends objects of one "
            "environment into another, or makes `helm install -n` put half a release elsewhere.",
            "Use `{{ .Release.Namespace }}` or leave metadata.namespace out.",
            "metadata:\n  namespace: default   # expect: TL121 ('todo-dev' expected)",
            origin=origin,
            check=check_object_namespace,
        ),
    ]
