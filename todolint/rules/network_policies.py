"""What NetworkPolicies allow, as Kubernetes applies them: which policies isolate a pod for a direction,
and whether their rules let one path through.

A path is judged in three values: allowed (True), cut (False), or not knowable from the rendered objects
(None: a namespace label other than `kubernetes.io/metadata.name`, the labels of pods that are not
rendered, a named port of pods that are not rendered, whether an `ipBlock` holds pod addresses). A rule
reports only what is cut.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from todolint.models import FieldPath, Manifest
from todolint.rules.shape import as_list, as_map, dig

#: Allowed, cut, or unknown.
Maybe = bool | None
INGRESS, EGRESS = "Ingress", "Egress"
#: The one namespace label Kubernetes sets on every namespace, to its name.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

_Net = ipaddress.IPv4Network | ipaddress.IPv6Network
#: IPv4 ranges no address on the internet has (IANA's special-purpose registry, not globally reachable).
_V4_NOT_PUBLIC: tuple[_Net, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        *("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12"),
        *("192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24"),
        *("203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"),
    )
)
#: IPv6 internet addresses are global unicast (2000::/3), the documentation range aside.
_V6_PUBLIC = ipaddress.ip_network("2000::/3")
_V6_NOT_PUBLIC: tuple[_Net, ...] = (ipaddress.ip_network("2001:db8::/32"),)
#: Where clusters put pod and Service addresses in practice: the private and shared (CGNAT) ranges.
_PRIVATE: tuple[_Net, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def all3(values: Iterable[Maybe]) -> Maybe:
    """Three-valued AND: cut if any is cut, else unknown if any is unknown."""
    result: Maybe = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def any3(values: Iterable[Maybe]) -> Maybe:
    """Three-valued OR: allowed if any is allowed, else unknown if any is unknown."""
    result: Maybe = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


# --- which policies isolate a pod --------------------------------------------------------------------


def policy_types(policy: Manifest) -> tuple[str, ...]:
    """The directions a policy isolates: its `policyTypes`; when that is absent or empty, as the API
    server defaults it: Ingress, and Egress when the policy has egress rules."""
    spec = as_map(policy.obj.get("spec"))
    written = [t for t in as_list(spec.get("policyTypes")) if isinstance(t, str)]
    if written:
        return tuple(written)
    return (INGRESS, EGRESS) if as_list(spec.get("egress")) else (INGRESS,)


def _rules_key(direction: str) -> str:
    return "ingress" if direction == INGRESS else "egress"


@dataclass(frozen=True)
class Isolation:
    """The policies that select a pod with one direction in their types: the pod accepts (ingress) or
    opens (egress) only what the union of their rules for that direction allows."""

    direction: str
    policies: tuple[Manifest, ...]

    def rules(self) -> Iterator[tuple[Manifest, Any]]:
        """(policy, rule) of every rule for the direction; a null rule is an empty one (allows all)."""
        for policy in self.policies:
            for rule in as_list(dig(policy.obj, ("spec", _rules_key(self.direction)))):
                yield policy, {} if rule is None else rule

    def blamed(self) -> tuple[Manifest, FieldPath]:
        """The policy a finding sits on, and its field: a policy with no rule for the direction (a default
        deny) at its `policyTypes` (its podSelector when they are implicit), else the first policy's rules,
        where an allowing rule goes."""
        key = _rules_key(self.direction)
        for policy in self.policies:
            spec = as_map(policy.obj.get("spec"))
            if as_list(spec.get(key)):
                continue
            if self.direction in as_list(spec.get("policyTypes")):
                return policy, ("spec", "policyTypes")
            return policy, ("spec", "podSelector")
        return self.policies[0], ("spec", key)

    def names(self) -> str:
        """The isolating policies, as a message names them."""
        shown = ", ".join(p.name for p in self.policies)
        return f"NetworkPolic{'ies' if len(self.policies) > 1 else 'y'} {shown}"


def isolation(policies: Iterable[Manifest], direction: str) -> Isolation | None:
    """How `policies` (those selecting one pod) isolate it for `direction`; None when none does."""
    isolating = tuple(p for p in policies if direction in policy_types(p))
    return Isolation(direction, isolating) if isolating else None


# --- the ends of a path --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pods:
    """The pods at one end of a path, as policies see them."""

    #: Their labels; None when they are not rendered (any labels).
    labels: Mapping[str, Any] | None
    namespace: str | None
    #: name → (containerPort, protocol) of each named port of their containers; None when not rendered.
    named_ports: Mapping[str, tuple[int, str]] | None


@dataclass(frozen=True)
class Port:
    """The destination port a path needs: any of `numbers` over `protocol`; a port name is resolved in
    `named` (the destination pods' named ports; None when they are not rendered, so a name may match)."""

    numbers: tuple[int, ...]
    protocol: str = "TCP"
    named: Mapping[str, tuple[int, str]] | None = None


#: A peer test: (peer, the policy's namespace) → whether the peer takes in the path's other end.
PeerTest = Callable[[Any, str | None], Maybe]


def allows(isolation: Isolation, peer_test: PeerTest, port: Port) -> Maybe:
    """Whether the union of the isolating policies' rules allows the path: some rule whose peers take in
    its other end (`peer_test`) and whose ports cover `port`."""
    peers_key = "from" if isolation.direction == INGRESS else "to"
    return any3(
        all3((_peers(rule, peers_key, peer_test, namespace_of(policy)), _ports(rule, port)))
        if isinstance(rule, Mapping)
        else None
        for policy, rule in isolation.rules()
    )


def names_a_port(isolation: Isolation, peer_test: PeerTest) -> bool:
    """Whether a rule whose peers may take in the path's other end names a port (by name, not number)."""
    peers_key = "from" if isolation.direction == INGRESS else "to"
    return any(
        isinstance(rule, Mapping)
        and _peers(rule, peers_key, peer_test, namespace_of(policy)) is not False
        and any(
            isinstance(entry, Mapping) and isinstance(entry.get("port"), str) and not _is_number(entry["port"])
            for entry in as_list(rule.get("ports"))
        )
        for policy, rule in isolation.rules()
    )


def namespace_of(manifest: Manifest) -> str | None:
    """The object's namespace: its own, else its release's; None when neither is known."""
    namespace = manifest.metadata.get("namespace") or manifest.target.namespace
    return namespace if isinstance(namespace, str) and namespace else None


def _peers(rule: Mapping[str, Any], key: str, peer_test: PeerTest, namespace: str | None) -> Maybe:
    peers = rule.get(key)
    if peers is None or peers == []:
        return True  # no peers: every source or destination
    if not isinstance(peers, list):
        return None
    return any3(peer_test(peer, namespace) for peer in peers)


def _ports(rule: Mapping[str, Any], port: Port) -> Maybe:
    entries = rule.get("ports")
    if entries is None or entries == []:
        return True  # no ports: every port
    if not isinstance(entries, list):
        return None
    return any3(_port_entry({} if entry is None else entry, port) for entry in entries)


def _is_number(text: str) -> bool:
    """A port written as a string of ASCII digits (other digits, `²`, are no number to the API server)."""
    return text.isascii() and text.isdigit()


def _port_entry(entry: Any, port: Port) -> Maybe:
    """One `ports` entry against the needed port: a number (to `endPort`), a name, or every port of its
    protocol (TCP unless written)."""
    if not isinstance(entry, Mapping):
        return None
    if (entry.get("protocol") or "TCP") != port.protocol:
        return False
    number = entry.get("port")
    if number is None:
        return True
    if isinstance(number, bool):
        return None
    if isinstance(number, str) and _is_number(number):
        number = int(number)
    if isinstance(number, int):
        end = entry.get("endPort")
        last = end if isinstance(end, int) and not isinstance(end, bool) else number
        return any(number <= wanted <= last for wanted in port.numbers)
    if isinstance(number, str):
        if port.named is None:
            return None
        found = port.named.get(number)
        return found is not None and found[0] in port.numbers and found[1] == port.protocol
    return None


# --- peers ---------------------------------------------------------------------------------------------


def selector3(selector: Any, labels: Mapping[str, Any], *, open_ended: bool) -> Maybe:
    """A label selector against `labels`; `open_ended`: the object may carry other labels than these,
    so a requirement on another key cannot be decided. An empty selector selects everything."""
    if not isinstance(selector, Mapping):
        return None
    match = selector.get("matchLabels") or {}
    if not isinstance(match, Mapping):
        return None
    results: list[Maybe] = [
        (labels[key] == value) if key in labels else (None if open_ended else False) for key, value in match.items()
    ]
    results.extend(_expression(e, labels, open_ended) for e in as_list(selector.get("matchExpressions")))
    return all3(results)


_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _expression(expression: Any, labels: Mapping[str, Any], open_ended: bool) -> Maybe:
    if not isinstance(expression, Mapping):
        return None
    key, operator, values = expression.get("key"), expression.get("operator"), as_list(expression.get("values"))
    if not isinstance(key, str) or not isinstance(operator, str) or operator not in _OPERATORS:
        return None
    if key not in labels:
        return None if open_ended else operator in ("NotIn", "DoesNotExist")
    if operator in ("Exists", "DoesNotExist"):
        return operator == "Exists"
    inside: bool = labels[key] in values
    return inside == (operator == "In")


def selects_pods(pods: Pods) -> PeerTest:
    """The peer test for pods of the cluster: a podSelector in the policy's namespace, a namespaceSelector
    (with a podSelector, both must hold) over the namespace's labels, of which only its name is known."""

    def test(peer: Any, namespace: str | None) -> Maybe:
        if not isinstance(peer, Mapping):
            return None
        if peer.get("ipBlock") is not None:
            # Pod addresses are private ones in practice; whether an ipBlock matches them at all is the
            # network plugin's choice (Cilium's does not): never a sure answer.
            private = block_reaches(peer["ipBlock"], public=False)
            return False if private is False else None
        pod_selector, namespace_selector = peer.get("podSelector"), peer.get("namespaceSelector")
        if pod_selector is None and namespace_selector is None:
            return None
        if namespace_selector is None:
            in_namespace: Maybe = None if not (pods.namespace and namespace) else pods.namespace == namespace
        else:
            known = {NAMESPACE_NAME_LABEL: pods.namespace} if pods.namespace else {}
            in_namespace = selector3(namespace_selector, known, open_ended=True)
        chosen = (
            True if pod_selector is None else selector3(pod_selector, pods.labels or {}, open_ended=pods.labels is None)
        )
        return all3((in_namespace, chosen))

    return test


def outside_cluster(peer: Any, namespace: str | None) -> Maybe:
    """The peer test for an address outside the cluster: an ipBlock that leaves some public address
    allowed (pod and namespace selectors take in pods only)."""
    del namespace  # an address outside has none
    if not isinstance(peer, Mapping):
        return None
    if peer.get("ipBlock") is not None:
        return block_reaches(peer["ipBlock"], public=True)
    return False if (peer.get("podSelector") is not None or peer.get("namespaceSelector") is not None) else None


def cluster_dns(peer: Any, namespace: str | None) -> Maybe:
    """The peer test for the cluster's DNS server: its pods live in a namespace of their own, whose name
    and labels vary (kube-system, openshift-dns), and its address may be any; only a bare podSelector,
    which takes in the policy's own namespace alone, surely misses it."""
    del namespace
    if not isinstance(peer, Mapping):
        return None
    if peer.get("ipBlock") is None and peer.get("namespaceSelector") is None and peer.get("podSelector") is not None:
        return False
    return None


# --- address ranges ------------------------------------------------------------------------------------


def block_reaches(block: Any, *, public: bool) -> Maybe:
    """Whether an ipBlock, its `except` ranges taken out, leaves some public address (`public`) or some
    private one (else) allowed; None when it is malformed."""
    if not isinstance(block, Mapping) or not isinstance(block.get("cidr"), str):
        return None
    try:
        cidr = ipaddress.ip_network(block["cidr"], strict=False)
        holes = [ipaddress.ip_network(str(e), strict=False) for e in as_list(block.get("except"))]
    except ValueError:
        return None
    if public:
        scope: list[_Net] = [cidr] if cidr.version == 4 else _within(cidr, [_V6_PUBLIC])
        holes += _V4_NOT_PUBLIC if cidr.version == 4 else _V6_NOT_PUBLIC
    else:
        scope = _within(cidr, _PRIVATE)
    return bool(_without(scope, holes))


def _within(network: _Net, ranges: Iterable[_Net]) -> list[_Net]:
    """The parts of `network` inside `ranges` (two CIDR ranges are nested or apart)."""
    parts: list[_Net] = []
    for outer in ranges:
        if outer.version != network.version:
            continue
        if _inside(network, outer):
            parts.append(network)
        elif _inside(outer, network):
            parts.append(outer)
    return parts


def _inside(inner: _Net, outer: _Net) -> bool:
    return inner.version == outer.version and cast(Any, inner).subnet_of(outer)


def _without(parts: list[_Net], holes: Iterable[_Net]) -> list[_Net]:
    """`parts` with every hole cut out."""
    for hole in holes:
        kept: list[_Net] = []
        for part in parts:
            if part.version != hole.version or not part.overlaps(hole):
                kept.append(part)
            elif not _inside(part, hole):
                kept.extend(cast(Any, part).address_exclude(hole))
        parts = kept
    return parts
