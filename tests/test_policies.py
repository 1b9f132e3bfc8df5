"""Policies are decided by jsonschema-rs and worded by python-jsonschema: the findings must be exactly
python-jsonschema's, for every schema and every value YAML can give (infinities, NaN, huge integers)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import ROOT
from todolint.contract import load_contract, policies_dir
from todolint.rules.policies import _compiled, _Schema, load_policies, substitute

CONTRACT = load_contract()
PARAMS = {"release": "r", "namespace": "n", "env": "dev", "chart": "c"}
#: The project charts' dev render: every policy looks at it, none fails.
PASSING = ROOT / "tests" / "rules" / "TL220" / "pass.yaml"


def _shipped() -> list[Any]:
    schemas = []
    for rule in load_policies([policies_dir()], CONTRACT):
        policy = rule.check.args[0]  # type: ignore[union-attr]
        for app in CONTRACT.apps:
            schemas.append(substitute(policy.schema, {**PARAMS, "app": app}, CONTRACT))
    return schemas


INF, NAN = float("inf"), float("nan")
#: (schema, whether jsonschema-rs may decide it).
SCHEMAS: list[tuple[Any, bool]] = [
    *((schema, True) for schema in _shipped()),
    ({"properties": {"replicas": {"type": "integer", "minimum": 1, "maximum": 10}}}, True),
    ({"properties": {"replicas": {"type": "number", "exclusiveMaximum": 10}}}, True),
    ({"items": {"type": ["number", "null"], "maximum": 5}}, True),
    ({"not": {"const": "Secret"}}, True),
    ({"not": {"enum": [1, "x", None, True]}}, True),
    ({"contains": {"type": "number"}, "minContains": 2}, True),
    ({"if": {"required": ["a"]}, "then": {"properties": {"a": {"type": "number", "minimum": 0}}}}, True),
    ({"anyOf": [{"type": "string", "minLength": 2}, {"type": "integer"}]}, True),
    ({"propertyNames": {"maxLength": 3}, "additionalProperties": {"type": "object"}}, True),
    # Where the two libraries could disagree, python-jsonschema alone decides:
    ({"properties": {"replicas": {"maximum": 10}}}, False),  # a bound with no type beside it
    ({"not": {"type": "number"}}, False),  # jsonschema-rs: an infinite float is no number
    ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, False),
    ({"if": {"type": "number"}, "then": {"const": 1}, "else": {"const": 2}}, False),
    ({"properties": {"a": {"pattern": "^a$"}}}, False),  # Python's re against Rust's regex
    ({"properties": {"a": {"format": "email"}}}, False),
    ({"properties": {"a": {"multipleOf": 2}}}, False),
    ({"properties": {"a": {"const": 0.5}}}, False),
    ({"properties": {"a": {"type": "integer", "maximum": 2**60}}}, False),
    ({"$defs": {"a": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/a"}}}, False),
    ({"contains": {"type": "number"}, "maxContains": 1}, False),
    ({"uniqueItems": True}, False),
]
SCALARS: list[Any] = [INF, -INF, NAN, 2**70, -(2**70), 2**53 + 1, 1.0, 5, 11, 0, -1, True, False, None]
SCALARS += ["a", "a\n", "ab"]
INSTANCES: list[Any] = [
    *SCALARS,
    *({"replicas": v, "a": v, "spec": {"type": v, "ports": [{"port": v, "nodePort": v}]}} for v in SCALARS),
    *([v, v, 3] for v in SCALARS),
    {"kind": "Secret"},
    {"kind": "Service", "spec": {"ports": [{"port": 8000}, {"port": 3000.0}]}},
    {"abcd": {}, "ab": 1},
    {"ports": [{"containerPort": 8000}], "name": "todo-backend"},
    {"ports": [{"containerPort": INF}]},
]


def _python(schema: Any, instance: Any) -> list[tuple[list[Any], str]]:
    errors = sorted(Draft202012Validator(schema).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    return [(list(e.absolute_path), e.message) for e in errors]


@pytest.mark.parametrize(("schema", "fast"), SCHEMAS, ids=[str(s)[:60] for s, _ in SCHEMAS])
def test_errors_are_python_jsonschemas(schema: Any, fast: bool) -> None:
    compiled = _Schema(schema, _compiled(schema))
    assert (compiled.fast is not None) == fast
    for instance in INSTANCES:
        assert [(list(e.absolute_path), e.message) for e in compiled.errors(instance)] == _python(schema, instance)


def test_clean_objects_never_load_python_jsonschema() -> None:
    # python-jsonschema takes ~100 ms to import: only a policy file or an object that fails needs it.
    code = (
        "import sys\n"
        "from todolint.contract import load_contract\n"
        "from todolint.discover import ManifestInput\n"
        "from todolint.engine import Plan, StreamContext, run\n"
        "from todolint.rules import all_rules\n"
        "contract = load_contract()\n"
        f"inputs = (ManifestInput({str(PASSING)!r}),)\n"
        "plan = Plan(contract=contract, rules=all_rules(contract), inputs=inputs, stream=StreamContext(env='dev'))\n"
        "result = run(plan)\n"
        "print(len(result.findings), sorted(m for m in sys.modules if m.split('.')[0] == 'jsonschema'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["0", "[]"]
