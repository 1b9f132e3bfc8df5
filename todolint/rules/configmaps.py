"""Config (spec §6): the ConfigMap `{release}-config` carries the spec's keys and reaches the app
container through `envFrom.configMapRef`. The keys are checked on the ConfigMap the app really loads, even
when it is shared or named otherwise (object-names reports the name)."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Manifest, Severity, Target
from todolint.rules.apps import (
    app_containers,
    app_objects,
    app_workloads,
    name_in,
    name_names_app,
    release_apps,
    subchart_of,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.pods import Container
from todolint.rules.shape import as_list, as_map, dig


def _keys(ctx: EnvContext, app: str) -> tuple[str, ...]:
    spec = ctx.contract.app(app)
    return spec.config_keys if spec is not None else ()


def loaded_config_maps(container: Container) -> list[str]:
    """The ConfigMaps a container loads (envFrom.configMapRef, then env[].valueFrom.configMapKeyRef), in order."""
    names = [as_map(as_map(e).get("configMapRef")).get("name") for e in as_list(container.spec.get("envFrom"))]
    names += [dig(e, ("valueFrom", "configMapKeyRef", "name")) for e in as_list(container.spec.get("env"))]
    return list(dict.fromkeys(n for n in names if isinstance(n, str)))


def _config_name(ctx: EnvContext, target: Target, app: str) -> str | None:
    """The contract's ConfigMap name for the app, or None when it has none or when one release renders both
    apps and the name does not tell them apart (one-release-per-app says so; no name is asked of both)."""
    if not name_names_app(ctx.contract, "ConfigMap") and len(release_apps(ctx, target)) > 1:
        return None
    return name_in(ctx, "ConfigMap", target.release, app)


def _app_config_maps(ctx: EnvContext) -> dict[tuple[Target, str], list[Manifest]]:
    """(release, app) → the ConfigMaps its keys are checked on: the rendered ones the app's containers
    load, whatever their names; else the app's ConfigMap named as the contract says; else its first one.
    An app with workloads and none of these maps to []."""
    rendered: dict[tuple[Target, str], list[Manifest]] = {}
    for config_map in ctx.of_kind("ConfigMap"):
        rendered.setdefault((config_map.target, config_map.name), []).append(config_map)
    chosen: dict[tuple[Target, str], list[Manifest]] = {}
    for manifest, app in app_workloads(ctx):
        maps = chosen.setdefault((manifest.target, app), [])
        for container in app_containers(ctx, manifest, app):
            for name in loaded_config_maps(container):
                # Two ConfigMaps of one name (duplicate-object's finding): the one of the workload's own subchart.
                same = rendered.get((manifest.target, name), [])
                loaded = next((m for m in same if subchart_of(m) == subchart_of(manifest)), same[0] if same else None)
                if loaded is not None and all(loaded is not m for m in maps):
                    maps.append(loaded)
    own: dict[tuple[Target, str], list[Manifest]] = {}
    for manifest, app in app_objects(ctx, "ConfigMap"):
        own.setdefault((manifest.target, app), []).append(manifest)
    for (target, app), maps in own.items():
        if chosen.get((target, app)):
            continue
        wanted = _config_name(ctx, target, app)
        chosen[(target, app)] = [m for m in maps if m.name == wanted][:1] or maps[:1]
    return chosen


def check_config_keys(ctx: EnvContext) -> Iterator[Hit]:
    """TL300: the app's ConfigMaps that lack contract keys, or their absence."""
    # One finding per ConfigMap, even when both apps load it and both lack keys.
    missing_on: dict[int, tuple[Manifest, list[tuple[str, list[str]]]]] = {}
    for (target, app), maps in _app_config_maps(ctx).items():
        keys = _keys(ctx, app)
        if not keys:
            continue
        if not maps:
            name = _config_name(ctx, target, app)
            shown = f"ConfigMap {name}" if name else "a ConfigMap"
            workload = next(m for m, a in app_workloads(ctx) if m.target == target and a == app)
            yield Hit(
                f"expected {shown} with keys {', '.join(keys)} in the release, found none",
                manifest=workload,
                path=("metadata", "name"),
            )
            continue
        present = {k for m in maps for k in as_map(m.obj.get("data"))}
        missing = [k for k in keys if k not in present]
        if missing:
            missing_on.setdefault(id(maps[0]), (maps[0], []))[1].append((app, missing))
    for manifest, gaps in missing_on.values():
        if len(gaps) == 1:
            app, missing = gaps[0]
            detail = f"expected keys {', '.join(_keys(ctx, app))}, missing {', '.join(missing)}"
        else:
            detail = "missing " + "; ".join(f"{', '.join(missing)} ({app})" for app, missing in gaps)
        yield Hit(
            f"ConfigMap {manifest.name}: {detail}",
            manifest=manifest,
            path=("data",) if "data" in manifest.obj else (),
        )


CONFIG_KEYS = Rule(
    code="TL300",
    name="config-keys",
    category="config",
    severity=Severity.ERROR,
    summary="The app's ConfigMap {{ contract.names.ConfigMap }} is rendered and carries at least the spec's keys.",
    rationale=(
        "The apps read their settings from the environment (§6): {{ contract.apps.*.config_keys | and }}. A "
        "missing key falls back to a default that is wrong in some environment."
    ),
    remediation="Add the missing keys under `config` in values.yaml (`apps.<app>.config_keys` in contract.yaml).",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
data:   # expect: TL300
  BACKEND_ENV: development
  BACKEND_HOST: 0.0.0.0
  BACKEND_PORT: "8000"
  CORS_ORIGINS: http://localhost:3000
""",
    relational=True,
    origin=__name__,
    check=check_config_keys,
)


def check_config_envfrom(ctx: EnvContext) -> Iterator[Hit]:
    """TL301: app containers that load no rendered ConfigMap through envFrom."""
    rendered = {(m.target, m.name) for m in ctx.of_kind("ConfigMap")}
    for manifest, app in app_workloads(ctx):
        if name_in(ctx, "ConfigMap", manifest.target.release, app) is None or not _keys(ctx, app):
            continue
        name = _config_name(ctx, manifest.target, app)
        for container in app_containers(ctx, manifest, app):
            refs = [as_map(as_map(e).get("configMapRef")).get("name") for e in as_list(container.spec.get("envFrom"))]
            if name in refs or any(isinstance(r, str) and (manifest.target, r) in rendered for r in refs):
                continue  # a rendered ConfigMap under another name: object-names reports the name
            found = ", ".join(repr(r) for r in refs if r) or "none"
            wanted = repr(name) if name else "to the app's ConfigMap"
            yield Hit(
                f"container {container.name or '?'}: expected envFrom.configMapRef {wanted}, found {found}",
                manifest=manifest,
                path=(*container.path, "envFrom") if "envFrom" in container.spec else container.path,
            )


CONFIG_ENVFROM = Rule(
    code="TL301",
    name="config-envfrom",
    category="config",
    severity=Severity.ERROR,
    summary="The app container loads {{ contract.names.ConfigMap }} with envFrom.configMapRef.",
    rationale=(
        "The contract's flow is values.yaml → ConfigMap → Pod envFrom (§6): a ConfigMap no container "
        "loads changes nothing, and the app silently runs on its defaults."
    ),
    remediation="Add `envFrom: [{configMapRef: {name: {{ contract.names.ConfigMap }}}}]` to the app container.",
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
          envFrom: []   # expect: TL301
""",
    origin=__name__,
    check=check_config_envfrom,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [CONFIG_KEYS, CONFIG_ENVFROM]
