"""Database (spec §1, K-007): PostgreSQL is external (Neon); nothing database-like runs in the cluster."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from todolint.models import Hit, Location, Severity
from todolint.rules.apps import (
    contract_list,
    database_images,
    image_matches,
    image_repository,
)
from todolint.rules.base import EnvContext, Rule
from todolint.rules.kinds import WORKLOAD
from todolint.rules.pods import all_containers, containers
from todolint.rules.shape import as_list, as_map, dig

URL_KEY = "DATABASE_URL"
_CLUSTER_DNS = re.compile(r"\.(svc|cluster\.local)\.?$")
#: One DNS label, as a Service name is: what a host without a dot must be to resolve at all.
_DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
#: A database URL's scheme, a driver after `+` allowed (`postgresql+asyncpg:`, `sqlite+aiosqlite:`).
_DATABASE_SCHEME = re.compile(
    r"\s*(postgres|postgresql|pgsql|mysql|mariadb|mongodb|cockroachdb|sqlite|sqlite3|mssql)"
    r"(?:\+[a-z0-9_]+)?:",
    re.IGNORECASE,
)
#: The suffixes of an SQLite database file.
_DATABASE_FILE = re.compile(r"\.(db|db3|sqlite|sqlite3)$", re.IGNORECASE)
#: A file path: no space, no list, no URL (`/data/app.db`, `./todo.db`, `todo.db`).
_FILE_PATH = re.compile(r"[~.]?[A-Za-z0-9_./-]+")
#: Words of a variable name that say it holds a database (`DB_PATH`, `SQLITE_FILE`, `DATABASE_URL`).
_DATABASE_WORDS = frozenset({"DB", "DATABASE", "SQLITE", "SQLITE3"})
#: Where every rationale of this family starts.
_OUTSIDE = "The contract (§1, K-007) keeps PostgreSQL outside the cluster (Neon): "


def check_database_image(ctx: EnvContext) -> Iterator[Hit]:
    """TL320: every main container that runs a database image."""
    images = database_images(ctx.contract)
    for manifest in ctx.of_kind(*WORKLOAD.kinds):
        # Only main containers: an init container running `pg_isready` from a postgres image is a client.
        for container in containers(manifest):
            if image_matches(container.image, images):
                yield Hit(
                    f"container {container.name or '?'} runs database image {image_repository(container.image)!r}: "
                    "expected no database in the cluster (external PostgreSQL)",
                    manifest=manifest,
                    path=(*container.path, "image"),
                )


DATABASE_IMAGE = Rule(
    code="TL320",
    name="database-image",
    category="database",
    severity=Severity.ERROR,
    summary="No workload runs a database server image ({{ contract.database.images | first 4 }}).",
    rationale=(
        _OUTSIDE + "a database in a pod loses its data with the pod, is not backed up, and splits the apps "
        "between two databases across environments."
    ),
    remediation=(
        "Remove the database workload (and its subchart); put the external database's URL in the "
        "pre-created Secret. Images are `database.images` in contract.yaml."
    ),
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-backend-dev
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
        - name: db
          image: postgres:16   # expect: TL320
""",
    suppressible=False,
    origin=__name__,
    check=check_database_image,
)


def check_database_port(ctx: EnvContext) -> Iterator[Hit]:
    """TL322: every Service port or targetPort that is a database port."""
    ports = set(ctx.contract.database.ports)
    for service in ctx.of_kind("Service"):
        for index, entry in enumerate(as_list(dig(service.obj, ("spec", "ports")))):
            entry = as_map(entry)
            for field in ("port", "targetPort"):
                value = entry.get(field)
                # Only a whole number can be a port: a list or map here is the schema's finding, not ours.
                if isinstance(value, int) and not isinstance(value, bool) and value in ports:
                    yield Hit(
                        f"Service {field} {entry[field]} is a database port: expected no database Service in the "
                        "cluster",
                        manifest=service,
                        path=("spec", "ports", index, field),
                    )
                    break


DATABASE_PORT = Rule(
    code="TL322",
    name="database-port",
    category="database",
    severity=Severity.ERROR,
    summary="No Service on a database port ({{ contract.database.ports | first 4 }}).",
    rationale=_OUTSIDE + "a Service on a database port is a database (or a proxy to one) inside the cluster.",
    remediation="Remove the Service; reach the external database through DATABASE_URL. Ports are `database.ports`.",
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: v1
kind: Service
metadata:
  name: todo-backend-dev-db
spec:
  selector: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  ports:
    - port: 5432   # expect: TL322
""",
    suppressible=False,
    origin=__name__,
    check=check_database_port,
)


def check_database_chart(ctx: EnvContext) -> Iterator[Hit]:
    """TL323: every Chart.yaml dependency on a database chart."""
    charts = {c.lower() for c in ctx.contract.database.charts}
    for target in sorted({*ctx.targets, *ctx.broken}, key=lambda t: t.chart_path):
        facts = ctx.charts.get(target.chart_path) if target.chart_path else None
        if facts is None:
            continue
        meta, lines = facts.meta, facts.lines
        for index, dep in enumerate(as_list(meta.get("dependencies"))):
            name = as_map(dep).get("name")
            if isinstance(name, str) and name.lower() in charts:
                yield Hit(
                    f"Chart.yaml depends on database chart {name!r}: expected no database in the cluster",
                    target=target,
                    location=Location(
                        "template",
                        f"{target.chart_path}/Chart.yaml",
                        lines.get(("dependencies", index), lines.get(("dependencies",))),
                    ),
                )


DATABASE_CHART_DEPENDENCY = Rule(
    code="TL323",
    name="database-chart-dependency",
    category="database",
    severity=Severity.ERROR,
    summary="Chart.yaml has no dependency on a database chart ({{ contract.database.charts | first 3 }}).",
    rationale=(
        _OUTSIDE + "a `postgresql` dependency installs a database next to the app in every environment whose "
        "values enable it."
    ),
    remediation=(
        "Remove the dependency from Chart.yaml and charts/. Chart names are `database.charts` in contract.yaml."
    ),
    example="""\
# todolint: file=todo-backend/Chart.yaml env=dev
apiVersion: v2
name: todo-backend
version: 0.1.0
appVersion: "1.0.0"
dependencies:
  - name: postgresql   # expect: TL323
    version: 12.1.0
    repository: oci://registry-1.docker.io/bitnamicharts
""",
    suppressible=False,
    origin=__name__,
    check=check_database_chart,
)


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _placeholder_hosts(ctx: EnvContext) -> tuple[str, ...]:
    """The contract's placeholder hosts (`database.placeholder_hosts`, glob patterns), lower case."""
    key = ("database-placeholder-hosts",)
    found: tuple[str, ...] | None = ctx.memo.get(key)
    if found is None:
        words = contract_list(ctx.contract, "database", "placeholder_hosts")
        found = ctx.memo[key] = tuple(w.lower() for w in words if isinstance(w, str) and w)
    return found


def _in_cluster(host: str, services: set[str], placeholders: tuple[str, ...]) -> str | None:
    """Why `host` is in the cluster (a rendered Service, cluster DNS, loopback, a single DNS label), or None.

    A placeholder (`host`, `<host>`, `your-db-host`), a host spelled by a variable (`$(DB_HOST)`) or a
    name with a dot that nothing renders is not known to be in the cluster. With no placeholder words in
    the contract a single label says nothing either: any of them may be one.
    """
    if not host:
        return None
    first = host.split(".", 1)[0]
    if host in services or (first in services and _CLUSTER_DNS.search(host)):
        return f"the rendered Service {first!r}"
    if _CLUSTER_DNS.search(host):
        return "a cluster DNS name (*.svc, *.cluster.local)"
    if host in ("localhost", "::1") or host.startswith("127."):
        return "a loopback address"
    if not placeholders or any(fnmatch.fnmatchcase(host, word) for word in placeholders):
        return None
    if _DNS_LABEL.fullmatch(host) and not host.isdigit():
        return (
            f"the single-label host {host!r}, a Service in the cluster (only the cluster's DNS search path "
            "resolves a name without a dot)"
        )
    return None


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-.]+", name.upper()) if w]


def _in_pod(key: str, value: str) -> str | None:
    """Why the variable `key` = `value` is a database inside the pod (an SQLite URL, a database file), or None."""
    scheme = _DATABASE_SCHEME.match(value)
    if scheme is not None and scheme.group(1).lower().startswith("sqlite"):
        return "is an SQLite database (a `sqlite:` URL), a file inside the pod"
    if "://" in value or not _DATABASE_FILE.search(value.strip()):
        return None
    # A file path only under a name that says database: `DB_PATH`, `DATABASE_URL`, `SQLITE_FILE`.
    if any(word in _DATABASE_WORDS for word in _words(key)) and _FILE_PATH.fullmatch(value.strip()):
        return "is a database file inside the pod"
    return None


def _why(ctx: EnvContext, key: str, value: str, services: set[str]) -> str | None:
    """Why one variable holds a database in the cluster or the pod; None for anything else."""
    if key != URL_KEY and _DATABASE_SCHEME.match(value) is None and not _DATABASE_FILE.search(value):
        return None  # the common case, decided without parsing: no database URL, no database file
    inside = _in_pod(key, value)
    if inside is not None:
        return inside
    if key != URL_KEY and _DATABASE_SCHEME.match(value) is None:
        return None
    host = _in_cluster(_host(value), services, _placeholder_hosts(ctx))
    return f"names {host}" if host is not None else None


def _url_message(key: str, where: str, why: str) -> str:
    return f"{key} {where} {why}: expected the external database (value not shown)"


def _decoded(value: str) -> str | None:
    try:
        # Line breaks are skipped, as the API server's decoder skips them.
        return base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def check_database_url(ctx: EnvContext) -> Iterator[Hit]:
    """TL324: every database URL whose host is known to be in the cluster, and every database in the pod."""
    services = {s.name.lower() for s in ctx.of_kind("Service") if s.name}
    for manifest in ctx.of_kind("ConfigMap", "Secret"):
        where = f"in {manifest.kind} {manifest.name or '?'}"
        for section in ("data", "stringData"):
            for key, value in as_map(manifest.obj.get(section)).items():
                if not isinstance(key, str) or not isinstance(value, str):
                    continue
                if manifest.kind == "Secret" and section == "data":
                    decoded = _decoded(value)
                    if decoded is None:
                        continue  # not base64: the Secret cannot be applied (TL012)
                    value = decoded
                why = _why(ctx, key, value, services)
                if why:
                    yield Hit(_url_message(key, where, why), manifest=manifest, path=(section, key))
    for manifest in ctx.of_kind(*WORKLOAD.kinds):
        for container in all_containers(manifest):
            where = f"in the env of container {container.name or '?'}"
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                entry = as_map(entry)
                name, value = entry.get("name"), entry.get("value")
                if not isinstance(name, str) or not isinstance(value, str):
                    continue
                why = _why(ctx, name, value, services)
                if why:
                    yield Hit(
                        _url_message(name, where, why),
                        manifest=manifest,
                        path=(*container.path, "env", index, "value"),
                    )


DATABASE_URL_IN_CLUSTER = Rule(
    code="TL324",
    name="database-url-in-cluster",
    category="database",
    severity=Severity.ERROR,
    summary=(
        "A database URL the linter can read (DATABASE_URL, or any value with a database scheme) never names an "
        "in-cluster host (a rendered Service, a single-label name, *.svc, *.cluster.local, localhost, a "
        "loopback address), and no variable holds a database inside the pod (a `sqlite:` URL, a `.db` file); "
        "a placeholder host ({{ contract.database.placeholder_hosts | first 4 }}) is not one."
    ),
    rationale=(
        _OUTSIDE + "a DATABASE_URL pointing at `postgres:5432` or `db.todo-dev.svc` means a database was "
        "bundled after all. A host without a dot resolves only through the cluster's DNS search path, so it "
        "names a Service in the cluster; the external database always has a fully qualified name. An SQLite "
        "file is a database inside the pod, lost with it and never shared by its replicas."
    ),
    remediation=(
        "Point DATABASE_URL at the external database's fully qualified host, in the pre-created Secret. "
        "Hosts that only stand for one (`postgresql://user:pass@host/db`) are `database.placeholder_hosts` "
        "in contract.yaml."
    ),
    example="""\
# todolint: chart=todo-backend env=dev release=todo-backend-dev namespace=todo-dev
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo-backend-dev
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
  template:
    metadata:
      labels: {app.kubernetes.io/name: todo-backend, app.kubernetes.io/instance: todo-backend-dev}
    spec:
      containers:
        - name: todo-backend
          image: todo-backend:1.0.0
          env:
            - name: DATABASE_URL
              value: postgresql://app@postgres:5432/todo   # expect: TL324, TL312
            - name: REPORTS_DB
              value: sqlite:///./reports.db   # expect: TL324
""",
    suppressible=False,
    origin=__name__,
    check=check_database_url,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [DATABASE_IMAGE, DATABASE_PORT, DATABASE_CHART_DEPENDENCY, DATABASE_URL_IN_CLUSTER]
