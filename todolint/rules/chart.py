"""The chart itself (spec §2): the template files the spec lists, and Chart.yaml apiVersion v2 with a
semver version and an appVersion. Silent for pre-rendered input, which has no chart folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from todolint.chart_facts import ChartFacts
from todolint.models import Hit, Location, Severity, Target
from todolint.rules.base import EnvContext, Rule

#: Semantic Versioning 2.0.0 (semver.org's regular expression), as Helm requires of `version`.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def _chart_targets(ctx: EnvContext) -> list[Target]:
    return sorted((t for t in {*ctx.targets, *ctx.broken} if t.chart_path), key=lambda t: t.chart_path)


def _app_charts(facts: ChartFacts, name: str) -> Iterator[tuple[ChartFacts, str]]:
    """The chart itself and, for umbrella charts, its unpacked subcharts."""
    yield facts, name
    for sub in facts.subcharts:
        yield sub, str(sub.meta.get("name") or sub.folder)


def check_chart_templates(ctx: EnvContext) -> Iterator[Hit]:
    """TL370: each app chart (or unpacked subchart) that lacks template files the contract lists for it."""
    for target in _chart_targets(ctx):
        facts = ctx.charts.get(target.chart_path)
        if facts is None:
            continue
        for chart, name in _app_charts(facts, target.chart):
            spec = ctx.contract.app(name)
            wanted = spec.templates if spec is not None else ()
            if not wanted:
                continue
            missing = [t for t in wanted if not chart.has_template(t)]
            if missing:
                file = f"{PurePosixPath(chart.path).as_posix()}/Chart.yaml"
                yield Hit(
                    f"chart {name}: expected templates {', '.join(wanted)}; missing {', '.join(missing)}",
                    target=target,
                    location=Location("template", file, chart.lines.get(("name",))),
                )


CHART_TEMPLATES = Rule(
    code="TL370",
    name="chart-templates",
    category="chart",
    severity=Severity.INFO,
    summary="An app's chart has the template files the contract lists for it (`apps.<app>.templates`).",
    rationale=(
        "The spec (§2.1, §2.2) maps each object to one template file ({{ contract.apps.*.templates }}); "
        "reviewers and the runbook find things there, and `NOTES.txt` tells the installer to pre-create the "
        "Secret. File names describe the reference chart, not what the cluster runs: a note, not a fault."
    ),
    remediation="Add the missing files under templates/ (`apps.<app>.templates` in contract.yaml).",
    example="""\
# todolint: file=todo-backend/Chart.yaml env=dev
apiVersion: v2
name: todo-backend   # expect: TL370
version: 0.1.0
appVersion: "1.0.0"
""",
    origin=__name__,
    check=check_chart_templates,
)


def check_chart_metadata(ctx: EnvContext) -> Iterator[Hit]:
    """TL371: Chart.yaml's apiVersion, version and appVersion where they are not v2, SemVer and set."""
    for target in _chart_targets(ctx):
        facts = ctx.charts.get(target.chart_path)
        if facts is None:
            continue
        meta, lines = facts.meta, facts.lines
        file = f"{target.chart_path}/Chart.yaml"
        if not meta:
            yield Hit(
                "Chart.yaml: expected a readable mapping, found none",
                target=target,
                location=Location("template", file),
            )
            continue
        problems: list[tuple[str, str]] = []
        api = meta.get("apiVersion")
        if api != "v2":
            problems.append(("apiVersion", f"apiVersion: expected 'v2', found {api!r}"))
        version = meta.get("version")
        if not isinstance(version, str) or not SEMVER.match(version):
            problems.append(("version", f"version: expected a semantic version (1.2.3), found {version!r}"))
        app_version = meta.get("appVersion")
        if app_version is None or str(app_version).strip() == "":
            problems.append(("appVersion", "appVersion: expected the app's version, found none"))
        for key, message in problems:
            line = lines.get((key,), lines.get(("name",)))
            yield Hit(message, target=target, location=Location("template", file, line))


CHART_METADATA = Rule(
    code="TL371",
    name="chart-metadata",
    category="chart",
    severity=Severity.ERROR,
    summary="Chart.yaml has apiVersion v2, a semantic version, and an appVersion.",
    rationale=(
        "Helm 3 charts are apiVersion v2; Helm refuses a version that is not SemVer; and "
        "app.kubernetes.io/version is the chart's appVersion, so without one the label is empty."
    ),
    remediation='Set `apiVersion: v2`, `version: X.Y.Z` and `appVersion: "X.Y.Z"` in Chart.yaml.',
    example="""\
# todolint: file=todo-backend/Chart.yaml env=dev
apiVersion: v2
name: todo-backend
version: 1.0   # expect: TL371
appVersion: "1.0.0"
""",
    origin=__name__,
    check=check_chart_metadata,
)


def rules() -> list[Rule]:
    """This family's rules, in code order."""
    return [CHART_TEMPLATES, CHART_METADATA]
