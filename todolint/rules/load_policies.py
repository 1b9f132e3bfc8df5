"""Reading the policy files: one YAML file per rule in `policies/` (and user policy folders), checked
against POLICY_SCHEMA and the contract, becomes a `Rule` whose check is `policies.check_policy`.

A policy file that is malformed raises PolicyError with one line naming the file and the problem.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from todolint.contract import Contract, ContractError
from todolint.models import CATEGORIES, Severity
from todolint.rules.base import FIX_ACTIONS, FIX_SAFETIES, Fix, Rule
from todolint.rules.placeholders import placeholders, substitute
from todolint.rules.policies import TARGETS, Policy, check_policy, reach
from todolint.rules.verdicts import Predicate, compile_schema, schema_problem

#: libyaml's loader: the pure-Python one costs ~3 ms per policy file at every start.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: A Kubernetes kind (`Deployment`) or a kind group's name (`DeploymentLike`, todolint.rules.kinds).
_KIND_NAME: Mapping[str, Any] = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]*$"}


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
        # A kind or kind group (`DeploymentLike`), or a list of them.
        "kinds": {"anyOf": [_KIND_NAME, {"type": "array", "items": _KIND_NAME, "minItems": 1}]},
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


def _uses_app(value: Any) -> bool:
    return any(m.group(1) == "app" or m.group(1).startswith("app.") for m in placeholders(value))


@functools.cache
def _policy_shape() -> Predicate:
    """POLICY_SCHEMA's check, compiled once for every policy file read."""
    return compile_schema(POLICY_SCHEMA)


def _shape_problem(raw: Any) -> str | None:
    """What makes `raw` no policy file (`where: message`, python-jsonschema's best match), or None."""
    if _policy_shape()(raw):
        return None
    import jsonschema  # type: ignore[import-untyped]  # only here, to word the problem

    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(POLICY_SCHEMA).iter_errors(raw))
    if problem is None:
        return None
    where = ".".join(str(p) for p in problem.absolute_path) or "policy"
    return f"{where}: {problem.message}"


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
        problem = schema_problem(schema)
        if problem is not None:
            raise PolicyError(f"{path}: schema is not a valid JSON Schema: {problem}")
    docs = raw.get("docs", "")
    rationale = raw["rationale"] + (f"\n{docs}" if docs else "")
    policy = Policy(
        code=raw["code"],
        target=raw["target"],
        kinds=reach(raw["target"], _names(raw.get("kinds", ()))),
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


def _names(kinds: str | list[str]) -> tuple[str, ...]:
    return (kinds,) if isinstance(kinds, str) else tuple(kinds)
