"""TL380 network-paths: NetworkPolicies combined as Kubernetes combines them, and the paths the apps need.

The fixtures under tests/rules/TL380/ are linted by tests/test_rules.py for their lines; here each
finding's object, field and words are pinned, the NetworkPolicy semantics are tested in process
(`todolint.rules.network_policies`), and the project's own charts are shown to keep every path open.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CHARTS, ROOT
from todolint.cli import main
from todolint.contract import load_contract
from todolint.models import Manifest, Target
from todolint.rules.base import EnvContext
from todolint.rules.network import check_network_paths
from todolint.rules.network_policies import (
    EGRESS,
    INGRESS,
    Pods,
    Port,
    all3,
    allows,
    any3,
    block_reaches,
    cluster_dns,
    isolation,
    outside_cluster,
    policy_types,
    selector3,
    selects_pods,
)

FIXTURES = ROOT / "tests" / "rules" / "TL380"
CONTRACT = load_contract()
TARGET = Target(chart="stack", chart_path="stack", env="dev", release="stack-dev", namespace="todo-dev")

#: fixture → (kind/object, path, line, words the message holds) of each finding, with --select TL380.
EXPECTED: dict[str, list[tuple[str, str, int, tuple[str, ...]]]] = {
    "fail-default-deny-plus-allows.yaml": [
        (
            "NetworkPolicy/todo-backend-dev-default-deny",
            "spec.policyTypes",
            19,
            ("egress of the pods of Deployment todo-backend-dev", "todo-backend-dev-allow-dns", "TCP 5432"),
        )
    ],
    "fail-egress-cluster-cidr-only.yaml": [
        ("NetworkPolicy/todo-backend-dev", "spec.egress", 29, ("outside the cluster", "external database"))
    ],
    "fail-named-port-external.yaml": [
        ("NetworkPolicy/todo-backend-dev", "spec.egress", 29, ("a named port names a pod's container port",))
    ],
    "fail-ingress-other-release.yaml": [
        ("NetworkPolicy/todo-backend-dev", "spec.ingress", 25, ("admits the pods of Deployment todo-frontend-dev",))
    ],
    "fail-ingress-frontend-port.yaml": [
        ("NetworkPolicy/todo-backend-dev", "spec.ingress", 24, ("on port 8000", "§5.1"))
    ],
    "fail-ingress-implicit-deny.yaml": [
        ("NetworkPolicy/todo-backend-dev", "spec.podSelector", 18, ("ingress of the pods",))
    ],
    "fail-frontend-egress-default-types.yaml": [
        (
            "NetworkPolicy/todo-frontend-dev",
            "spec.egress",
            182,
            (
                "egress of the pods of Deployment todo-frontend-dev",
                "the pods of Deployment todo-backend-dev on TCP 8000",
            ),
        )
    ],
    "fail-frontend-no-dns.yaml": [
        ("NetworkPolicy/todo-frontend-dev", "spec.egress", 183, ("UDP 53", "the backend Service's name"))
    ],
    "fail-deny-all.yaml": [
        (
            "NetworkPolicy/todo-backend-dev-deny-all",
            "spec.policyTypes",
            18,
            (
                "external database",
                "the database's host name",
                "egress of the pods of Deployment todo-frontend-dev",
                "the backend Service's name",
                "admits the pods of Deployment todo-frontend-dev",
            ),
        )
    ],
    "fail-backend-alone.yaml": [
        ("NetworkPolicy/todo-backend-dev", "spec.ingress", 24, ("admits any pod of namespace todo-dev on port 8000",))
    ],
}


def lint(*args: str) -> dict[str, Any]:
    """The JSON report of TL380 alone over `args`."""
    result = CliRunner().invoke(
        main, [*args, "--select", "TL380", "--format", "json", "--fail-on", "info"], catch_exceptions=False
    )
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["errors"] == []
    return report


def fixture_args(fixture: Path) -> list[str]:
    """The CLI flags a fixture's `# todolint:` header gives."""
    header = fixture.read_text(encoding="utf-8").splitlines()[0].removeprefix("# todolint:")
    return [f"--{pair.partition('=')[0]}={pair.partition('=')[2]}" for pair in header.split()]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_failing_fixture_has_its_exact_finding(name: str) -> None:
    """Code, object, field, line and what the message says, for each finding."""
    fixture = FIXTURES / name
    report = lint(str(fixture), *fixture_args(fixture))
    found = [(f"{f['kind']}/{f['object']}", f["path"], f["line"], f["message"]) for f in report["findings"]]
    assert [f[:3] for f in found] == [e[:3] for e in EXPECTED[name]]
    for (*_, message), (*_, words) in zip(found, EXPECTED[name], strict=True):
        for word in words:
            assert word in message, (word, message)
    assert {f["code"] for f in report["findings"]} == {"TL380"}
    assert {f["category"] for f in report["findings"]} == {"network"}
    assert {f["severity"] for f in report["findings"]} == {"error"}


def test_every_fixture_is_pinned_here() -> None:
    """A new failing fixture gets its expectation here too."""
    failing = {p.name for p in FIXTURES.glob("fail-*.yaml")}
    assert failing == set(EXPECTED)


def test_policy_toggled_by_values() -> None:
    """A chart's policy behind `networkPolicy.enabled` with its egress rules in values: on in dev, the
    finding sits on the template's `egress:`; switched off, nothing is isolated and nothing reported."""
    chart = FIXTURES / "fail-values-toggle"
    report = lint(str(chart), "--env", "dev", "--renderer", "embedded")
    [finding] = report["findings"]
    assert (finding["kind"], finding["object"], finding["path"]) == ("NetworkPolicy", "todo-backend-dev", "spec.egress")
    assert (Path(finding["file"]).resolve(), finding["line"]) == ((chart / "templates" / "networkpolicy.yaml"), 25)
    off = lint(str(chart), "--env", "dev", "--renderer", "embedded", "--set", "networkPolicy.enabled=false")
    assert off["findings"] == []


def test_the_project_charts_keep_every_path_open() -> None:
    """The project's charts isolate ingress only (the namespace's pods, on the port name http): the
    frontend's pods are admitted on 8000, and egress is open, in every environment."""
    report = lint(str(CHARTS), "--renderer", "embedded")
    assert report["findings"] == []


# --- in process: the semantics -------------------------------------------------------------------------


def manifest(obj: dict[str, Any], index: int = 0) -> Manifest:
    """One object of the test release."""
    return Manifest(TARGET, f"stack/templates/{index}.yaml", f"{index}.yaml", obj, {(): 1}, index=index)


def policy(spec: dict[str, Any], name: str = "p", namespace: str | None = None) -> Manifest:
    """A NetworkPolicy with this spec."""
    metadata: dict[str, Any] = {"name": name, **({"namespace": namespace} if namespace else {})}
    return manifest({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata, "spec": spec})


def workload(app: str, port: int, *, host_network: bool = False) -> dict[str, Any]:
    """An app's Deployment with the contract's labels and one named container port."""
    labels = {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": f"{app}-dev"}
    pod: dict[str, Any] = {
        "containers": [{"name": app, "image": f"{app}:1", "ports": [{"name": "http", "containerPort": port}]}]
    }
    if host_network:
        pod["hostNetwork"] = True
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{app}-dev", "labels": labels},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": pod}},
    }


def context(*objects: dict[str, Any]) -> EnvContext:
    """An environment of these objects."""
    manifests = tuple(manifest(obj, index) for index, obj in enumerate(objects))
    return EnvContext("dev", CONTRACT, manifests, (TARGET,))


def hits(*objects: dict[str, Any]) -> list[tuple[str, tuple[Any, ...], str]]:
    """(policy name, path, message) of each TL380 hit."""
    return [(h.manifest.name if h.manifest else "", h.path, h.message) for h in check_network_paths(context(*objects))]


def policy_obj(spec: dict[str, Any], name: str = "p") -> dict[str, Any]:
    """A NetworkPolicy object (not yet a Manifest)."""
    return dict(policy(spec, name).obj)


BACKEND = {"matchLabels": {"app.kubernetes.io/name": "todo-backend"}}
FRONTEND = {"matchLabels": {"app.kubernetes.io/name": "todo-frontend"}}


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ({}, (INGRESS,)),
        ({"egress": [{}]}, (INGRESS, EGRESS)),
        ({"egress": []}, (INGRESS,)),
        ({"policyTypes": [], "egress": [{"to": []}]}, (INGRESS, EGRESS)),
        ({"policyTypes": [EGRESS], "ingress": [{}]}, (EGRESS,)),
    ],
)
def test_policy_types_default_as_the_api_server_does(spec: dict[str, Any], types: tuple[str, ...]) -> None:
    """Absent or empty policyTypes: Ingress always, Egress only with egress rules."""
    assert policy_types(policy(spec)) == types


def test_three_valued_logic() -> None:
    """Cut beats unknown in an AND, allowed beats unknown in an OR; nothing at all is allowed / cut."""
    assert all3([True, None]) is None and all3([None, False]) is False and all3([]) is True
    assert any3([False, None]) is None and any3([None, True]) is True and any3([]) is False


@pytest.mark.parametrize(
    ("selector", "closed", "open_ended"),
    [
        ({}, True, True),
        ({"matchLabels": {"app": "web"}}, True, True),
        ({"matchLabels": {"app": "api"}}, False, False),
        ({"matchLabels": {"tier": "front"}}, False, None),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "ui"]}]}, True, True),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, False, False),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}, True, None),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True, True),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, False, None),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, True, None),
        ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False, False),
        ({"matchExpressions": [{"key": "app", "operator": "Near"}]}, None, None),
        ("app=web", None, None),
    ],
)
def test_selectors(selector: Any, closed: bool | None, open_ended: bool | None) -> None:
    """matchLabels and every matchExpressions operator, over labels known whole (a rendered pod) or in
    part (a namespace: only its name is known); a malformed selector is never a sure answer."""
    labels = {"app": "web"}
    assert selector3(selector, labels, open_ended=False) is closed
    assert selector3(selector, labels, open_ended=True) is open_ended


@pytest.mark.parametrize(
    ("block", "public", "private"),
    [
        ({"cidr": "0.0.0.0/0"}, True, True),
        ({"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}, True, True),
        (
            {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]},
            True,
            False,
        ),
        ({"cidr": "10.0.0.0/8"}, False, True),
        ({"cidr": "10.96.0.0/12", "except": ["10.96.0.0/12"]}, False, False),
        ({"cidr": "0.0.0.0/0", "except": ["0.0.0.0/1", "128.0.0.0/1"]}, False, False),
        ({"cidr": "203.0.113.0/24"}, False, False),
        ({"cidr": "52.3.4.5/32"}, True, False),
        ({"cidr": "52.3.4.5/8"}, True, False),
        ({"cidr": "::/0"}, True, True),
        ({"cidr": "::/0", "except": ["2000::/3"]}, False, True),
        ({"cidr": "fd00::/8"}, False, True),
        ({"cidr": "not-a-cidr"}, None, None),
        ({"cidr": "0.0.0.0/0", "except": ["nope"]}, None, None),
        ({}, None, None),
    ],
)
def test_ip_blocks(block: dict[str, Any], public: bool | None, private: bool | None) -> None:
    """What an ipBlock leaves allowed once its except ranges are out: some public address (outside the
    cluster, whatever its CIDRs), some private one (where pod addresses may be)."""
    assert block_reaches(block, public=True) is public
    assert block_reaches(block, public=False) is private


def test_ports_by_number_range_protocol_and_name() -> None:
    """A rule's ports: none means all; numbers, endPort ranges and protocols as written; a name is the
    destination pods' (unknown pods: may match; an external address: never)."""
    backend = Pods({"app": "api"}, "todo-dev", {"http": (8000, "TCP")})

    def ok(ports: Any, port: Port) -> bool | None:
        spec = {"policyTypes": [EGRESS], "egress": [{"ports": ports}] if ports is not None else [{}]}
        found = isolation([policy(spec)], EGRESS)
        assert found is not None
        return allows(found, selects_pods(backend), port)

    http = Port((8000,), "TCP", backend.named_ports)
    assert ok(None, http) is True
    assert ok([], http) is True
    assert ok([{"port": 8000}], http) is True
    assert ok([{"port": "8000"}], http) is True
    assert ok([{"port": 7990, "endPort": 8010}], http) is True
    assert ok([{"port": 8001, "endPort": 8010}], http) is False
    assert ok([{"port": 8000, "protocol": "UDP"}], http) is False
    assert ok([{"protocol": "TCP"}], http) is True
    assert ok([{"port": "http"}], http) is True
    assert ok([{"port": "web"}], http) is False
    assert ok([{"port": "http"}], Port((8000,), "TCP", None)) is None
    assert ok([{"port": "http"}], Port((8000,), "TCP", {})) is False
    assert ok([{"port": 53, "protocol": "UDP"}], Port((53,), "UDP")) is True
    assert ok([None], Port((53,), "UDP")) is False  # a null entry is TCP, every port


def test_peers_pods_namespaces_and_both() -> None:
    """A podSelector takes in the policy's own namespace; a namespaceSelector the namespaces it selects,
    by name only; both in one peer, the pods it selects in those namespaces."""
    frontend = Pods({"app.kubernetes.io/name": "todo-frontend"}, "todo-dev", {})
    test = selects_pods(frontend)
    name = {"matchLabels": {"kubernetes.io/metadata.name": "todo-dev"}}
    assert test({"podSelector": FRONTEND}, "todo-dev") is True
    assert test({"podSelector": FRONTEND}, "todo-prod") is False
    assert test({"podSelector": {}}, "todo-dev") is True
    assert test({"namespaceSelector": {}}, "todo-prod") is True
    assert test({"namespaceSelector": name}, "todo-prod") is True
    assert test({"namespaceSelector": name, "podSelector": FRONTEND}, "todo-prod") is True
    assert test({"namespaceSelector": name, "podSelector": BACKEND}, "todo-prod") is False
    assert test({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress"}}}, "x") is False
    assert test({"namespaceSelector": {"matchLabels": {"team": "todo"}}}, "todo-dev") is None
    assert test({"ipBlock": {"cidr": "10.0.0.0/8"}}, "todo-dev") is None
    assert test({"ipBlock": {"cidr": "52.0.0.0/8"}}, "todo-dev") is False
    assert test({}, "todo-dev") is None
    unknown = selects_pods(Pods(None, "todo-dev", None))
    assert unknown({"podSelector": FRONTEND}, "todo-dev") is None
    assert unknown({"podSelector": {}}, "todo-dev") is True
    assert outside_cluster({"podSelector": {}}, "todo-dev") is False
    assert outside_cluster({"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}, None) is True
    assert cluster_dns({"podSelector": {}}, "todo-dev") is False
    assert cluster_dns({"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}, None) is None


def test_rules_of_every_isolating_policy_are_one_union() -> None:
    """A deny in one policy and an allow in another: allowed. Egress rules of a policy whose policyTypes
    say Ingress only do not count."""
    deny = policy({"podSelector": {}, "policyTypes": [INGRESS, EGRESS]}, "deny")
    allow = policy({"podSelector": BACKEND, "policyTypes": [EGRESS], "egress": [{"ports": [{"port": 5432}]}]})
    ignored = policy({"podSelector": BACKEND, "policyTypes": [INGRESS], "egress": [{}]}, "ingress-only")
    database = Port((5432,), "TCP", {})
    both = isolation([deny, allow], EGRESS)
    alone = isolation([deny, ignored], EGRESS)
    assert both is not None and alone is not None
    assert allows(both, outside_cluster, database) is True
    assert allows(alone, outside_cluster, database) is False
    assert [p.name for p in alone.policies] == ["deny"]
    assert isolation([ignored], EGRESS) is None


def test_no_finding_when_no_policy_selects_the_pods() -> None:
    """Policies for other pods, another namespace, or pods on the node's network isolate nothing."""
    deny_all = {"podSelector": {}, "policyTypes": [INGRESS, EGRESS]}
    other = {"podSelector": {"matchLabels": {"app": "worker"}}, "policyTypes": [INGRESS, EGRESS]}
    elsewhere = policy_obj(deny_all)
    elsewhere["metadata"] = {"name": "elsewhere", "namespace": "todo-prod"}
    assert hits(workload("todo-backend", 8000), workload("todo-frontend", 3000)) == []
    assert hits(workload("todo-backend", 8000), policy_obj(other)) == []
    assert hits(workload("todo-backend", 8000), elsewhere) == []
    assert hits(workload("todo-backend", 8000, host_network=True), policy_obj(deny_all)) == []


def test_findings_sit_on_the_policy_that_isolates() -> None:
    """A default deny takes the finding at its policyTypes (its podSelector when they are implicit); when
    every isolating policy has rules, the first one's rules field takes it."""
    backend, frontend = workload("todo-backend", 8000), workload("todo-frontend", 3000)
    deny = policy_obj({"podSelector": {}, "policyTypes": [INGRESS]}, "deny")
    implicit = policy_obj({"podSelector": {}}, "implicit")
    allow_other = policy_obj({"podSelector": BACKEND, "ingress": [{"from": [{"podSelector": BACKEND}]}]}, "allow")
    assert [(n, p) for n, p, _ in hits(backend, frontend, allow_other, deny)] == [("deny", ("spec", "policyTypes"))]
    assert [(n, p) for n, p, _ in hits(backend, frontend, implicit)] == [("implicit", ("spec", "podSelector"))]
    assert [(n, p) for n, p, _ in hits(backend, frontend, allow_other)] == [("allow", ("spec", "ingress"))]
    admitted = policy_obj({"podSelector": BACKEND, "ingress": [{"from": [{"podSelector": FRONTEND}]}]}, "ok")
    assert hits(backend, frontend, deny, admitted) == []


def test_the_backend_port_is_the_one_its_container_declares_when_not_the_contracts() -> None:
    """A backend that listens on 7860 (container-port's finding) is admitted on 7860: one mistake, one
    finding elsewhere."""
    backend, frontend = workload("todo-backend", 7860), workload("todo-frontend", 3000)
    on = {"podSelector": BACKEND, "ingress": [{"from": [{"podSelector": FRONTEND}], "ports": [{"port": 7860}]}]}
    off = {"podSelector": BACKEND, "ingress": [{"from": [{"podSelector": FRONTEND}], "ports": [{"port": 8000}]}]}
    assert hits(backend, frontend, policy_obj(on)) == []
    [(_, _, message)] = hits(backend, frontend, policy_obj(off))
    assert "on port 7860" in message


#: The keys a NetworkPolicy's spec is made of, and a label or two.
_KEYS = (
    *("podSelector", "namespaceSelector", "policyTypes", "ingress", "egress", "from", "to", "ports", "port"),
    *("endPort", "protocol", "ipBlock", "cidr", "except", "matchLabels", "matchExpressions", "key", "operator"),
    *("values", "app.kubernetes.io/name", "kubernetes.io/metadata.name"),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.sampled_from(["", "http", "8000", "²", "UDP", "TCP", "In", "Exists", "0.0.0.0/0", "10.0.0.0/8", "::/0", "x/99"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(_KEYS),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_values, min_size=1, max_size=3))
def test_the_rule_never_raises_on_any_policy_shape(specs: list[Any]) -> None:
    """Whatever a NetworkPolicy's spec holds, beside both apps' pods: hits with words, never an error."""
    objects = [workload("todo-backend", 8000), workload("todo-frontend", 3000)]
    objects += [{"kind": "NetworkPolicy", "metadata": {"name": f"p{i}"}, "spec": spec} for i, spec in enumerate(specs)]
    for _name, _path, message in hits(*objects):
        assert message


def test_an_app_not_rendered_may_be_any_pod_of_the_namespace() -> None:
    """Linting one chart of the pair: the other app's pods may carry any labels, in the namespace the
    contract gives both; only what admits no pod of that namespace at all is a finding."""
    backend, frontend = workload("todo-backend", 8000), workload("todo-frontend", 3000)
    by_labels = {"podSelector": BACKEND, "ingress": [{"from": [{"podSelector": FRONTEND}]}]}
    ingress_controller = {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    by_namespace = {"podSelector": BACKEND, "ingress": [{"from": [{"namespaceSelector": ingress_controller}]}]}
    assert hits(backend, policy_obj(by_labels)) == []
    [(_, path, message)] = hits(backend, policy_obj(by_namespace))
    assert path == ("spec", "ingress") and "admits any pod of namespace todo-dev on port 8000" in message
    dns = {"ports": [{"port": 53, "protocol": "UDP"}]}
    to_backend = {"podSelector": FRONTEND, "policyTypes": [EGRESS], "egress": [{"to": [{"podSelector": BACKEND}]}, dns]}
    wrong_port = {
        "podSelector": FRONTEND,
        "policyTypes": [EGRESS],
        "egress": [{"to": [{"podSelector": BACKEND}], "ports": [{"port": 3000}]}, dns],
    }
    assert hits(frontend, policy_obj(to_backend)) == []
    [(_, _, message)] = hits(frontend, policy_obj(wrong_port))
    assert "allows the todo-backend pods on TCP 8000" in message
