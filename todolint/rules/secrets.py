"""Secrets (spec §3.1, §6.2): the backend's secrets reach it only as `env[].valueFrom.secretKeyRef` to the
pre-created `{release}-secrets`; nothing secret-like travels as plain config. No message ever quotes a value."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from typing import Any

from todolint.contract import Contract
from todolint.models import FieldPath, Hit, Severity, is_map
from todolint.rules.apps import (
    app_containers,
    app_workloads,
    name_in,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import WORKLOAD
from todolint.rules.pods import Container, all_containers, pod_spec
from todolint.rules.shape import as_list, as_map, dig

_ABSENT = object()


def _whole_number(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.strip().isdigit()
    )


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-.]+", name.upper()) if w]


def secret_like(contract: Contract, name: str, value: object = None) -> bool:
    """Whether a variable or key name looks like a secret: a pattern (SECRET, TOKEN, API_KEY, ...) is whole
    `_`/`-` separated words of it. A whole-number value under a name whose last word is a setting
    (ACCESS_TOKEN_EXPIRE_MINUTES: "30") is not a secret."""
    words = _words(name)
    if not words:
        return False
    found = False
    for pattern in contract.secret_name_patterns:
        wanted = _words(pattern)
        if wanted and any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
            found = True
            break
    if not found:
        return False
    settings = [s.upper() for s in contract.secret_name_settings]
    return not (_whole_number(value) and any(fnmatch.fnmatchcase(words[-1], s) for s in settings))


def _secret_like(ctx: EnvContext, name: str, value: object) -> bool:
    """`secret_like`, once per name (and whole-number-ness) in an environment: a stream repeats the same keys."""
    number = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.strip().isdigit()
    )
    key = ("secret-like", name, number)
    found: bool | None = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = secret_like(ctx.contract, name, "0" if number else None)
    return found


def _secret_names(ctx: EnvContext, app: str) -> list[str]:
    spec = ctx.contract.app(app)
    return list(spec.secret_keys) if spec is not None else []


def _env_entries(container: Container) -> dict[str, tuple[int, Mapping[str, Any]]]:
    return {
        str(e.get("name")): (i, e)
        for i, e in enumerate(as_list(container.spec.get("env")))
        if isinstance(e, (dict, Mapping)) and isinstance(e.get("name"), str)  # any other name: TL010's finding
    }


def _key_ref_problems(
    container: Container, wanted: list[str], secret: str | None
) -> dict[str, list[tuple[str, FieldPath]]]:
    """How each wanted key fails, grouped: failure (message part) → [(key, path)]."""
    env = _env_entries(container)
    problems: dict[str, list[tuple[str, FieldPath]]] = {}
    for key in wanted:
        if key not in env:
            where = (*container.path, "env") if "env" in container.spec else container.path
            problems.setdefault("missing", []).append((key, where))
            continue
        index, entry = env[key]
        ref = dig(entry, ("valueFrom", "secretKeyRef"))
        path = (*container.path, "env", index)
        if not isinstance(ref, (dict, Mapping)):
            how = "a literal value" if "value" in entry else "another source"
            problems.setdefault(f"source:{how}", []).append((key, path))
            continue
        if secret is not None and ref.get("name") != secret:
            problems.setdefault(f"name:{ref.get('name')!r}", []).append(
                (key, (*path, "valueFrom", "secretKeyRef", "name"))
            )
        if ref.get("key") != key:
            problems.setdefault("key", []).append((key, (*path, "valueFrom", "secretKeyRef", "key")))
    return problems


def _key_ref_message(
    container: Container, failure: str, keys: list[str], secret: str | None, entry: Mapping[str, Any]
) -> str:
    shown = ", ".join(keys)
    kind, _, detail = failure.partition(":")
    if kind == "missing":
        return (
            f"container {container.name or '?'}: expected env {shown} from secretKeyRef "
            f"{secret or '<release>-secrets'} (key = variable name), found none"
        )
    if kind == "source":
        return f"env {shown}: expected valueFrom.secretKeyRef, found {detail}"
    if kind == "name":
        return f"env {shown}: expected secretKeyRef name {secret!r}, found {detail}"
    found = ", ".join(f"{k}={entry.get(k)!r}" for k in keys)
    return f"env {shown}: expected each secretKeyRef key to equal the variable name, found {found}"


def check_secret_key_ref(ctx: EnvContext) -> Iterator[Hit]:
    """TL310: every app container whose contract secrets do not arrive as secretKeyRef to the contract's Secret."""
    for manifest, app in app_workloads(ctx):
        wanted = _secret_names(ctx, app)
        if not wanted:
            continue
        secret = name_in(ctx, "Secret", manifest.target.release, app)
        for container in app_containers(ctx, manifest, app):
            env = _env_entries(container)
            for failure, hits in _key_ref_problems(container, wanted, secret).items():
                keys = [key for key, _ in hits]
                refs = {k: dig(env[k][1], ("valueFrom", "secretKeyRef", "key")) for k in keys if k in env}
                yield Hit(
                    _key_ref_message(container, failure, keys, secret, refs),
                    manifest=manifest,
                    path=hits[0][1],
                )


SECRET_KEY_REF = Rule(
    code="TL310",
    name="secret-key-ref",
    category="secrets",
    severity=Severity.ERROR,
    summary=(
        "{{ contract.apps.*.secret_keys | and }} reach their app as env[].valueFrom.secretKeyRef to "
        "{{ contract.names.Secret }}, each with its own key."
    ),
    rationale=(
        "The contract (§6.2) reads each secret from the pre-created Secret by key: a missing variable "
        "crashes the backend at start, a wrong Secret name keeps the pod in CreateContainerConfigError."
    ),
    remediation=(
        "Add `env: [{name: KEY, valueFrom: {secretKeyRef: {name: {{ contract.names.Secret }}, key: KEY}}}]` "
        "for every key in `apps.<app>.secret_keys`. Keys that fail the same way in one container are one "
        "finding."
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
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
          env:
            - name: DATABASE_URL
              valueFrom: {secretKeyRef: {name: todo-backend-dev-secrets, key: DATABASE_URL}}
            - name: SECRET_KEY
              valueFrom: {secretKeyRef: {name: app-secrets, key: SECRET_KEY}}   # expect: TL310
            - name: OPENAI_API_KEY
              valueFrom: {secretKeyRef: {name: todo-backend-dev-secrets, key: OPENAI_API_KEY}}
            - name: AUTH_SECRET
              valueFrom: {secretKeyRef: {name: todo-backend-dev-secrets, key: AUTH_SECRET}}
""",
    suppressible=False,
    origin=__name__,
    check=check_secret_key_ref,
)


def check_frontend_no_secrets(ctx: EnvContext) -> Iterator[Hit]:
    """Apps the contract gives no secret keys (the frontend, §6.1) read no Secret at all."""
    for manifest, app in app_workloads(ctx):
        spec = ctx.contract.app(app)
        if spec is None or spec.secret_keys:
            continue
        for container in app_containers(ctx, manifest, app):
            env = as_list(container.spec.get("env"))
            found = [
                (i, as_map(e).get("name")) for i, e in enumerate(env) if is_map(dig(e, ("valueFrom", "secretKeyRef")))
            ]
            if found:
                yield Hit(
                    f"container {container.name or '?'}: expected no secret for {app} (its contract lists none), "
                    f"found secretKeyRef for {', '.join(str(name) for _, name in found)}",
                    manifest=manifest,
                    path=(*container.path, "env", found[0][0]),
                )


FRONTEND_NO_SECRETS = Rule(
    code="TL314",
    name="frontend-no-secrets",
    category="secrets",
    severity=Severity.ERROR,
    summary="An app whose contract lists no secret keys (the frontend) reads no secret through secretKeyRef.",
    rationale=(
        "The spec (§6.1) gives the frontend its config keys only: a Next.js container holding DATABASE_URL or "
        "AUTH_SECRET can leak it to the browser bundle, and the frontend then needs a Secret the contract "
        "never creates for it."
    ),
    remediation=(
        "Remove the secretKeyRef entries from the frontend's env; the backend holds the secrets "
        "(`apps.<app>.secret_keys` in contract.yaml)."
    ),
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
            - name: AUTH_SECRET   # expect: TL314
              valueFrom: {secretKeyRef: {name: todo-backend-dev-secrets, key: AUTH_SECRET}}
""",
    origin=__name__,
    check=check_frontend_no_secrets,
)


def check_plain_text(ctx: EnvContext) -> Iterator[Hit]:
    """TL312: every ConfigMap key and literal env value whose name looks like a secret."""
    for manifest in ctx.of_kind("ConfigMap"):
        for section in ("data", "binaryData"):
            for key in sorted(as_map(manifest.obj.get(section))):
                if _secret_like(ctx, str(key), as_map(manifest.obj.get(section)).get(key)):
                    yield Hit(
                        f"ConfigMap key {key} looks like a secret: expected it in the pre-created Secret "
                        "through secretKeyRef, found it in plain text (value not shown)",
                        manifest=manifest,
                        path=(section, key),
                    )
    for manifest in ctx.of_kind(*WORKLOAD.kinds):
        for container in all_containers(manifest):
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                name = as_map(entry).get("name")
                value = as_map(entry).get("value", _ABSENT)
                if isinstance(name, str) and value is not _ABSENT and _secret_like(ctx, name, value):
                    yield Hit(
                        f"env {name} looks like a secret: expected valueFrom.secretKeyRef, found a literal value "
                        "(not shown)",
                        manifest=manifest,
                        path=(*container.path, "env", index, "value"),
                    )


SECRET_PLAIN_TEXT = Rule(
    code="TL312",
    name="secret-plain-text",
    category="secrets",
    severity=Severity.ERROR,
    summary=(
        "No secret-like name ({{ contract.secret_name_patterns | first 5 }} as whole words) is a ConfigMap key "
        "or a literal env value; whole-number settings (last word {{ contract.secret_name_settings | or }}) "
        "are not secrets."
    ),
    rationale=(
        "A secret in a ConfigMap or a literal env value lives in values files, git, `helm get values` and "
        "`kubectl describe` output; the contract (§6.2) keeps secrets in the pre-created Secret only."
    ),
    remediation=(
        "Move the value to the pre-created Secret and read it with secretKeyRef; the name patterns are "
        "`secret_name_patterns` in contract.yaml (matched as whole `_`/`-` separated words), the setting "
        "suffixes `secret_name_settings`."
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
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
          env:
            - name: OPENAI_API_KEY
              value: sk-not-a-real-key   # expect: TL312
""",
    suppressible=False,
    origin=__name__,
    check=check_plain_text,
)


def check_not_key_ref(ctx: EnvContext) -> Iterator[Hit]:
    """TL313: every Secret loaded whole (envFrom.secretRef) or mounted as a volume."""
    for manifest in ctx.of_kind(*WORKLOAD.kinds):
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
        located = pod_spec(manifest)
        if located is None:
            continue
        spec_path, spec = located
        for index, volume in enumerate(as_list(spec.get("volumes"))):
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


SECRET_NOT_KEY_REF = Rule(
    code="TL313",
    name="secret-not-key-ref",
    category="secrets",
    severity=Severity.ERROR,
    summary="Secrets are never loaded whole (envFrom.secretRef) or mounted as volumes; only secretKeyRef.",
    rationale=(
        "Loading a whole Secret hands the container every key, present and future, and hides which ones the "
        "app needs; the contract (§6.2) names each key through secretKeyRef."
    ),
    remediation="Replace envFrom.secretRef or the secret volume with one env[].valueFrom.secretKeyRef per key.",
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
          envFrom:
            - secretRef:   # expect: TL313
                name: todo-backend-dev-secrets
""",
    suppressible=False,
    origin=__name__,
    check=check_not_key_ref,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [SECRET_KEY_REF, FRONTEND_NO_SECRETS, SECRET_PLAIN_TEXT, SECRET_NOT_KEY_REF]
