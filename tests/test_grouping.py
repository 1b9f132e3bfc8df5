"""One finding per root cause, in every format (todolint.group and the reporters).

`tests/golden/charts/todo-backend` is the project's backend chart with a known mix of problems, each in
one, two or all three environments; its golden reports (`tests/golden/charts.*`) must list each problem
once with its environments. The other tests make the same point from the side: the environment order,
SARIF from any folder, fingerprints, the baseline and exemptions on the grouped form, escaped names.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from tests.conftest import ROOT, RunCli
from todolint.models import Finding, Location, Severity

GOLDEN = ROOT / "tests" / "golden"
SCHEMAS = ROOT / "tests" / "schemas"
CHARTS = "tests/golden/charts"
ARGS = (CHARTS, "--renderer", "embedded", "--kube-version", "1.30")
SUFFIX = {"text": "txt", "concise": "concise", "json": "json", "sarif": "sarif", "junit": "xml", "github": "github"}
#: The Helm version in the golden files; a run's own is put in its place (the SDK's version is the machine's).
PINNED_HELM = "vHELM"

#: Every root cause in the golden chart, with the environments it is in.
EXPECTED = [
    ("TL204", ["staging", "prod"], "spec.template.spec.containers[0].readinessProbe.periodSeconds"),
    ("TL230", ["dev", "staging", "prod"], "spec.type"),
    ("TL301", ["dev", "staging", "prod"], "spec.template.spec.containers[0].envFrom"),
    ("TL330", ["prod"], "spec.replicas"),
    ("TL360", ["dev", "staging", "prod"], "spec.template.spec.containers[0].envFrom[0].configMapRef.name"),
]


def _env(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "NO_COLOR": "1", "SOURCE_DATE_EPOCH": ""}


def _pinned(text: str, helm_version: str) -> str:
    text = text.replace(helm_version, PINNED_HELM)
    # The text summary's elapsed time is the one thing that differs between runs.
    return re.sub(r" · \d+\.\d\d s\n\Z", " · 0.00 s\n", text)


@pytest.fixture(scope="module")
def helm_version(tmp_path_factory: pytest.TempPathFactory) -> str:
    import subprocess
    import sys

    home = tmp_path_factory.mktemp("version")
    done = subprocess.run(
        [sys.executable, "-m", "todolint", *ARGS, "--format", "json", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")},
    )
    version: str = json.loads(done.stdout)["renderer"]["helm_version"]
    assert version.startswith("v")
    return version


@pytest.mark.parametrize("name", sorted(SUFFIX))
def test_golden_chart_reports(name: str, run_cli: RunCli, tmp_path: Path, helm_version: str) -> None:
    done = run_cli(*ARGS, "--format", name, env=_env(tmp_path))
    assert (done.code, done.stderr) == (1, "")
    text = _pinned(done.stdout, helm_version)
    path = GOLDEN / f"charts.{SUFFIX[name]}"
    if os.environ.get("TODOLINT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_each_root_cause_once_with_its_environments() -> None:
    """The golden reports hold each problem once: read back from every format."""
    data = json.loads((GOLDEN / "charts.json").read_text())
    assert [(f["code"], f["environments"], f["path"]) for f in data["findings"]] == sorted(
        EXPECTED, key=lambda e: [f["code"] for f in data["findings"]].index(e[0])
    )
    assert [(t["env"], t["values"], t["set"]) for t in data["targets"]] == [
        (env, [f"{CHARTS}/todo-backend/values-{env}.yaml"], []) for env in ("dev", "staging", "prod")
    ]
    sarif = json.loads((GOLDEN / "charts.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert sorted((r["ruleId"], r["properties"]["environments"]) for r in results) == [(c, e) for c, e, _ in EXPECTED]
    concise = (GOLDEN / "charts.concise").read_text().splitlines()
    labels = {"dev, staging, prod": "all environments", "staging, prod": "staging, prod", "prod": "prod"}
    assert sorted(re.sub(r"^[^ ]+ (TL\d+) \[([^]]+)\].*", r"\1 \2", line) for line in concise) == [
        f"{c} {labels[', '.join(e)]}" for c, e, _ in EXPECTED
    ]
    github = (GOLDEN / "charts.github").read_text().splitlines()
    assert sorted(re.sub(r".*title=(TL\d+) .*", r"\1", line) for line in github) == [c for c, _, _ in EXPECTED]
    text = (GOLDEN / "charts.txt").read_text()
    assert [text.count(f" {c} ") for c, _, _ in EXPECTED] == [1] * len(EXPECTED)
    junit = (GOLDEN / "charts.xml").read_text()
    assert junit.count("<testsuite ") == 1
    assert [junit.count(f'type="{c}"') for c, _, _ in EXPECTED] == [1] * len(EXPECTED)


def test_golden_chart_reports_validate() -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(json.loads((GOLDEN / "charts.sarif").read_text()))
    xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd")).validate(str(GOLDEN / "charts.xml"))


def test_text_frame_shows_what_the_message_states() -> None:
    """`type: NodePort` in a values frame is no secret when the message says `found "NodePort"`."""
    text = (GOLDEN / "charts.txt").read_text()
    assert '      spec.type: expected one of "ClusterIP", found "NodePort"\n' in text
    assert "      > 12 |   type: NodePort\n" in text
    # A rendered line is named as what it is, never as a line of the template file.
    assert "rendered Deployment/todo-backend-dev line 40" in text
    assert not re.search(r"rendered [^ ]+\.yaml:\d", text)


def _repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(GOLDEN / "charts", repo / "charts")
    (repo / ".git").mkdir()
    return repo


def test_sarif_is_the_same_from_any_folder(run_cli: RunCli, tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    env = _env(tmp_path)
    inside = run_cli(".", "--renderer", "embedded", "--format", "sarif", cwd=repo / "charts", env=env)
    above = run_cli("charts/", "--renderer", "embedded", "--format", "sarif", cwd=repo, env=env)
    assert inside.code == above.code == 1
    assert inside.stdout == above.stdout
    # GitHub's annotations name files from the repository root too.
    github = [
        run_cli(path, "--renderer", "embedded", "--format", "github", cwd=cwd, env=env).stdout
        for path, cwd in ((".", repo / "charts"), ("charts/", repo))
    ]
    assert github[0] == github[1]
    assert github[0].startswith("::error file=charts/todo-backend/templates/deployment.yaml,line=31,")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(above.stdout)["runs"][0]["results"]
    }
    assert uris == {
        "charts/todo-backend/templates/deployment.yaml",
        "charts/todo-backend/values-prod.yaml",
        "charts/todo-backend/values.yaml",
    }


def _without_labels(tmp_path: Path, shift: bool = False) -> Path:
    """The golden chart's templates without the labels helper; `shift` moves every line down."""
    repo = _repository(tmp_path)
    for template in sorted((repo / "charts/todo-backend/templates").glob("*.yaml")):
        text = re.sub(
            r"\n *labels:\n *\{\{- include \"todo-backend.labels\" \. \| nindent \d+ \}\}", "", template.read_text()
        )
        template.write_text(("# moved\n# down\n" if shift else "") + text)
    return repo


def _tl100(run_cli: RunCli, repo: Path, tmp_path: Path) -> list[dict[str, object]]:
    done = run_cli(
        "charts/", "--renderer", "embedded", "--select", "TL100", "--format", "sarif", cwd=repo, env=_env(tmp_path)
    )
    assert done.code == 1, done.stderr
    results: list[dict[str, object]] = json.loads(done.stdout)["runs"][0]["results"]
    return results


def test_missing_labels_one_finding_per_block_with_unique_stable_fingerprints(run_cli: RunCli, tmp_path: Path) -> None:
    results = _tl100(run_cli, _without_labels(tmp_path / "a"), tmp_path)
    blocks = [(r["properties"]["kind"], r["properties"]["path"], r["properties"]["environments"]) for r in results]  # type: ignore[index]
    everywhere = ["dev", "staging", "prod"]
    # Six labels blocks lost all five labels: one finding per block, not per label and environment.
    assert sorted(blocks) == [
        ("ConfigMap", "metadata.labels", everywhere),
        ("Deployment", "metadata.labels", everywhere),
        ("Deployment", "spec.template.metadata.labels", everywhere),
        ("NetworkPolicy", "metadata.labels", everywhere),
        ("Service", "metadata.labels", everywhere),
        ("ServiceAccount", "metadata.labels", everywhere),
    ]
    prints = [r["partialFingerprints"] for r in results]
    assert len({json.dumps(p) for p in prints}) == len(prints)
    moved = _tl100(run_cli, _without_labels(tmp_path / "b", shift=True), tmp_path)
    assert [r["partialFingerprints"] for r in moved] == prints


def test_baseline_on_the_grouped_form(run_cli: RunCli, tmp_path: Path) -> None:
    """A recorded root cause that spreads to another environment counts there, and only there."""
    repo = _repository(tmp_path)
    env = _env(tmp_path)
    lint = ("charts/", "--renderer", "embedded", "--format", "json")
    assert run_cli(*lint, "--write-baseline", "base.json", cwd=repo, env=env).code == 0
    recorded = json.loads((repo / "base.json").read_text())
    assert recorded["version"] == 2
    assert sorted((e["code"], e["environments"]) for e in recorded["findings"]) == [(c, e) for c, e, _ in EXPECTED]
    assert run_cli(*lint, "--baseline", "base.json", cwd=repo, env=env).code == 0
    dev = repo / "charts/todo-backend/values-dev.yaml"
    dev.write_text(dev.read_text().replace("periodSeconds: 10", "periodSeconds: 20"))
    failed = run_cli(*lint, "--baseline", "base.json", cwd=repo, env=env)
    assert failed.code == 1
    findings = json.loads(failed.stdout)["findings"]
    assert [(f["code"], f["environments"], f["suppressed"]) for f in findings if f["code"] == "TL204"] == [
        ("TL204", ["dev"], False),
        ("TL204", ["staging", "prod"], True),
    ]


def test_exemption_in_one_environment_splits_the_finding(run_cli: RunCli, tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    (repo / ".todolint.yaml").write_text(
        "exemptions:\n  - chart: todo-backend\n    env: prod\n    rules: [TL230]\n    reason: prod keeps NodePort\n"
    )
    done = run_cli("charts/", "--renderer", "embedded", "--format", "json", cwd=repo, env=_env(tmp_path))
    findings = json.loads(done.stdout)["findings"]
    assert sorted((f["environments"], f["justification"] or "") for f in findings if f["code"] == "TL230") == [
        (["dev", "staging"], ""),
        (["prod"], "prod keeps NodePort"),
    ]


def test_quiet_prints_no_summary_and_statistics_count_root_causes(run_cli: RunCli, tmp_path: Path) -> None:
    quiet = run_cli(*ARGS, "-q", env=_env(tmp_path))
    assert quiet.code == 1
    assert quiet.stdout.startswith("\ntodo-backend (tests/golden/charts/todo-backend)\n  Deployment/")
    assert " · " not in quiet.stdout  # neither the header nor the summary
    stats = run_cli(*ARGS, "--statistics", env=_env(tmp_path))
    assert stats.stdout == (
        "     1  TL204  readiness-probe-timing  error\n"
        "     1  TL230  service-type  error\n"
        "     1  TL301  config-envfrom  error\n"
        "     1  TL330  replicas-range  error\n"
        "     1  TL360  dangling-reference  error\n"
    )


ODD = "x\x1b[2Jy.yaml"


def _odd_chart(tmp_path: Path) -> Path:
    repo = _repository(tmp_path)
    (repo / "charts/todo-backend/templates" / ODD).write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  key: [1]\n"
    )
    return repo


@pytest.mark.parametrize("name", sorted(SUFFIX))
def test_file_names_are_escaped_in_every_format(name: str, run_cli: RunCli, tmp_path: Path) -> None:
    repo = _odd_chart(tmp_path)
    done = run_cli("charts/", "--renderer", "embedded", "--env", "dev", "--format", name, cwd=repo, env=_env(tmp_path))
    assert done.code == 1, done.stderr
    assert "\x1b" not in done.stdout
    # JSON writes the backslash of `\x1b` as `\\`; a SARIF URI quotes it.
    shown = done.stdout.replace("\\\\", "\\") if name in ("json", "sarif") else done.stdout
    assert "templates/x\\x1b[2Jy.yaml" in shown or "templates/x%5Cx1b%5B2Jy.yaml" in shown
    if name == "junit":
        xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd")).validate(io.StringIO(done.stdout))
    if name == "sarif":
        schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
        jsonschema.Draft4Validator(schema).validate(json.loads(done.stdout))


def test_set_keys_never_values() -> None:
    from todolint.group import set_keys

    assert set_keys(["a.b=s3cret,c={x,y}", r"d\,e=1", "lonely", "f=g=h"]) == ("a.b", "c", "d,e", "f")


def test_targets_name_set_keys_not_values(run_cli: RunCli, tmp_path: Path) -> None:
    args = (*ARGS, "--env", "prod", "--set", "image.tag=s3cretTag9", "--set", "config.POOL_SIZE=7")
    text = run_cli(*args, env=_env(tmp_path)).stdout
    assert "values tests/golden/charts/todo-backend/values-prod.yaml · --set image.tag, config.POOL_SIZE\n" in text
    data = run_cli(*args, "--format", "json", env=_env(tmp_path)).stdout
    assert json.loads(data)["targets"][0]["set"] == ["image.tag", "config.POOL_SIZE"]
    assert "s3cretTag9" not in text + data


def test_secret_keys_failing_for_one_reason_are_one_finding(run_cli: RunCli, tmp_path: Path) -> None:
    """Four secretKeyRefs that one `existingSecret` value points at the wrong Secret: one line of source,
    one TL310 finding for every key and environment (not twelve)."""
    repo = _repository(tmp_path)
    chart = repo / "charts/todo-backend"
    helpers = chart / "templates/_helpers.tpl"
    helpers.write_text(
        helpers.read_text().replace(
            '{{ include "todo-backend.fullname" . }}-secrets',
            '{{ .Values.existingSecret | default (printf "%s-secrets" (include "todo-backend.fullname" .)) }}',
        )
    )
    (chart / "values.yaml").write_text((chart / "values.yaml").read_text() + "existingSecret: shared-secrets\n")
    done = run_cli(
        "charts/", "--renderer", "embedded", "--select", "TL310", "--format", "concise", cwd=repo, env=_env(tmp_path)
    )
    (line,) = done.stdout.splitlines()
    assert line.startswith(
        "charts/todo-backend/templates/deployment.yaml:39:1: TL310 [all environments] Deployment/{release} "
    )
    assert line.endswith(": expected secretKeyRef name '{release}-secrets', found 'shared-secrets'")
    assert [key in line for key in ("DATABASE_URL", "SECRET_KEY", "OPENAI_API_KEY", "AUTH_SECRET")] == [True] * 4


def test_a_rendered_line_is_never_given_as_a_line_of_the_template() -> None:
    from todolint.report.common import describe
    from todolint.report.concise import place
    from todolint.report.github import command
    from todolint.report.json import finding_dict

    rendered = Location("rendered", "c/templates/d.yaml", 31, None, "Deployment/c-dev")
    template = Location("template", "c/templates/d.yaml")
    finding = Finding(
        "TL010", "schema-invalid", "schema", Severity.ERROR, "c", "dev", "c-dev", "todo-dev", "Deployment", "c-dev",
        "spec.x", "bad", "c/templates/d.yaml", 31, (rendered, template), None, ("dev",),
    )  # fmt: skip
    assert describe(rendered) == "rendered Deployment/c-dev line 31"
    # JSON keeps the line and names the rendered Deployment it counts in, never the template.
    assert (finding_dict(finding, "f")["file"], finding_dict(finding, "f")["line"]) == ("Deployment/c-dev", 31)
    assert finding_dict(finding, "f")["locations"][0] == {
        "kind": "rendered", "file": "Deployment/c-dev", "line": 31, "object": "Deployment/c-dev"
    }  # fmt: skip
    assert place(finding) == "Deployment/c-dev:31:1"
    # GitHub: no file holds the line, so the annotation names none and says which line it is.
    assert command(finding) == (
        "::error title=TL010 schema-invalid::c [dev] Deployment/c-dev spec.x: bad "
        "(rendered Deployment/c-dev line 31: no values or template line found)"
    )
    from todolint.report.sarif import result_object

    sarif = result_object(finding, {}, fingerprint="f", linted={}, root=str(ROOT))
    assert "physicalLocation" not in sarif["locations"][0]
    assert sarif["locations"][0]["message"] == {
        "text": "rendered Deployment/c-dev line 31: no values or template line found (rendered from c/templates/d.yaml)"
    }
    assert sarif["relatedLocations"] == [{"id": 1, "message": {"text": "rendered Deployment/c-dev line 31"}}]


def _hit(env: str, path: str, message: str, line: int = 7, suppressed: str | None = None) -> Finding:
    release = f"app-{env}"
    where = Location("template", "c/templates/d.yaml", line)
    return Finding(
        "TL500", "demo", "probes", Severity.ERROR, "c", env, release, f"todo-{env}", "Deployment", release, path,
        message.format(release=release), "c/templates/d.yaml", line, (where,), suppressed,
    )  # fmt: skip


def test_group_findings_joins_a_field_and_sets_environments_aside() -> None:
    from todolint.group import group_findings

    rank = {"dev": 0, "staging": 1, "prod": 2}
    hits = [
        _hit(env, "spec.env", f"entry {n} of {{release}} is stale")
        for env in ("prod", "dev", "staging")
        for n in (0, 1)
    ]
    hits.append(_hit("prod", "spec.replicas", "too many", line=9))
    hits.append(_hit("dev", "spec.replicas", "too many", line=9, suppressed="dev may"))
    hits.append(_hit("dev", "spec.other", "another field on the same line", line=9))
    grouped = group_findings(hits, rank)
    assert [(f.path, f.envs, f.object, f.message, f.suppressed) for f in grouped] == [
        (
            "spec.env",
            ("dev", "staging", "prod"),
            "{release}",
            "entry 0 of {release} is stale; entry 1 of {release} is stale",
            None,
        ),
        ("spec.other", ("dev",), "app-dev", "another field on the same line", None),
        ("spec.replicas", ("dev",), "app-dev", "too many", "dev may"),
        ("spec.replicas", ("prod",), "app-prod", "too many", None),
    ]


def test_release_and_namespace_are_set_aside_as_whole_names() -> None:
    from todolint.group import set_aside

    release, namespace = "todo-backend-dev", "todo-dev"
    assert [
        set_aside(text, release, namespace)
        for text in ("todo-backend-dev-config", "http://todo-backend-dev.todo-dev.svc:8000", "todo-backend-development")
    ] == ["{release}-config", "http://{release}.{namespace}.svc:8000", "todo-backend-development"]


def test_one_line_of_source_giving_a_finding_in_several_objects_is_one_finding(run_cli: RunCli) -> None:
    """`helm create`'s labels helper, in a chart renamed todo-web: its one `app.kubernetes.io/name` line
    labels the ConfigMap, the Deployment, its pod template and the Service; one finding says so."""
    chart = "tests/thirdparty/charts/todo-web"
    done = run_cli(chart, "--renderer", "embedded", "--format", "json", "--select", "TL100,TL110")
    findings = json.loads(done.stdout)["findings"]
    assert [(f["code"], f["kind"], f["object"], f["path"], f["line"]) for f in findings] == [
        ("TL100", "ConfigMap", "{release}-config", 'metadata.labels["app.kubernetes.io/name"]', 49),
        ("TL110", "Deployment", "{release}", 'spec.selector.matchLabels["app.kubernetes.io/name"]', 49),
    ]
    labels, selector = findings
    assert labels["message"] == (
        "ConfigMap label app.kubernetes.io/name: expected 'todo-frontend', found 'todo-web'; the same line gives "
        'it in Deployment/{release}, Deployment/{release} spec.template.metadata.labels["app.kubernetes.io/name"], '
        "Service/{release}"
    )
    name = '["app.kubernetes.io/name"]'
    assert labels["also"] == [
        {"kind": "Deployment", "object": "{release}", "path": f"metadata.labels{name}"},
        {"kind": "Deployment", "object": "{release}", "path": f"spec.template.metadata.labels{name}"},
        {"kind": "Service", "object": "{release}", "path": f"metadata.labels{name}"},
    ]
    assert [(loc["kind"], loc["line"], loc["object"]) for loc in labels["locations"]] == [
        ("template", 49, None),
        ("rendered", 7, "ConfigMap/todo-web-dev-config"),
        ("rendered", 7, "Deployment/todo-web-dev"),
        ("rendered", 20, "Deployment/todo-web-dev"),
        ("rendered", 7, "Service/todo-web-dev"),
    ]
    assert selector["also"] == [{"kind": "Service", "object": "{release}", "path": f"spec.selector{name}"}]
    concise = run_cli(chart, "--renderer", "embedded", "--format", "concise", "--select", "TL100")
    assert len(concise.stdout.splitlines()) == 1
    sarif = json.loads(run_cli(chart, "--renderer", "embedded", "--format", "sarif", "--select", "TL100").stdout)
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")))
    [result] = sarif["runs"][0]["results"]
    assert [loc["fullyQualifiedName"] for loc in result["locations"][0]["logicalLocations"]] == [
        "todo-web/ConfigMap/{release}-config",
        "todo-web/Deployment/{release}",
        "todo-web/Service/{release}",
    ]
    assert result["properties"]["also"] == labels["also"]


def test_a_line_gives_one_finding_per_rule_and_the_rest_are_counted() -> None:
    def at_helper(kind: str, name: str, path: str) -> Finding:
        place = Location("template", "c/templates/_helpers.tpl", 9)
        return Finding("TL100", "standard-labels", "labels", Severity.ERROR, "c", "dev", "c-dev", "todo-dev",
                       kind, name, path, f"{kind} label: wrong", place.file, 9, (place,))  # fmt: skip

    from todolint.group import group_findings

    findings = [at_helper(kind, f"c-dev-{n}", "metadata.labels") for n, kind in enumerate("ABCDE")]
    grouped = group_findings([*findings, findings[0].replaced(code="TL110", name="selector-labels")], {"dev": 0})
    assert [(f.code, f.kind, f.message) for f in grouped] == [
        ("TL100", "A", "A label: wrong; the same line gives it in B/c-dev-1, C/c-dev-2, D/c-dev-3 and 1 more"),
        ("TL110", "A", "A label: wrong"),
    ]
    assert grouped[0].also == tuple((kind, f"c-dev-{n}", "metadata.labels") for n, kind in enumerate("BCDE", 1))


def test_a_render_error_in_every_environment_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    """A dependency left out of charts/ breaks the render in dev, staging and prod: one thing to fix,
    one finding in the report and one line on stderr, naming the environments in the contract's order."""
    chart = tmp_path / "charts" / "todo-backend"
    shutil.copytree(ROOT / "charts" / "todo-backend", chart)
    with (chart / "Chart.yaml").open("a", encoding="utf-8") as out:
        out.write("dependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://example.invalid\n")
    done = run_cli("--renderer", "embedded", "--format", "concise", cwd=tmp_path)
    assert done.code == 2
    assert done.stderr == (
        "todolint: error: todo-backend (dev, staging, prod): charts/todo-backend/Chart.yaml: dependencies declared "
        "in Chart.yaml are not in charts/ (todolint never downloads them; run `helm dependency build`): redis\n"
    )
    assert done.stdout == (
        "charts/todo-backend/Chart.yaml: TL001 [all environments] chart: dependencies declared in Chart.yaml are "
        "not in charts/ (todolint never downloads them; run `helm dependency build`): redis\n"
    )
    one = run_cli("--renderer", "embedded", "--env", "prod", cwd=tmp_path)
    assert one.stderr.startswith("todolint: error: todo-backend (prod): charts/todo-backend/Chart.yaml: ")
