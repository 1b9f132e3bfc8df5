"""Rule documentation: `todolint rules`, `todolint explain`, the README table, and the policy files' own checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from todolint.cli import main
from todolint.contract import load_contract
from todolint.models import CATEGORIES
from todolint.rules import all_rules
from todolint.rules.policies import PolicyError, load_policy_file

CODES = [r.code for r in all_rules(load_contract())]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_readme_rules_table_is_generated() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.DOTALL)
    assert match, "README has no rules table markers"
    code, out, _ = invoke("rules", "--format", "markdown")
    assert code == 0
    assert match.group(1) == out, "README rules table is stale: paste `todolint rules --format markdown`"


@pytest.mark.parametrize("code", CODES)
def test_explain_every_code(code: str) -> None:
    exit_code, out, _ = invoke("explain", code)
    assert exit_code == 0
    rule = next(r for r in all_rules(load_contract()) if r.code == code)
    assert out.startswith(f"{code} {rule.name}\n")
    assert "\nWhy\n" in out and "\nFix\n" in out
    assert invoke("explain", rule.name)[1] == out
    assert invoke("explain", code.lower())[1] == out


def test_explain_unknown_code_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(main, ["explain", "TL999"])
    assert result.exit_code == 2
    assert result.stderr == "todolint: error: no rule 'TL999' (see `todolint rules`)\n"


def test_rules_json_documents_every_rule() -> None:
    code, out, _ = invoke("rules", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [r["code"] for r in data] == CODES
    for rule in data:
        assert rule["category"] in CATEGORIES
        assert rule["summary"] and rule["rationale"] and rule["remediation"] and rule["example"], rule["code"]


def test_codes_are_grouped_by_family() -> None:
    """Each code's hundred-and-tens block belongs to one category family (documented in the README)."""
    families = {
        "TL10": {"labels"},
        "TL11": {"selectors"},
        "TL12": {"names", "namespaces"},
        "TL20": {"probes"},
        "TL22": {"ports"},
        "TL23": {"services"},
        "TL30": {"config"},
        "TL31": {"secrets"},
        "TL32": {"database"},
        "TL33": {"scaling"},
        "TL34": {"namespaces"},
        "TL35": {"api-url"},
        "TL36": {"references"},
        "TL37": {"chart"},
        "TL50": {"images"},
        "TL51": {"resources"},
        "TL52": {"security"},
        "TL53": {"security"},
        "TL54": {"network"},
        "TL55": {"workloads"},
    }
    for rule in all_rules(load_contract()):
        if rule.code >= "TL100":
            assert rule.category in families[rule.code[:4]], rule.code


GOOD = """\
code: TL900
name: team-rule
category: services
severity: warning
summary: A team rule.
target: service
schema:
  properties:
    spec:
      properties:
        type: {enum: "{{ app.service_types }}"}
rationale: Because.
remediation: Fix it.
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code: [", "policy is not valid YAML"),
        (GOOD.replace("code: TL900", "code: X1"), "code: 'X1' does not match '^TL[0-9]{3}$'"),
        (GOOD.replace("category: services", "category: style"), "category: 'style' is not one of"),
        (GOOD.replace("target: service", "target: pods"), "target: 'pods' is not one of"),
        (GOOD.replace("remediation: Fix it.\n", ""), "policy: 'remediation' is a required property"),
        (GOOD + "colour: red\n", "Additional properties are not allowed ('colour' was unexpected)"),
        (GOOD.replace("{enum:", "{minimum:"), "schema is not a valid JSON Schema"),
        (GOOD.replace("app.service_types", "contract.nowhere"), "placeholder {{ contract.nowhere }} has no value"),
    ],
)
def test_bad_policy_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "TL900-team-rule.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path, load_contract())
    assert str(caught.value).startswith(f"{path}: ") or str(caught.value).startswith(f"{path}:1: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_user_policy_folder_adds_a_rule(tmp_path: Path) -> None:
    (tmp_path / "TL900-team-rule.yaml").write_text(GOOD, encoding="utf-8")
    rules = {r.code: r for r in all_rules(load_contract(), [tmp_path])}
    assert rules["TL900"].name == "team-rule"
    assert rules["TL900"].origin == "TL900-team-rule.yaml"


def test_contract_missing_a_policy_value_exits_2(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "contract.yaml").read_text(encoding="utf-8")
    contract = tmp_path / "contract.yaml"
    contract.write_text(text.replace("replicas: {min: 1, max: 3}", ""), encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "--contract", str(contract)])
    assert result.exit_code == 2
    assert "TL330-replicas-range.yaml: placeholder {{ contract.replicas.min }} has no value" in result.stderr
    assert "Traceback" not in result.stderr
