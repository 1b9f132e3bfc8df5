"""Hypothesis strategies for rendered Helm streams: valid, nearly valid and hostile.

Valid objects are built from the shapes the Todo charts render (Deployment, Service, ConfigMap, Secret)
plus other kinds; nearly valid ones have a field replaced by any JSON-like value; hostile ones are the
YAML serialisation mangled at the byte level (cut, spliced, NULs, BOMs, CRLF, tabs, aliases, deep nesting)
or plain random bytes.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import strategies as st

CHARTS = ("todo-backend", "todo-frontend", "other")
ENVS = ("dev", "staging", "prod")
KINDS = (
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Pod"),
    ("apps/v1", "StatefulSet"),
    ("batch/v1", "Job"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
    ("example.com/v1", "Widget"),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "todo-backend", "todo-frontend", "http", "8000", "3000", "/health", "ClusterIP", "ALL"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def _labels(app: str, release: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/version": "1.0.0",
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": f"{app}-0.1.0",
    }


def _container(app: str, port: int) -> dict[str, Any]:
    probe = {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10, "failureThreshold": 3}
    return {
        "name": app,
        "image": f"{app}:1.0.0",
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": f"{app}-config"}}],
        "env": [
            {"name": "SECRET_KEY", "valueFrom": {"secretKeyRef": {"name": f"{app}-secrets", "key": "SECRET_KEY"}}},
            {"name": "PLAIN", "value": "x"},
        ],
        "livenessProbe": dict(probe, periodSeconds=30),
        "readinessProbe": probe,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }


def base_object(api_version: str, kind: str, app: str, env: str) -> dict[str, Any]:
    """A plausible object of `kind` as the Todo charts would render it."""
    release = f"{app}-{env}"
    port = 8000 if app == "todo-backend" else 3000
    meta = {"name": release, "namespace": f"todo-{env}", "labels": _labels(app, release)}
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": meta}
    selector = {k: v for k, v in _labels(app, release).items() if k.endswith(("/name", "/instance"))}
    pod = {"metadata": {"labels": _labels(app, release)}, "spec": {"containers": [_container(app, port)]}}
    if kind in ("Deployment", "StatefulSet"):
        obj["spec"] = {"replicas": 1, "selector": {"matchLabels": selector}, "template": pod}
    elif kind == "Job":
        obj["spec"] = {"template": dict(pod, spec=dict(pod["spec"], restartPolicy="Never"))}
    elif kind == "Pod":
        obj["spec"] = pod["spec"]
    elif kind == "Service":
        obj["spec"] = {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
        }
    elif kind == "ConfigMap":
        meta["name"] = f"{release}-config"
        obj["data"] = {"BACKEND_ENV": env, "BACKEND_PORT": str(port), "NEXT_PUBLIC_API_URL": "http://todo-backend"}
    elif kind == "Secret":
        meta["name"] = f"{release}-secrets"
        obj["type"] = "Opaque"
        obj["stringData"] = {"SECRET_KEY": "s3cr3t", "DATABASE_URL": "postgresql://u:p@db/todo"}
    elif kind == "HorizontalPodAutoscaler":
        obj["spec"] = {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": release},
            "minReplicas": 1,
            "maxReplicas": 3,
        }
    elif kind == "Ingress":
        obj["spec"] = {"rules": [{"host": "todo.example", "http": {"paths": []}}]}
    else:
        obj["spec"] = {"anything": [1, 2, 3]}
    return obj


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@st.composite
def objects(draw: st.DrawFn) -> Any:
    """A valid object, or one with a few fields replaced, deleted or added."""
    api_version, kind = draw(st.sampled_from(KINDS))
    obj: Any = base_object(api_version, kind, draw(st.sampled_from(CHARTS)), draw(st.sampled_from(ENVS)))
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        paths = _paths(obj)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            if action == "replace":
                obj = draw(json_values)
            continue
        parent = obj
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if action == "replace":
            parent[last] = draw(json_values)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=10))] = draw(json_values)
        elif isinstance(parent[last], list):
            parent[last].append(draw(json_values))
    return obj


def dump(obj: Any, *, flow: bool = False) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(obj, Dumper=dumper, sort_keys=False, default_flow_style=flow, allow_unicode=True)


@st.composite
def streams(draw: st.DrawFn) -> str:
    """A `helm template`-like stream: `---` and `# Source:` per document."""
    docs = draw(st.lists(objects(), min_size=0, max_size=5))
    parts = []
    for obj in docs:
        chart = draw(st.sampled_from(CHARTS))
        template = draw(st.sampled_from(["deployment.yaml", "service.yaml", "configmap.yaml", "secret.yaml"]))
        parts.append(
            f"---\n# Source: {chart}/templates/{template}\n{dump(copy.deepcopy(obj), flow=draw(st.booleans()))}"
        )
    return "".join(parts)


HOSTILE_SNIPPETS = (
    "\x00",
    "\ufeff",
    "\t",
    "\r\n",
    "\r",
    "&a ",
    "*a",
    "*undefined",
    "<<: *a\n",
    "!!python/object:os.system ",
    "!!binary ",
    "? ",
    ": ",
    "- ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "{",
    "}",
    "[",
    "]",
    '"',
    "'",
    "|",
    ">",
    "#",
    "\udcff",
    "\u2028",
    "kind: 1\n",
    "apiVersion: [v1]\n",
    "metadata: ~\n",
    "a: 1\na: 2\n",
)


def alias_bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [x, x]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "".join(f"  {line}\n" for line in lines)


def deep(levels: int, *, flow: bool) -> str:
    if flow:
        return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "[" * levels + "]" * levels + "\n"
    body = "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "v\n"
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx:\n" + "".join(
        "  " + ln + "\n" for ln in body.splitlines()
    )


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A stream damaged at the byte level."""
    text = draw(streams())
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        position = draw(st.integers(min_value=0, max_value=len(text)))
        action = draw(st.sampled_from(["insert", "cut", "splice", "swap-lines"]))
        if action == "insert":
            snippet = draw(st.one_of(st.sampled_from(HOSTILE_SNIPPETS), st.text(max_size=8)))
            text = text[:position] + snippet + text[position:]
        elif action == "cut":
            length = draw(st.integers(min_value=1, max_value=40))
            text = text[:position] + text[position + length :]
        elif action == "splice":
            start = draw(st.integers(min_value=0, max_value=len(text)))
            text = text[:position] + text[start : start + 60] + text[position:]
        else:
            lines = text.splitlines(keepends=True)
            if len(lines) > 1:
                i = draw(st.integers(min_value=0, max_value=len(lines) - 2))
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
                text = "".join(lines)
    data = text.encode("utf-8", "surrogateescape") if draw(st.booleans()) else text.encode("utf-8", "replace")
    if draw(st.booleans()):
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut:]
    return data


structures = st.one_of(
    st.builds(alias_bomb, st.integers(min_value=2, max_value=12), st.integers(min_value=2, max_value=9)),
    st.builds(deep, st.integers(min_value=1, max_value=600), flow=st.booleans()),
)

#: Every kind of input, as the bytes of a file: valid streams, mangled streams, structures, noise.
inputs = st.one_of(
    streams().map(lambda s: s.encode("utf-8")),
    mangled(),
    structures.map(lambda s: s.encode("utf-8")),
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogateescape")),
)
