"""Database (spec §1, K-007): PostgreSQL is external (Neon); nothing database-like runs in the cluster."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from todolint.models import Hit, Location, Severity
from todolint.rules.apps import (
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


def _in_cluster(host: str, services: set[str]) -> str | None:
    """Why `host` is in the cluster (a rendered Service, cluster DNS, loopback), or None. A placeholder
    (`host`, `db`) or a name nothing renders is not known to be in the cluster."""
    if not host:
        return None
    first = host.split(".", 1)[0]
    if host in services or (first in services and _CLUSTER_DNS.search(host)):
        return f"the rendered Service {first!r}"
    if _CLUSTER_DNS.search(host):
        return "a cluster DNS name (*.svc, *.cluster.local)"
    if host in ("localhost", "::1") or host.startswith("127."):
        return "a loopback address"
    return None


def _url_message(why: str) -> str:
    return f"DATABASE_URL names {why}: expected the external database (value not shown)"


def check_database_url(ctx: EnvContext) -> Iterator[Hit]:
    """TL324: every DATABASE_URL whose host is known to be in the cluster."""
    services = {s.name.lower() for s in ctx.of_kind("Service") if s.name}
    for manifest in ctx.of_kind("ConfigMap", "Secret"):
        for section in ("data", "stringData"):
            for key, value in as_map(manifest.obj.get(section)).items():
                if key != URL_KEY or not isinstance(value, str):
                    continue
                if manifest.kind == "Secret" and section == "data":
                    try:
                        value = base64.b64decode(value, validate=True).decode("utf-8", "replace")
                    except (binascii.Error, ValueError):
                        continue
                why = _in_cluster(_host(value), services)
                if why:
                    yield Hit(_url_message(why), manifest=manifest, path=(section, key))
    for manifest in ctx.of_kind(*WORKLOAD.kinds):
        for container in all_containers(manifest):
            for index, entry in enumerate(as_list(container.spec.get("env"))):
                entry = as_map(entry)
                value = entry.get("value")
                if entry.get("name") != URL_KEY or not isinstance(value, str):
                    continue
                why = _in_cluster(_host(value), services)
                if why:
                    yield Hit(_url_message(why), manifest=manifest, path=(*container.path, "env", index, "value"))


DATABASE_URL_IN_CLUSTER = Rule(
    code="TL324",
    name="database-url-in-cluster",
    category="database",
    severity=Severity.ERROR,
    summary=(
        "A DATABASE_URL the linter can read never names an in-cluster host (a rendered Service, *.svc, "
        "*.cluster.local, localhost, a loopback address); a placeholder host is not one."
    ),
    rationale=(
        _OUTSIDE + "a DATABASE_URL pointing at `postgres:5432` or `db.todo-dev.svc` means a database was "
        "bundled after all."
    ),
    remediation="Point DATABASE_URL at the external database, in the pre-created Secret.",
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
              value: postgresql://app@postgres.todo-dev.svc:5432/todo   # expect: TL324, TL312
""",
    suppressible=False,
    origin=__name__,
    check=check_database_url,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [DATABASE_IMAGE, DATABASE_PORT, DATABASE_CHART_DEPENDENCY, DATABASE_URL_IN_CLUSTER]
