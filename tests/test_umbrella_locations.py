"""Umbrella charts as people write them (tests/umbrella/): every finding at the line that supplies it.

Four charts of the Todo app: `helm create`-style subcharts under an umbrella with values under the
subchart keys and `global:` (subcharts/todo-app, with a values-prod.yaml and a deploy.sh); an aliased
dependency with a nested subchart and `import-values` (alias/todo-stack); a packaged `.tgz` subchart
(packaged/todo-bundle, whose charts/backend-0.1.0.tgz this module packs from packaged/backend: a text
source a reviewer can read, packed the same way every time); one chart whose deployment.yaml renders
both apps (single/todo). Each is linted by the real CLI; the findings of the probes, services, scaling
and labels categories are exact (code, object, file, line), and every `file:line` any format prints
must be a line that writes the finding's field.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from tests.conftest import ROOT, RunCli
from todolint.contract import load_contract
from todolint.discover import MatrixOptions, build_targets, discover
from todolint.locate import Locator
from todolint.locate.charts import ChartFiles
from todolint.locate.values import ChartValues, Imported, Subchart, compose_release, load_values, value_at
from todolint.models import Manifest
from todolint.parse import parse_template
from todolint.render.helm_cli import HelmCliRenderer
from todolint.render.helm_sdk import EmbeddedRenderer

UMBRELLA = ROOT / "tests" / "umbrella"
CASES = ("subcharts", "alias", "packaged", "single")
CATEGORIES = ("probes", "services", "scaling", "labels")
#: The names rules change under another task: their findings are left out (`--ignore TL12`).
IGNORED = "TL12"

SUB_FRONTEND = "charts/frontend/templates"
ALIAS = "charts/backend"
TGZ = "charts/backend-0.1.0.tgz:backend"

#: (code, Kind/name, file relative to the chart, line) of each finding of CATEGORIES, `--env dev`.
EXPECTED: dict[str, list[tuple[str, str, str, int]]] = {
    "subcharts": [
        # helm create's name label: the chart's name, `frontend` (the backend's is set by nameOverride)
        ("TL100", "ConfigMap/todo-app-dev-frontend-config", f"{SUB_FRONTEND}/_helpers.tpl", 25),
        ("TL231", "Service/todo-app-dev-frontend", f"{SUB_FRONTEND}/service.yaml", 9),  # port 80, not 3000
        ("TL330", "Deployment/todo-app-dev-frontend", "charts/frontend/values.yaml", 2),  # the subchart's own 5
        ("TL204", "Deployment/todo-app-dev-backend", "values.yaml", 4),  # global.readinessFailureThreshold: 5
        ("TL203", "Deployment/todo-app-dev-backend", "values.yaml", 14),  # backend.livenessProbe.periodSeconds
    ],
    "alias": [
        ("TL200", "Deployment/todo-stack-dev-worker", f"{ALIAS}/charts/worker/templates/deployment.yaml", 27),
        ("TL231", "Service/todo-stack-dev-api", f"{ALIAS}/templates/service.yaml", 9),  # port 80
        ("TL232", "Service/todo-stack-dev-frontend", "values.yaml", 11),  # nodePort 8080
        ("TL204", "Deployment/todo-stack-dev-api", "values.yaml", 22),  # api.readinessProbe.periodSeconds: 20
        ("TL330", "Deployment/todo-stack-dev-worker", "values.yaml", 24),  # api.worker.replicaCount: 4
    ],
    "packaged": [
        ("TL330", "Deployment/todo-bundle-dev-backend", f"{TGZ}/values.yaml", 1),  # inside the archive
        ("TL230", "Service/todo-bundle-dev-backend", f"{TGZ}/values.yaml", 8),  # LoadBalancer
        ("TL204", "Deployment/todo-bundle-dev-frontend", "values.yaml", 4),  # global over the subchart's
        ("TL203", "Deployment/todo-bundle-dev-backend", "values.yaml", 9),  # backend.probes.liveness
    ],
    "single": [
        ("TL231", "Service/todo-dev-frontend", "templates/deployment.yaml", 109),
        ("TL230", "Service/todo-dev-backend", "values.yaml", 11),
        ("TL203", "Deployment/todo-dev-backend", "values.yaml", 14),
        ("TL330", "Deployment/todo-dev-frontend", "values.yaml", 20),
    ],
}


def pack(source: Path, archive: Path) -> None:
    """`source` (a chart folder) as `helm package` would lay it out: members under the chart's name,
    sorted, with fixed times and modes, so the archive is the same bytes on every run."""
    name = yaml.safe_load((source / "Chart.yaml").read_text(encoding="utf-8"))["name"]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            data = path.read_bytes()
            info = tarfile.TarInfo(f"{name}/{path.relative_to(source).as_posix()}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    archive.write_bytes(buffer.getvalue())


def chart_of(case: str, tmp_path: Path) -> Path:
    """The chart folder of `case`; the packaged one is copied and gets its archive built."""
    if case == "packaged":
        chart = tmp_path / "todo-bundle"
        shutil.copytree(UMBRELLA / "packaged" / "todo-bundle", chart)
        pack(UMBRELLA / "packaged" / "backend", chart / "charts" / "backend-0.1.0.tgz")
        return chart
    return UMBRELLA / {"subcharts": "subcharts/todo-app", "alias": "alias/todo-stack", "single": "single/todo"}[case]


def lint(run_cli: RunCli, chart: Path, *args: str, helm: str | None = None, env: str = "dev") -> dict[str, Any]:
    renderer = "helm" if helm else "embedded"
    done = run_cli(str(chart), "--env", env, "--renderer", renderer, "--format", "json", "--ignore", IGNORED,
                   "--fail-on", "info", *args, helm=helm)  # fmt: skip
    assert done.code == 1 and done.stderr == "", done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["errors"] == []
    return report


def relative(file: str, chart: Path) -> str:
    absolute = file if file.startswith("/") else str(ROOT / file)
    return absolute.removeprefix(f"{chart}/")


def table(report: dict[str, Any], chart: Path) -> list[tuple[str, str, str, int]]:
    return [
        (f["code"], f"{f['kind']}/{f['object']}", relative(f["file"], chart), f["line"])
        for f in report["findings"]
        if f["category"] in CATEGORIES
    ]


@pytest.mark.parametrize("case", CASES)
def test_findings_and_locations(case: str, run_cli: RunCli, tmp_path: Path) -> None:
    chart = chart_of(case, tmp_path)
    assert table(lint(run_cli, chart), chart) == EXPECTED[case]


@pytest.mark.parametrize("helm", ["helm3", "helm4"])
@pytest.mark.parametrize("case", CASES)
def test_the_helm_cli_gives_the_same_locations(
    case: str, helm: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    chart = chart_of(case, tmp_path)
    assert table(lint(run_cli, chart, helm=request.getfixturevalue(helm)), chart) == EXPECTED[case]


def test_an_environment_file_wins_over_the_parent_values(run_cli: RunCli) -> None:
    """prod: values-prod.yaml (passed with -f) sets the backend's Service type under `backend:` and the
    global failure threshold back to 3; values.yaml still sets the liveness period."""
    chart = chart_of("subcharts", Path())
    assert table(lint(run_cli, chart, env="prod"), chart) == [
        ("TL100", "ConfigMap/todo-app-prod-frontend-config", f"{SUB_FRONTEND}/_helpers.tpl", 25),
        ("TL231", "Service/todo-app-prod-frontend", f"{SUB_FRONTEND}/service.yaml", 9),
        ("TL230", "Service/todo-app-prod-backend", "values-prod.yaml", 11),
        ("TL203", "Deployment/todo-app-prod-backend", "values.yaml", 14),
    ]


def test_the_install_script_is_written_as_people_write_it() -> None:
    script = (UMBRELLA / "subcharts" / "deploy.sh").read_text(encoding="utf-8")
    assert "helm upgrade --install todo todo-app -n todo -f todo-app/values-prod.yaml\n" in script


# --- every printed place writes the finding's field --------------------------------------------------


def field_path(text: str) -> tuple[str | int, ...]:
    """`a.b[0]["x.y"]` → ["a", "b", 0, "x.y"] (the JSON report's path)."""
    parts: list[str | int] = []
    for name, index, quoted in re.findall(r'\.?([^.\[\]"]+)|\[(\d+)\]|\["([^"]*)"\]', text):
        parts.append(int(index) if index else quoted or name)
    return tuple(parts)


def manifests(chart: Path, renderer: Any) -> dict[str, Manifest]:
    """Kind/name → each object `renderer` renders for the chart's dev target."""
    (target,) = [t for t in build_targets(discover([str(chart)]).charts, load_contract(), MatrixOptions())
                 if t.env == "dev"]  # fmt: skip
    found: dict[str, Manifest] = {}
    for rendered in renderer.render(target, timeout=60):
        for manifest in parse_template(rendered, target=target, file=rendered.source)[0]:
            found[f"{manifest.kind}/{manifest.name}"] = manifest
    return found


def writes(line: str, kind: str, path: tuple[str | int, ...], obj: Any, template: str, source: Any = None) -> bool:
    """Whether `line` (of a values or template file) writes the field at `path` of `obj` (or, for a field
    that is missing, its nearest parent): a template line holds its key, its list item's dash, or is the
    one action that writes the block; a values line is the key the template reads, with the rendered
    value, or (`source`: what the values file holds at that line) the map that feeds the block."""
    found, value = value_at(obj, path)
    existing = path
    while not value_at(obj, existing)[0]:
        existing = existing[:-1]
    last = existing[-1] if existing else ""
    stripped = line.strip().removeprefix("- ")
    if kind == "template":
        if isinstance(last, int) and line.strip().startswith("-"):
            return True
        return stripped.startswith((f"{last}:", f'"{last}":')) or line.strip().startswith("{{")
    key, _, rest = stripped.partition(":")
    keys = {str(p) for p in path if isinstance(p, str)} | set(re.findall(r"\.([A-Za-z_]\w*)", template))
    if isinstance(last, str) and last == "value":  # `range $name, $value := .Values.env`: the name is the key
        keys.add(str(value_at(obj, (*existing[:-1], "name"))[1]))
    block = value_at(obj, existing)[1]
    if isinstance(block, dict) and isinstance(source, dict) and (not source or set(source) & set(block)):
        return True  # `config:` for a ConfigMap's data written by `range .Values.config`
    if key.strip().strip("\"'") not in keys:
        return False
    if found and not isinstance(value, (dict, list)):
        written = yaml.safe_load(rest) if rest.strip() else None
        return written == value or (isinstance(value, str) and str(written) in value)
    return True


def printed_places(out: Path, report: dict[str, Any]) -> set[tuple[str, int]]:
    """Every (absolute file, line) the text, concise, github, SARIF and JUnit reports print."""
    places: set[tuple[str, int]] = set()

    def add(file: str, line: str | int) -> None:
        places.add((file if file.startswith("/") else str(ROOT / file), int(line)))

    subjects = {f"{f['kind']}/{f['object']}" for f in report["findings"]}
    for row in (out / "report.concise").read_text().splitlines():
        file, line, _ = row.split(": ", 1)[0].rsplit(":", 2)
        assert file not in subjects, f"only a rendered line: {row}"
        add(file, line)
    for row in (out / "report.github").read_text().splitlines():
        props = dict(p.split("=", 1) for p in row.split(" ", 1)[1].split("::", 1)[0].split(","))
        assert "line" in props, f"an annotation without a line: {row}"
        add(unquote(props["file"]), props["line"])
    sarif = json.loads((out / "report.sarif").read_text())
    for result in sarif["runs"][0]["results"]:
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            if "physicalLocation" in location:
                physical = location["physicalLocation"]
                uri = unquote(physical["artifactLocation"]["uri"]).removeprefix("file://")
                add(uri, physical["region"]["startLine"])
    for text in (out / "report.txt").read_text().splitlines():
        for match in re.finditer(r"(?:^    |(?:values|template) )(\S+):(\d+)\b", text):
            add(match.group(1), match.group(2))
    for failure in ElementTree.parse(out / "report.xml").iter("failure"):
        for row in (failure.text or "").splitlines():
            if re.match(r"\S+:\d+: ", row):
                file, line = row.split(": ", 1)[0].rsplit(":", 1)
                add(file, line)
    return places


THIRDPARTY = sorted(p.name for p in (ROOT / "tests" / "thirdparty" / "charts").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", [*CASES, *(f"thirdparty/{name}" for name in THIRDPARTY)])
def test_every_printed_line_writes_the_finding_field(case: str, run_cli: RunCli, tmp_path: Path) -> None:
    """Here and on tests/thirdparty's charts (written the same ways): no finding on an object is left with
    only a rendered line, and no place any format prints is a line that writes another field."""
    chart = ROOT / "tests" / "thirdparty" / "charts" / case.split("/")[1] if "/" in case else chart_of(case, tmp_path)
    outputs = [("text", "report.txt"), ("concise", "report.concise"), ("github", "report.github"),
               ("sarif", "report.sarif"), ("junit", "report.xml")]  # fmt: skip
    args = [arg for fmt, name in outputs for arg in ("--format", fmt, "-o", str(tmp_path / name))]
    report = lint(run_cli, chart, "--ignore", "TL5", *args)
    objects = {key: m.obj for key, m in manifests(chart, EmbeddedRenderer()).items()}
    files = ChartFiles()
    checked: set[tuple[str, int]] = set()
    for finding in report["findings"]:
        if not finding["kind"]:
            continue
        obj, path = objects[f"{finding['kind']}/{finding['object']}"], field_path(finding["path"])
        first = finding["locations"][0]
        assert first["kind"] in ("values", "template") and first["line"], finding  # never only a rendered line
        template = next((loc for loc in finding["locations"] if loc["kind"] == "template" and loc["line"]), None)
        template_text = ""
        if template is not None:
            template_text = (files.read_text(relative(template["file"], Path("/"))) or "").splitlines()[
                template["line"] - 1
            ]
        for location in finding["locations"]:
            if location["object"] is not None or location["line"] is None:
                continue
            file = location["file"] if location["file"].startswith("/") else str(ROOT / location["file"])
            whole = files.read_text(file) or ""
            line = whole.splitlines()[location["line"] - 1]
            source = None
            if location["kind"] == "values":
                values = load_values(file, whole)
                assert values is not None
                at = [p for p, n in values.lines.items() if n == location["line"]]
                source = value_at(values.tree, at[-1])[1] if at else None
            wrote = writes(line, location["kind"], path, obj, template_text, source)
            assert wrote, (finding["code"], finding["path"], line)
            checked.add((file, location["line"]))
    assert printed_places(tmp_path, report) <= checked
    assert checked


def test_a_packaged_chart_says_nobody_can_edit_it(run_cli: RunCli, tmp_path: Path) -> None:
    chart = chart_of("packaged", tmp_path)
    done = run_cli(str(chart), "--env", "dev", "--renderer", "embedded", "--select", "TL330")
    assert f"{chart}/{TGZ}/values.yaml:1  error  TL330" in done.stdout
    assert f"{chart}/charts/backend-0.1.0.tgz is a packaged chart: nobody can edit its files in place" in done.stdout


# --- the values Helm gives each subchart ---------------------------------------------------------------


def test_an_imported_value_is_found_in_the_subchart_that_exports_it() -> None:
    """alias/todo-stack imports the `api` subchart's `service` table as `apiService`: the parent's
    ConfigMap's API_PORT comes from the backend chart's values.yaml."""
    chart = chart_of("alias", Path())
    config = manifests(chart, EmbeddedRenderer())["ConfigMap/todo-stack-dev-frontend-config"]
    values, template, _ = Locator().locate(config, ("data", "API_PORT"))
    assert (values.kind, relative(values.file, chart), values.line) == ("values", f"{ALIAS}/values.yaml", 9)
    assert (template.kind, relative(template.file, chart), template.line) == ("template", "templates/frontend.yaml", 66)


TOP = """\
global: {region: eu, shared: {a: 1}}
sub: {fromParent: 1, global: {level: parent-sub}, inner: {fromTop: 2}}
extra: {enabled: false}
kept: 1
"""
SUB = """\
fromParent: 0
deleted: 5
own: 3
global: {region: sub, mine: 1, shared: {b: 2}}
exports:
  data:
    myint: 99
    kept: 2
"""
INNER = "fromTop: 0\nfromSub: 0\nglobal: {region: inner}\n"
SUB_VALUES = "inner: {fromSub: 7}\n"


def _values_chart(tmp_path: Path) -> Path:
    """A top chart, a subchart `sub` (aliased from `child`) holding a subchart `inner`, and a disabled one:
    each renders its `.Values` as JSON."""
    top = tmp_path / "top"
    charts = {top: ("top", TOP), top / "charts" / "child": ("child", SUB + SUB_VALUES),
              top / "charts" / "child" / "charts" / "inner": ("inner", INNER),
              top / "charts" / "extra": ("extra", "x: 1\n")}  # fmt: skip
    for folder, (name, values) in charts.items():
        (folder / "templates").mkdir(parents=True)
        meta: dict[str, Any] = {"apiVersion": "v2", "name": name, "version": "0.1.0"}
        if name == "top":
            meta["dependencies"] = [{"name": "child", "alias": "sub", "version": "0.1.0", "import-values": ["data"]},
                                    {"name": "extra", "version": "0.1.0", "condition": "extra.enabled"}]  # fmt: skip
        (folder / "Chart.yaml").write_text(yaml.safe_dump(meta))
        (folder / "values.yaml").write_text(values)
        config = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n"
        config += "  values: {{ toJson .Values | quote }}\n"
        if name == "top":
            config += "  myint: {{ .Values.myint | quote }}\n"
        (folder / "templates" / "values.yaml").write_text(config)
    # A user-supplied null (-f values-dev.yaml) under a subchart's key deletes the subchart's default.
    (top / "values-dev.yaml").write_text("sub: {deleted: null}\n")
    return top


@pytest.mark.parametrize("renderer", ["embedded", "helm3", "helm4"])
def test_the_locator_composes_subchart_values_as_helm_does(
    renderer: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    top = _values_chart(tmp_path)
    render = EmbeddedRenderer() if renderer == "embedded" else HelmCliRenderer(request.getfixturevalue(renderer))
    rendered = {key: json.loads(m.obj["data"]["values"]) for key, m in manifests(top, render).items()}
    assert set(rendered) == {"ConfigMap/top", "ConfigMap/child", "ConfigMap/inner"}  # `extra` is disabled

    def source_file(file: Path) -> Any:
        return load_values(str(file))

    def source(folder: Path) -> Any:
        return source_file(folder / "values.yaml")

    inner = ChartValues(source(top / "charts/child/charts/inner"))
    child = ChartValues(source(top / "charts/child"), (Subchart("inner", inner),))
    extra = ChartValues(source(top / "charts/extra"))
    subcharts = (Subchart("sub", child), Subchart("extra", extra, (("extra", "enabled"),)))
    imports = (Imported("sub", ("exports", "data"), ()),)
    release = compose_release(ChartValues(source(top), subcharts, imports), [source_file(top / "values-dev.yaml")], [])
    assert set(release.children) == {"sub"}
    sub = release.child(["sub"])
    nested = release.child(["sub", "inner"])
    assert sub is not None and nested is not None
    assert nested.merged == rendered["ConfigMap/inner"]
    assert sub.merged == rendered["ConfigMap/child"]
    assert release.merged == rendered["ConfigMap/top"]
    # The top chart's globals win in every subchart, maps merging key by key.
    assert nested.merged["global"] == {"region": "eu", "shared": {"a": 1, "b": 2}, "mine": 1, "level": "parent-sub"}
    # Imported below the parent's own values (`kept`), and found where the subchart exports it.
    assert (release.merged["myint"], release.merged["kept"]) == (99, 1)
    values, template, _ = Locator().locate(manifests(top, render)["ConfigMap/top"], ("data", "myint"))
    assert (values.file, values.line, template.line) == (str(top / "charts/child/values.yaml"), 7, 7)
