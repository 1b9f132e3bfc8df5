"""The frontend → backend link (spec §5.1): NEXT_PUBLIC_API_URL is `http://<backend Service>:<port>` for the
backend rendered in the same environment. With no backend rendered, say so instead of guessing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from todolint.models import FieldPath, Hit, Manifest, Severity
from todolint.rules.apps import app_containers, app_objects, app_port, app_workloads
from todolint.rules.base import EnvContext, Rule
from todolint.rules.shape import as_list, as_map

#: Expected URLs a message names; the rest are counted.
SHOWN_URLS = 3


def _url_sites(ctx: EnvContext, app: str, key: str) -> Iterator[tuple[Manifest, FieldPath, Any]]:
    """Where the frontend's URL is set: its ConfigMaps' data and literal env values of its containers."""
    for manifest, owner in app_objects(ctx, "ConfigMap"):
        data = as_map(manifest.obj.get("data"))
        if owner == app and key in data:
            yield manifest, ("data", key), data[key]
    for manifest, owner in app_workloads(ctx):
        if owner != app:
            continue
        for container in app_containers(ctx, manifest, app):
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                entry = as_map(entry)
                if entry.get("name") == key and "value" in entry:
                    yield manifest, (*container.path, "env", index, "value"), entry.get("value")


def _expected_urls(ctx: EnvContext, backend: str, pattern: str) -> list[str]:
    # The port is the contract's, never the chart's: a Service on another port is service-port's finding,
    # and a URL that followed it would contradict that rule.
    port = app_port(ctx.contract, backend)
    urls: list[str] = []
    for service, owner in app_objects(ctx, "Service"):
        if owner != backend:
            continue
        urls.append(pattern.format(service=service.name, port=port, namespace=service.target.namespace))
    return sorted(set(urls))


def check_api_url(ctx: EnvContext) -> Iterator[Hit]:
    """TL350: each frontend URL setting that is not the backend Service's URL in its environment."""
    link = ctx.contract.api_url
    frontend, backend, key = link.from_app, link.to_app, link.key
    expected = _expected_urls(ctx, backend, link.format)
    if not expected:
        return  # api-url-unverified says so
    # With many backends (a large stream) the list is long: looked up as a set, and only its first URLs
    # named (a message listing 10,000 URLs helps nobody); each message written once per wrong value.
    wanted = set(expected)
    shown = " or ".join(repr(u) for u in expected[:SHOWN_URLS])
    if len(expected) > SHOWN_URLS:
        shown += f" or {len(expected) - SHOWN_URLS:,} more (one per {backend} Service rendered)"
    messages: dict[str, str] = {}
    for manifest, path, value in _url_sites(ctx, frontend, key):
        # The expected URLs are strings: any other value (a number, a list) is wrong, and may be unhashable.
        if not isinstance(value, str) or value not in wanted:
            found = repr(value)
            if found not in messages:
                messages[found] = f"{key}: expected {shown}, found {found}"
            yield Hit(messages[found], manifest=manifest, path=path)


API_URL = Rule(
    code="TL350",
    name="api-url",
    category="api-url",
    severity=Severity.ERROR,
    summary=(
        "The frontend's {{ contract.api_url.key }} is {{ contract.api_url.format }}, with the Service name and "
        "port of the backend rendered in the same environment."
    ),
    rationale=(
        "The frontend reaches the backend by the short Service name in its own namespace on the backend's port "
        "(§5.1). A URL naming another release, another namespace or another port makes every API call fail in "
        "that environment only, which is why both charts are rendered together."
    ),
    remediation=(
        "Set `config.{{ contract.api_url.key }}` in each values-<env>.yaml to `{{ contract.api_url.format }}` "
        "with the backend release's Service name and port (`api_url` in contract.yaml)."
    ),
    example="""\
# todolint: env=dev
---
# Source: todo-backend/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: todo-backend-dev
spec:
  selector: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  ports:
    - port: 8000
---
# Source: todo-frontend/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-frontend-dev-config
data:
  NEXT_PUBLIC_API_URL: http://todo-backend:8000   # expect: TL350
""",
    relational=True,
    origin=__name__,
    check=check_api_url,
)


def check_api_url_unverified(ctx: EnvContext) -> Iterator[Hit]:
    """TL351: the frontend's URL settings, once, where no backend is rendered to check them against."""
    link = ctx.contract.api_url
    frontend, backend, key = link.from_app, link.to_app, link.key
    if any(owner == backend for _, owner in app_objects(ctx, "Service")):
        return
    if ctx.broken:
        return  # a chart that failed to render may be the backend: no guess either way
    for manifest, path, _value in _url_sites(ctx, frontend, key):
        yield Hit(
            f"{key} not verified: no {backend} Service is rendered in environment {ctx.env}; lint both charts "
            "together (e.g. `todolint charts/`) to check the frontend → backend link",
            manifest=manifest,
            path=path,
        )


API_URL_UNVERIFIED = Rule(
    code="TL351",
    name="api-url-unverified",
    category="api-url",
    severity=Severity.INFO,
    summary="The frontend's API URL could not be checked: no backend is rendered in that environment.",
    rationale=(
        "The link can only be checked against the backend Service actually rendered for the same "
        "environment; rather than guess a name, todolint says it did not check."
    ),
    remediation="Lint the frontend and backend charts in the same run (`todolint charts/`).",
    example="""\
# todolint: chart=todo-frontend env=dev release=todo-frontend-dev namespace=todo-dev
apiVersion: v1
kind: ConfigMap
metadata:
  name: todo-frontend-dev-config
data:
  NEXT_PUBLIC_API_URL: http://todo-backend-dev:8000   # expect: TL351
""",
    relational=True,
    origin=__name__,
    check=check_api_url_unverified,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [API_URL, API_URL_UNVERIFIED]
