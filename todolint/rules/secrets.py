"""Secrets (spec §3.1, §6.2): the backend's secrets reach it only as `env[].valueFrom.secretKeyRef` to the
pre-created `{release}-secrets`; nothing secret-like travels as plain config. No message ever quotes a value."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from todolint.contract import Contract
from todolint.models import Hit, Severity, is_map
from todolint.rules.apps import (
    WORKLOAD_KINDS,
    all_containers,
    app_containers,
    app_spec,
    app_workloads,
    as_list,
    as_map,
    contract_list,
    dig,
    name_in,
    pod_spec_path,
)
from todolint.rules.base import EnvContext, Rule


def secret_like(contract: Contract, name: str) -> bool:
    """Whether a variable or key name looks like a secret (SECRET, PASSWORD, TOKEN, API_KEY, ...)."""
    upper = name.upper().replace("-", "_")
    return any(isinstance(p, str) and p.upper() in upper for p in contract_list(contract, "secret_name_patterns"))


def _secret_like(ctx: EnvContext, name: str) -> bool:
    """`secret_like`, once per name in an environment: a stream repeats the same keys on every object."""
    key = ("secret-like", name)
    found: bool | None = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = secret_like(ctx.contract, name)
    return found


def _secret_names(ctx: EnvContext, app: str) -> list[str]:
    return [k for k in as_list(app_spec(ctx.contract, app).get("secret_keys")) if isinstance(k, str)]


def check_secret_key_ref(ctx: EnvContext) -> Iterator[Hit]:
    for manifest, app in app_workloads(ctx):
        wanted = _secret_names(ctx, app)
        secret = name_in(ctx, "Secret", manifest.target.release)
        if not wanted:
            continue
        for container in app_containers(ctx, manifest, app):
            env = {
                e.get("name"): (i, e)
                for i, e in enumerate(as_list(container.spec.get("env")))
                if isinstance(e, (dict, Mapping)) and isinstance(e.get("name"), str)  # any other name: TL010's finding
            }
            for key in wanted:
                if key not in env:
                    yield Hit(
                        f"container {container.name or '?'}: expected env {key} from secretKeyRef "
                        f"{secret or '<release>-secrets'}/{key}, found none",
                        manifest=manifest,
                        path=(*container.path, "env") if "env" in container.spec else container.path,
                    )
                    continue
                index, entry = env[key]
                ref = dig(entry, ("valueFrom", "secretKeyRef"))
                path = (*container.path, "env", index)
                if not isinstance(ref, (dict, Mapping)):
                    how = "a literal value" if "value" in entry else "another source"
                    yield Hit(f"env {key}: expected valueFrom.secretKeyRef, found {how}", manifest=manifest, path=path)
                    continue
                if secret is not None and ref.get("name") != secret:
                    yield Hit(
                        f"env {key}: expected secretKeyRef name {secret!r}, found {ref.get('name')!r}",
                        manifest=manifest,
                        path=(*path, "valueFrom", "secretKeyRef", "name"),
                    )
                if ref.get("key") != key:
                    yield Hit(
                        f"env {key}: expected secretKeyRef key {key!r}, found {ref.get('key')!r}",
                        manifest=manifest,
                        path=(*path, "valueFrom", "secretKeyRef", "key"),
                    )


def check_plain_text(ctx: EnvContext) -> Iterator[Hit]:
    for manifest in ctx.of_kind("ConfigMap"):
        for section in ("data", "binaryData"):
            for key in sorted(as_map(manifest.obj.get(section))):
                if _secret_like(ctx, str(key)):
                    yield Hit(
                        f"ConfigMap key {key} looks like a secret: expected it in the pre-created Secret "
                        "through secretKeyRef, found it in plain text (value not shown)",
                        manifest=manifest,
                        path=(section, key),
                    )
    for manifest in ctx.of_kind(*WORKLOAD_KINDS):
        for container in all_containers(manifest):
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                name = as_map(entry).get("name")
                if isinstance(name, str) and "value" in as_map(entry) and _secret_like(ctx, name):
                    yield Hit(
                        f"env {name} looks like a secret: expected valueFrom.secretKeyRef, found a literal value "
                        "(not shown)",
                        manifest=manifest,
                        path=(*container.path, "env", index, "value"),
                    )


def check_not_key_ref(ctx: EnvContext) -> Iterator[Hit]:
    for manifest in ctx.of_kind(*WORKLOAD_KINDS):
        for container in all_containers(manifest):
            for index, entry in enumerate(as_list(container.spec.get("envFrom"))):
                ref = as_map(entry).get("secretRef")
                if is_map(ref):
                    yield Hit(
                        f"envFrom.secretRef {ref.get('name')!r}: expected each secret as env[].valueFrom.secretKeyRef, "
                        "found the whole Secret loaded",
                        manifest=manifest,
                        path=(*container.path, "envFrom", index, "secretRef"),
                    )
        spec_path = pod_spec_path(manifest)
        if spec_path is None:
            continue
        for index, volume in enumerate(as_list(dig(manifest.obj, (*spec_path, "volumes")))):
            volume = as_map(volume)
            sources = [("secret", volume.get("secret"))] + [
                ("projected", as_map(s).get("secret")) for s in as_list(dig(volume, ("projected", "sources")))
            ]
            for how, source in sources:
                if isinstance(source, (dict, Mapping)):
                    yield Hit(
                        f"volume {volume.get('name')!r} mounts a Secret as files ({how}): expected "
                        "env[].valueFrom.secretKeyRef only",
                        manifest=manifest,
                        path=(*spec_path, "volumes", index),
                    )
                    break


def rules() -> list[Rule]:
    origin = "todolint.rules.secrets"
    return [
        Rule(
            "TL310",
            "secret-key-ref",
            "secrets",
            Severity.ERROR,
            "DATABASE_URL, SECRET_KEY, OPENAI_API_KEY and AUTH_SECRET reach the backend as "
            "env[].valueFrom.secretKeyRef to {release}-secrets, each with its own key.",
            "The contract (§6.2) reads each secret from the pre-created Secret by key: a missing variable "
            "crashes the backend at start, a wrong Secret name keeps the pod in CreateContainerConfigError.",
            "Add `env: [{name: KEY, valueFrom: {secretKeyRef: {name: <release>-secrets, key: KEY}}}]` for every "
            "key in `apps.todo-backend.secret_keys`.",
            "env:\n  - name: SECRET_KEY\n    valueFrom:\n      secretKeyRef:\n"
            "        name: app-secrets   # expect: TL310 (todo-backend-dev-secrets expected)\n        key: SECRET_KEY",
            suppressible=False,
            origin=origin,
            check=check_secret_key_ref,
        ),
        Rule(
            "TL312",
            "secret-plain-text",
            "secrets",
            Severity.ERROR,
            "No secret-like name (SECRET, PASSWORD, TOKEN, API_KEY, DATABASE_URL, ...) is a ConfigMap key or a "
            "literal env value.",
            "A secret in a ConfigMap or a literal env value lives in values files, git, `helm get values` and "
            "`kubectl describe` output; the contract (§6.2) keeps secrets in the pre-created Secret only.",
            "Move the value to the pre-created Secret and read it with secretKeyRef; the name patterns are "
            "`secret_name_patterns` in contract.yaml.",
            "env:\n  - name: OPENAI_API_KEY\n    value: sk-...   # expect: TL312",
            suppressible=False,
            origin=origin,
            check=check_plain_text,
        ),
        Rule(
            "TL313",
            "secret-not-key-ref",
            "secrets",
            Severity.ERROR,
            "Secrets are never loaded whole (envFrom.secretRef) or mounted as volumes; only secretKeyRef.",
            "Loading a whole Secret hands the container every key, present and future, and hides which ones the "
            "app needs; the contract (§6.2) names each key through secretKeyRef.",
            "Replace envFrom.secretRef or the secret volume with one env[].valueFrom.secretKeyRef per key.",
            "envFrom:\n  - secretRef:   # expect: TL313\n      name: todo-backend-dev-secrets",
            suppressible=False,
            origin=origin,
            check=check_not_key_ref,
        ),
    ]
