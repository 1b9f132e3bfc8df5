"""A kind's Kubernetes schema with only the definitions it reaches, ready to compile.

kubernetes-validate ships, per Kubernetes version, one schema file per kind that refers into one shared
`_definitions.json` (1.8 MB, ~900 definitions). A validator needs the kind's schema and the definitions
it reaches: compiling all of them costs ~11 ms a kind, and reading the shared file ~13 ms.

This module needs only `json`, and nothing of todolint; todolint.schema bundles with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

#: How the kind schemas and the definitions refer to a definition, and how a bundle does.
DEFS_REF = "/api/_definitions.json#/$defs/"
LOCAL_REF = "#/$defs/"


def read_definitions(path: str) -> dict[str, Any]:
    """Every definition of a `_definitions.json`, by name, its references made local."""
    with open(path, encoding="utf-8") as handle:
        raw = handle.read()
    defs: dict[str, Any] = json.loads(raw.replace(DEFS_REF, LOCAL_REF))["$defs"]
    return defs


def bundle(schema_file: str, definitions: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """The kind schema in `schema_file` with the definitions it reaches under `$defs`; None when the
    file does not exist (no schema for that kind: then `definitions` is not even read)."""
    try:
        with open(schema_file, encoding="utf-8") as handle:
            raw = handle.read()
    except OSError:
        return None
    schema: dict[str, Any] = json.loads(raw.replace(DEFS_REF, LOCAL_REF))
    schema.pop("$id", None)  # its base URI would make the local references point elsewhere
    known = definitions()
    schema["$defs"] = {name: known[name] for name in sorted(reachable(schema, known))}
    return schema


def reachable(schema: dict[str, Any], definitions: dict[str, Any]) -> set[str]:
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


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(LOCAL_REF):
            found.add(ref[len(LOCAL_REF) :])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
