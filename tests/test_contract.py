"""The contract: validated against policies/contract.schema.json as it loads, one error line naming the
file, the line and the key; typed values the rules read; a floor module that loads little."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from tests.conftest import ROOT, RunCli
from todolint.contract import (
    ApiUrl,
    Bounds,
    ContractError,
    Probe,
    default_contract_path,
    load_contract,
    schema,
    schema_path,
    validation_key,
)

TEXT = default_contract_path().read_text(encoding="utf-8")
BACKEND_PROBES = """    probes:
      liveness: {path: /health, periodSeconds: 30, failureThreshold: 3}
      readiness: {path: /health, periodSeconds: 10, failureThreshold: 3}
"""


def line_of(text: str, needle: str) -> int:
    """The line (1-based) of the first line of `text` that holds `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def written(tmp_path: Path, text: str) -> Path:
    """`text` as a contract file in `tmp_path`."""
    path = tmp_path / "contract.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> str:
    """The one line load_contract raises for `text`, with the file's name shortened to C."""
    path = written(tmp_path, text)
    with pytest.raises(ContractError) as raised:
        load_contract(path)
    return str(raised.value).replace(str(path), "C")


def test_the_built_in_contract_is_valid_and_typed() -> None:
    """The typed fields hold the built-in contract's values; `data` holds the YAML."""
    contract = load_contract()
    backend = contract.app("todo-backend")
    assert backend is not None
    assert backend.port == 8000
    assert backend.probes["liveness"] == Probe(path="/health", period_seconds=30, failure_threshold=3)
    assert backend.probes["readiness"].period_seconds == 10
    assert backend.secret_keys == ("DATABASE_URL", "SECRET_KEY", "OPENAI_API_KEY", "AUTH_SECRET")
    assert "backend" in backend.match
    assert contract.app("redis") is None
    assert list(contract.applications) == list(contract.apps) == ["todo-frontend", "todo-backend"]
    assert contract.replicas == Bounds(min=1, max=3)
    assert contract.node_port_range == Bounds(min=30000, max=32767)
    assert contract.api_url == ApiUrl("todo-frontend", "NEXT_PUBLIC_API_URL", "todo-backend", "http://{service}:{port}")
    assert contract.database.ports[0] == 5432
    assert contract.names["ConfigMap"] == "{release}-config"
    assert contract.labels["app.kubernetes.io/managed-by"] == "Helm"
    assert contract.selector_labels == ("app.kubernetes.io/name", "app.kubernetes.io/instance")
    assert contract.pod_template_labels == "selector"
    assert "EXPIRE*" in contract.secret_name_settings
    # The YAML as read stays for the policies' {{ contract.x.y }} placeholders.
    assert contract.data["replicas"]["max"] == 3


def test_the_contract_is_read_only() -> None:
    """No rule can change what another rule reads."""
    contract = load_contract()
    with pytest.raises(TypeError):
        contract.data["replicas"]["max"] = 9  # type: ignore[index]
    with pytest.raises(TypeError):
        contract.applications["todo-backend"].probes["liveness"] = Probe("/", 1, 1)  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        contract.replicas.max = 9  # type: ignore[misc]


def test_the_schema_is_draft_2020_12_and_names_every_key_of_the_contract() -> None:
    """The schema is itself valid, and says every key the built-in contract has."""
    rules = schema()
    assert schema_path() == default_contract_path().parent / "contract.schema.json"
    jsonschema.Draft202012Validator.check_schema(rules)
    raw = yaml.safe_load(TEXT)
    assert set(raw) <= set(rules["properties"])
    app = rules["$defs"]["app"]
    for spec in raw["apps"].values():
        assert set(spec) <= set(app["properties"])
        assert set(spec) >= set(app["required"])
    # Python's jsonschema (the reference implementation) agrees with the verdict of jsonschema-rs.
    assert not list(jsonschema.Draft202012Validator(rules).iter_errors(raw))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace(BACKEND_PROBES, ""),
            f"C:{line_of(TEXT, '  todo-backend:')}: apps.todo-backend.probes: required key missing",
        ),
        (lambda t: t.replace("replicas: {min: 1, max: 3}\n", ""), "C: replicas: required key missing"),
        (
            lambda t: t.replace("port: 8000", "prot: 8000"),
            f"C:{line_of(TEXT, 'port: 8000')}: apps.todo-backend.prot: unknown key (did you mean 'port'?)",
        ),
        (
            lambda t: t.replace("port: 8000", 'port: "8000"'),
            f"C:{line_of(TEXT, 'port: 8000')}: apps.todo-backend.port: expected a whole number, found '8000'",
        ),
        (
            lambda t: t.replace("liveness: {path: /health", "livenes: {path: /health"),
            f"C:{line_of(TEXT, 'liveness: {path: /health')}: apps.todo-backend.probes.livenes: unknown key "
            "(did you mean 'liveness'?)",
        ),
        (
            lambda t: t.replace("path: /health, periodSeconds: 30", "path: /health, periodSeconds: 0"),
            f"C:{line_of(TEXT, 'liveness: {path: /health')}: apps.todo-backend.probes.liveness.periodSeconds: "
            "expected at least 1, found 0",
        ),
        (
            lambda t: t.replace("service_types: [ClusterIP]", "service_types: [Clusterip]"),
            f"C:{line_of(TEXT, 'service_types: [ClusterIP]')}: apps.todo-backend.service_types[0]: expected one of "
            "ClusterIP, NodePort, LoadBalancer, ExternalName, found 'Clusterip'",
        ),
        (
            lambda t: t + "replica: 3\n",
            f"C:{len(TEXT.splitlines()) + 1}: replica: unknown key (did you mean 'replicas'?)",
        ),
        (
            lambda t: t.replace("managed-by: Helm", "managed-by: 5"),
            f'C:{line_of(TEXT, "managed-by: Helm")}: labels["app.kubernetes.io/managed-by"]: expected a string, '
            "found 5",
        ),
        (
            lambda t: t.replace("environments: [dev, staging, prod]", "environments: [dev, dev]"),
            f"C:{line_of(TEXT, 'environments:')}: environments: lists 'dev' twice",
        ),
        (
            lambda t: t.replace("environments: [dev, staging, prod]", "environments: []"),
            f"C:{line_of(TEXT, 'environments:')}: environments: expected at least one entry, found none",
        ),
        (
            lambda t: t.replace("version: 1", "version: 2"),
            f"C:{line_of(TEXT, 'version:')}: version: expected 1, found 2",
        ),
        (
            lambda t: t.replace("version: 1", "version: 2026-02-02"),
            f"C:{line_of(TEXT, 'version:')}: version: 2026-02-02 is a YAML date, which the contract cannot hold "
            "(quote it)",
        ),
        (
            lambda t: t.replace('  Secret: "{release}-secrets"', '  Secret: "{release}-secrets"\n  5: x'),
            f"C:{line_of(TEXT, 'names:')}: names: key 5 must be a string (quote it)",
        ),
        (
            lambda t: t.replace('["values-{env}.yaml", "values/{env}.yaml"]', "[3]"),
            f"C:{line_of(TEXT, 'values/{env}.yaml')}: values_files[1][0]: expected a string, found 3",
        ),
        (
            lambda t: t.replace("from_app: todo-frontend", "from_app: todo-frontnd"),
            f"C:{line_of(TEXT, 'from_app:')}: api_url.from_app: 'todo-frontnd' is no app of the contract "
            "(todo-backend, todo-frontend)",
        ),
        (
            lambda t: t.replace("replicas: {min: 1, max: 3}", "replicas: {min: 4, max: 3}"),
            f"C:{line_of(TEXT, 'replicas:')}: replicas: min 4 is above max 3",
        ),
        (lambda t: "- a list\n", "C: contract must be a mapping"),
    ],
)
def test_a_bad_contract_is_one_line_naming_line_and_key(
    tmp_path: Path, edit: Callable[[str], str], message: str
) -> None:
    """A missing, unknown or mistyped key, or two values that disagree: the first in the file, one line."""
    assert problem(tmp_path, edit(TEXT)) == message


def test_optional_keys_have_their_defaults_and_x_keys_are_a_teams_own(tmp_path: Path) -> None:
    """Keys whose absence only narrows a check may be left out; `x-` keys are free for a team's own policies."""
    raw = yaml.safe_load(TEXT)
    for key in ("pod_template_labels", "secret_name_settings"):
        del raw[key]
    del raw["apps"]["todo-backend"]["match"]
    raw["x-team"] = {"max_cpu": "500m"}
    raw["apps"]["todo-backend"]["x-owner"] = "backend-team"
    contract = load_contract(written(tmp_path, yaml.safe_dump(raw, sort_keys=False)))
    assert (contract.pod_template_labels, contract.secret_name_settings) == ("selector", ())
    backend = contract.app("todo-backend")
    assert backend is not None and backend.match == ()
    assert contract.data["x-team"]["max_cpu"] == "500m"
    assert contract.apps["todo-backend"]["x-owner"] == "backend-team"


def test_every_contract_the_tests_use_is_valid() -> None:
    """The fixtures' own contracts (an older copy without `match` among them) load as they are."""
    for path in sorted((ROOT / "tests").rglob("contract.yaml")):
        load_contract(path)


def test_cli_refuses_a_contract_without_probes(run_cli: RunCli, tmp_path: Path) -> None:
    """End to end: a contract without the backend's probes is one line naming the key and its line, exit 2,
    no traceback, for a lint run and for `rules`."""
    contract = written(tmp_path, TEXT.replace(BACKEND_PROBES, ""))
    expected = (
        f"todolint: error: {contract}:{line_of(TEXT, '  todo-backend:')}: apps.todo-backend.probes: "
        "required key missing\n"
    )
    for args in (("charts", "--contract", str(contract)), ("rules", "--contract", str(contract))):
        done = run_cli(*args)
        assert (done.code, done.stdout, done.stderr) == (2, "", expected)


def test_loading_the_contract_stays_on_the_floor() -> None:
    """todolint.contract imports no other todolint module but the wording of its problems, and its
    validator is jsonschema-rs (compiled, a few ms), never Python's jsonschema (~50 ms of imports)."""
    code = (
        "import sys\nfrom todolint.contract import load_contract\nload_contract()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('todolint', 'jsonschema')))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = json.loads(done.stdout)
    assert [m for m in loaded if m.startswith("todolint")] == [
        "todolint",
        "todolint.contract",
        "todolint.contract_problems",
        "todolint.version",
    ]
    assert "jsonschema_rs" in loaded
    assert "jsonschema" not in loaded


class SetMemo(set[str]):
    """A ValidatedMemo in memory."""


def test_a_remembered_contract_is_not_validated_again_and_an_edit_is(tmp_path: Path) -> None:
    """The memo answers only for the exact text it validated: a valid contract is remembered, an edited
    one is validated afresh, and an invalid one is never remembered."""
    memo = SetMemo()
    path = written(tmp_path, TEXT)
    assert load_contract(path, validated=memo) == load_contract(path)
    assert list(memo) == [validation_key(TEXT)]
    path.write_text(TEXT.replace(BACKEND_PROBES, ""))
    with pytest.raises(ContractError, match=r"apps\.todo-backend\.probes: required key missing"):
        load_contract(path, validated=memo)
    assert list(memo) == [validation_key(TEXT)]


def test_a_warm_run_refuses_a_contract_edited_since(run_cli: RunCli, tmp_path: Path) -> None:
    """Through the cache of a real run: the second run answers from the memo, an edit is refused."""
    contract = written(tmp_path, TEXT)
    for _ in range(2):
        done = run_cli("charts", "-q", "--contract", str(contract))
        assert (done.code, done.stderr) == (0, "")
    assert len(list((tmp_path / "xdg-cache" / "todolint" / "contract-v1").glob("*.json"))) == 1
    contract.write_text(TEXT.replace(BACKEND_PROBES, ""))
    done = run_cli("charts", "-q", "--contract", str(contract))
    assert done.code == 2
    assert done.stderr.endswith("apps.todo-backend.probes: required key missing\n")
