"""Declarative single-object rules at work: which part of which objects a policy looks at (its target
and kinds), and what a failing part's finding says. Reading the policy files is `load_policies`; the
verdicts are `verdicts`.

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
the others reach the contract's apps (`app-containers`) or objects of a kind. `kinds:` narrows a target to
some kinds, or kind groups (`todolint.rules.kinds`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from todolint.models import FieldPath, Hit, Manifest, is_map
from todolint.rules.apps import app_containers, recognise_app
from todolint.rules.base import EnvContext
from todolint.rules.kinds import DEPLOYMENT_LIKE, WORKLOAD, expand_kinds
from todolint.rules.placeholders import substitute
from todolint.rules.pods import all_containers, is_long_running, pod_spec, pod_template_path
from todolint.rules.shape import dig
from todolint.rules.verdicts import CompiledSchema, decidable

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

#: (base path, instance) of each part of one object a target looks at.
Parts = Callable[[EnvContext, Manifest, str | None], Iterator[tuple[FieldPath, Any]]]


@dataclass(frozen=True)
class PolicyTarget:
    """What a policy's `target:` looks at: objects of which kinds, whether their app is recognised, and
    which parts of each."""

    #: The kinds it reaches; None: every object.
    kinds: tuple[str, ...] | None
    #: Whether the object's app is recognised (and `{{ app }}` known): the contract's targets.
    by_app: bool
    parts: Parts
    #: Whether each part is a container (its name fills `{container}`).
    containers: bool = False


def _whole(ctx: EnvContext, manifest: Manifest, app: str | None) -> Iterator[tuple[FieldPath, Any]]:
    yield (), manifest.obj


def _pod_template(ctx: EnvContext, manifest: Manifest, app: str | None) -> Iterator[tuple[FieldPath, Any]]:
    path = pod_template_path(manifest)
    if path is not None:
        yield path, dig(manifest.obj, path) if path else manifest.obj


def _app_containers(ctx: EnvContext, manifest: Manifest, app: str | None) -> Iterator[tuple[FieldPath, Any]]:
    if app is None or not is_long_running(manifest):
        return  # Jobs, CronJobs and hooks help the app; the app container rules are not theirs
    for container in app_containers(ctx, manifest, app):
        yield container.path, container.spec


def _pod_spec(ctx: EnvContext, manifest: Manifest, app: str | None) -> Iterator[tuple[FieldPath, Any]]:
    located = pod_spec(manifest)
    if located is not None:
        yield located


def _containers(ctx: EnvContext, manifest: Manifest, app: str | None) -> Iterator[tuple[FieldPath, Any]]:
    for container in all_containers(manifest):
        yield container.path, container.spec


#: Every target a policy may name.
TARGETS: Mapping[str, PolicyTarget] = {
    "object": PolicyTarget(None, True, _whole),
    "workload": PolicyTarget(WORKLOAD.kinds, True, _whole),
    "pod-template": PolicyTarget(WORKLOAD.kinds, True, _pod_template),
    "app-containers": PolicyTarget(WORKLOAD.kinds, True, _app_containers, containers=True),
    "service": PolicyTarget(("Service",), True, _whole),
    "configmap": PolicyTarget(("ConfigMap",), True, _whole),
    # Any app's, or none: the generic rules (TL5xx) look at every pod-running object.
    "pod-spec": PolicyTarget(DEPLOYMENT_LIKE.kinds, False, _pod_spec),
    "containers": PolicyTarget(DEPLOYMENT_LIKE.kinds, False, _containers, containers=True),
}


def reach(target: str, kinds: tuple[str, ...]) -> tuple[str, ...] | None:
    """The kinds a policy looks at: its target's, narrowed to the kinds and groups it names; None: every
    object."""
    reached = TARGETS[target].kinds
    if not kinds:
        return reached
    named = expand_kinds(kinds)
    return named if reached is None else tuple(kind for kind in named if kind in reached)


@dataclass(frozen=True)
class Policy:
    """One policy file, checked and ready to run."""

    code: str
    target: str
    #: The kinds it looks at (`reach`); None: every object.
    kinds: tuple[str, ...] | None
    schema: Mapping[str, Any]
    message: str
    hide_values: bool
    uses_app: bool


def _parts(policy: Policy, ctx: EnvContext) -> Iterator[tuple[Manifest, str | None, FieldPath, Any]]:
    """(object, app, base path, instance) for every part of every object the policy looks at."""
    target = TARGETS[policy.target]
    for manifest in ctx.manifests if policy.kinds is None else ctx.of_kind(*policy.kinds):
        app = recognise_app(ctx, manifest) if target.by_app else None
        if target.by_app and policy.uses_app and app is None:
            continue
        for base, instance in target.parts(ctx, manifest, app):
            yield manifest, app, base, instance


def check_policy(policy: Policy, ctx: EnvContext) -> Iterator[Hit]:
    """The policy's findings in one environment: one per schema error of each part it looks at."""
    cache: dict[tuple[str | None, str, str, str], CompiledSchema | None] = {}
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
                cache[key] = CompiledSchema(schema, decidable(schema))
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
    container = part.get("name") if TARGETS[policy.target].containers and is_map(part) else None
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
