"""Rule documentation: `todolint rules`, `todolint explain`, the README table, and the policy files' own checks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import ROOT
from todolint.cli import main
from todolint.contract import load_contract
from todolint.models import CATEGORIES
from todolint.rules import all_rules
from todolint.rules.load_policies import PolicyError, load_policy_file
from todolint.rules.placeholders import DOC_PLACEHOLDER, fill_docs

CODES = [r.code for r in all_rules(load_contract())]


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_readme_rules_table_is_generated() -> None:
    """The README's rules table is `todolint rules --format markdown`, as generated."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.DOTALL)
    assert match, "README has no rules table markers"
    code, out, _ = invoke("rules", "--format", "markdown")
    assert code == 0
    assert match.group(1) == out, "README rules table is stale: paste `todolint rules --format markdown`"


@pytest.mark.parametrize("code", CODES)
def test_explain_every_code(code: str) -> None:
    """Every rule explains itself, by code, lower-case code or name, with its Why and Fix."""
    exit_code, out, _ = invoke("explain", code)
    assert exit_code == 0
    rule = next(r for r in all_rules(load_contract()) if r.code == code)
    assert out.startswith(f"{code} {rule.name}\n")
    assert "\nWhy\n" in out and "\nFix\n" in out
    assert invoke("explain", rule.name)[1] == out
    assert invoke("explain", code.lower())[1] == out


def test_explain_unknown_code_is_one_line_exit_2() -> None:
    """An unknown code is one error line and exit 2."""
    result = CliRunner().invoke(main, ["explain", "TL999"])
    assert result.exit_code == 2
    assert result.stderr == "todolint: error: no rule 'TL999' (see `todolint rules`)\n"


def test_rules_json_documents_every_rule() -> None:
    """`todolint rules --format json` lists every rule with all its docs."""
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
        "TL38": {"network"},
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
    """A malformed policy file is one line naming the file and the problem."""
    path = tmp_path / "TL900-team-rule.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path, load_contract())
    assert str(caught.value).startswith(f"{path}: ") or str(caught.value).startswith(f"{path}:1: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_user_policy_folder_adds_a_rule(tmp_path: Path) -> None:
    """A team's policy folder adds its rules beside the built-in ones."""
    (tmp_path / "TL900-team-rule.yaml").write_text(GOOD, encoding="utf-8")
    rules = {r.code: r for r in all_rules(load_contract(), [tmp_path])}
    assert rules["TL900"].name == "team-rule"
    assert rules["TL900"].origin == "TL900-team-rule.yaml"


def test_policy_naming_a_value_the_contract_lacks_exits_2(tmp_path: Path) -> None:
    """A team policy reads its own `x-` keys of the contract; one the contract lacks is one line, exit 2."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "TL900-team-rule.yaml").write_text(GOOD.replace("app.service_types", "contract.x-team.types"))
    args = ["tests/golden/input.yaml", "--env", "dev", "--policies", str(folder)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "TL900-team-rule.yaml: placeholder {{ contract.x-team.types }} has no value" in result.stderr
    assert "Traceback" not in result.stderr


# --- docs written with the contract in force ----------------------------------------------------------


def edited_contract(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the built-in contract, changed by `edit`."""
    data = yaml.safe_load((ROOT / "policies" / "contract.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_explain_follows_an_edited_contract(tmp_path: Path) -> None:
    """A team that edits the contract reads its own numbers in `todolint explain` and `todolint rules`."""

    def edit(data: dict[str, Any]) -> None:
        for app in data["apps"].values():
            app["probes"]["liveness"]["periodSeconds"] = 20
        data["replicas"] = {"min": 1, "max": 5}

    contract = str(edited_contract(tmp_path, edit))
    _, liveness, _ = invoke("explain", "TL203", "--contract", contract)
    assert "Liveness probe runs every 20 s and fails after 3 misses" in liveness
    assert "Set livenessProbe.periodSeconds to 20 and failureThreshold to 3" in liveness
    assert "30" not in liveness.partition("\nExample\n")[0]
    _, replicas, _ = invoke("explain", "TL330", "--contract", contract)
    assert "Deployment replicas lie within 1–5" in replicas
    assert "between 1 and 5 pods" in replicas and "more than 5 is beyond" in replicas
    assert "1–3" not in replicas and " 3 " not in replicas.partition("\nExample\n")[0]
    _, listing, _ = invoke("rules", "--contract", contract)
    assert "Liveness probe runs every 20 s" in listing and "replicas lie within 1–5" in listing
    _, built_in, _ = invoke("explain", "TL203")
    assert "Liveness probe runs every 30 s and fails after 3 misses" in built_in


#: Where a built-in rule's docs name a contract value as an illustration, not as what the rule checks:
#: (code, text around it). Each stays as written whatever the contract says.
ILLUSTRATIONS = {
    ("TL203", "unset fields count as 10 s / 3"): "Kubernetes' own defaults, not the contract's",
    ("TL204", "unset fields count as 10 s / 3"): "Kubernetes' own defaults, not the contract's",
    ("TL330", "unset means 1"): "Kubernetes' own default",
    ("TL330", "silently reads it as 1"): "Kubernetes' own default",
    ("TL371", "Helm 3 charts"): "Helm's major version",
    ("TL324", "`postgres:5432`"): "a typical in-cluster URL",
    ("TL232", "`:30XXX`"): "a NodePort URL's shape",
}


def shifted(data: Any, found: set[str]) -> Any:
    """Every number of a contract value moved by 1000 (no new value is an old one); `found` collects the
    numbers as they were."""
    if isinstance(data, dict):
        return {key: shifted(value, found) for key, value in data.items()}
    if isinstance(data, list):
        return [shifted(item, found) for item in data]
    if isinstance(data, int) and not isinstance(data, bool):
        found.add(str(data))
        return data + 1000
    return data


def test_no_built_in_rule_states_a_number_of_its_own(tmp_path: Path) -> None:
    """Every number the docs state comes from the contract: with every number of the contract changed, no
    summary, rationale or remediation of a built-in rule says an old one."""
    old: set[str] = set()

    def edit(data: dict[str, Any]) -> None:
        for key in [key for key in data if key != "version"]:
            data[key] = shifted(data[key], old)

    contract = load_contract(edited_contract(tmp_path, edit))
    stale = []
    for rule in all_rules(contract):
        text = "\n".join((rule.summary, rule.rationale, rule.remediation))
        for (code, words), _why in ILLUSTRATIONS.items():
            if code == rule.code:
                assert words in text, (code, words)
                text = text.replace(words, "")
        # A number on its own: not part of a word, a section (§9.1), a code (TL220) or a quantity (100m).
        stale += [(rule.code, value) for value in old if re.search(rf"(?<![\w.§-]){value}(?![\w]|\.[0-9])", text)]
    assert sorted(stale) == []


def test_every_placeholder_of_the_built_in_docs_has_a_value() -> None:
    """The built-in contract fills in every placeholder of the built-in rules' docs."""
    for rule in all_rules(load_contract()):
        for text in (rule.summary, rule.rationale, rule.remediation, rule.example):
            assert not DOC_PLACEHOLDER.search(text), (rule.code, text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("{{ contract.replicas.min }}–{{ contract.replicas.max }}", "1–3"),
        ("{{ contract.apps.*.port }}", "todo-frontend 3000, todo-backend 8000"),
        ("{{ contract.apps.*.probes.liveness.periodSeconds }} s", "30 s"),
        ("{{ contract.apps.*.service_types | or }}", "todo-frontend: ClusterIP or NodePort; todo-backend: ClusterIP"),
        ("{{ contract.apps.*.secret_keys | and }}", "DATABASE_URL, SECRET_KEY, OPENAI_API_KEY and AUTH_SECRET"),
        ("{{ contract.database.ports | first 2 }}", "5432, 3306, ..."),
        ("{{ contract.selector_labels | and }}", "app.kubernetes.io/name and app.kubernetes.io/instance"),
        ("{{ contract.apps | and }}", "todo-frontend and todo-backend"),
        ("{{ namespaces }}", "todo-dev, todo-staging, todo-prod"),
        ("{{ contract.names.ConfigMap }}", "{release}-config"),
        ("{{ contract.nowhere }} and `{{ .Release.Name }}`", "{{ contract.nowhere }} and `{{ .Release.Name }}`"),
    ],
)
def test_doc_placeholders(text: str, shown: str) -> None:
    """How each placeholder form reads with the built-in contract."""
    assert fill_docs(text, load_contract()) == shown
