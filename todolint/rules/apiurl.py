"""The frontend → backend link (spec §5.1): every URL the frontend uses for the backend is the backend Service
of the same environment and namespace, on the backend's port. With no backend rendered, say so instead of
guessing.

The frontend's URLs are its ConfigMaps' values and the literal env values of its containers: the contract's
key (`api_url.key`), whose value is the contract's `api_url.format`; the other names of it (`api_url_keys`);
and any value that is an http(s) URL naming the backend (one of its Services, a word of the backend app in a
cluster name, or its port).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from todolint.models import FieldPath, Hit, Manifest, Severity
from todolint.rules.apps import app_containers, app_objects, app_port, app_workloads, contract_list
from todolint.rules.base import EnvContext, Rule
from todolint.rules.shape import as_list, as_map

#: Expected URLs a message names; the rest are counted.
SHOWN_URLS = 3
#: A value that is one http(s) URL (a list of them, or prose, is not one).
_ONE_URL = re.compile(r"https?://[^\s,;]+", re.IGNORECASE)
#: A Service's DNS name from inside the cluster: `name.namespace`, `name.namespace.svc[.cluster.local]`.
_SERVICE_DNS = re.compile(r"(?P<name>[^.]+)\.(?P<namespace>[^.]+)(?P<svc>\.svc(?:\.cluster\.local)?)?")
#: The user and password of a URL, kept out of messages.
_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Url:
    """An http(s) URL as the link reads it: scheme, host (lower case, no final dot) and port (the scheme's
    default when none is written; None when the port is not a number)."""

    scheme: str
    host: str
    port: int | None

    @classmethod
    def parse(cls, value: Any) -> Url | None:
        """The URL `value` is, or None for anything that is not one http(s) URL with a host."""
        if not isinstance(value, str) or not _ONE_URL.fullmatch(value.strip()):
            return None
        try:
            parts = urlsplit(value.strip())
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return None
        if not host:
            return None
        scheme = parts.scheme.lower()
        try:
            port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(scheme)
        except ValueError:
            port = None
        return cls(scheme, host, port)

    def namespace(self, known: frozenset[str]) -> str | None:
        """The namespace a Service DNS name names (`x.todo-prod.svc`; `x.todo-prod` when todo-prod is known)."""
        match = _SERVICE_DNS.fullmatch(self.host)
        if match is None or (not match.group("svc") and match.group("namespace") not in known):
            return None
        return match.group("namespace")

    def in_cluster(self, known: frozenset[str]) -> bool:
        """Whether the host is a name only the cluster's DNS resolves: one label, or a Service DNS name."""
        return "." not in self.host or self.namespace(known) is not None

    @property
    def loopback(self) -> bool:
        """Whether the host is the pod itself (localhost, 127.x, ::1, 0.0.0.0)."""
        host = self.host
        return host in ("localhost", "::1", "0.0.0.0") or host.endswith(".localhost") or host.startswith("127.")


@dataclass(frozen=True)
class Site:
    """One place the frontend sets a URL for the backend."""

    manifest: Manifest
    path: FieldPath
    key: str
    value: Any
    #: The contract's own key (`api_url.key`), whose whole value is the contract's format.
    contract_key: bool

    @property
    def namespace(self) -> str:
        """The namespace the object goes to; "" when not known (pre-rendered input without one)."""
        found = self.manifest.metadata.get("namespace") or self.manifest.target.namespace
        return found if isinstance(found, str) else ""


def _frontend_values(ctx: EnvContext, app: str) -> Iterator[tuple[Manifest, FieldPath, str, Any]]:
    """Every value of the app's config: its ConfigMaps' data and literal env values of its containers."""
    for manifest, owner in app_objects(ctx, "ConfigMap"):
        if owner == app:
            for key, value in as_map(manifest.obj.get("data")).items():
                yield manifest, ("data", key), str(key), value
    for manifest, owner in app_workloads(ctx):
        if owner != app:
            continue
        for container in app_containers(ctx, manifest, app):
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                entry = as_map(entry)
                name = entry.get("name")
                if isinstance(name, str) and "value" in entry:
                    yield manifest, (*container.path, "env", index, "value"), name, entry.get("value")


def _backend_words(ctx: EnvContext, backend: str) -> list[tuple[str, ...]]:
    """The backend's words (its name, image and `match`, none another app lists too), as `-` separated parts."""
    apps = as_map(ctx.contract.apps)

    def words(app: str) -> set[str]:
        spec = as_map(apps.get(app))
        found = (app, spec.get("image"), *as_list(spec.get("match")))
        return {w.lower() for w in found if isinstance(w, str) and w}

    others = set().union(*(words(str(app)) for app in apps if app != backend))
    return [tuple(w.split("-")) for w in sorted(words(backend) - others)]


@dataclass(frozen=True)
class _Link:
    """What one environment's frontend URLs are checked against."""

    key: str
    backend: str
    port: int | None
    scheme: str
    keys: frozenset[str]
    #: The backend's Services: (name, namespace).
    services: tuple[tuple[str, str], ...]
    service_names: frozenset[str]
    words: tuple[tuple[str, ...], ...]
    #: Every namespace the environment knows: the contract's for each environment, and the rendered ones.
    namespaces: frozenset[str]
    format: str


def _names_backend(url: Url, link: _Link) -> bool:
    """Whether a URL is meant for the backend: its port, one of its Services, or a word of it in a cluster name."""
    if url.port is not None and url.port == link.port:
        return True
    if not url.in_cluster(link.namespaces):
        return False  # a public name (`api.openai.com`) is no address of the backend
    first = url.host.split(".", 1)[0]
    if first in link.service_names:
        return True
    parts = tuple(first.split("-"))
    return any(parts[i : i + len(word)] == word for word in link.words for i in range(len(parts) - len(word) + 1))


def _link(ctx: EnvContext) -> _Link:
    """The link of this environment, worked out once (both rules read it)."""
    found: _Link | None = ctx.memo.get(("api-url-link",))
    if found is None:
        link = ctx.contract.api_url
        services = sorted(
            {
                (service.name, str(service.metadata.get("namespace") or service.target.namespace or ""))
                for service, owner in app_objects(ctx, "Service")
                if owner == link.to_app
            }
        )
        namespaces = {ns for _, ns in services if ns}
        charts = set()
        for manifest in ctx.manifests:
            namespace = manifest.metadata.get("namespace") or manifest.target.namespace
            if isinstance(namespace, str) and namespace:
                namespaces.add(namespace)
            charts.add(manifest.target.chart)
        namespaces.update(
            ctx.contract.namespace_for(chart, env) for chart in charts for env in ctx.contract.environments
        )
        found = ctx.memo[("api-url-link",)] = _Link(
            key=link.key,
            backend=link.to_app,
            port=app_port(ctx.contract, link.to_app),
            scheme=link.format.split("://", 1)[0].lower() if "://" in link.format else "http",
            keys=frozenset(str(k).upper() for k in contract_list(ctx.contract, "api_url_keys")),
            services=tuple(services),
            service_names=frozenset(name.lower() for name, _ in services),
            words=tuple(_backend_words(ctx, link.to_app)),
            namespaces=frozenset(namespaces),
            format=link.format,
        )
    return found


def _sites(ctx: EnvContext) -> tuple[Site, ...]:
    """Every frontend URL for the backend in this environment, found once (both rules read them)."""
    found: tuple[Site, ...] | None = ctx.memo.get(("api-url-sites",))
    if found is None:
        link = _link(ctx)
        sites = []
        for manifest, path, key, value in _frontend_values(ctx, ctx.contract.api_url.from_app):
            if key == link.key:
                sites.append(Site(manifest, path, key, value, contract_key=True))
                continue
            url = Url.parse(value)
            if url is not None and (key.upper() in link.keys or _names_backend(url, link)):
                sites.append(Site(manifest, path, key, value, contract_key=False))
        found = ctx.memo[("api-url-sites",)] = tuple(sites)
    return found


def _found(value: Any) -> str:
    """A found value as a message quotes it, with a URL's user and password left out."""
    return repr(_USERINFO.sub("***@", value)) if isinstance(value, str) else repr(value)


def _expected_urls(link: _Link, namespace: str) -> list[str]:
    # The port is the contract's, never the chart's: a Service on another port is service-port's finding,
    # and a URL that followed it would contradict that rule.
    return sorted(
        {
            link.format.format(service=name, port=link.port, namespace=ns)
            for name, ns in link.services
            if not namespace or not ns or ns == namespace
        }
    )


def _shown(link: _Link, expected: list[str], namespace: str) -> str:
    """The expected URLs as a message names them: the first few, and how many more."""
    if not expected:
        return repr(link.format.format(service=f"<{link.backend} Service>", port=link.port, namespace=namespace))
    # With many backends (a large stream) the list is long: only its first URLs named (a message listing
    # 10,000 URLs helps nobody).
    shown = " or ".join(repr(u) for u in expected[:SHOWN_URLS])
    if len(expected) > SHOWN_URLS:
        shown += f" or {len(expected) - SHOWN_URLS:,} more (one per {link.backend} Service rendered)"
    return shown


def _certain_fault(site: Site, url: Url | None, link: _Link) -> str | None:
    """What is wrong with a URL whatever the backend renders: the pod itself, or another namespace."""
    if url is None:
        return None
    if url.loopback:
        return f"{site.key} names {url.host!r}, a loopback address (the frontend's own pod, not the backend)"
    namespace = url.namespace(link.namespaces)
    if namespace is not None and site.namespace and namespace != site.namespace:
        return (
            f"{site.key} names namespace {namespace!r}, not its own {site.namespace!r} (Service DNS across "
            "namespaces is not used, §7.2)"
        )
    return None


def _service_hosts(link: _Link, namespace: str) -> set[str]:
    """The hosts that name a backend Service of `namespace`: its short name, or its FQDN there."""
    hosts: set[str] = set()
    for name, ns in link.services:
        if namespace and ns and ns != namespace:
            continue
        name = name.lower()
        hosts.add(name)
        if ns:
            hosts.update((f"{name}.{ns}", f"{name}.{ns}.svc", f"{name}.{ns}.svc.cluster.local"))
    return hosts


def _fits(site: Site, url: Url | None, link: _Link, wanted: set[str], hosts: dict[str, set[str]]) -> bool:
    """Whether the URL is the backend Service's: the contract's key as its format says, any other with the
    scheme, a backend Service's host in the frontend's namespace and the backend's port (a path may follow)."""
    if site.contract_key:
        # The expected URLs are strings: any other value (a number, a list) is wrong, and may be unhashable.
        return isinstance(site.value, str) and site.value in wanted
    if url is None or url.scheme != link.scheme or url.port != link.port:
        return False
    if site.namespace not in hosts:
        hosts[site.namespace] = _service_hosts(link, site.namespace)
    return url.host in hosts[site.namespace]


def check_api_url(ctx: EnvContext) -> Iterator[Hit]:
    """TL350: each frontend URL for the backend that is not the backend Service's URL in its namespace."""
    link = _link(ctx)
    sites = _sites(ctx)
    if not sites:
        return
    everywhere = _expected_urls(link, "")
    wanted = set(everywhere)
    hosts: dict[str, set[str]] = {}
    expected: dict[str, list[str]] = {}
    messages: dict[tuple[str, str, str, str | None], str] = {}
    for site in sites:
        url = Url.parse(site.value)
        fault = _certain_fault(site, url, link)
        if fault is None and (not everywhere or _fits(site, url, link, wanted, hosts)):
            continue  # right, or (no backend rendered) api-url-unverified says so
        namespace = "" if site.contract_key else site.namespace
        if namespace not in expected:
            expected[namespace] = _expected_urls(link, namespace) or everywhere
        found = _found(site.value)
        # Each message written once per wrong value: a large stream repeats the same few.
        slot = (site.key, found, namespace, fault)
        if slot not in messages:
            shown = _shown(link, expected[namespace], site.namespace)
            after = "" if site.contract_key else " (a path may follow)"
            messages[slot] = f"{fault or site.key}: expected {shown}{after}, found {found}"
        yield Hit(messages[slot], manifest=site.manifest, path=site.path)


API_URL = Rule(
    code="TL350",
    name="api-url",
    category="api-url",
    severity=Severity.ERROR,
    summary=(
        "The frontend's {{ contract.api_url.key }} is {{ contract.api_url.format }}, with the Service name and "
        "port of the backend rendered in the same environment; every other frontend URL for the backend "
        "({{ contract.api_url_keys | first 4 }}, or any http(s) URL naming it) reaches that Service, by its "
        "short name or its FQDN in the same namespace, on that port."
    ),
    rationale=(
        "The frontend reaches the backend by the short Service name in its own namespace on the backend's port "
        "(§5.1). A URL naming another release, another namespace or another port makes every API call fail in "
        "that environment only, which is why both charts are rendered together. `localhost` inside the "
        "frontend's pod is the frontend itself, and each namespace runs its own backend (§7.2)."
    ),
    remediation=(
        "Set `config.{{ contract.api_url.key }}` in each values-<env>.yaml to `{{ contract.api_url.format }}` "
        "with the backend release's Service name and port (`api_url` in contract.yaml); give the other names "
        "of it (`api_url_keys`) the same Service and port."
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
  CHAT_BACKEND_URL: http://localhost:8000/chat   # expect: TL350
""",
    relational=True,
    origin=__name__,
    check=check_api_url,
)


def check_api_url_unverified(ctx: EnvContext) -> Iterator[Hit]:
    """TL351: the frontend's URLs for the backend, once each, where no backend is rendered to check them against."""
    link = _link(ctx)
    if link.services:
        return
    if ctx.broken:
        return  # a chart that failed to render may be the backend: no guess either way
    for site in _sites(ctx):
        if _certain_fault(site, Url.parse(site.value), link) is not None:
            continue  # wrong whatever the backend: api-url says so
        yield Hit(
            f"{site.key} not verified: no {link.backend} Service is rendered in environment {ctx.env}; lint both "
            "charts together (e.g. `todolint charts/`) to check the frontend → backend link",
            manifest=site.manifest,
            path=site.path,
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
