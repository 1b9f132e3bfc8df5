"""The settings in force for a run: the command line over the config file over the built-in defaults
(config, contract, policy folders, the chart × environment matrix, the schema version), and the rules
they define, loaded once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from todolint.app.request import Request, fail

if TYPE_CHECKING:
    from todolint.cache import ContractMemo
    from todolint.config import Config
    from todolint.contract import Contract
    from todolint.discover import MatrixOptions
    from todolint.rules.base import Rule


class RuleBook:
    """The rules of one contract and its policy folders, loaded on first use and then kept: every step
    of a run (the engine, each re-lint of `--fix`, the fixes, SARIF's rule list) reads the same tuple,
    and a run answered from the result cache loads none."""

    def __init__(self, contract: Contract, policies: tuple[str, ...]) -> None:
        self.contract = contract
        self.policies = policies
        self._rules: tuple[Rule, ...] | None = None

    def rules(self) -> tuple[Rule, ...]:
        """Every rule: engine rules, the built-in and the user's policies, relational rules."""
        if self._rules is None:
            from todolint.contract import ContractError
            from todolint.rules import all_rules

            try:
                self._rules = all_rules(self.contract, tuple(Path(p) for p in self.policies))
            except (ContractError, ValueError) as exc:
                fail(str(exc))
        return self._rules


@dataclass(frozen=True)
class RunSettings:
    """The settings in force: the command line over the config file over the built-in defaults."""

    config: Config
    contract_path: str | None
    policies: tuple[str, ...]
    #: The contract with the repository's matrix in it (environments, per-chart release and namespace).
    contract: Contract
    #: The matrix settings from the command line and the config file (the schema version comes later).
    matrix: MatrixOptions
    rulebook: RuleBook = field(compare=False)


def resolve_settings(request: Request) -> RunSettings:
    """The config file, the contract and the policy folders a request names; UsageError for a bad one."""
    from todolint.config import ConfigError, resolve_config
    from todolint.contract import ContractError, load_contract

    try:
        config = resolve_config(request.config_file, disabled=request.no_config)
    except ConfigError as exc:
        fail(str(exc))
    contract_path = request.contract_file or config.contract
    policies = tuple(request.policy_dirs or config.policies or ())
    for folder in policies:
        if not Path(folder).is_dir():
            fail(f"{folder}: policy folder not found")
    try:
        contract = load_contract(contract_path, validated=_validated_contracts(request))
    except (ContractError, ValueError) as exc:
        fail(str(exc))
    contract, matrix = _matrix(request, config, contract)
    return RunSettings(config, contract_path, policies, contract, matrix, RuleBook(contract, policies))


def _validated_contracts(request: Request) -> ContractMemo | None:
    """The memo of contracts validated before, in the cache (none with --no-cache)."""
    if request.no_cache:
        return None
    from todolint.cache import ContractMemo, RenderCache

    return ContractMemo(RenderCache())


def _matrix(request: Request, config: Config, contract: Contract) -> tuple[Contract, MatrixOptions]:
    """The matrix settings (command line over config over contract), and the contract that names them."""
    from todolint.discover import DiscoveryError, MatrixOptions, PatternError, effective_contract

    matrix = MatrixOptions(
        environments=request.environments,
        release=request.release,
        namespace=request.namespace,
        values=request.values_files,
        set_values=request.set_values,
        layout=config.layout,
    )

    def has_values_file(env: str) -> bool:
        # Only for an --env outside the matrix: finding the charts here is the rare path's cost.
        from todolint.discover import discover, has_own_values_files

        try:
            charts = discover(request.paths or (".",), only_charts=True).charts
        except DiscoveryError:
            return False
        return has_own_values_files(charts, env, contract, matrix)

    try:
        return effective_contract(contract, matrix, config.environments, has_values_file), matrix
    except (PatternError, DiscoveryError) as exc:
        fail(str(exc))


def kube_version(request: Request, settings: RunSettings) -> str:
    """The Kubernetes schema version to validate against: asked, configured, or the newest bundled."""
    from todolint import schema

    wanted = request.kube_version or settings.config.kube_version
    try:
        return schema.resolve_version(wanted) if wanted else schema.newest_version()
    except ValueError as exc:
        fail(str(exc))


__all__ = ["RuleBook", "RunSettings", "kube_version", "resolve_settings"]
