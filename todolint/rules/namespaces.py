"""Namespaces (spec §7): no object refers to another environment's namespace, anywhere in it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from todolint.models import Hit, Manifest, Severity
from todolint.rules.base import EnvContext, Rule
from todolint.rules.shape import all_text, walk_strings, word_pattern


def check_foreign_namespace(ctx: EnvContext) -> Iterator[Hit]:
    """TL340: every string that names another environment's namespace."""
    if ctx.env not in ctx.contract.environments:
        return  # pre-rendered input without --env: no way to know which namespaces are foreign
    patterns_for: dict[tuple[str, str], list[tuple[str, str, re.Pattern[str]]]] = {}
    for manifest in ctx.manifests:
        chart = manifest.target.chart
        own = manifest.target.namespace or ctx.contract.namespace_for(chart, ctx.env)
        patterns = patterns_for.get((chart, own))
        if patterns is None:
            foreign = {
                ctx.contract.namespace_for(chart, env): env for env in ctx.contract.environments if env != ctx.env
            }
            patterns = patterns_for[(chart, own)] = [
                (ns, env, word_pattern(ns)) for ns, env in sorted(foreign.items()) if ns and ns != own
            ]
        if not patterns:
            continue
        if not _may_refer(manifest, [namespace for namespace, _env, _pattern in patterns]):
            continue  # most objects name no foreign namespace: skip the walk that builds every path
        for path, text in walk_strings(manifest.obj):
            if path == ("metadata", "namespace"):
                continue  # object-namespace (TL121) reports the object's own namespace
            for namespace, env, pattern in patterns:
                # The substring test is a cheap filter; the pattern decides (whole tokens only).
                if namespace in text and pattern.search(text):
                    # The value itself is not quoted: it may be a credential-bearing URL.
                    yield Hit(
                        f"refers to namespace {namespace!r} of environment {env}; expected only {own!r}",
                        manifest=manifest,
                        path=path,
                    )
                    break


FOREIGN_NAMESPACE = Rule(
    code="TL340",
    name="foreign-namespace",
    category="namespaces",
    severity=Severity.ERROR,
    summary="No object refers to another environment's namespace (e.g. `*.todo-prod.svc` in dev).",
    rationale=(
        "Each environment has the full stack in its own namespace and cross-namespace access is not used "
        "(§7.2). A dev ConfigMap pointing at `todo-backend-prod.todo-prod.svc` sends test traffic to "
        "production."
    ),
    remediation=(
        "Use short Service names (same namespace) or `{{ .Release.Namespace }}`; never spell another "
        "environment's namespace in values."
    ),
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-backend-dev-config
data:
  CORS_ORIGINS: http://todo-frontend-prod.todo-prod.svc:3000   # expect: TL340
""",
    origin=__name__,
    check=check_foreign_namespace,
)


#: Names YAML never rewrites inside a scalar (no quote, space, line break or escape to fold or undo).
_DNS_LIKE = re.compile(r"[A-Za-z0-9._-]+")


def _may_refer(manifest: Manifest, namespaces: list[str]) -> bool:
    """Whether a string of the object other than metadata.namespace (skipped below) may contain one of
    `namespaces`: a quick count over the object's text instead of a walk that builds every path.

    In the NUL-joined text a name without NUL cannot straddle two strings, so its count there is the sum
    of its counts in each string; more than metadata.namespace's own (key and value) means another has it.
    The object's YAML text serves as well when it holds no escape (a backslash) and no alias (`*`), and
    the names are DNS-like: then every key and string stands in it as parsed (YAML rewrites only quotes,
    spaces and line breaks, which such a name lacks), so its count there is never below the strings'
    (comments, numbers and anchors only add to it). A count too high only sends the object to the walk,
    which decides.
    """
    text = manifest.text
    plain = text and "\\" not in text and "*" not in text and all(map(_DNS_LIKE.fullmatch, namespaces))
    everything = text if plain else all_text(manifest.obj)
    metadata = manifest.obj.get("metadata")
    skipped: list[str] = []
    if isinstance(metadata, (dict, Mapping)) and "namespace" in metadata:
        skipped.append("namespace")  # walk_strings yields the key at that path as well
        if isinstance(metadata["namespace"], str):
            skipped.append(metadata["namespace"])
    for namespace in namespaces:
        if "\0" in namespace:
            return True
        if everything.count(namespace) > sum(text.count(namespace) for text in skipped):
            return True
    return False


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [FOREIGN_NAMESPACE]
