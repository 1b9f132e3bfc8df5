"""Gathers the contract rules: declarative policies plus relational rule modules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from todolint.contract import Contract, policies_dir
from todolint.rules import (
    Rule,
    apiurl,
    chart,
    config,
    database,
    labels,
    names,
    namespaces,
    probes,
    references,
    scaling,
    secrets,
    selectors,
    services,
)
from todolint.rules.policies import load_policies

#: One module per rule family; each has `rules() -> list[Rule]`.
FAMILIES = (
    labels,
    selectors,
    names,
    probes,
    services,
    config,
    secrets,
    database,
    scaling,
    namespaces,
    apiurl,
    references,
    chart,
)


def contract_rules(contract: Contract, policy_dirs: Sequence[Path] = ()) -> list[Rule]:
    """The data-model contract's rules: the built-in policies, user policy folders, and the rule modules."""
    rules: list[Rule] = load_policies([policies_dir(), *policy_dirs], contract)
    for family in FAMILIES:
        rules.extend(family.rules())
    return rules
