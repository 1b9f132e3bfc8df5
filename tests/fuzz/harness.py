"""The property every generated input must keep, shared by the CI run and the long run.

`check(data)` lints `data` as a pre-rendered manifest file through the real engine (parse, schema,
every rule of the contract) twice, and asserts: no exception escapes, every finding is well formed,
and both runs give the same findings and the same bytes in every report format but text (whose
summary shows the elapsed time).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from todolint.contract import Contract, load_contract
from todolint.discover import ManifestInput
from todolint.engine import Plan, StreamContext, run
from todolint.group import group
from todolint.models import CATEGORIES, Result
from todolint.report import ReportOptions, reporters
from todolint.rules import Rule, all_rules


@cache
def _contract_and_rules() -> tuple[Contract, tuple[Rule, ...]]:
    contract = load_contract()
    return contract, all_rules(contract)


@dataclass
class Checker:
    """Lints byte strings through one scratch file; counts what it has checked."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="todolint-fuzz-")))
    checked: int = 0

    def lint(self, data: bytes, *, env: str | None) -> Result:
        contract, rules = _contract_and_rules()
        path = self.folder / "stream.yaml"
        path.write_bytes(data)
        plan = Plan(
            contract=contract,
            rules=rules,
            inputs=(ManifestInput(str(path)),),
            stream=StreamContext(env=env),
        )
        # As the application does: one finding per root cause (todolint.group), fuzzed with the rest.
        return group(run(plan), contract.environments)

    def check(self, data: bytes, *, env: str | None = "dev") -> None:
        _contract, rules = _contract_and_rules()
        codes = {r.code for r in rules}
        first = self.lint(data, env=env)
        for finding in first.findings:
            assert finding.code in codes, finding
            assert finding.category in CATEGORIES, finding
            assert finding.line is None or finding.line >= 1, finding
            assert finding.message and "\n" not in finding.message, finding
            assert finding.file, finding
        for error in first.errors:
            assert error and "\n" not in error, error
        second = self.lint(data, env=env)
        assert (second.findings, second.targets, second.errors) == (first.findings, first.targets, first.errors)
        options = ReportOptions(color=False)
        for name, report in sorted(reporters().items()):
            stream = io.StringIO()
            report(first, stream, options)
            # GitHub workflow commands and concise lines are one line per finding: nothing found, nothing to say.
            assert stream.getvalue() or (name in ("github", "concise") and not first.active), f"{name} wrote nothing"
            if name != "text":  # the text summary shows the elapsed time; every other format is exact
                again = io.StringIO()
                report(second, again, options)
                assert again.getvalue() == stream.getvalue(), f"{name} output differs between two runs"
        self.checked += 1
