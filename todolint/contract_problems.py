"""What is wrong with a contract, worded for the person editing its YAML: the first problem the contract
schema (`policies/contract.schema.json`, checked with jsonschema-rs) or a relation between keys finds, in
file order, and the line of the key it is at.

Its own module so that `todolint.contract` stays the typed value and its loading; it imports nothing of
todolint (the floor below the contract).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

# --- validation ------------------------------------------------------------------------------------

#: A key path into the contract: mapping keys and list indexes.
KeyPath = tuple[str | int, ...]


def first_problem(raw: dict[str, Any], rules: dict[str, Any]) -> tuple[KeyPath, str] | None:
    """The first problem of the contract `raw` against the schema `rules`, in file order: where it is
    and what it is; None when valid."""
    # Imported here, not at the top: a run that loads no contract (`--version`) never pays for it.
    import jsonschema_rs

    validator = jsonschema_rs.Draft202012Validator(rules)
    try:
        if validator.is_valid(raw):
            return _relation_problem(raw)
        errors = list(validator.iter_errors(raw))
    except ValueError:  # a YAML value JSON has no word for (a date, a number as a key)
        return _non_json(raw, ()) or ((), "the contract holds a value JSON cannot hold")
    found = [_explain(error, rules) for error in errors]
    # The first in the file; at one place an unknown key before the required one it is likely a typo of.
    return min(found, key=lambda p: (_order(raw, p[0]), "unknown key" not in p[1]))


def _explain(error: Any, rules: Mapping[str, Any]) -> tuple[KeyPath, str]:
    """(key path, message) of one jsonschema-rs error, worded for a person editing the YAML."""
    at: KeyPath = tuple(error.instance_path)
    kind, value = error.kind, error.instance
    name = kind.name
    if name == "required":
        return (*at, kind.property), "required key missing"
    if name == "additionalProperties":
        unknown = sorted(kind.unexpected)[0]
        return (*at, unknown), f"unknown key{_suggestion(unknown, _allowed(rules, at))}"
    if name == "type":
        return at, f"expected {_types(kind.types)}, found {_shown(value)}"
    if name == "enum":
        return at, f"expected one of {', '.join(map(str, kind.options))}, found {_shown(value)}"
    if name == "const":
        return at, f"expected {kind.expected_value!r}, found {_shown(value)}"
    if name in ("minimum", "maximum"):
        return at, f"expected {'at least' if name == 'minimum' else 'at most'} {kind.limit}, found {value!r}"
    if name in ("minItems", "minProperties"):
        return at, "expected at least one entry, found none"
    if name == "minLength":
        return at, "expected a non-empty string"
    if name == "uniqueItems":
        twice = next((item for n, item in enumerate(value) if item in value[:n]), None)
        return at, f"lists {twice!r} twice"
    if name == "pattern":
        return at, f"expected a string matching {kind.pattern!r}, found {value!r}"
    return at, str(error.message)


def _allowed(rules: Mapping[str, Any], at: KeyPath) -> list[str]:
    """The keys the schema allows at `at` (a mapping with fixed keys), for a did-you-mean."""
    defs = rules.get("$defs", {})
    node: Any = rules
    for part in at:
        node = _resolve(node, defs)
        if not isinstance(node, dict):
            return []
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part, node.get("additionalProperties", {}))
    node = _resolve(node, defs)
    return sorted(node.get("properties", {})) if isinstance(node, dict) else []


def _resolve(node: Any, defs: Mapping[str, Any]) -> Any:
    """A `{"$ref": "#/$defs/x"}` schema's target; any other schema itself."""
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    return defs.get(ref.removeprefix("#/$defs/"), node) if ref.startswith("#/$defs/") else node


def _suggestion(unknown: str, allowed: Sequence[str]) -> str:
    if not allowed:
        return ""
    import difflib  # only to suggest a name for a mistake

    close = difflib.get_close_matches(unknown, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(allowed)})"


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _types(types: Sequence[str]) -> str:
    return " or ".join(_TYPE_WORDS.get(t, t) for t in types)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _non_json(value: Any, at: KeyPath) -> tuple[KeyPath, str] | None:
    """The first value or key that has no JSON form (YAML's dates, numbers as keys), where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return at, f"key {key!r} must be a string (quote it)"
            found = _non_json(item, (*at, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _non_json(item, (*at, index))
            if found is not None:
                return found
    elif not isinstance(value, (str, int, float, bool)) and value is not None:
        return at, f"{value!s} is a YAML {type(value).__name__}, which the contract cannot hold (quote it)"
    return None


def _relation_problem(raw: Mapping[str, Any]) -> tuple[KeyPath, str] | None:
    """What JSON Schema cannot say: the link names two apps of the contract, each range is in order."""
    apps = sorted(raw["apps"])
    for key in ("from_app", "to_app"):
        if raw["api_url"][key] not in apps:
            return ("api_url", key), f"{raw['api_url'][key]!r} is no app of the contract ({', '.join(apps)})"
    for key in ("replicas", "node_port_range"):
        if raw[key]["min"] > raw[key]["max"]:
            return (key,), f"min {raw[key]['min']} is above max {raw[key]['max']}"
    return None


# --- where a key is --------------------------------------------------------------------------------


def key_path(at: KeyPath) -> str:
    """`apps.todo-backend.probes`, `values_files[1]`, `labels["app.kubernetes.io/name"]`."""
    out = ""
    for part in at:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "." in part or not part:
            out += f"[{json.dumps(part)}]"
        else:
            out += f".{part}" if out else part
    return out


def _nodes(node: yaml.Node, at: KeyPath) -> Iterator[tuple[KeyPath, int]]:
    """(key path, line) of every key and list item below a composed YAML node."""
    if isinstance(node, yaml.MappingNode):
        for key, item in node.value:
            path = (*at, key.value)
            yield path, key.start_mark.line + 1
            yield from _nodes(item, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield (*at, index), item.start_mark.line + 1
            yield from _nodes(item, (*at, index))


def _lines(text: str) -> dict[KeyPath, int]:
    """The line of every key path of the contract; a key given twice has its last line, as YAML reads it."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return dict(_nodes(root, ())) if root is not None else {}


def line_of(text: str, at: KeyPath) -> int | None:
    """The line of `at`, else of the nearest key above it that is in the file (a missing key's parent)."""
    lines = _lines(text)
    for end in range(len(at), 0, -1):
        if at[:end] in lines:
            return lines[at[:end]]
    return None


def _order(raw: Mapping[str, Any], at: KeyPath) -> tuple[int, ...]:
    """A sort key that puts `at` where it is in the file: the index of each step in its mapping or list."""
    out: list[int] = []
    node: Any = raw
    for part in at:
        if isinstance(node, dict) and part in node:
            out.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
        else:
            out.append(len(node) if isinstance(node, (dict, list)) else 0)
            break
    return tuple(out)


__all__ = ["KeyPath", "first_problem", "key_path", "line_of"]
