"""Locations: every finding points at the values line and the template line a person edits.

Each case copies charts/todo-backend into a temporary folder, lays the files of tests/locate/<case>/
over it, renders it with real Helm and runs test-local rules through the real engine (the contract's
rules use the same machinery). The expectations are exact `kind file:line` triples.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHARTS, ENVS, RunCli
from todolint.contract import load_contract
from todolint.discover import MatrixOptions, build_targets, discover
from todolint.engine import Engine, Plan, Settings, run
from todolint.group import group
from todolint.locate import parse_set
from todolint.models import FieldPath, Finding, Hit, Location, Manifest, Result, Severity
from todolint.render import Renderer
from todolint.render.helm_cli import HelmCliRenderer
from todolint.render.helm_sdk import EmbeddedRenderer
from todolint.report import ReportOptions, reporters
from todolint.report.frames import code_frame
from todolint.rules import EnvContext, Rule, all_rules

FIXTURES = Path(__file__).resolve().parent / "locate"
CONTAINER: FieldPath = ("spec", "template", "spec", "containers", 0)


# --- test-local rules: the same Hit shapes the contract rules produce ------------------------------


def _deployments(ctx: EnvContext) -> Iterator[Manifest]:
    yield from ctx.of_kind("Deployment")


def _scaling(ctx: EnvContext) -> Iterator[Hit]:
    for m in _deployments(ctx):
        if m.obj["spec"]["replicas"] > 3:
            yield Hit(f"{m.obj['spec']['replicas']} replicas (at most 3)", manifest=m, path=("spec", "replicas"))


def _readiness_path(ctx: EnvContext) -> Iterator[Hit]:
    for m in _deployments(ctx):
        container = m.obj["spec"]["template"]["spec"]["containers"][0]
        probe = container.get("readinessProbe")
        if probe is None:
            yield Hit("no readiness probe", manifest=m, path=(*CONTAINER, "readinessProbe"))
        elif probe["httpGet"]["path"] != "/health":
            yield Hit("readiness path", manifest=m, path=(*CONTAINER, "readinessProbe", "httpGet", "path"))


def _readiness_period(ctx: EnvContext) -> Iterator[Hit]:
    for m in _deployments(ctx):
        probe = m.obj["spec"]["template"]["spec"]["containers"][0].get("readinessProbe") or {}
        if probe.get("periodSeconds", 10) != 10:
            yield Hit("period", manifest=m, path=(*CONTAINER, "readinessProbe", "periodSeconds"))


def _memory(ctx: EnvContext) -> Iterator[Hit]:
    for m in _deployments(ctx):
        if m.obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] not in ("512Mi", "1Gi"):
            yield Hit("memory", manifest=m, path=(*CONTAINER, "resources", "limits", "memory"))


def _part_of(ctx: EnvContext) -> Iterator[Hit]:
    for m in _deployments(ctx):
        if "app.kubernetes.io/part-of" not in m.labels:
            yield Hit("label missing", manifest=m, path=("metadata", "labels", "app.kubernetes.io/part-of"))


def _log_level(ctx: EnvContext) -> Iterator[Hit]:
    for m in ctx.of_kind("ConfigMap"):
        if "LOG_LEVEL" not in m.obj["data"]:
            yield Hit("config key missing", manifest=m, path=("data", "LOG_LEVEL"))


def _pool(ctx: EnvContext) -> Iterator[Hit]:
    for m in ctx.of_kind("ConfigMap"):
        if m.obj["data"].get("POOL_SIZE") == "10":
            yield Hit("pool", manifest=m, path=("data", "POOL_SIZE"))


def _pod_part_of(ctx: EnvContext) -> Iterator[Hit]:
    for m in _deployments(ctx):
        labels = m.obj["spec"]["template"]["metadata"]["labels"]
        if "app.kubernetes.io/part-of" not in labels:
            path: FieldPath = ("spec", "template", "metadata", "labels", "app.kubernetes.io/part-of")
            yield Hit("label missing", manifest=m, path=path)
        yield Hit("labels", manifest=m, path=("spec", "template", "metadata", "labels"))


def _tuning(ctx: EnvContext) -> Iterator[Hit]:
    for m in ctx.of_kind("ConfigMap"):
        for key, value in m.obj["data"].items():
            if key == "THREADS" or value == "faster":
                yield Hit("tuning", manifest=m, path=("data", key))


def _every_field(ctx: EnvContext) -> Iterator[Hit]:
    """A finding on every field of every object: the precision test's probe."""
    for m in ctx.manifests:
        for path in m.lines:
            yield Hit("field", manifest=m, path=path)


def _rule(code: str, check: Callable[[EnvContext], Iterator[Hit]]) -> Rule:
    return Rule(
        code=code,
        name=f"test-{code.lower()}",
        category="scaling",
        severity=Severity.ERROR,
        summary="test",
        rationale="test",
        remediation="test",
        check=check,
    )


RULES = {
    "TL990": _tuning,
    "TL991": _scaling,
    "TL992": _readiness_path,
    "TL993": _readiness_period,
    "TL994": _memory,
    "TL995": _part_of,
    "TL996": _log_level,
    "TL997": _pool,
    "TL998": _pod_part_of,
}


def _chart(tmp_path: Path, case: str) -> Path:
    """A copy of charts/todo-backend with tests/locate/<case>/ laid over it."""
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    overlay = FIXTURES / case
    for source in sorted(overlay.rglob("*")) if case else ():
        if source.is_file():
            shutil.copyfile(source, chart / source.relative_to(overlay))
    return chart


def _plan(
    chart: Path,
    renderer: Renderer,
    codes: tuple[str, ...],
    *,
    set_values: tuple[str, ...] = (),
    every: bool = False,
) -> Plan:
    contract = load_contract()
    targets = build_targets(discover([str(chart)]).charts, contract, MatrixOptions(set_values=set_values))
    rules = all_rules(contract) + tuple(_rule(code, RULES[code]) for code in codes)
    if every:
        rules += (_rule("TL999", _every_field),)
    return Plan(
        contract=contract,
        rules=rules,
        targets=tuple(targets),
        renderer=renderer,
        settings=Settings(select=(*codes, "TL999") if every else codes),
    )


def _run(chart: Path, renderer: Renderer, codes: tuple[str, ...], **options: Any) -> Result:
    return run(_plan(chart, renderer, codes, **options))


def _where(location: Location, root: Path) -> str:
    file = location.file.replace(f"{root}/", "")
    return f"{location.kind} {file}:{location.line}" if location.line is not None else f"{location.kind} {file}"


def _table(result: Result, root: Path) -> list[tuple[str, str, str, list[str]]]:
    return [(f.code, f.env, f.path, [_where(loc, root) for loc in f.locations]) for f in result.findings]


RP = "spec.template.spec.containers[0].readinessProbe"
DEP = "todo-backend/templates/deployment.yaml"

CASES: list[tuple[str, tuple[str, ...], list[tuple[str, str, str, list[str]]]]] = [
    # (a) the value is literal in a template: only the template line and the rendered line.
    (
        "literal",
        ("TL992",),
        [
            ("TL992", env, f"{RP}.httpGet.path", [f"template {DEP}:52", f"rendered {DEP}:74"])
            for env in ("dev", "prod", "staging")
        ],
    ),
    # (b) the value comes from values.yaml, in every environment.
    (
        "values-default",
        ("TL992",),
        [
            (
                "TL992",
                env,
                f"{RP}.httpGet.path",
                ["values todo-backend/values.yaml:32", f"template {DEP}:52", f"rendered {DEP}:74"],
            )
            for env in ("dev", "prod", "staging")
        ],
    ),
    # (c) an environment's values file overrides values.yaml: that environment only, that file's line.
    (
        "env-override",
        ("TL991", "TL993"),
        [
            (
                "TL991",
                "prod",
                "spec.replicas",
                ["values todo-backend/values-prod.yaml:1", f"template {DEP}:9", f"rendered {DEP}:13"],
            ),
            (
                "TL993",
                "staging",
                f"{RP}.periodSeconds",
                ["values todo-backend/values-staging.yaml:10", f"template {DEP}:56", f"rendered {DEP}:78"],
            ),
        ],
    ),
    # (d) the field is written inside a helper of _helpers.tpl, reached through include | nindent.
    (
        "helper",
        ("TL992", "TL993"),
        [
            (
                "TL992",
                "dev",
                f"{RP}.httpGet.path",
                ["template todo-backend/templates/_helpers.tpl:37", f"rendered {DEP}:74"],
            ),
            (
                "TL993",
                "dev",
                f"{RP}.periodSeconds",
                [
                    "values todo-backend/values-dev.yaml:10",
                    "template todo-backend/templates/_helpers.tpl:41",
                    f"rendered {DEP}:78",
                ],
            ),
            (
                "TL992",
                "prod",
                f"{RP}.httpGet.path",
                ["template todo-backend/templates/_helpers.tpl:37", f"rendered {DEP}:74"],
            ),
            (
                "TL992",
                "staging",
                f"{RP}.httpGet.path",
                ["template todo-backend/templates/_helpers.tpl:37", f"rendered {DEP}:74"],
            ),
        ],
    ),
    # (e) the field sits inside a `toYaml .Values.resources` block.
    (
        "toyaml",
        ("TL994",),
        [
            (
                "TL994",
                "prod",
                "spec.template.spec.containers[0].resources.limits.memory",
                ["values todo-backend/values-prod.yaml:14", f"template {DEP}:63", f"rendered {DEP}:87"],
            )
        ],
    ),
    # A missing probe points at the container's block in the template.
    (
        "missing",
        ("TL992",),
        [("TL992", env, RP, [f"template {DEP}:24", f"rendered {DEP}:33"]) for env in ("dev", "prod", "staging")],
    ),
    # if/else both write `replicas:`; the literal branch disagrees with what Helm rendered, so the
    # other one is the line.
    (
        "branches",
        ("TL991",),
        [
            (
                "TL991",
                "prod",
                "spec.replicas",
                ["values todo-backend/values-prod.yaml:1", f"template {DEP}:12", f"rendered {DEP}:13"],
            )
        ],
    ),
    # Two documents from one template, the second under `if`, with a `with ... toYaml .` block: each
    # object is matched to its own document by the literal text around the actions (`-tuning`).
    (
        "multidoc",
        ("TL990",),
        [
            (
                "TL990",
                "prod",
                "data.MODE",
                [
                    "values todo-backend/values-prod.yaml:19",
                    "template todo-backend/templates/extra.yaml:17",
                    "rendered todo-backend/templates/extra.yaml:7",
                ],
            ),
            (
                "TL990",
                "prod",
                "data.THREADS",
                [
                    "values todo-backend/values-prod.yaml:21",
                    "template todo-backend/templates/extra.yaml:19",
                    "rendered todo-backend/templates/extra.yaml:8",
                ],
            ),
        ],
    ),
    # A missing label points at the labels block; a missing config key at the values map that feeds
    # the ConfigMap (the environment's own file when it has one) and the template's `data:` block; a
    # key written by `range $key, $value := .Values.config` at the values key and the range line.
    (
        "",
        ("TL995", "TL996", "TL997"),
        [
            (
                "TL996",
                "dev",
                "data.LOG_LEVEL",
                [
                    "values todo-backend/values-dev.yaml:3",
                    "template todo-backend/templates/configmap.yaml:8",
                    "rendered todo-backend/templates/configmap.yaml:12",
                ],
            ),
            (
                "TL995",
                "dev",
                'metadata.labels["app.kubernetes.io/part-of"]',
                [f"template {DEP}:6", f"rendered {DEP}:6"],
            ),
            (
                "TL996",
                "prod",
                "data.LOG_LEVEL",
                [
                    "values todo-backend/values-prod.yaml:3",
                    "template todo-backend/templates/configmap.yaml:8",
                    "rendered todo-backend/templates/configmap.yaml:12",
                ],
            ),
            (
                "TL997",
                "prod",
                "data.POOL_SIZE",
                [
                    "values todo-backend/values-prod.yaml:6",
                    "template todo-backend/templates/configmap.yaml:10",
                    "rendered todo-backend/templates/configmap.yaml:17",
                ],
            ),
            (
                "TL995",
                "prod",
                'metadata.labels["app.kubernetes.io/part-of"]',
                [f"template {DEP}:6", f"rendered {DEP}:6"],
            ),
            (
                "TL996",
                "staging",
                "data.LOG_LEVEL",
                [
                    "values todo-backend/values-staging.yaml:3",
                    "template todo-backend/templates/configmap.yaml:8",
                    "rendered todo-backend/templates/configmap.yaml:12",
                ],
            ),
            (
                "TL995",
                "staging",
                'metadata.labels["app.kubernetes.io/part-of"]',
                [f"template {DEP}:6", f"rendered {DEP}:6"],
            ),
        ],
    ),
]


@pytest.mark.parametrize(("case", "codes", "expected"), CASES, ids=[c[0] or "base" for c in CASES])
def test_locations(case: str, codes: tuple[str, ...], expected: list[Any], tmp_path: Path, helm3: str) -> None:
    chart = _chart(tmp_path, case)
    result = _run(chart, HelmCliRenderer(helm3), codes)
    assert result.errors == ()
    # Order is the engine's business (it sorts by primary location); what matters is each finding's places.
    assert sorted(_table(result, tmp_path)) == sorted(expected)
    for finding in result.findings:
        # The primary location is the first one, everywhere.
        assert (finding.file, finding.line) == (finding.locations[0].file, finding.locations[0].line)


@pytest.mark.parametrize("major", ["v4", "embedded"])
def test_renderers_agree(major: str, tmp_path: Path, helm3: str, helm4: str) -> None:
    chart = _chart(tmp_path, "helper")
    codes = ("TL992", "TL993")
    expected = _table(_run(chart, HelmCliRenderer(helm3), codes), tmp_path)
    other: Renderer = HelmCliRenderer(helm4) if major == "v4" else EmbeddedRenderer()
    assert _table(_run(chart, other, codes), tmp_path) == expected


def test_set_is_the_primary_location(tmp_path: Path, helm3: str) -> None:
    chart = _chart(tmp_path, "")
    result = _run(chart, HelmCliRenderer(helm3), ("TL991",), set_values=("replicaCount=7",))
    assert [(f.env, [_where(loc, tmp_path) for loc in f.locations]) for f in result.findings] == [
        (env, ["values --set", f"template {DEP}:9", f"rendered {DEP}:13"]) for env in ("dev", "prod", "staging")
    ]
    assert (result.findings[0].file, result.findings[0].line) == ("--set", None)


def test_schema_finding_on_a_literal_template_value(tmp_path: Path, helm3: str) -> None:
    chart = _chart(tmp_path, "")
    deployment = chart / "templates" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("runAsUser: 1001", 'runAsUser: "x"'))
    result = _run(chart, HelmCliRenderer(helm3), ())
    assert [(f.code, f.env, f.path, [_where(loc, tmp_path) for loc in f.locations]) for f in result.findings] == [
        ("TL010", env, "spec.template.spec.securityContext.runAsUser", [f"template {DEP}:22", f"rendered {DEP}:31"])
        for env in ("dev", "prod", "staging")
    ]


def test_pre_rendered_input_gets_rendered_and_source(run_cli: RunCli, tmp_path: Path, helm3: str) -> None:
    chart = CHARTS / "todo-backend"
    stream = subprocess.run(
        [helm3, "template", "todo-backend-prod", str(chart), "-n", "todo-prod", "-f", str(chart / "values-prod.yaml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("runAsUser: 1001", 'runAsUser: "x"')
    manifest = tmp_path / "out.yaml"
    manifest.write_text(stream)
    line = next(i for i, text in enumerate(stream.splitlines(), 1) if 'runAsUser: "x"' in text)
    done = run_cli(str(manifest), "--env", "prod", "--format", "json")
    (finding,) = json.loads(done.stdout)["findings"]
    assert finding["locations"] == [
        {"kind": "rendered", "file": str(manifest), "line": line, "object": None},  # a line of the input file
        {"kind": "template", "file": "todo-backend/templates/deployment.yaml", "line": None, "object": None},
    ]
    text = run_cli(str(manifest), "--env", "prod", "--color", "never").stdout
    assert f'> {line} |         runAsUser: "x"' in text


# --- precision: no location points at a line without the field's key or value ---------------------


def _allowed(finding: Finding, obj: Any, location: Location) -> bool:
    """The line of `location` shows the field's key or value, or the expression or values key that writes them."""
    path: list[str | int] = []
    value: Any = obj
    for part in _parse_path(finding.path):
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            break
        path.append(part)
    text = Path(location.file).read_text().splitlines()[location.line - 1]  # type: ignore[operator]
    keys = [p for p in path if isinstance(p, str)]
    # A field's key; for a list item also its list's key (a flow list `args: [...]` is one line).
    shown = [f"{keys[-1]}:"] if keys else []
    if isinstance(value, dict):
        shown += [f"{k}:" for k in value]  # a list item's first line is its first key
    elif not isinstance(value, list):
        shown.append(str(value).lower() if isinstance(value, bool) else str(value))
    if location.kind == "template":
        shown += ["{{ $key }}", "{{ . }}"]
        if any(loc.kind == "values" for loc in finding.locations):
            shown.append("toYaml ")  # the line that writes a values block, whose key the values location shows
    if any(s in text for s in shown):
        return True
    if location.kind == "values":
        # A values key under another name (`config:` feeding `data:`): what it holds must be what was rendered.
        supplied = _values_at_line(Path(location.file), location.line)  # type: ignore[arg-type]
        if isinstance(supplied, dict) and isinstance(value, dict):
            return all(str(value.get(k)) == str(v) for k, v in supplied.items())
        return supplied is not None and str(supplied) == str(value)
    return False


def _values_at_line(file: Path, line: int) -> Any:
    import yaml

    from todolint.parse import Loader, NodeWalker

    walker = NodeWalker(1)
    tree = walker.build(yaml.compose(file.read_text(), Loader=Loader), (), 0)
    for path, at in walker.lines.items():
        if at == line and path:
            found: Any = tree
            for part in path:
                found = found[part]
            return found
    return None


def _parse_path(text: str) -> list[str | int]:
    import re

    parts: list[str | int] = []
    for match in re.finditer(r'\["([^"]+)"\]|\[(\d+)\]|\.?([^.\[\]]+)', text):
        quoted, index, plain = match.groups()
        parts.append(int(index) if index is not None else (quoted if quoted is not None else plain))
    return parts


def _check_precision(chart: Path, helm3: str) -> int:
    """Run the every-field rule over `chart`; assert every located line; return how many were checked."""
    from todolint.parse import parse_template

    contract = load_contract()
    objects: dict[tuple[str, str, str], Any] = {}
    for target in build_targets(discover([str(chart)]).charts, contract, MatrixOptions()):
        for rendered in HelmCliRenderer(helm3).render(target, timeout=60):
            for m in parse_template(rendered, target=target, file=rendered.source)[0]:
                objects[(target.env, m.kind, m.name)] = m.obj
    result = _run(chart, HelmCliRenderer(helm3), tuple(RULES), every=True)
    assert result.errors == ()
    checked = 0
    for finding in result.findings:
        obj = objects[(finding.env, finding.kind, finding.object)]
        for location in finding.locations:
            if location.kind == "rendered" or location.line is None:
                continue
            assert _allowed(finding, obj, location), (finding.env, finding.path, location)
            checked += 1
    return checked


@pytest.mark.parametrize("case", ["", *sorted(p.name for p in FIXTURES.iterdir())], ids=lambda c: c or "base")
def test_precision(case: str, tmp_path: Path, helm3: str) -> None:
    # Nearly every field of the chart has a template line and many a values line: the test has teeth.
    assert _check_precision(_chart(tmp_path, case), helm3) > 300


def test_precision_on_helm_starter_chart(tmp_path: Path, helm3: str) -> None:
    """`helm create`'s chart: with/toYaml blocks, if around fields, lists from values, a hook Pod."""
    subprocess.run([helm3, "create", str(tmp_path / "starter")], check=True, capture_output=True)
    values = tmp_path / "starter" / "values.yaml"
    values.write_text(
        values.read_text()
        .replace("podLabels: {}", "podLabels:\n  team: todo")
        .replace("tolerations: []", "tolerations:\n  - key: spot\n    operator: Exists")
        .replace("resources: {}", "resources:\n  limits:\n    memory: 128Mi")
    )
    assert _check_precision(tmp_path / "starter", helm3) > 150
    # A missing pod label: the labels block, and the values map the chart exposes for more labels
    # (`{{- with .Values.podLabels }}{{- toYaml . | nindent 8 }}`). The block itself is only partly
    # from podLabels, so a finding on the whole block gets no values line.
    result = _run(tmp_path / "starter", HelmCliRenderer(helm3), ("TL998",))
    labels = "spec.template.metadata.labels"
    dep = "starter/templates/deployment.yaml"
    # `helm create`'s text belongs to Helm: find the lines rather than hard-code them.
    pod_labels = values.read_text().splitlines().index("podLabels:") + 1
    template = (tmp_path / dep).read_text().splitlines()
    block = template.index('        {{- include "starter.labels" . | nindent 8 }}')
    assert template[block - 1] == "      labels:"
    assert sorted(_table(result, tmp_path)) == sorted(
        [
            (
                "TL998",
                env,
                f'{labels}["app.kubernetes.io/part-of"]',
                [f"values starter/values.yaml:{pod_labels}", f"template {dep}:{block}", f"rendered {dep}:19"],
            )
            for env in ("dev", "prod", "staging")
        ]
        + [
            ("TL998", env, labels, [f"template {dep}:{block}", f"rendered {dep}:19"])
            for env in ("dev", "prod", "staging")
        ]
    )


def test_locations_cost_nothing_on_a_clean_run_and_read_each_file_once(tmp_path: Path, helm3: str) -> None:
    clean = Engine(_plan(_chart(tmp_path / "clean", ""), HelmCliRenderer(helm3), ("TL991",)))
    assert clean.run().findings == ()
    assert clean._locator is None  # not even made (nor its module imported, see test_cache_imports)
    busy = Engine(_plan(_chart(tmp_path / "busy", ""), HelmCliRenderer(helm3), (), every=True))
    assert len(busy.run().findings) > 300
    # values.yaml + three values-<env>.yaml + _helpers.tpl + five templates (+ NOTES.txt, secret.yaml
    # scanned for helpers), each read once however many findings point into it.
    assert busy.locator().files_read == 12


def test_code_frame_marks_the_line_and_masks_secrets(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("config:\n  DATABASE_URL: postgres://u:p@db/x\n  POOL_SIZE: '5'\n  URL: https://a:b@c/\n")
    assert code_frame(Location("values", str(values), 3)) == [
        "  2 |   DATABASE_URL: ***",
        "> 3 |   POOL_SIZE: '5'",
        "  4 |   URL: https://a:***@c/",  # a URL's password only
    ]
    assert code_frame(Location("values", str(values), 1)) == [
        "> 1 | config:",
        "  2 |   DATABASE_URL: ***",
    ]
    assert code_frame(Location("values", str(values), 9)) == []
    template = tmp_path / "deployment.yaml"
    template.write_text("env:\n  - name: OPENAI_API_KEY\n    value: sk-live-1\n  - name: MODE\n    value: fast\n")
    assert code_frame(Location("template", str(template), 4)) == [
        "  3 |     value: ***",
        "> 4 |   - name: MODE",
        "  5 |     value: fast",
    ]


def test_text_report_shows_the_primary_location_and_its_frame(tmp_path: Path, helm3: str) -> None:
    chart = _chart(tmp_path, "env-override")
    result = group(_run(chart, HelmCliRenderer(helm3), ("TL991",)), ENVS)  # as the application reports it
    out = io.StringIO()
    reporters()["text"](result, out, ReportOptions(color=False, quiet=True))
    lines = [line.replace(f"{tmp_path}/", "") for line in out.getvalue().splitlines()]
    start = lines.index("    todo-backend/values-prod.yaml:1  error  TL991 test-tl991  [prod]")
    assert lines[start + 1 : start + 5] == [
        "      spec.replicas: 5 replicas (at most 3)",
        "      > 1 | replicaCount: 5",
        "        2 | ",
        f"      see template {DEP}:9, rendered Deployment/todo-backend-prod line 13",
    ]


@pytest.mark.parametrize(
    ("expression", "parsed"),
    [
        ("replicaCount=5", [(("replicaCount",), 5)]),
        ("a.b=x,c=true", [(("a", "b"), "x"), (("c",), True)]),
        (r"labels.app\.kubernetes\.io/name=x", [(("labels", "app.kubernetes.io/name"), "x")]),
        ("list[1]=null", [(("list", 1), None)]),
    ],
)
def test_parse_set(expression: str, parsed: list[tuple[FieldPath, Any]]) -> None:
    assert parse_set(expression) == parsed
