"""The contract rules, tested as data: every fixture under tests/rules/<CODE>/ says what it expects.

A pre-rendered fixture (`*.yaml`) starts with `# todolint: key=value ...` (chart, env, release,
namespace → the CLI flags) and marks each offending line with `# expect: CODE[, CODE]`. A chart fixture
(a folder with Chart.yaml) is rendered for `dev` with the embedded Helm SDK; its marks sit in Chart.yaml.
`fail-*` fixtures must exit 1 with exactly the marked (code, line) set; `pass-*` fixtures exit 0 with no
finding at all (info included: fixtures run with `--fail-on info`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from todolint.cli import main
from todolint.contract import load_contract
from todolint.rules import all_rules

FIXTURES = ROOT / "tests" / "rules"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
HEADER = re.compile(r"^#\s*todolint:(.*)$", re.MULTILINE)
RULES = {r.code: r for r in all_rules(load_contract())}
#: The generic pack's code prefix. A contract rule's fixture is one contract deviation on a render of the
#: project charts, and shows its own code: it is linted without the pack. The pack's own fixtures are
#: linted with every rule, so they also show that no contract rule contradicts them.
GENERIC = "TL5"


def fixtures() -> list[Path]:
    found = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        found.extend(sorted(p for p in folder.iterdir() if p.name.startswith(("fail-", "pass-", "pass"))))
    return found


def expectations(fixture: Path) -> set[tuple[str, str, int]]:
    files = [fixture] if fixture.is_file() else sorted(p for p in fixture.rglob("*") if p.is_file())
    wanted = set()
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in match.group(1).replace(",", " ").split():
                    wanted.add((code, str(file.resolve()), number))
    return wanted


def lint(fixture: Path) -> tuple[int, dict[str, Any]]:
    args = [str(fixture), "--format", "json", "--fail-on", "info"]
    if fixture.is_file():
        header = HEADER.search(fixture.read_text(encoding="utf-8"))
        assert header, f"{fixture}: no '# todolint:' header"
        for pair in header.group(1).split():
            key, _, value = pair.partition("=")
            args += [f"--{key}", value]
    else:
        args += ["--env", "dev", "--renderer", "embedded"]
    if not fixture.parent.name.startswith(GENERIC):
        args += ["--ignore", GENERIC]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("fixture", fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(fixture: Path) -> None:
    code, report = lint(fixture)
    listed = [(f["code"], str(Path(f["file"]).resolve()), f["line"]) for f in report["findings"]]
    found = set(listed)
    assert report["errors"] == []
    assert found == expectations(fixture)
    # One finding per rule and line: a block that is wrong in several ways is one finding listing them.
    assert len(listed) == len(found), sorted(x for x in listed if listed.count(x) > 1)
    for finding in report["findings"]:
        assert finding["category"] == RULES[finding["code"]].category
    if fixture.name.startswith("fail-"):
        assert code == 1
        assert fixture.parent.name in {f["code"] for f in report["findings"]}
    else:
        assert code == 0


def test_every_rule_has_docs_and_a_failing_and_a_passing_fixture() -> None:
    contract_codes = [code for code in RULES if int(code[2:]) >= 100]
    assert contract_codes, "no contract rules loaded"
    for code in contract_codes:
        rule = RULES[code]
        assert rule.summary and rule.rationale and rule.remediation and rule.example, code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), code
        folder = FIXTURES / code
        names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        assert any(n.startswith("fail-") for n in names), f"{code}: no failing fixture"
        assert any(n.startswith("pass") for n in names), f"{code}: no passing fixture"
        assert any(code in {c for c, _, _ in expectations(folder / n)} for n in names if n.startswith("fail-")), code


def test_non_suppressible_rules() -> None:
    """Plain-text secrets and an in-cluster database cannot be silenced by any annotation."""
    fixed = {code for code, rule in RULES.items() if not rule.suppressible and int(code[2:]) >= 100}
    assert fixed == {"TL310", "TL311", "TL312", "TL313", "TL320", "TL321", "TL322", "TL323", "TL324"}


def test_no_secret_value_is_printed() -> None:
    leaky = ("TL312/fail-configmap-and-literal.yaml", "TL324/fail-in-cluster-host.yaml")
    for fixture in (FIXTURES / name for name in leaky):
        for output_format in ("text", "json"):
            args = [str(fixture), "--env", "dev", "--format", output_format]
            out = CliRunner().invoke(main, args, catch_exceptions=False).stdout
            for secret in ("tok-do-not-print-3141", "hunter2-do-not-print", "pw-not-shown"):
                assert secret not in out
