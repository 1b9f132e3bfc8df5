"""Policies are decided by todolint itself for the keywords they use, and worded by python-jsonschema:
the findings must be exactly python-jsonschema's, for every schema and every value YAML can give
(infinities, NaN, huge integers, booleans against numbers), and a malformed schema must be caught."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from tests.conftest import ROOT
from todolint.contract import load_contract, policies_dir
from todolint.rules.kinds import DEPLOYMENT_LIKE, SELECTING, WORKLOAD, expand_kinds
from todolint.rules.load_policies import PolicyError, load_policies, load_policy_file
from todolint.rules.placeholders import substitute
from todolint.rules.policies import reach
from todolint.rules.verdicts import CompiledSchema, decidable, schema_problem

CONTRACT = load_contract()
PARAMS = {"release": "r", "namespace": "n", "env": "dev", "chart": "c"}
#: The project charts' dev render: every policy looks at it, none fails.
PASSING = ROOT / "tests" / "rules" / "TL500" / "pass.yaml"


def _shipped() -> list[Any]:
    schemas = []
    for rule in load_policies([policies_dir()], CONTRACT):
        policy = rule.check.args[0]  # type: ignore[union-attr]
        for app in CONTRACT.apps:
            schemas.append(substitute(policy.schema, {**PARAMS, "app": app}, CONTRACT))
    return schemas


INF, NAN = float("inf"), float("nan")
#: (schema, whether todolint decides it without python-jsonschema).
SCHEMAS: list[tuple[Any, bool]] = [
    *((schema, True) for schema in _shipped()),
    ({"properties": {"replicas": {"type": "integer", "minimum": 1, "maximum": 10}}}, True),
    ({"properties": {"replicas": {"type": "number", "exclusiveMaximum": 10}}}, True),
    ({"properties": {"replicas": {"maximum": 10, "exclusiveMinimum": 0.5}}}, True),
    ({"items": {"type": ["number", "null"], "maximum": 5}}, True),
    ({"not": {"const": "Secret"}}, True),
    ({"not": {"enum": [1, "x", None, True, [1.0], {"a": 0}]}}, True),
    ({"not": {"type": "number"}}, True),
    ({"properties": {"a": {"const": 0.5}}, "required": ["a"]}, True),
    ({"contains": {"type": "number"}, "minContains": 2}, True),
    ({"contains": {"type": "number"}, "maxContains": 1}, True),
    ({"contains": {"type": "integer"}, "minContains": 0}, True),
    ({"if": {"required": ["a"]}, "then": {"properties": {"a": {"type": "number", "minimum": 0}}}}, True),
    ({"if": {"type": "number"}, "then": {"const": 1}, "else": {"const": 2}}, True),
    ({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}]}, True),
    ({"anyOf": [{"type": "string", "minLength": 2}, {"type": "integer"}], "title": "t"}, True),
    ({"allOf": [{"maxLength": 1}, {"pattern": "^a$"}]}, True),  # Python's re, as python-jsonschema's
    ({"propertyNames": {"maxLength": 3}, "additionalProperties": {"type": "object"}}, True),
    ({"properties": {"a": {}}, "additionalProperties": False, "minProperties": 1, "maxProperties": 2}, True),
    ({"dependentRequired": {"a": ["spec"]}, "dependentSchemas": {"spec": {"required": ["kind"]}}}, True),
    ({"prefixItems": [{"type": "number"}], "items": False, "minItems": 1, "maxItems": 2}, True),
    (True, True),
    (False, True),
    # Other keywords, and values the metaschema refuses, are python-jsonschema's alone:
    ({"properties": {"a": {"format": "email"}}}, False),
    ({"properties": {"a": {"multipleOf": 2}}}, False),
    ({"$defs": {"a": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/a"}}}, False),
    ({"uniqueItems": True}, False),
    ({"patternProperties": {"^a": {"type": "string"}}}, False),
    ({"type": "strin"}, False),
    ({"type": ["string", "string"]}, False),
    ({"required": ["a", "a"]}, False),
    ({"minLength": -1}, False),
    ({"minLength": 1.5}, False),
    ({"maximum": "10"}, False),
    ({"maximum": True}, False),
    ({"pattern": "(?<x>a)"}, False),
    ({"allOf": []}, False),
    ({"enum": "a"}, False),
    ({"title": 5}, False),
    ({1: 2}, False),
]
SCALARS: list[Any] = [
    INF,
    -INF,
    NAN,
    2**70,
    -(2**70),
    2**53 + 1,
    1.0,
    5,
    11,
    0,
    -1,
    True,
    False,
    None,
    "a",
    "a\n",
    "ab",
]
INSTANCES: list[Any] = [
    *SCALARS,
    *({"replicas": v, "a": v, "spec": {"type": v, "ports": [{"port": v, "nodePort": v}]}} for v in SCALARS),
    *([v, v, 3] for v in SCALARS),
    {"kind": "Secret"},
    {"kind": "Service", "spec": {"ports": [{"port": 8000}, {"port": 3000.0}]}},
    {"abcd": {}, "ab": 1},
    {"ports": [{"containerPort": 8000}], "name": "todo-backend"},
    {"ports": [{"containerPort": INF}]},
    [1.0],
    [1, 2.5, "x"],
    {"a": 0},
    {"a": False},
    {"a": [1]},
    "Secret",
]


def _python(schema: Any, instance: Any) -> list[tuple[list[Any], str]]:
    errors = sorted(Draft202012Validator(schema).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    return [(list(e.absolute_path), e.message) for e in errors]


@pytest.mark.parametrize(("schema", "decided"), SCHEMAS, ids=[str(s)[:60] for s, _ in SCHEMAS])
def test_errors_are_python_jsonschemas(schema: Any, decided: bool) -> None:
    assert decidable(schema) == decided
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        assert not decided
        assert schema_problem(schema) == exc.message
        return
    assert schema_problem(schema) is None
    compiled = CompiledSchema(schema, decided)
    for instance in INSTANCES:
        assert [(list(e.absolute_path), e.message) for e in compiled.errors(instance)] == _python(schema, instance)


def test_clean_objects_load_no_schema_library() -> None:
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


POLICY = """\
code: TL599
name: demo
category: workloads
severity: warning
summary: A demo.
target: {target}
kinds: {kinds}
schema: {{required: [metadata]}}
rationale: Why.
remediation: How.
"""


def _policy_file(tmp_path: Path, *, target: str, kinds: str) -> Path:
    path = tmp_path / "TL599-demo.yaml"
    path.write_text(POLICY.format(target=target, kinds=kinds), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("target", "kinds", "reached"),
    [
        ("object", "DeploymentLike", DEPLOYMENT_LIKE.kinds),
        ("object", "[LongRunning, Job, Deployment]", ("Deployment", "StatefulSet", "DaemonSet", "Job")),
        ("workload", "DeploymentLike", WORKLOAD.kinds),  # the target's kinds, narrowed
        ("containers", "[Selecting, Service]", SELECTING.kinds),
        ("service", "Deployment", ()),
        ("pod-spec", "[CronJob]", ("CronJob",)),
    ],
)
def test_kinds_name_kinds_and_groups(tmp_path: Path, target: str, kinds: str, reached: tuple[str, ...]) -> None:
    _, policy = load_policy_file(_policy_file(tmp_path, target=target, kinds=kinds), CONTRACT)
    assert policy.kinds == reached


@pytest.mark.parametrize("kinds", ["[]", "3", "[deployment-like]", "[Deployment, [Pod]]", '""'])
def test_kinds_the_policy_schema_refuses(tmp_path: Path, kinds: str) -> None:
    path = _policy_file(tmp_path, target="object", kinds=kinds)
    with pytest.raises(PolicyError, match=rf"^{path}: kinds"):
        load_policy_file(path, CONTRACT)


def test_a_target_without_kinds_reaches_its_own() -> None:
    assert reach("object", ()) is None
    assert reach("app-containers", ()) == WORKLOAD.kinds
    assert reach("pod-spec", ()) == DEPLOYMENT_LIKE.kinds
    assert expand_kinds(["Workload", "DeploymentConfig", "Pod"]) == (*WORKLOAD.kinds, "DeploymentConfig")
