"""Config (spec §6): the ConfigMap `{release}-config` carries the spec's keys and reaches the app
container through `envFrom.configMapRef`."""

from __future__ import annotations

from collections.abc import Iterator

from todolint.models import Hit, Severity
from todolint.rules.apps import app_containers, app_objects, app_spec, app_workloads, as_list, as_map, name_in
from todolint.rules.base import EnvContext, Rule


def _keys(ctx: EnvContext, app: str) -> list[str]:
    return [k for k in as_list(app_spec(ctx.contract, app).get("config_keys")) if isinstance(k, str)]


def check_config_keys(ctx: EnvContext) -> Iterator[Hit]:
    maps = {(m.target, m.name): (m, app) for m, app in app_objects(ctx, "ConfigMap")}
    seen: set[tuple[object, str]] = set()
    for manifest, app in [*app_objects(ctx, "ConfigMap"), *app_workloads(ctx)]:
        name = name_in(ctx, "ConfigMap", manifest.target.release)
        keys = _keys(ctx, app)
        if name is None or not keys or (manifest.target, app) in seen:
            continue
        if manifest.kind == "ConfigMap":
            if manifest.name != name:
                continue
            seen.add((manifest.target, app))
            data = as_map(manifest.obj.get("data"))
            missing = [k for k in keys if k not in data]
            if missing:
                yield Hit(
                    f"ConfigMap {name}: expected keys {', '.join(keys)}, missing {', '.join(missing)}",
                    manifest=manifest,
                    path=("data",) if "data" in manifest.obj else (),
                )
        elif (manifest.target, name) not in maps:
            seen.add((manifest.target, app))
            yield Hit(
                f"expected ConfigMap {name} with keys {', '.join(keys)} in the release, found none",
                manifest=manifest,
                path=("metadata", "name"),
            )


def check_config_envfrom(ctx: EnvContext) -> Iterator[Hit]:
    for manifest, app in app_workloads(ctx):
        name = name_in(ctx, "ConfigMap", manifest.target.release)
        if name is None or not _keys(ctx, app):
            continue
        for container in app_containers(ctx, manifest, app):
            refs = [as_map(as_map(e).get("configMapRef")).get("name") for e in as_list(container.spec.get("envFrom"))]
            if name not in refs:
                found = ", ".join(repr(r) for r in refs if r) or "none"
                has_env_from = "envFrom" in container.spec
                yield Hit(
                    f"container {container.name or '?'}: expected envFrom.configMapRef {name!r}, found {found}",
                    manifest=manifest,
                    path=(*container.path, "envFrom") if has_env_from else container.path,
                )


def rules() -> list[Rule]:
    origin = "todolint.rules.config"
    return [
        Rule(
            "TL300",
            "config-keys",
            "config",
            Severity.ERROR,
            "The app's ConfigMap {release}-config is rendered and carries at least the spec's keys.",
            "The apps read their settings from the environment (§6): the frontend NODE_ENV and "
            "NEXT_PUBLIC_API_URL; the backend BACKEND_ENV, BACKEND_HOST, BACKEND_PORT, CORS_ORIGINS and "
            "POOL_SIZE. A missing key falls back to a default that is wrong in some environment.",
            "Add the missing keys under `config` in values.yaml (`apps.<app>.config_keys` in contract.yaml).",
            "kind: ConfigMap\ndata:   # expect: TL300 (POOL_SIZE missing)\n  BACKEND_ENV: development",
            relational=True,
            origin=origin,
            check=check_config_keys,
        ),
        Rule(
            "TL301",
            "config-envfrom",
            "config",
            Severity.ERROR,
            "The app container loads {release}-config with envFrom.configMapRef.",
            "The contract's flow is values.yaml → ConfigMap → Pod envFrom (§6): a ConfigMap no container "
            "loads changes nothing, and the app silently runs on its defaults.",
            "Add `envFrom: [{configMapRef: {name: <release>-config}}]` to the app container.",
            "containers:\n  - name: todo-frontend\n    envFrom: []   # expect: TL301",
            origin=origin,
            check=check_config_envfrom,
        ),
    ]
