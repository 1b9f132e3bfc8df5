"""Reporters: golden files for every format, SARIF and JUnit validated against their schemas, and the
paired `--format`/`--output` options."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from tests.conftest import CHARTS, ROOT, RunCli
from todolint.contract import load_contract
from todolint.discover import discover
from todolint.engine import Plan, Settings, StreamContext, run
from todolint.group import group
from todolint.models import Result
from todolint.report import FORMATS, ReportOptions, reporters
from todolint.rules import all_rules

GOLDEN = ROOT / "tests" / "golden"
SCHEMAS = ROOT / "tests" / "schemas"
INPUT = "tests/golden/input.yaml"
GOLDEN_ARGS = (INPUT, "--env", "dev", "--kube-version", "1.30", "--select", "TL0")
SUFFIX = {"text": "txt", "concise": "concise", "json": "json", "sarif": "sarif", "junit": "xml", "github": "github"}


def golden_result(monkeypatch: pytest.MonkeyPatch) -> Result:
    """The Result behind the golden files, built as the CLI builds it (from the repository root)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    contract = load_contract()
    plan = Plan(
        contract=contract,
        rules=all_rules(contract),
        inputs=discover([INPUT]).manifests,
        stream=StreamContext(env="dev"),
        kube_version="1.30.0",
        settings=Settings(select=("TL0",)),
    )
    return group(run(plan), contract.environments)


def render(result: Result, name: str) -> str:
    stream = io.StringIO()
    reporters()[name](result, stream, ReportOptions(color=False))
    return stream.getvalue()


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"report.{SUFFIX[name]}"
    if os.environ.get("TODOLINT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd"))


@pytest.mark.parametrize("name", FORMATS)
def test_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = golden_result(monkeypatch)
    # The elapsed time is the one thing that differs between runs: pinned, not normalised away.
    check_golden(name, render(dataclasses.replace(result, elapsed=0.0), name))


@pytest.mark.parametrize("name", ["concise", "json", "sarif", "junit", "github"])
def test_cli_output_is_byte_identical_to_golden(name: str, run_cli: RunCli) -> None:
    done = run_cli(*GOLDEN_ARGS, "--format", name, env={"SOURCE_DATE_EPOCH": ""})
    assert done.code == 1, done.stderr
    assert done.stdout == (GOLDEN / f"report.{SUFFIX[name]}").read_text(encoding="utf-8")


def test_golden_reports_validate_and_say_what_they_should(monkeypatch: pytest.MonkeyPatch) -> None:
    result = golden_result(monkeypatch)
    sarif = json.loads(render(result, "sarif"))
    sarif_validator().validate(sarif)
    run_ = sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "TL001",
        "TL002",
        "TL003",
        "TL004",
        "TL010",
        "TL011",
        "TL012",
        "TL090",
        "TL091",
        "TL092",
    ]
    assert rules[4]["help"]["text"].startswith("TL010 ")
    assert "https://" not in json.dumps(sarif["runs"][0]["tool"]["driver"]["rules"])  # no made-up web site
    assert rules[5]["defaultConfiguration"] == {"level": "warning"}
    got = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            [s["justification"] for s in r.get("suppressions", [])],
        )
        for r in run_["results"]
    ]
    assert got == [
        ("TL090", "error", INPUT, 9, []),
        ("TL010", "error", INPUT, 28, ["memory limit is set by the platform's LimitRange until v2 ships"]),
        ("TL010", "error", INPUT, 40, []),
        ("TL091", "warning", INPUT, 52, []),
        ("TL011", "warning", INPUT, 58, []),
    ]
    junit_schema().validate(io.StringIO(render(result, "junit")))


def _broken_copy(root: Path) -> Path:
    shutil.copytree(CHARTS, root / "charts")
    prod = root / "charts/todo-backend/values-prod.yaml"
    prod.write_text(prod.read_text().replace('cpu: "1"', "cpu: [1]"))
    return root


def test_sarif_and_junit_of_a_chart_run_with_findings(run_cli: RunCli, tmp_path: Path) -> None:
    """A real render with a finding: every SARIF result sits on the real line of the file it names."""
    root = _broken_copy(tmp_path)
    done = run_cli(
        "--renderer", "embedded", "--format", "sarif", "-o", "out.sarif", "--format", "junit", "-o", "out.xml",
        "--format", "json", "-o", "out.json", "charts/", cwd=root,
    )  # fmt: skip
    assert (done.code, done.stdout, done.stderr) == (1, "", "")
    sarif = json.loads((root / "out.sarif").read_text())
    sarif_validator().validate(sarif)
    junit_schema().validate(str(root / "out.xml"))
    findings = json.loads((root / "out.json").read_text())["findings"]
    results = sarif["runs"][0]["results"]
    assert len(results) == len(findings) >= 1
    for result, finding in zip(results, findings, strict=True):
        physical = result["locations"][0]["physicalLocation"]
        assert (physical["artifactLocation"]["uri"], physical["artifactLocation"]["uriBaseId"]) == (
            finding["file"],
            "%SRCROOT%",
        )
        assert (root / finding["file"]).is_file()
        assert physical["region"]["startLine"] == finding["line"]
        assert finding["line"] > 1
    cpu = [f for f in findings if f["code"] == "TL010"]
    assert [(f["chart"], f["environments"], f["path"]) for f in cpu] == [
        ("todo-backend", ["prod"], "spec.template.spec.containers[0].resources.limits.cpu")
    ]
    xml = (root / "out.xml").read_text()
    assert xml.count("<testsuite ") == 2  # one per chart, each finding once with its environments
    assert xml.count("<testcase ") == 2 * len(sarif["runs"][0]["tool"]["driver"]["rules"])
    assert '<testsuite name="todo-backend"' in xml
    assert '<property name="environments" value="dev, staging, prod"/>' in xml
    assert 'failures="1"' in xml and '<failure message="1 finding: ' in xml
    assert "values-prod.yaml:13: error: [prod] Deployment/todo-backend-prod " in xml


def test_partial_fingerprints_survive_a_line_shift(run_cli: RunCli, tmp_path: Path) -> None:
    text = (ROOT / INPUT).read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text.replace("spec:\n  selector:", "spec:\n  # moved\n  selector:", 1))
    prints = []
    for name in ("a.yaml", "b.yaml"):
        done = run_cli(name, "--env", "dev", "--select", "TL0", "--format", "sarif", cwd=tmp_path)
        prints.append([(r["ruleId"], r["partialFingerprints"]) for r in json.loads(done.stdout)["runs"][0]["results"]])
    assert prints[0] == prints[1]
    assert len({json.dumps(p) for _, p in prints[0]}) == len(prints[0])


def test_github_commands_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    from todolint.report.github import command

    (finding,) = [f for f in golden_result(monkeypatch).active if f.code == "TL010"]
    odd = dataclasses.replace(finding, file="a,b:c.yaml", message="50%\nnext")
    assert command(odd) == (
        "::error file=a%2Cb%3Ac.yaml,line=40,title=TL010 schema-invalid::"
        "todo-backend [dev] Service/todo-backend-dev spec.ports[0]: 50%25%0Anext"
    )


def test_format_and_output_pair_in_order(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(*GOLDEN_ARGS, "--format", "sarif", "-o", str(tmp_path / "out.sarif"), "--format", "text")
    assert done.code == 1
    assert done.stdout.startswith("todolint 0.1.0 · renderer files")
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"
    # An --output given before its only --format still pairs with it.
    done = run_cli(*GOLDEN_ARGS, f"--output={tmp_path / 'out.json'}", "--format=json")
    assert (done.code, done.stdout) == (1, "")
    assert json.loads((tmp_path / "out.json").read_text())["version"] == 2
    # no temporary files left (xdg-cache is the per-test cache folder run_cli sets)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "xdg-cache") == ["out.json", "out.sarif"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "json", "--format", "sarif"), "--format json and --format sarif: only one report can go to"),
        (("--format", "json", "-o", "a", "-o", "b"), "--output b: every --output needs its own --format"),
        (("--format", "json", "-o", "a", "--format", "sarif", "-o", "a"), "--output a: given twice"),
    ],
)
def test_format_output_misuse_is_a_usage_error(run_cli: RunCli, args: tuple[str, ...], message: str) -> None:
    done = run_cli(*GOLDEN_ARGS, *args)
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.startswith(f"todolint: error: {message}")


def test_output_to_a_missing_folder_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(*GOLDEN_ARGS, "--format", "sarif", "-o", str(tmp_path / "nope" / "out.sarif"))
    assert done.code == 2
    assert done.stderr.startswith(f"todolint: error: {tmp_path / 'nope' / 'out.sarif'}: cannot write report")
    assert "Traceback" not in done.stderr


def test_readme_ci_command(run_cli: RunCli, tmp_path: Path) -> None:
    """The README's GitHub Actions lint step, run as written on charts with a finding."""
    import shlex

    readme = (ROOT / "README.md").read_text()
    (line,) = [x.strip() for x in readme.splitlines() if x.strip().startswith("run: todolint ")]
    args = shlex.split(line.removeprefix("run: todolint "))
    root = _broken_copy(tmp_path)
    done = run_cli(*args, cwd=root)
    assert done.code == 1
    assert done.stdout.startswith("::error file=charts/todo-backend/"), done.stdout
    assert ",title=TL010 schema-invalid::todo-backend [prod] Deployment/todo-backend-prod " in done.stdout
    sarif_validator().validate(json.loads((root / "todolint.sarif").read_text()))
    junit_schema().validate(str(root / "todolint.xml"))


def test_sarif_line_is_the_edited_line_of_the_named_file(run_cli: RunCli, tmp_path: Path) -> None:
    """A values or template location is a line a person edits: it must hold the field. A `rendered` location
    of a chart render counts lines in Helm's output (docs/output.md "JSON output"), so only its kind is checked."""
    root = _broken_copy(tmp_path)
    args = ("--renderer", "embedded", "--env", "prod", "charts/todo-backend")
    done = run_cli(*args, "--format", "sarif", "--format", "json", "-o", "out.json", cwd=root)
    (result,) = json.loads(done.stdout)["runs"][0]["results"]
    (finding,) = json.loads((root / "out.json").read_text())["findings"]
    physical = result["locations"][0]["physicalLocation"]
    line = physical["region"]["startLine"]
    assert (physical["artifactLocation"]["uri"], line) == (finding["file"], finding["line"])
    assert len(result.get("relatedLocations", [])) == len(finding["locations"]) - 1
    if finding["locations"][0]["kind"] == "rendered":
        assert line > 1
        return
    lines = (root / finding["file"]).read_text().splitlines()
    assert 1 < line <= len(lines)
    assert "cpu" in lines[line - 1]
