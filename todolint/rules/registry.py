"""Gathers the contract rules: declarative policies plus relational rule modules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from todolint.contract import Contract
from todolint.rules import Rule


def contract_rules(contract: Contract, policy_dirs: Sequence[Path] = ()) -> list[Rule]:
    """The data-model contract's rules (none yet: they arrive with the contract issue)."""
    return []
