"""The commands besides `check`: `rules`, `explain`, `config` (the matrix, or the config's schema) and
`init`. Each returns the text to print, or raises UsageError."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from todolint.app.request import Request, fail
from todolint.app.settings import kube_version, resolve_settings

if TYPE_CHECKING:
    from todolint.rules.base import Rule


def rules_listing(output_format: str, contract_file: str | None = None) -> str:
    """`todolint rules`: every rule in force under the contract, as text, markdown or JSON."""
    from todolint.rules.docs import rules_json, rules_markdown, rules_text

    render = {"text": rules_text, "markdown": rules_markdown, "json": rules_json}[output_format]
    return render(_contract_rules(contract_file))


def explain(code: str, contract_file: str | None = None) -> str:
    """`todolint explain CODE`: one rule's rationale, remediation and example, by code or name."""
    from todolint.rules.docs import explain_text

    for rule in _contract_rules(contract_file):
        if code.upper() == rule.code or code == rule.name:
            return explain_text(rule)
    fail(f"no rule {code!r} (see `todolint rules`)")


def _contract_rules(contract_file: str | None) -> tuple[Rule, ...]:
    from todolint.contract import ContractError, load_contract
    from todolint.rules import all_rules

    try:
        return all_rules(load_contract(contract_file))
    except ContractError as exc:
        fail(str(exc))


def show_matrix(request: Request, output_format: str = "text") -> str:
    """`todolint config`: the chart × environment matrix the settings give (command line over config
    over contract), and where each setting comes from; nothing is rendered."""
    from todolint import layout
    from todolint.discover import DiscoveryError, discover, matrix_rows

    settings = resolve_settings(request)
    try:
        found = discover(request.paths or (".",), only_charts=request.only_charts)
    except DiscoveryError as exc:
        fail(str(exc))
    kube = kube_version(request, settings)
    rows = matrix_rows(found.charts, settings.contract, dataclasses.replace(settings.matrix, kube_version=kube))
    # An entry for no chart found is a likely typo, said as a note when the whole tree was searched
    # (never an error: the hook and a path argument name only some charts).
    unmatched = [] if request.paths else layout.unmatched_entries(settings.matrix.layout, found.charts)
    # The install commands are read from the repository the config describes (its folder), else from here.
    root = Path(settings.config.file).parent if settings.config.file else Path()
    commands = layout.install_origins(root, rows, found.charts, settings.contract)
    render = layout.matrix_json if output_format == "json" else layout.matrix_text
    return render(rows, config_file=settings.config.file, kube=kube, unmatched=unmatched, commands=commands)


def config_schema() -> str:
    """`todolint config --schema`: the JSON Schema of `.todolint.yaml` and `[tool.todolint]`."""
    from todolint.config import schema_path

    return schema_path().read_text(encoding="utf-8")


def init(root: str, *, force: bool = False, contract_file: str | None = None) -> str:
    """`todolint init`: write `.todolint.yaml` for the charts below `root`; say what was written."""
    from todolint import layout
    from todolint.contract import ContractError, load_contract
    from todolint.discover import DiscoveryError

    try:
        path, guesses = layout.init(Path(root), load_contract(contract_file), force=force)
    except (layout.LayoutError, ContractError, DiscoveryError) as exc:
        fail(str(exc))
    return layout.summary(path, guesses)


__all__ = ["config_schema", "explain", "init", "rules_listing", "show_matrix"]
