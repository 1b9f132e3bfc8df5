"""Kubernetes schema validation with kubernetes-validate's bundled, strict schemas.

`kubernetes_validate.validate()` re-reads megabytes of schema on every call (about 10 ms an object);
here the definitions are read once and one compiled validator (jsonschema-rs) is built per
(kind, apiVersion, Kubernetes version) and reused (about 0.01 ms an object).
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todolint import schema_bundle

if TYPE_CHECKING:
    from todolint.models import FieldPath, Manifest

_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_API_VERSION = re.compile(r"(?:[a-z0-9][a-z0-9.-]*/)?v[0-9a-z]+")


@dataclass(frozen=True)
class SchemaError:
    """One way an object breaks its kind's schema: the field at fault (() for the object itself) and a one-line
    message of at most 300 characters that describes the offending text value (`a string`) rather than quote
    it, since it may be a secret (in a Secret, the message names the field alone)."""

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
    """The newest bundled Kubernetes version: the one validated against when no `--kube-version` is given."""
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


def schema_file_name(kind: str, api_version: str) -> str | None:
    """The schema file of a kind, or None when kind or apiVersion is no plain name (`../`, NUL): it
    becomes a file name, so such a kind has no schema."""
    if not (_KIND.fullmatch(kind) and _API_VERSION.fullmatch(api_version)):
        return None
    # kubernetes-validate's naming: rbac.authorization.k8s.io/v1 -> rbac-v1, v1 -> v1.
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{api}.json"


def schema_dir(version: str) -> Path:
    """The folder of one bundled version's strict schemas, `version` spelt as `bundled_versions` gives it."""
    return _schema_root() / f"v{version}-local-strict"


def definitions_file(version: str) -> Path:
    """The `_definitions.json` that every kind's schema of `version` refers into."""
    return schema_dir(version) / "_definitions.json"


#: Validation may run on several threads: the definitions are read once.
_DEFINITIONS_LOCK = threading.Lock()


def _definitions(version: str) -> dict[str, Any]:
    with _DEFINITIONS_LOCK:
        return _read_definitions(version)


@cache
def _read_definitions(version: str) -> dict[str, Any]:
    return schema_bundle.read_definitions(str(definitions_file(version)))


@cache
def _validator(version: str, kind: str, api_version: str) -> Any | None:
    name = schema_file_name(kind, api_version)  # once per kind (cached), not once per object
    if name is None:
        return None
    bundled = schema_bundle.bundle(str(schema_dir(version) / name), lambda: _definitions(version))
    if bundled is None:
        return None
    import jsonschema_rs  # here, not at the top: `--version` and `rules` never validate

    # A bundle as text or as the same data: jsonschema-rs compiles either (text ~10 % faster).
    return jsonschema_rs.Draft202012Validator(bundled)


def has_schema(manifest: Manifest, version: str) -> bool:
    """Whether a schema is bundled for the object's kind and apiVersion (a CRD has none); its validator is
    built, once, to tell."""
    return _validator(version, manifest.kind, manifest.api_version) is not None


def validate(manifest: Manifest, version: str) -> Iterator[SchemaError] | None:
    """Schema errors of `manifest`, or None when no schema is bundled for its kind (a CRD)."""
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
