"""The rule registry: `all_rules` gathers every rule in force, sorted by code, from three sources.

- engine rules (render, parse, schema, suppression), documented here and raised by the engine itself;
- declarative single-object rules: YAML files in `policies/` (and user `--policies` folders);
- relational rules: small Python functions in the `todolint.rules.*` family modules.

What a rule is and what it sees live in `todolint.rules.base`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from todolint.contract import Contract, policies_dir
from todolint.models import Severity
from todolint.rules.base import Check, EnvContext, Rule
from todolint.rules.docs import with_contract

__all__ = ["Check", "EnvContext", "Rule", "all_rules"]


RENDER_ERROR = Rule(
    code="TL001",
    name="render-error",
    category="render",
    severity=Severity.ERROR,
    summary="The chart could not be rendered for this environment.",
    rationale=(
        "If Helm cannot render a chart, nothing in it can be checked, and `helm install` would fail the same way."
    ),
    remediation="Fix the template or values error Helm names; run `helm template` with the same values to reproduce.",
    example="""\
# todolint: file=todo-backend/templates/configmap.yaml env=dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
data:
  IMAGE_TAG: {{ required "imageTag is required" .Values.imageTag }}   # expect: TL001
""",
    suppressible=False,
)


INVALID_YAML = Rule(
    code="TL002",
    name="invalid-yaml",
    category="parse",
    severity=Severity.ERROR,
    summary="A template produced text that is not valid YAML.",
    rationale="The API server cannot read the object; every other check of it would be a guess.",
    remediation="Look at the rendered output near the line named; usually an indent or a missing quote.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
data:
  BACKEND_ENV: development: yes   # expect: TL002
""",
    suppressible=False,
)


DUPLICATE_KEY = Rule(
    code="TL003",
    name="duplicate-key",
    category="parse",
    severity=Severity.ERROR,
    summary="A rendered mapping has the same key twice.",
    rationale="YAML readers silently keep one of the values while the API server rejects the object.",
    remediation="Remove one of the two keys in the template or values.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
data:
  POOL_SIZE: "2"
  POOL_SIZE: "5"   # expect: TL003
""",
)


NOT_AN_OBJECT = Rule(
    code="TL004",
    name="not-an-object",
    category="parse",
    severity=Severity.ERROR,
    summary="A rendered document is not a Kubernetes object (a list, a scalar, or no kind/apiVersion).",
    rationale="Kubernetes cannot apply a document without a string kind and apiVersion.",
    remediation="Make the template emit a mapping with apiVersion and kind, or nothing at all.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
- just   # expect: TL004
- a list
""",
    suppressible=False,
)


SCHEMA_INVALID = Rule(
    code="TL010",
    name="schema-invalid",
    category="schema",
    severity=Severity.ERROR,
    summary="An object does not match the Kubernetes schema for its kind (strict: unknown fields are errors).",
    rationale=(
        "The API server rejects invalid objects, and silently drops unknown fields only when they are not strict."
    ),
    remediation="Correct the field named: its type, its spelling, or where it sits.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-backend-dev
spec:
  replicas: "two"   # expect: TL010
  selector:
    matchLabels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
""",
)


UNKNOWN_KIND = Rule(
    code="TL011",
    name="unknown-kind",
    category="schema",
    severity=Severity.WARNING,
    summary="No bundled Kubernetes schema for this kind and apiVersion (a custom resource?).",
    rationale="Objects without a schema cannot be validated; a typo in apiVersion looks the same.",
    remediation="Check the apiVersion and kind; if it is a CRD, exempt it in config.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: apps/v1beta9
kind: Deployment   # expect: TL011
metadata:
  name: todo-backend-dev
""",
)


SUPPRESSION_WITHOUT_REASON = Rule(
    code="TL090",
    name="suppression-without-reason",
    category="suppression",
    severity=Severity.ERROR,
    summary="A `todolint.io/ignore` entry names no rule or gives no reason.",
    rationale=(
        "A silenced finding without a reason is a decision nobody can review or revisit; the next "
        "reader cannot "
        "tell a considered exception from a shortcut. The entry silences nothing until it has a reason."
    ),
    remediation=(
        'Write the rule and the reason: `todolint.io/ignore: "TL203: readiness is a TCP probe until v2 ships"`.'
    ),
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
  annotations:
    todolint.io/ignore: TL300   # expect: TL090
""",
    suppressible=False,
)


STALE_SUPPRESSION = Rule(
    code="TL091",
    name="stale-suppression",
    category="suppression",
    severity=Severity.WARNING,
    summary="A suppression (annotation or config exemption) matches no finding.",
    rationale=(
        "A suppression that silences nothing hides the next real finding of that rule on that object, "
        "and it tells readers about a problem that no longer exists."
    ),
    remediation="Remove the annotation entry or the config exemption, or correct the rule code it names.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: Service
metadata:
  name: todo-backend-dev
  annotations:
    todolint.io/ignore: "TL230: NodePort until the ingress is ready"   # expect: TL091
spec:
  type: ClusterIP
  selector: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  ports:
    - port: 8000
""",
)


SUPPRESSION_NOT_ALLOWED = Rule(
    code="TL092",
    name="suppression-not-allowed",
    category="suppression",
    severity=Severity.ERROR,
    summary="A `todolint.io/ignore` annotation names a rule that cannot be suppressed by an annotation.",
    rationale=(
        "Some rules guard against harm no chart author may accept alone (secrets in plain text, a database "
        "in the cluster, a chart that does not render); the finding stays, and so does this one."
    ),
    remediation="Fix the finding instead; a team that truly needs an exception writes it in the todolint config.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: Secret   # expect: TL311
metadata:
  name: todo-backend-dev-secrets
  annotations:
    todolint.io/ignore: "TL311: a throwaway key for dev"   # expect: TL092
""",
    suppressible=False,
)


def _engine_rules() -> list[Rule]:
    """Rules the engine raises itself while rendering, parsing and validating, and those about suppressions
    (raised by `todolint.suppress`)."""
    return [
        RENDER_ERROR,
        INVALID_YAML,
        DUPLICATE_KEY,
        NOT_AN_OBJECT,
        SCHEMA_INVALID,
        UNKNOWN_KIND,
        SUPPRESSION_WITHOUT_REASON,
        STALE_SUPPRESSION,
        SUPPRESSION_NOT_ALLOWED,
    ]


def all_rules(contract: Contract, policy_dirs: Sequence[Path] = ()) -> tuple[Rule, ...]:
    """Every rule: engine rules, declarative policies, relational rules; sorted by code, their docs
    written with the contract's values (`todolint.rules.docs.with_contract`).

    Built by a function, not at import time, so that a user's contract and policy folders apply.
    """
    rules: list[Rule] = _engine_rules()
    rules.extend(_contract_rules(contract, policy_dirs))
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.code in seen:
            raise ValueError(f"rule code {rule.code} is defined twice ({seen[rule.code].origin}, {rule.origin})")
        seen[rule.code] = rule
    return tuple(sorted((with_contract(rule, contract) for rule in rules), key=lambda r: r.code))


def _contract_rules(contract: Contract, policy_dirs: Sequence[Path] = ()) -> list[Rule]:
    """The data-model contract's rules: the built-in policies, user policy folders, and the rule modules
    (one module per family, each with `rules() -> list[Rule]`), imported here so that reading a
    `Rule` (a reporter, a warm run) loads none of them."""
    from todolint.rules import (
        apiurl,
        chart,
        configmaps,
        database,
        generic,
        labels,
        names,
        namespaces,
        network,
        probes,
        references,
        releases,
        scaling,
        secrets,
        selectors,
        services,
    )
    from todolint.rules.load_policies import load_policies

    families = (
        labels,
        selectors,
        names,
        probes,
        services,
        configmaps,
        secrets,
        database,
        scaling,
        namespaces,
        apiurl,
        references,
        releases,
        chart,
        network,
        generic,
    )
    rules: list[Rule] = load_policies([policies_dir(), *policy_dirs], contract)
    for family in families:
        rules.extend(family.rules())
    return rules
