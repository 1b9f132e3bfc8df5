"""What todolint guarantees over the corpus as a whole: isolation, no writes, atomic reports, determinism."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHARTS, ROOT, RunCli
from tests.test_corpus import CASES, LOOP_TIMEOUT
from todolint.contract import load_contract
from todolint.discover import MatrixOptions, build_targets, discover
from todolint.engine import Plan, run
from todolint.models import Hit, Severity
from todolint.output import write_atomic
from todolint.render.choose import make_renderer
from todolint.report import reporters
from todolint.rules import EnvContext, Rule, all_rules

CORPUS = ROOT / "tests" / "corpus"
#: Chart cases that break: each gives one error line per environment. Library charts are not linted on
#: their own when found inside a folder: they render only through the charts that use them.
BROKEN = sorted(name for name, case in CASES["charts"].items() if case["exit"] == 2 and name != "library-chart")
GOOD = sorted(name for name, case in CASES["charts"].items() if case["exit"] != 2)


def by_chart(data: dict[str, Any], chart: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["chart"] == chart]


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
def test_whole_corpus_at_once(renderer: str, run_cli: RunCli, request: pytest.FixtureRequest) -> None:
    helm = str(request.getfixturevalue("helm3")) if renderer == "helm" else None
    args = ("--renderer", renderer, "--env", "dev", "--timeout", LOOP_TIMEOUT, "--format", "json")
    done = run_cli(*args, "tests/corpus", helm=helm)
    assert done.code == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert [line.split(" (dev): ")[0] for line in lines] == [f"todolint: error: {name}" for name in BROKEN]
    data = json.loads(done.stdout)
    status = {t["chart"]: t["status"] for t in data["targets"]}
    assert status == {**{name: "error" for name in BROKEN}, **{name: "ok" for name in GOOD}}
    # Every good chart is linted in full, exactly as when it is linted alone.
    for name in GOOD:
        alone = json.loads(run_cli(*args, f"tests/corpus/charts/{name}", helm=helm).stdout)
        assert by_chart(data, name) == by_chart(alone, name), name
        assert [t for t in data["targets"] if t["chart"] == name] == alone["targets"]


def test_relational_rules_see_only_intact_renders(tmp_path: Path) -> None:
    # One chart renders two objects, one of them invalid YAML: the pair is broken, its good object
    # still gets single-object checks, and relational rules see neither it nor anything else of it.
    broken = tmp_path / "half"
    shutil.copytree(CORPUS / "charts" / "ok-minimal", broken)
    (broken / "Chart.yaml").write_text("apiVersion: v2\nname: half\nversion: 0.1.0\n")
    (broken / "templates" / "bad.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x}\n")
    seen: dict[str, list[tuple[str, ...]]] = {"single": [], "relational": [], "broken": []}

    def single(ctx: EnvContext) -> Iterable[Hit]:
        seen["single"] += [(m.target.chart, m.name) for m in ctx.manifests]
        return ()

    def relational(ctx: EnvContext) -> Iterable[Hit]:
        seen["relational"] += [(m.target.chart, m.name) for m in ctx.manifests]
        seen["broken"] += [(t.chart,) for t in ctx.broken]
        return ()

    contract = load_contract()
    spies = (
        Rule(
            code="TL990",
            name="spy-single",
            category="chart",
            severity=Severity.INFO,
            summary="s",
            rationale="r",
            remediation="m",
            check=single,
        ),
        Rule(
            code="TL991",
            name="spy-relational",
            category="chart",
            severity=Severity.INFO,
            summary="s",
            rationale="r",
            remediation="m",
            check=relational,
            relational=True,
        ),
    )
    inputs = discover([str(CORPUS / "charts" / "ok-minimal"), str(broken)])
    targets = build_targets(inputs.charts, contract, MatrixOptions(environments=("dev",)))
    result = run(
        Plan(
            contract=contract,
            rules=(*all_rules(contract), *spies),
            targets=tuple(targets),
            renderer=make_renderer("embedded"),
        )
    )
    assert [e.split(": ")[0] for e in result.errors] == ["half (dev)"]
    assert (result.findings[0].chart, result.findings[0].code) == ("half", "TL002")
    assert seen["single"] == [("half", "half-dev-config"), ("ok-minimal", "ok-minimal-dev-config")]
    assert seen["relational"] == [("ok-minimal", "ok-minimal-dev-config")]
    assert seen["broken"] == [("half",)]


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest.update(f"{path.relative_to(root)}\0{info.st_mode}\0{info.st_mtime_ns}\0".encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
def test_charts_are_never_modified(renderer: str, run_cli: RunCli, tmp_path: Path,
                                   request: pytest.FixtureRequest) -> None:  # fmt: skip
    helm = str(request.getfixturevalue("helm3")) if renderer == "helm" else None
    work = tmp_path / "work"
    shutil.copytree(CHARTS, work / "charts")
    for name in ("ok-minimal", "dependency-missing", "hooks-and-tests", "invalid-yaml-template"):
        shutil.copytree(CORPUS / "charts" / name, work / "corpus" / name)
    before = tree_digest(work)
    for extra in ((), ("--format", "json"), ("--output", str(tmp_path / "report.txt"))):
        run_cli("--renderer", renderer, *extra, str(work), helm=helm, cwd=work, env={"XDG_CACHE_HOME": str(tmp_path)})
    assert tree_digest(work) == before
    assert sorted(p.name for p in work.iterdir()) == ["charts", "corpus"]


def test_output_is_atomic(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("the previous report\n")

    def fails_halfway(stream: Any) -> None:
        stream.write("half a rep")
        raise RuntimeError("reporter failed")

    with pytest.raises(RuntimeError):
        write_atomic(report, fails_halfway)
    assert report.read_text() == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    write_atomic(report, lambda stream: stream.write("new\n"))
    assert report.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_output_into_a_missing_folder(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "report.json"
    done = run_cli("--renderer", "embedded", "--env", "dev", "--output", str(target), "tests/corpus/charts/ok-minimal")
    assert done.code == 2
    assert done.stderr.startswith(f"todolint: error: {target}: cannot write report: ")
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "no").exists()


DETERMINISM_PATHS = ("charts", *(f"tests/corpus/charts/{n}" for n in ("ok-minimal", "fail-call", "hooks-and-tests")))


@pytest.mark.parametrize("output_format", sorted(set(reporters()) - {"text"}))
def test_two_runs_give_the_same_bytes(output_format: str, run_cli: RunCli, tmp_path: Path) -> None:
    args = ("--renderer", "embedded", "--format", output_format, *DETERMINISM_PATHS)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first, second = run_cli(*args, env=env), run_cli(*args, env=env)
    assert first.code == second.code == 2
    assert first.stdout == second.stdout
    assert first.stderr == second.stderr


def test_embedded_and_helm_give_the_same_json(run_cli: RunCli, helm4: str, tmp_path: Path) -> None:
    # Charts whose Helm output is the same for both: everything but the renderer block must match.
    paths = ("charts", *(f"tests/corpus/charts/{n}" for n in GOOD if n != "big-render"))
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    embedded = json.loads(run_cli("--renderer", "embedded", "--format", "json", *paths, env=env).stdout)
    helm = json.loads(run_cli("--renderer", "helm", "--format", "json", *paths, helm=helm4, env=env).stdout)
    assert (embedded.pop("renderer")["name"], helm.pop("renderer")["name"]) == ("embedded", "helm")
    assert embedded == helm
