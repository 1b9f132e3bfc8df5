"""Kubernetes schema validation with kubernetes-validate's bundled, strict schemas.

`kubernetes_validate.validate()` re-reads megabytes of schema on every call (about 10 ms an object);
here the definitions are read once and one compiled validator (jsonschema-rs) is built per
(kind, apiVersion, Kubernetes version) and reused (about 0.01 ms an object).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from todolint.models import FieldPath, Manifest

_DEFS_REF = "/api/_definitions.json#/$defs/"
_LOCAL_REF = "#/$defs/"
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_API_VERSION = re.compile(r"(?:[a-z0-9][a-z0-9.-]*/)?v[0-9a-z]+")


@dataclass(frozen=True)
class SchemaError:
    path: FieldPath
    message: str


@cache
def _schema_root() -> Path:
    # find_spec locates the package without importing it (its import pulls in jsonschema: ~50 ms).
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kubernetes_validate (package kubernetes-validate) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@cache
def bundled_versions() -> tuple[str, ...]:
    """Kubernetes versions with strict schemas bundled, oldest first (e.g. "1.37.0")."""
    found = []
    for entry in _schema_root().iterdir():
        match = re.fullmatch(r"v(\d+\.\d+\.\d+)-local-strict", entry.name)
        if match:
            found.append(match.group(1))
    return tuple(sorted(found, key=lambda v: tuple(int(p) for p in v.split("."))))


def newest_version() -> str:
    return bundled_versions()[-1]


def resolve_version(wanted: str) -> str:
    """The newest bundled version not newer than `wanted` ("1.30", "v1.30.2"); ValueError if none."""
    text = wanted.strip().lstrip("v")
    parts = text.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise ValueError(f"--kube-version {wanted!r}: expected a version such as 1.30")
    want = (int(parts[0]), int(parts[1]))
    candidates = [v for v in bundled_versions() if tuple(int(p) for p in v.split(".")[:2]) <= want]
    if not candidates:
        raise ValueError(
            f"--kube-version {wanted!r}: no bundled schemas that old "
            f"(bundled: {bundled_versions()[0]} to {bundled_versions()[-1]})"
        )
    return candidates[-1]


def schema_file_name(kind: str, api_version: str) -> str:
    # kubernetes-validate's naming: rbac.authorization.k8s.io/v1 -> rbac-v1, v1 -> v1.
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{api}.json"


def schema_dir(version: str) -> Path:
    return _schema_root() / f"v{version}-local-strict"


#: warm_up's thread and validation may both ask for the definitions: they are read once.
_DEFINITIONS_LOCK = threading.Lock()


def _definitions(version: str) -> dict[str, Any]:
    with _DEFINITIONS_LOCK:
        return _read_definitions(version)


@cache
def _read_definitions(version: str) -> dict[str, Any]:
    raw = (schema_dir(version) / "_definitions.json").read_text(encoding="utf-8")
    defs: dict[str, Any] = json.loads(raw.replace(_DEFS_REF, "#/$defs/"))["$defs"]
    return defs


def warm_up(version: str) -> None:
    """Read the definitions and load the validator library in the background (~35 ms), while the
    main thread waits on a render anyway; validation then starts at once."""

    def load() -> None:
        with contextlib.suppress(Exception):  # validation reports any problem when it gets there
            _definitions(version)
            import jsonschema_rs  # noqa: F401

    # Not a daemon: exit waits for it, rather than finalizing Python under an import (which aborts).
    threading.Thread(target=load, name="todolint-schema-warm-up").start()


@cache
def _validator(version: str, kind: str, api_version: str) -> Any | None:
    file = schema_dir(version) / schema_file_name(kind, api_version)
    try:
        raw = file.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    schema = json.loads(raw.replace(_DEFS_REF, "#/$defs/"))
    schema.pop("$id", None)
    # Only the definitions this kind reaches: compiling all ~900 costs ~11 ms a kind, these ~0.5-9 ms.
    definitions = _definitions(version)
    schema["$defs"] = {name: definitions[name] for name in _reachable(schema, definitions)}
    import jsonschema_rs  # here, not at the top: `--version` and `rules` never validate

    return jsonschema_rs.Draft202012Validator(schema)


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_LOCAL_REF):
            found.add(ref[len(_LOCAL_REF) :])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _reachable(schema: dict[str, Any], definitions: dict[str, Any]) -> set[str]:
    """Names of the definitions `schema` refers to, directly or through other definitions."""
    seen: set[str] = set()
    todo: set[str] = set()
    _refs(schema, todo)
    while todo:
        name = todo.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        _refs(definitions[name], todo)
    return seen


def has_schema(manifest: Manifest, version: str) -> bool:
    return _validator(version, manifest.kind, manifest.api_version) is not None


def validate(manifest: Manifest, version: str) -> Iterator[SchemaError] | None:
    """Schema errors of `manifest`, or None when no schema is bundled for its kind (a CRD)."""
    # kind and apiVersion become a file name: anything but a plain name (`../`, NUL) has no schema.
    if not (_KIND.fullmatch(manifest.kind) and _API_VERSION.fullmatch(manifest.api_version)):
        return None
    validator = _validator(version, manifest.kind, manifest.api_version)
    if validator is None:
        return None
    return (
        SchemaError(tuple(error.instance_path), _message(error, manifest))
        for error in validator.iter_errors(manifest.obj)
    )


def _message(error: Any, manifest: Manifest) -> str:
    # jsonschema-rs quotes the offending value first ('"hunter2" is not of type "integer"'). A value
    # may be a secret wherever it sits (a Secret, a ConfigMap, a literal env value): say what kind of
    # value it is instead. Numbers, booleans and null stay: they help, and a secret is text.
    if manifest.kind == "Secret":
        where = ".".join(str(p) for p in error.instance_path) or "object"
        return f"{where}: value does not match the Secret schema"
    message = str(error.message)
    instance = getattr(error, "instance", None)
    if isinstance(instance, (str, list, dict)):
        try:
            quoted = json.dumps(instance, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            quoted = ""
        described = _describe(instance)
        if quoted and quoted in message:
            message = message.replace(quoted, described)
        elif isinstance(instance, str) and instance and instance in message:
            message = message.replace(instance, described)
    message = " ".join(message.split())
    return message if len(message) <= 300 else message[:297] + "..."


def _describe(value: str | list[Any] | dict[str, Any]) -> str:
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    if isinstance(value, list):
        return "a list"
    return "an object"
