"""Declarative single-object rules: one YAML file per rule in `policies/` (and user policy folders).

A policy names a target (which part of which objects it looks at), a JSON Schema that part must match,
and its documentation. Strings of the form `{{ contract.a.b }}`, `{{ app.port }}`, `{{ app }}`,
`{{ release }}`, `{{ namespace }}`, `{{ env }}` and `{{ chart }}` are replaced before checking; a
string that is only a placeholder takes the value's own type (`{{ app.port }}` → 8000). A policy
that reads `app.` is checked only on objects recognised as one of the contract's apps. An optional
`message` replaces the generated "expected X, found Y" (`{detail}`, `{app}`, `{kind}`, `{container}` (the
container's name, for container targets) and `{value}` (the value at fault) are filled in);
`hide_values: true` keeps found values out of messages. `defers_to: [TL220]` drops a finding where one of
those rules reports the same object and field (see `Rule.defers_to`).

Targets `pod-spec` and `containers` reach every pod-running object whatever its app (the generic rules);
the others reach the contract's apps (`app-containers`) or objects of a kind.

A policy file that is malformed raises PolicyError with one line naming the file and the problem.

Verdicts are python-jsonschema's (Draft 2020-12). For the keywords policies use, this module reaches
them itself, by the same Python comparisons (`_decidable`, `_compile`): a clean run imports no schema
library (python-jsonschema takes ~100 ms to import, jsonschema-rs ~80 ms) and checks an object in
microseconds. python-jsonschema is loaded to word what is wrong (a malformed policy file, an object
that fails) and to decide any schema that uses another keyword.
"""

from __future__ import annotations

import functools
import json
import numbers
import re
from collections.abc import Callable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from todolint.contract import Contract, ContractError
from todolint.models import CATEGORIES, FieldPath, Hit, Manifest, Severity, is_map
from todolint.rules.apps import app_containers, recognise_app
from todolint.rules.base import FIX_ACTIONS, FIX_SAFETIES, EnvContext, Fix, Rule
from todolint.rules.kinds import DEPLOYMENT_LIKE, WORKLOAD
from todolint.rules.placeholders import placeholders, substitute
from todolint.rules.pods import all_containers, is_long_running, pod_spec, pod_template_path
from todolint.rules.shape import dig

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

TARGETS: tuple[str, ...] = (
    "object",
    "workload",
    "pod-template",
    "app-containers",
    "service",
    "configmap",
    # Any app's, or none: the generic rules (TL5xx) look at every pod-running object.
    "pod-spec",
    "containers",
)


class PolicyError(ContractError):
    """A policy file is malformed: one line naming the file and the problem."""


#: The shape of a policy file itself.
POLICY_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "required": ["code", "name", "category", "severity", "summary", "target", "schema", "rationale", "remediation"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "pattern": "^TL[0-9]{3}$"},
        "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "category": {"enum": list(CATEGORIES)},
        "severity": {"enum": ["error", "warning", "info"]},
        "summary": {"type": "string", "minLength": 1},
        "target": {"enum": list(TARGETS)},
        "kinds": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "schema": {"type": "object"},
        "message": {"type": "string"},
        "hide_values": {"type": "boolean"},
        "suppressible": {"type": "boolean"},
        "defers_to": {"type": "array", "items": {"type": "string", "pattern": "^TL[0-9]{3}$"}},
        "rationale": {"type": "string", "minLength": 1},
        "docs": {"type": "string"},
        "remediation": {"type": "string", "minLength": 1},
        "example": {"type": "string"},
        "fix": {
            "type": "object",
            "required": ["safety"],
            "additionalProperties": False,
            "properties": {
                "safety": {"enum": list(FIX_SAFETIES)},
                "action": {"enum": list(FIX_ACTIONS)},
                "contract": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
        },
    },
}


@dataclass(frozen=True)
class Policy:
    """One policy file, checked and ready to run."""

    code: str
    target: str
    kinds: tuple[str, ...]
    schema: Mapping[str, Any]
    message: str
    hide_values: bool
    uses_app: bool


def _uses_app(value: Any) -> bool:
    return any(m.group(1) == "app" or m.group(1).startswith("app.") for m in placeholders(value))


# --- jsonschema-rs, with python-jsonschema's verdicts ---------------------------------------------

#: libyaml's loader: the pure-Python one costs ~3 ms per policy file at every start.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def _decidable(schema: Any) -> bool:
    """Whether `schema` uses only keywords `_compile` decides, each with the value the JSON Schema
    metaschema requires: then it is a valid schema (python-jsonschema's check_schema agrees), and
    `_compile` gives python-jsonschema's verdict. Anything else is left to python-jsonschema."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    return all(_decidable_keyword(key, value) for key, value in schema.items())


def _decidable_keyword(key: Any, value: Any) -> bool:
    if key in _ONE_SCHEMA:
        return _decidable(value)
    if key in _SCHEMA_LIST:
        return isinstance(value, list) and len(value) > 0 and all(_decidable(item) for item in value)
    if key in _SCHEMA_MAP:
        return isinstance(value, dict) and all(_decidable(item) for item in value.values())
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


Check = Callable[[Any], bool]


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _compile(schema: Any) -> Check:
    """A function giving python-jsonschema's verdict on an instance for a schema `_decidable` accepts,
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


def _keyword(key: str, value: Any, schema: Mapping[str, Any]) -> Check | None:
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


def _applicator(key: str, value: Any, schema: Mapping[str, Any]) -> Check:
    if key == "not":
        inner = _compile(value)
        return lambda instance: not inner(instance)
    if key == "if":
        condition = _compile(value)
        then = _compile(schema["then"]) if "then" in schema else _always
        otherwise = _compile(schema["else"]) if "else" in schema else _always
        return lambda instance: then(instance) if condition(instance) else otherwise(instance)
    if key in ("allOf", "anyOf", "oneOf"):
        subs = [_compile(sub) for sub in value]
        if key == "allOf":
            return lambda instance: all(sub(instance) for sub in subs)
        if key == "anyOf":
            return lambda instance: any(sub(instance) for sub in subs)
        return lambda instance: sum(1 for sub in subs if sub(instance)) == 1
    if key == "prefixItems":
        subs = [_compile(sub) for sub in value]
        return lambda instance: (
            not isinstance(instance, list) or all(sub(item) for sub, item in zip(subs, instance, strict=False))
        )
    if key == "items":
        skip = len(schema.get("prefixItems", []))
        if value is False:
            return lambda instance: not isinstance(instance, list) or not instance[skip:]
        each = _compile(value)
        return lambda instance: not isinstance(instance, list) or all(each(item) for item in instance[skip:])
    each = _compile(value)  # contains
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
        members = [(name, _compile(sub)) for name, sub in value.items()]

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
            each = _compile(value)
            return lambda instance: all(each(instance[name]) for name in instance if name not in declared)
        if value:
            return _always
        return lambda instance: all(name in declared for name in instance)
    if key == "propertyNames":
        each = _compile(value)
        return lambda instance: all(each(name) for name in instance)
    if key == "dependentRequired":
        return lambda instance: all(
            all(need in instance for need in needs) for name, needs in value.items() if name in instance
        )
    if key == "dependentSchemas":
        subs = [(name, _compile(sub)) for name, sub in value.items()]
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


@functools.cache
def _policy_shape() -> Check:
    """POLICY_SCHEMA's check, compiled once for every policy file read."""
    return _compile(POLICY_SCHEMA)


def _shape_problem(raw: Any) -> str | None:
    """What makes `raw` no policy file (`where: message`, python-jsonschema's best match), or None."""
    if _policy_shape()(raw):
        return None
    import jsonschema  # only here, to word the problem

    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(POLICY_SCHEMA).iter_errors(raw))
    if problem is None:
        return None
    where = ".".join(str(p) for p in problem.absolute_path) or "policy"
    return f"{where}: {problem.message}"


def _schema_problem(schema: Any) -> str | None:
    """Why `schema` is not a valid JSON Schema (python-jsonschema's message), or None when it is."""
    if _decidable(schema):
        return None
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return str(exc.message)
    return None


@dataclass
class _Schema:
    """One policy schema with its placeholders filled: decided here when `_decidable`, else (and to word
    what fails) by python-jsonschema, built on first need."""

    schema: Any
    decidable: bool
    slow: Draft202012Validator | None = field(default=None, repr=False)
    #: The verdict, when `decidable`.
    check: Check = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.check = _compile(self.schema) if self.decidable else _never

    def errors(self, instance: Any) -> list[ValidationError]:
        """python-jsonschema's errors for `instance`, ordered by path: none for most objects."""
        if self.check(instance):
            return []
        if self.slow is None:
            from jsonschema import Draft202012Validator

            self.slow = Draft202012Validator(self.schema)
        return sorted(self.slow.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])


def _read_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        # libyaml places some errors on another line than PyYAML's own parser, and rejects a few documents
        # it reads: a file libyaml cannot read gets PyYAML's answer, as it always did.
        return yaml.safe_load(text)


def load_policy_file(path: Path, contract: Contract) -> tuple[Rule, Policy]:
    """Read and check one policy file against POLICY_SCHEMA and the contract."""
    try:
        raw = _read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{path}{where}: policy is not valid YAML") from None
    shape = _shape_problem(raw)
    if shape is not None:
        raise PolicyError(f"{path}: {shape}")
    uses_app = _uses_app(raw["schema"]) or _uses_app(raw.get("message", ""))
    apps = list(contract.apps) if uses_app else [None]
    sample = {"release": "release", "namespace": "namespace", "env": "env", "chart": "chart"}
    for app in apps:
        try:
            schema = substitute(raw["schema"], {**sample, "app": app}, contract)
        except KeyError as exc:
            if str(exc.args[0]).startswith("app."):
                continue  # this app lacks the value: the policy skips its objects
            raise PolicyError(f"{path}: placeholder {{{{ {exc.args[0]} }}}} has no value in the contract") from None
        problem = _schema_problem(schema)
        if problem is not None:
            raise PolicyError(f"{path}: schema is not a valid JSON Schema: {problem}")
    docs = raw.get("docs", "")
    rationale = raw["rationale"] + (f"\n{docs}" if docs else "")
    policy = Policy(
        code=raw["code"],
        target=raw["target"],
        kinds=tuple(raw.get("kinds", ())),
        schema=raw["schema"],
        message=raw.get("message", "{detail}"),
        hide_values=bool(raw.get("hide_values", False)),
        uses_app=uses_app,
    )
    rule = Rule(
        code=raw["code"],
        name=raw["name"],
        category=raw["category"],
        severity=Severity.parse(raw["severity"]),
        summary=raw["summary"],
        rationale=rationale.strip(),
        remediation=raw["remediation"].strip(),
        example=raw.get("example", "").rstrip("\n"),
        suppressible=bool(raw.get("suppressible", True)),
        relational=False,
        defers_to=tuple(raw.get("defers_to", ())),
        check=functools.partial(check_policy, policy),
        origin=str(path.name),
        fix=_fix(raw.get("fix")),
    )
    return rule, policy


def _fix(raw: Mapping[str, Any] | None) -> Fix | None:
    if raw is None:
        return None
    action = raw.get("action", "set")
    return Fix(
        safety=raw["safety"],
        contract=tuple(raw.get("contract", ())),
        fields=tuple(raw.get("fields", ())),
        action=action,
    )


def load_policies(folders: Sequence[Path], contract: Contract) -> list[Rule]:
    """Every `*.yaml` policy in `folders` except the contract itself, sorted by file name."""
    rules: list[Rule] = []
    for folder in folders:
        for path in sorted(folder.glob("*.y*ml")):
            if path.name in ("contract.yaml", "contract.yml"):
                continue
            rules.append(load_policy_file(path, contract)[0])
    return rules


# --- checking ------------------------------------------------------------------------------------


def _candidates(policy: Policy, ctx: EnvContext) -> Iterator[Manifest]:
    """The objects of the kinds a policy can look at, in the context's order (the kind lists are shared)."""
    if policy.kinds:
        return iter(ctx.of_kind(*policy.kinds))
    if policy.target == "service":
        return iter(ctx.of_kind("Service"))
    if policy.target == "configmap":
        return iter(ctx.of_kind("ConfigMap"))
    if policy.target in ("workload", "pod-template", "app-containers"):
        return iter(ctx.of_kind(*WORKLOAD.kinds))
    if policy.target in ("pod-spec", "containers"):
        return iter(ctx.of_kind(*DEPLOYMENT_LIKE.kinds))
    return iter(ctx.manifests)


def _generic_parts(policy: Policy, manifest: Manifest) -> Iterator[tuple[FieldPath, Any]]:
    """(base path, instance) of a `pod-spec` or `containers` target: any pod, whatever its app."""
    if policy.target == "pod-spec":
        located = pod_spec(manifest)
        if located is not None:
            yield located
    else:
        for container in all_containers(manifest):
            yield container.path, container.spec


def _parts(policy: Policy, ctx: EnvContext) -> Iterator[tuple[Manifest, str | None, FieldPath, Any]]:
    """(object, app, base path, instance) for every part of every object the policy looks at."""
    for manifest in _candidates(policy, ctx):
        if policy.kinds and manifest.kind not in policy.kinds:
            continue
        target = policy.target
        if target == "service" and manifest.kind != "Service":
            continue
        if target == "configmap" and manifest.kind != "ConfigMap":
            continue
        if target in ("workload", "pod-template", "app-containers") and manifest.kind not in WORKLOAD.kinds:
            continue
        if target in ("pod-spec", "containers"):
            if manifest.kind in DEPLOYMENT_LIKE.kinds:
                for base, instance in _generic_parts(policy, manifest):
                    yield manifest, None, base, instance
            continue
        app = recognise_app(ctx, manifest)
        if policy.uses_app and app is None:
            continue
        if target == "pod-template":
            path = pod_template_path(manifest)
            if path is None:
                continue
            yield manifest, app, path, dig(manifest.obj, path) if path else manifest.obj
        elif target == "app-containers":
            if app is None or not is_long_running(manifest):
                continue  # Jobs, CronJobs and hooks help the app; the app container rules are not theirs
            for container in app_containers(ctx, manifest, app):
                yield manifest, app, container.path, container.spec
        else:
            yield manifest, app, (), manifest.obj


def check_policy(policy: Policy, ctx: EnvContext) -> Iterator[Hit]:
    cache: dict[tuple[str | None, str, str, str], _Schema | None] = {}
    for manifest, app, base, instance in _parts(policy, ctx):
        target = manifest.target
        key = (app, target.release, target.namespace, target.chart)
        if key not in cache:
            params = {
                "app": app,
                "release": target.release,
                "namespace": target.namespace,
                "env": target.env,
                "chart": target.chart,
            }
            try:
                schema = substitute(policy.schema, params, ctx.contract)
            except KeyError:
                cache[key] = None  # a value this object's app or target lacks (pre-rendered input, no release)
            else:
                cache[key] = _Schema(schema, _decidable(schema))
        compiled = cache[key]
        if compiled is None:
            continue
        for error in compiled.errors(instance):
            path, detail = describe_error(error, hide=policy.hide_values)
            yield Hit(_message(policy, error, detail, app, manifest, instance), manifest=manifest, path=(*base, *path))


def _message(
    policy: Policy, error: ValidationError, detail: str, app: str | None, manifest: Manifest, part: Any
) -> str:
    """The policy's message with its slots filled; `{value}` is shown as `describe_error` shows values."""
    message = policy.message
    container = part.get("name") if policy.target in ("containers", "app-containers") and is_map(part) else None
    slots = (
        ("{detail}", detail),
        ("{app}", app or ""),
        ("{kind}", manifest.kind),
        ("{container}", container if isinstance(container, str) else "?"),
        ("{value}", _show(error.instance, policy.hide_values)),
    )
    for slot, value in slots:
        if slot in message:
            message = message.replace(slot, value)
    return message


def _show(value: Any, hide: bool) -> str:
    if hide:
        return "a value (not shown)"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping | list | tuple):
        return "a mapping" if isinstance(value, Mapping) else "a list"
    return json.dumps(value)


def _describe_schema(schema: Any) -> str:
    """A short reading of a (sub)schema for a message: `containerPort = 3000`."""
    if isinstance(schema, Mapping):
        if "const" in schema:
            return json.dumps(schema["const"])
        if "enum" in schema:
            return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
        props = schema.get("properties")
        if isinstance(props, Mapping):
            parts = [f"{k} {_describe_schema(v)}" for k, v in props.items()]
            return ", ".join(parts)
        bounds = []
        if "minimum" in schema:
            bounds.append(f">= {schema['minimum']}")
        if "maximum" in schema:
            bounds.append(f"<= {schema['maximum']}")
        if bounds:
            return " and ".join(bounds)
    return json.dumps(schema, sort_keys=True)


def describe_error(error: ValidationError, *, hide: bool) -> tuple[FieldPath, str]:
    """(relative path, "expected X, found Y") for one schema error; never quotes a hidden value."""
    path: FieldPath = tuple(error.absolute_path)
    found = _show(error.instance, hide)
    kind, want = error.validator, error.validator_value
    if kind == "required":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        missing = [str(name) for name in want if name not in instance]
        name = missing[0] if missing else "?"
        return (*path, name), f"expected {name} to be set, found it missing"
    if kind == "const":
        detail = f"expected {json.dumps(want)}, found {found}"
    elif kind == "enum":
        detail = f"expected one of {', '.join(json.dumps(v) for v in want)}, found {found}"
    elif kind == "type":
        detail = f"expected {' or '.join(want) if isinstance(want, list) else want}, found {found}"
    elif kind in ("minimum", "exclusiveMinimum"):
        detail = f"expected at least {want}{' (exclusive)' if kind != 'minimum' else ''}, found {found}"
    elif kind in ("maximum", "exclusiveMaximum"):
        detail = f"expected at most {want}{' (exclusive)' if kind != 'maximum' else ''}, found {found}"
    elif kind == "contains":
        detail = f"expected an item with {_describe_schema(want)}, found none"
    elif kind == "not":
        detail = f"expected anything but {_describe_schema(want)}, found {found}"
    elif kind == "pattern":
        detail = f"expected to match {want}, found {found}"
    elif kind in ("minItems", "minLength"):
        detail = f"expected at least {want} {'items' if kind == 'minItems' else 'characters'}"
    elif kind in ("maxItems", "maxLength"):
        detail = f"expected at most {want} {'items' if kind == 'maxItems' else 'characters'}"
    elif kind == "additionalProperties":
        detail = "expected no other fields"
    else:
        detail = "does not match the policy" if hide else error.message
    return path, detail
