"""JSON Schema verdicts for the policies, reached without a schema library for the keywords they use.

Verdicts are python-jsonschema's (Draft 2020-12). For the keywords policies use, this module reaches
them itself, by the same Python comparisons (`decidable`, `compile_schema`): a clean run imports no
schema library (python-jsonschema takes ~100 ms to import, jsonschema-rs ~80 ms) and checks an object
in microseconds. python-jsonschema is loaded to word what is wrong (a malformed policy file, an object
that fails) and to decide any schema that uses another keyword.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

#: A compiled schema: whether an instance is valid.
Predicate = Callable[[Any], bool]

#: JSON Schema's simple types, as python-jsonschema's Draft 2020-12 type checker reads them.
_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
#: Keywords whose value is one subschema, a list of them, or a map of names to them.
_ONE_SCHEMA = frozenset({"not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames"})
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP = frozenset({"properties", "dependentSchemas"})
_COUNTS = frozenset(
    {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties", "minContains", "maxContains"}
)
_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_TEXTS = frozenset({"title", "description", "$comment"})
_FLAGS = frozenset({"deprecated", "readOnly", "writeOnly"})


def _is(kind: str, value: Any) -> bool:
    """python-jsonschema's Draft 2020-12 type checker."""
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    # number: the parser's int and float before the numbers ABC, whose check is slow.
    return type(value) in (int, float) or isinstance(value, numbers.Number)


def _unbool(value: Any) -> Any:
    return (_TRUE if value else _FALSE) if isinstance(value, bool) else value


_TRUE, _FALSE = object(), object()


def _equal(one: Any, two: Any) -> bool:
    """python-jsonschema's equality for `const` and `enum`: true is not 1, and lists compare item by item."""
    if one is two:
        return True
    if type(one) is int and type(two) is int:  # ports, replicas: before the Sequence and Mapping ABCs
        return one == two
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and _equal(value, two[key]) for key, value in one.items())
    return bool(_unbool(one) == _unbool(two))


def decidable(schema: Any) -> bool:
    """Whether `schema` uses only keywords `compile_schema` decides, each with the value the JSON Schema
    metaschema requires: then it is a valid schema (python-jsonschema's check_schema agrees), and
    `compile_schema` gives python-jsonschema's verdict. Anything else is left to python-jsonschema."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    return all(_decidable_keyword(key, value) for key, value in schema.items())


def _decidable_keyword(key: Any, value: Any) -> bool:
    if key in _ONE_SCHEMA:
        return decidable(value)
    if key in _SCHEMA_LIST:
        return isinstance(value, list) and len(value) > 0 and all(decidable(item) for item in value)
    if key in _SCHEMA_MAP:
        return isinstance(value, dict) and all(decidable(item) for item in value.values())
    if key == "type":
        types = value if isinstance(value, list) else [value]
        return (
            len(types) > 0 and all(isinstance(t, str) and t in _TYPES for t in types) and len(set(types)) == len(types)
        )
    if key in ("const", "default"):
        return True
    if key in ("enum", "examples"):
        return isinstance(value, list)
    if key == "required":
        return _names(value)
    if key == "dependentRequired":
        return isinstance(value, dict) and all(_names(names) for names in value.values())
    if key in _COUNTS:
        return _is("integer", value) and value >= 0
    if key in _BOUNDS:
        return _is("number", value)
    if key == "pattern":
        return isinstance(value, str) and _regex(value)
    if key in _TEXTS:
        return isinstance(value, str)
    if key in _FLAGS:
        return isinstance(value, bool)
    return False


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(n, str) for n in value) and len(set(value)) == len(value)


def _regex(pattern: str) -> bool:
    try:
        re.compile(pattern)  # python-jsonschema's "regex" format, which check_schema applies
    except re.error:
        return False
    return True


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def compile_schema(schema: Any) -> Predicate:
    """A function giving python-jsonschema's verdict on an instance for a schema `decidable` accepts,
    reached by the same comparisons, keyword by keyword (see jsonschema/_keywords.py).

    Built once per schema: the keywords are read here, not at every object (~3× faster per check)."""
    if isinstance(schema, bool):
        return _always if schema else _never
    checks = [check for key, value in schema.items() if (check := _keyword(key, value, schema)) is not None]
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def valid(instance: Any) -> bool:
        for check in checks:  # noqa: SIM110  # a loop, not all(): this runs for every part of every object
            if not check(instance):
                return False
        return True

    return valid


def _keyword(key: str, value: Any, schema: Mapping[str, Any]) -> Predicate | None:
    """The check of one keyword of `schema` (keywords of another type of value hold); None when it
    always holds (annotations, and `then`, `else`, `minContains`, `maxContains`, read with another)."""
    if key == "type":
        kinds = (value,) if isinstance(value, str) else tuple(value)
        return lambda instance: any(_is(kind, instance) for kind in kinds)
    if key == "const":
        return lambda instance: _equal(instance, value)
    if key == "enum":
        return lambda instance: any(_equal(each, instance) for each in value)
    if key in ("not", "if", "allOf", "anyOf", "oneOf", "contains", "items", "prefixItems"):
        return _applicator(key, value, schema)
    if key in _OBJECT_KEYWORDS:
        check = _object_keyword(key, value, schema)
        return lambda instance: not isinstance(instance, dict) or check(instance)
    if key in _BOUNDS:
        return lambda instance: not _is("number", instance) or _within(key, value, instance)
    if key == "pattern":
        search = re.compile(value).search
        return lambda instance: not isinstance(instance, str) or search(instance) is not None
    if key in _COUNTS and key not in ("minContains", "maxContains"):
        return lambda instance: not isinstance(instance, str | list) or _counted(key, value, instance)
    return None


def _applicator(key: str, value: Any, schema: Mapping[str, Any]) -> Predicate:
    if key == "not":
        inner = compile_schema(value)
        return lambda instance: not inner(instance)
    if key == "if":
        condition = compile_schema(value)
        then = compile_schema(schema["then"]) if "then" in schema else _always
        otherwise = compile_schema(schema["else"]) if "else" in schema else _always
        return lambda instance: then(instance) if condition(instance) else otherwise(instance)
    if key in ("allOf", "anyOf", "oneOf"):
        subs = [compile_schema(sub) for sub in value]
        if key == "allOf":
            return lambda instance: all(sub(instance) for sub in subs)
        if key == "anyOf":
            return lambda instance: any(sub(instance) for sub in subs)
        return lambda instance: sum(1 for sub in subs if sub(instance)) == 1
    if key == "prefixItems":
        subs = [compile_schema(sub) for sub in value]
        return lambda instance: (
            not isinstance(instance, list) or all(sub(item) for sub, item in zip(subs, instance, strict=False))
        )
    if key == "items":
        skip = len(schema.get("prefixItems", []))
        if value is False:
            return lambda instance: not isinstance(instance, list) or not instance[skip:]
        each = compile_schema(value)
        return lambda instance: not isinstance(instance, list) or all(each(item) for item in instance[skip:])
    each = compile_schema(value)  # contains
    least, most = schema.get("minContains", 1), schema.get("maxContains")

    def contains(instance: Any) -> bool:
        if not isinstance(instance, list):
            return True
        matches = sum(1 for item in instance if each(item))
        return bool(least <= matches <= (len(instance) if most is None else most))

    return contains


#: Keywords about an object's members: they hold for anything else.
_OBJECT_KEYWORDS = frozenset(
    {
        "properties",
        "required",
        "additionalProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "minProperties",
        "maxProperties",
    }
)


def _object_keyword(key: str, value: Any, schema: Mapping[str, Any]) -> Callable[[dict[Any, Any]], bool]:
    if key == "properties":
        members = [(name, compile_schema(sub)) for name, sub in value.items()]

        def properties(instance: dict[Any, Any]) -> bool:
            for name, check in members:  # noqa: SIM110  # a loop, as above
                if name in instance and not check(instance[name]):
                    return False
            return True

        return properties
    if key == "required":
        return lambda instance: all(name in instance for name in value)
    if key == "additionalProperties":
        declared = schema.get("properties", {})
        if isinstance(value, dict):
            each = compile_schema(value)
            return lambda instance: all(each(instance[name]) for name in instance if name not in declared)
        if value:
            return _always
        return lambda instance: all(name in declared for name in instance)
    if key == "propertyNames":
        each = compile_schema(value)
        return lambda instance: all(each(name) for name in instance)
    if key == "dependentRequired":
        return lambda instance: all(
            all(need in instance for need in needs) for name, needs in value.items() if name in instance
        )
    if key == "dependentSchemas":
        subs = [(name, compile_schema(sub)) for name, sub in value.items()]
        return lambda instance: all(sub(instance) for name, sub in subs if name in instance)
    return lambda instance: _counted(key, value, instance)  # minProperties, maxProperties


def _counted(key: str, limit: Any, instance: Sized) -> bool:
    if key in ("minItems", "minLength", "minProperties"):
        return not (isinstance(instance, _SIZED_BY[key]) and len(instance) < limit)
    if key in ("maxItems", "maxLength", "maxProperties"):
        return not (isinstance(instance, _SIZED_BY[key]) and len(instance) > limit)
    return True  # minContains, maxContains: read by contains


_SIZED_BY: dict[str, type] = {
    "minItems": list,
    "maxItems": list,
    "minLength": str,
    "maxLength": str,
    "minProperties": dict,
    "maxProperties": dict,
}


def _within(key: str, bound: Any, number: Any) -> bool:
    if key == "minimum":
        return not number < bound
    if key == "maximum":
        return not number > bound
    if key == "exclusiveMinimum":
        return not number <= bound
    return not number >= bound  # exclusiveMaximum


def schema_problem(schema: Any) -> str | None:
    """Why `schema` is not a valid JSON Schema (python-jsonschema's message), or None when it is."""
    if decidable(schema):
        return None
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return str(exc.message)
    return None


@dataclass
class CompiledSchema:
    """One policy schema with its placeholders filled: decided here when `decidable`, else (and to word
    what fails) by python-jsonschema, built on first need."""

    schema: Any
    decidable: bool
    slow: Draft202012Validator | None = field(default=None, repr=False)
    #: The verdict, when `decidable`.
    valid: Predicate = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.valid = compile_schema(self.schema) if self.decidable else _never

    def errors(self, instance: Any) -> list[ValidationError]:
        """python-jsonschema's errors for `instance`, ordered by path: none for most objects."""
        if self.valid(instance):
            return []
        if self.slow is None:
            from jsonschema import Draft202012Validator

            self.slow = Draft202012Validator(self.schema)
        return sorted(self.slow.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
