"""`todolint --fix`, `--diff` and `--unsafe-fixes` on copies of the project's charts.

Each folder under tests/fixes/ is one case: `case.yaml` says how the charts are mutated (text
replacements), which rules it is about (`select`), whether the fix repairs them (`fixed`) and any extra
arguments; `expected.diff` is the unified diff `--diff` must print and `--fix` must make, byte for byte
(a patch: no secret value in it, and none in these cases' context lines).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CHARTS, RunCli
from todolint.fix import file_diff

CASES = Path(__file__).resolve().parent / "fixes"


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _texts(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def _diff(before: dict[str, str], after: dict[str, str]) -> str:
    """What --fix changed, shown as --diff shows it (secret values on changed lines masked)."""
    parts: list[str] = []
    for name in sorted(before):
        if before[name] != after[name]:
            parts.extend(file_diff(f"charts/{name}", before[name], after[name]))
    return "".join(parts)


def _work(tmp_path: Path, case: dict[str, Any]) -> Path:
    work = tmp_path / "work"
    shutil.copytree(CHARTS, work / "charts")
    for mutation in case["mutate"]:
        file = work / mutation["file"]
        text = file.read_text(encoding="utf-8")
        assert mutation["old"] in text, mutation
        file.write_text(text.replace(mutation["old"], mutation["new"], 1), encoding="utf-8")
    return work


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home)}


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir() if (p / "case.yaml").is_file()))
def test_fix_case(name: str, tmp_path: Path, run_cli: RunCli) -> None:
    folder = CASES / name
    case = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    expected = (folder / "expected.diff").read_text(encoding="utf-8")
    work = _work(tmp_path, case)
    args = ["charts", *(str(a).replace("{case}", str(folder)) for a in case.get("args", []))]
    env = _env(tmp_path)
    mutated = _texts(work / "charts")

    shown = run_cli(*args, "--diff", cwd=work, env=env)
    assert shown.stdout == expected, shown.stderr
    assert shown.code == (1 if expected else 0), shown.stderr
    assert _texts(work / "charts") == mutated  # --diff writes nothing

    fixed = run_cli(*args, "--fix", cwd=work, env=env)
    assert "Traceback" not in fixed.stderr
    if "by_hand" in case:
        assert case["by_hand"] in fixed.stderr.splitlines()
        assert case["by_hand"] in shown.stderr.splitlines()  # --diff says it too
    secret = case.get("never_printed")
    assert not secret or all(secret not in text for text in (shown.stdout, shown.stderr, fixed.stdout, fixed.stderr))
    assert _diff(mutated, _texts(work / "charts")) == expected, fixed.stderr

    after = run_cli(*args, "--select", case["select"], "--format", "json", cwd=work, env=env)
    codes = {f["code"] for f in yaml.safe_load(after.stdout)["findings"]}
    if case["fixed"]:
        assert codes == set(), after.stdout
        assert after.code == 0
    else:
        assert codes & set(case["select"].split(",")), after.stdout

    settled = _hashes(work / "charts")
    again = run_cli(*args, "--fix", cwd=work, env=env)
    assert _hashes(work / "charts") == settled  # idempotent
    assert "fixed 0 findings (0 edits in 0 files)" in again.stderr


def test_round_trip_restores_the_originals(tmp_path: Path, run_cli: RunCli) -> None:
    """Replicas 5, period 20, a LoadBalancer backend and a wrong probe path, each where the original held
    the contract's value: --fix gives back the project's charts byte for byte."""
    case = yaml.safe_load((CASES / "mutations-round-trip" / "case.yaml").read_text(encoding="utf-8"))
    work = _work(tmp_path, case)
    assert _hashes(work / "charts") != _hashes(CHARTS)
    # The count is the report's: one per root cause (one probe path in values.yaml feeds two probes),
    # however many environments it shows in.
    reported = json.loads(run_cli("charts", "--format", "json", cwd=work, env=_env(tmp_path)).stdout)["findings"]
    places = sum((1 + len(f.get("also", []))) * len(f["environments"]) for f in reported)
    assert (len(reported), places) == (4, 13)
    done = run_cli("charts", "--fix", cwd=work, env=_env(tmp_path))
    assert done.code == 0, done.stdout + done.stderr
    assert _hashes(work / "charts") == _hashes(CHARTS)
    assert done.stderr.splitlines()[-1] == "todolint: fixed 4 findings (4 edits in 2 files), 0 remain"


def test_read_only_file_is_one_error_line_and_nothing_written(tmp_path: Path, run_cli: RunCli) -> None:
    case = yaml.safe_load((CASES / "mutations-round-trip" / "case.yaml").read_text(encoding="utf-8"))
    work = _work(tmp_path, case)
    locked = work / "charts/todo-backend/values-prod.yaml"
    locked.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    before = _hashes(work / "charts")
    done = run_cli("charts", "--fix", cwd=work, env=_env(tmp_path))
    assert done.code == 2
    assert done.stderr == (
        "todolint: error: charts/todo-backend/values-prod.yaml: cannot fix: the file (or its folder) is read-only\n"
    )
    assert _hashes(work / "charts") == before  # values.yaml, writable, is not half-fixed either


UNSAFE_POLICY = """\
code: TL990
name: replicas-one
category: scaling
severity: error
summary: Exactly one replica (a test policy whose fix needs review).
target: workload
kinds: [Deployment]
schema:
  properties:
    spec:
      properties:
        replicas: {const: 1}
fix: {safety: unsafe, contract: [replicas, min], fields: [replicas]}
rationale: A test of unsafe fixes.
remediation: Set replicaCount to 1.
"""


def test_unsafe_fixes_need_the_flag(tmp_path: Path, run_cli: RunCli) -> None:
    work = _work(tmp_path, {"mutate": []})
    (work / "extra").mkdir()
    (work / "extra" / "TL990-replicas-one.yaml").write_text(UNSAFE_POLICY, encoding="utf-8")
    args = ("charts", "--policies", "extra", "--select", "TL990")
    env = _env(tmp_path)
    safe_only = run_cli(*args, "--diff", cwd=work, env=env)
    assert (safe_only.code, safe_only.stdout) == (0, "")
    unsafe = run_cli(*args, "--diff", "--unsafe-fixes", cwd=work, env=env)
    assert unsafe.code == 1
    assert unsafe.stdout == (
        "--- a/charts/todo-backend/values-prod.yaml\n"
        "+++ b/charts/todo-backend/values-prod.yaml\n"
        "@@ -1,4 +1,4 @@\n"
        "-replicaCount: 3\n"
        "+replicaCount: 1\n"
        " \n"
        " config:\n"
        "   BACKEND_ENV: production\n"
        "--- a/charts/todo-backend/values-staging.yaml\n"
        "+++ b/charts/todo-backend/values-staging.yaml\n"
        "@@ -1,4 +1,4 @@\n"
        "-replicaCount: 2\n"
        "+replicaCount: 1\n"
        " \n"
        " config:\n"
        "   BACKEND_ENV: staging\n"
        "--- a/charts/todo-frontend/values-prod.yaml\n"
        "+++ b/charts/todo-frontend/values-prod.yaml\n"
        "@@ -1,4 +1,4 @@\n"
        "-replicaCount: 3\n"
        "+replicaCount: 1\n"
        " \n"
        " config:\n"
        "   NODE_ENV: production\n"
        "--- a/charts/todo-frontend/values-staging.yaml\n"
        "+++ b/charts/todo-frontend/values-staging.yaml\n"
        "@@ -1,4 +1,4 @@\n"
        "-replicaCount: 2\n"
        "+replicaCount: 1\n"
        " \n"
        " config:\n"
        "   NODE_ENV: production\n"
    )


def test_reports_carry_the_fix(tmp_path: Path, run_cli: RunCli) -> None:
    """Text marks a fixable finding [*] and counts them; JSON and SARIF carry the replacement (the SARIF
    valid against the 2.1.0 schema), so that a viewer can offer it."""
    import json

    import jsonschema

    case = yaml.safe_load((CASES / "tl330-prod-override" / "case.yaml").read_text(encoding="utf-8"))
    work = _work(tmp_path, case)
    env = _env(tmp_path)
    args = ("charts", "--env", "prod", "--color", "never")
    text = run_cli(*args, cwd=work, env=env).stdout
    assert "    charts/todo-backend/values-prod.yaml:1  error  TL330 replicas-range [*]  [prod]\n" in text
    assert " · 1 fixable with --fix · " in text.splitlines()[-1]

    (finding,) = json.loads(run_cli(*args, "--format", "json", cwd=work, env=env).stdout)["findings"]
    assert finding["fixes"] == [
        {
            "safety": "safe",
            "file": "charts/todo-backend/values-prod.yaml",
            "line": 1,
            "column": 15,
            "end_line": 1,
            "end_column": 16,
            "replacement": "3",
        }
    ]

    sarif = json.loads(run_cli(*args, "--format", "sarif", cwd=work, env=env).stdout)
    schema = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["fixes"] == [
        {
            "description": {"text": "Set the value to 3"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "charts/todo-backend/values-prod.yaml", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {"startLine": 1, "startColumn": 15, "endLine": 1, "endColumn": 16},
                            "insertedContent": {"text": "3"},
                        }
                    ],
                }
            ],
            "properties": {"safety": "safe"},
        }
    ]


def test_rules_listing_says_how_each_rule_fixes(run_cli: RunCli) -> None:
    listing = run_cli("rules").stdout.splitlines()
    fixing = {line.split()[0]: line.split()[4] for line in listing}
    assert {code for code, how in fixing.items() if how != "-"} == {
        "TL202",
        "TL203",
        "TL204",
        "TL230",
        "TL330",
        "TL311",
    }
    assert {fixing[code] for code in ("TL202", "TL203", "TL204", "TL230", "TL330")} == {"safe"}
    assert fixing["TL311"] == "unsafe"


#: The readiness period reads the liveness key (30), so TL204's fix to that key (10) makes TL203s.
READINESS_READS_LIVENESS = {
    "file": "charts/todo-backend/templates/deployment.yaml",
    "old": "periodSeconds: {{ .Values.probes.readiness.periodSeconds }}",
    "new": "periodSeconds: {{ .Values.probes.liveness.periodSeconds }}",
}


def test_a_fix_that_breaks_another_field_is_rolled_back(tmp_path: Path, run_cli: RunCli) -> None:
    """The readiness period reads the liveness key (30): setting that key to 10 clears TL204 but makes a
    TL203 in every environment, so the re-render rolls the edit back and says so; nothing is written."""
    work = _work(tmp_path, {"mutate": [READINESS_READS_LIVENESS]})
    before = _hashes(work / "charts")
    done = run_cli("charts", "--fix", cwd=work, env=_env(tmp_path))
    assert done.code == 1
    assert done.stderr.splitlines() == [
        "todolint: charts/todo-backend/values.yaml:34: TL204: not fixable automatically (a re-render showed the "
        "finding still there, or a new one)",
        "todolint: fixed 0 findings (0 edits in 0 files), 1 remains",
    ]
    assert _hashes(work / "charts") == before
    assert "TL204 readiness-probe-timing  [all environments]\n" in done.stdout  # no [*]: --fix could not prove it


def test_readme_diff_is_what_todolint_prints(tmp_path: Path, run_cli: RunCli) -> None:
    readme = (CHARTS.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Fixing findings\n") :]
    shown = section[section.index("```diff\n") + len("```diff\n") : section.index("```\n", section.index("```diff"))]
    mutations = [
        {"file": "charts/todo-backend/values-prod.yaml", "old": "replicaCount: 3\n", "new": "replicaCount: 5\n"},
        {"file": "charts/todo-backend/values.yaml", "old": "  type: ClusterIP\n", "new": "  type: LoadBalancer\n"},
    ]
    work = _work(tmp_path, {"mutate": mutations})
    assert run_cli("charts", "--diff", cwd=work, env=_env(tmp_path)).stdout == shown


def test_text_marks_unsafe_fixes(tmp_path: Path, run_cli: RunCli) -> None:
    case = yaml.safe_load((CASES / "tl311-rendered-secret" / "case.yaml").read_text(encoding="utf-8"))
    work = _work(tmp_path, case)
    text = run_cli("charts", "--select", "TL311", "--color", "never", cwd=work, env=_env(tmp_path)).stdout
    line = "    charts/todo-backend/templates/secret.yaml:13  error  TL311 no-rendered-secret [*unsafe]"
    assert line + "  [all environments]\n" in text
    # One finding for the three environments (todolint.group), one edit for all of them.
    assert " · 1 with --fix --unsafe-fixes · " in text.splitlines()[-1]
    assert "hunter2" not in text


def test_select_narrows_the_report_not_the_proof(tmp_path: Path, run_cli: RunCli) -> None:
    """`--select TL204 --fix` on the chart above: the edit would make TL203s, which --select hides; the
    proof runs every rule, so the edit is still rolled back."""
    work = _work(tmp_path, {"mutate": [READINESS_READS_LIVENESS]})
    before = _hashes(work / "charts")
    done = run_cli("charts", "--select", "TL204", "--fix", cwd=work, env=_env(tmp_path))
    assert done.code == 1
    assert done.stderr.splitlines()[-1] == "todolint: fixed 0 findings (0 edits in 0 files), 1 remains"
    assert _hashes(work / "charts") == before


def test_select_fixes_only_the_selected_rules(tmp_path: Path, run_cli: RunCli) -> None:
    case = yaml.safe_load((CASES / "mutations-round-trip" / "case.yaml").read_text(encoding="utf-8"))
    work = _work(tmp_path, case)
    done = run_cli("charts", "--select", "TL330", "--fix", cwd=work, env=_env(tmp_path))
    assert (done.code, done.stderr.splitlines()[-1]) == (0, "todolint: fixed 1 finding (1 edit in 1 file), 0 remain")
    assert (work / "charts/todo-backend/values-prod.yaml").read_bytes() == (
        CHARTS / "todo-backend/values-prod.yaml"
    ).read_bytes()
    assert "periodSeconds: 20" in (work / "charts/todo-backend/values.yaml").read_text()  # not selected: left
