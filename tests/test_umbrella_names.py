"""Names in an umbrella release (tests/umbrella-names/): one finding per app on its objects' names.

Three charts of the Todo app that render both apps in one release, written the ways people write them:
`helm create` subcharts `charts/backend` and `charts/frontend` under an umbrella (subcharts/todo-app, the
fullname helper giving `{release}-{chart}`); one chart whose `deployment.yaml` holds both apps' objects
(single/todo-app); an umbrella whose backend dependency is aliased `api` (alias/todo-stack). Each is linted
by the real CLI with the names rules; the findings are exact (code, object, field, file, line, severity,
message and the app's other objects in `also`). Then the umbrella kept on purpose, as docs/apps.md's worked
example sets it up, reports nothing of this; and charts of one app each get no such finding.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CHARTS, ROOT, RunCli
from todolint.contract import default_contract_path
from todolint.group import group_findings
from todolint.models import Finding, Location, Severity

UMBRELLA = ROOT / "tests" / "umbrella-names"
CHART_OF = {"subcharts": "subcharts/todo-app", "single": "single/todo-app", "alias": "alias/todo-stack"}
#: The names family: object-names, object-namespace, duplicate-object, unknown-workload, one-release-per-app.
NAMES = "TL12"


def message(kind: str, app: str, found: str, release: str, others: str, *, expected: str = "") -> str:
    """TL125's message on an app's workload, for `--env dev`: `expected` when it is not the name of the
    app's own release (`{release}-{app}` patterns)."""
    named = f"{app}'s own release in dev" + (f", '{app}-dev'" if expected else "")
    return (
        f"{kind} name: expected '{expected or app + '-dev'}' ({named}), found '{found}': one release cannot "
        f"give it, since release {release} renders both apps' objects (todo-backend and todo-frontend); the "
        f"same holds for {app}'s {others}"
    )


def app_finding(release: str, app: str, found: str, where: dict[str, tuple[str, int]], others: str) -> dict[str, Any]:
    """The one finding of an app: on its Deployment, with its other objects (`where`: Kind/name → file, line)."""
    return {
        "code": "TL125",
        "severity": "error",
        "kind": "Deployment",
        "object": found,
        "path": "metadata.name",
        "place": where[f"Deployment/{found}"],
        "message": message("Deployment", app, found, release, others),
        "also": [name for name in where if name != f"Deployment/{found}"],
        "lines": where,
    }


def subchart_places(prefix: str, folder: str) -> dict[str, tuple[str, int]]:
    """helm create's templates: each writes `name:` on line 4, the ConfigMap's report order first."""
    return {
        f"Deployment/{prefix}": (f"{folder}/templates/deployment.yaml", 4),
        f"ConfigMap/{prefix}-config": (f"{folder}/templates/configmap.yaml", 4),
        f"Service/{prefix}": (f"{folder}/templates/service.yaml", 4),
    }


def single_places(prefix: str, lines: tuple[int, int, int]) -> dict[str, tuple[str, int]]:
    """One deployment.yaml: the Deployment, the Service, then the ConfigMap of each app."""
    file = "templates/deployment.yaml"
    deployment, service, config_map = lines
    return {
        f"Deployment/{prefix}": (file, deployment),
        f"Service/{prefix}": (file, service),
        f"ConfigMap/{prefix}-config": (file, config_map),
    }


EXPECTED: dict[str, list[dict[str, Any]]] = {
    "subcharts": [
        app_finding(
            "todo-app-dev",
            "todo-backend",
            "todo-app-dev-backend",
            subchart_places("todo-app-dev-backend", "charts/backend"),
            "ConfigMap/todo-app-dev-backend-config, Service/todo-app-dev-backend",
        ),
        app_finding(
            "todo-app-dev",
            "todo-frontend",
            "todo-app-dev-frontend",
            subchart_places("todo-app-dev-frontend", "charts/frontend"),
            "ConfigMap/todo-app-dev-frontend-config, Service/todo-app-dev-frontend",
        ),
    ],
    "single": [
        app_finding(
            "todo-app-dev",
            "todo-backend",
            "todo-app-dev-backend",
            single_places("todo-app-dev-backend", (5, 49, 65)),
            "Service/todo-app-dev-backend, ConfigMap/todo-app-dev-backend-config",
        ),
        app_finding(
            "todo-app-dev",
            "todo-frontend",
            "todo-app-dev-frontend",
            single_places("todo-app-dev-frontend", (74, 110, 126)),
            "Service/todo-app-dev-frontend, ConfigMap/todo-app-dev-frontend-config",
        ),
    ],
    # `alias: api`: the backend chart renders as `api` (its .Chart.Name), from its folder charts/backend
    "alias": [
        app_finding(
            "todo-stack-dev",
            "todo-backend",
            "todo-stack-dev-api",
            subchart_places("todo-stack-dev-api", "charts/backend"),
            "ConfigMap/todo-stack-dev-api-config, Service/todo-stack-dev-api",
        ),
        app_finding(
            "todo-stack-dev",
            "todo-frontend",
            "todo-stack-dev-frontend",
            subchart_places("todo-stack-dev-frontend", "charts/frontend"),
            "ConfigMap/todo-stack-dev-frontend-config, Service/todo-stack-dev-frontend",
        ),
    ],
}


def lint(run_cli: RunCli, chart: Path, tmp_path: Path, *args: str, cwd: Path | None = None) -> tuple[int, Any]:
    """`python -m todolint CHART --format json --select TL12 ARGS`: exit code and report."""
    run = run_cli(
        str(chart), "--format", "json", "--select", NAMES, *args, cwd=cwd, env={"HOME": str(tmp_path / "home")}
    )
    assert run.stderr == ""
    report = json.loads(run.stdout)
    assert report["errors"] == []
    return run.code, report


def names_of(finding: dict[str, Any]) -> list[str]:
    """`Kind/name` of the finding's object and of each it lists in `also`."""
    return [f"{p['kind']}/{p['object']}" for p in [finding, *finding.get("also", [])]]


def name_line(finding: dict[str, Any], chart: Path, name: str) -> tuple[str, int]:
    """Where the finding says `name`'s metadata.name is written: its template location after the object's."""
    locations = finding["locations"]
    for n, location in enumerate(locations):
        if location["kind"] == "rendered" and location["object"] == name and n > 0:
            source = locations[n - 1]
            return Path(source["file"]).resolve().relative_to(chart.resolve()).as_posix(), source["line"]
    raise AssertionError(f"no location of {name}")


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_app_of_an_umbrella_release_has_one_names_finding(run_cli: RunCli, tmp_path: Path, case: str) -> None:
    """An error on each app's Deployment name, at the template line that writes it, naming the name its own
    release gives it; the app's Service and ConfigMap in `also`, at their own lines. A CI gate fails."""
    chart = UMBRELLA / CHART_OF[case]
    code, report = lint(run_cli, chart, tmp_path, "--env", "dev")
    assert code == 1
    found = [
        {
            "code": f["code"],
            "severity": f["severity"],
            "kind": f["kind"],
            "object": f["object"],
            "path": f["path"],
            "place": (Path(f["file"]).resolve().relative_to(chart.resolve()).as_posix(), f["line"]),
            "message": f["message"],
            "also": [f"{a['kind']}/{a['object']}" for a in f.get("also", [])],
            "lines": {name: name_line(f, chart, name) for name in names_of(f)},
        }
        for f in report["findings"]
    ]
    assert found == EXPECTED[case]
    assert all(a["path"] == "metadata.name" for f in report["findings"] for a in f["also"])


def test_every_environment_is_one_finding_per_app(run_cli: RunCli, tmp_path: Path) -> None:
    """Linted in the whole matrix, each app's names are still one finding, in every environment."""
    code, report = lint(run_cli, UMBRELLA / CHART_OF["subcharts"], tmp_path)
    assert code == 1
    assert [(f["code"], f["object"], f["environments"], len(f["also"])) for f in report["findings"]] == [
        ("TL125", "{release}-backend", ["dev", "staging", "prod"], 2),
        ("TL125", "{release}-frontend", ["dev", "staging", "prod"], 2),
    ]


def test_a_name_that_is_right_all_the_same_is_told_its_release(run_cli: RunCli, tmp_path: Path) -> None:
    """`fullnameOverride` gives the backend's objects the names its own release would: still one finding,
    about the release they are in."""
    override = "backend.fullnameOverride=todo-backend-dev"
    code, report = lint(run_cli, UMBRELLA / CHART_OF["subcharts"], tmp_path, "--env", "dev", "--set", override)
    assert code == 1
    backend = report["findings"][0]
    assert (backend["object"], backend["message"]) == (
        "todo-backend-dev",
        "Deployment 'todo-backend-dev': expected in todo-backend's own release 'todo-backend-dev', found in "
        "release todo-app-dev, which renders both apps' objects (todo-backend and todo-frontend); the same "
        "holds for todo-backend's ConfigMap/todo-backend-dev-config, Service/todo-backend-dev",
    )
    assert [f["object"] for f in report["findings"]] == ["todo-backend-dev", "todo-app-dev-frontend"]


def worked_example() -> dict[str, dict[str, Any]]:
    """docs/apps.md's "Keeping an umbrella on purpose": its YAML blocks by the file their first line names."""
    docs = (ROOT / "docs" / "apps.md").read_text(encoding="utf-8")
    section = docs.split("### Keeping an umbrella on purpose", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```yaml\n# (\S+)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    return {name: yaml.safe_load(text) for name, text in blocks}


def kept_umbrella(tmp_path: Path, *, exempt: bool) -> Path:
    """The helm-create umbrella in a repository set up as the worked example says (without the exemption
    when `exempt` is False)."""
    example = worked_example()
    assert sorted(example) == [".todolint.yaml", "contract.yaml", "todo-app/values.yaml"]
    repo = tmp_path / "repo"
    shutil.copytree(UMBRELLA / CHART_OF["subcharts"], repo / "todo-app")
    values_file = repo / "todo-app" / "values.yaml"
    values = yaml.safe_load(values_file.read_text(encoding="utf-8"))
    for key, overrides in example["todo-app/values.yaml"].items():
        values[key].update(overrides)
    values_file.write_text(yaml.safe_dump(values, sort_keys=False), encoding="utf-8")
    contract = yaml.safe_load(default_contract_path().read_text(encoding="utf-8"))
    contract.update(example["contract.yaml"])
    (repo / "contract.yaml").write_text(yaml.safe_dump(contract, sort_keys=False), encoding="utf-8")
    config = dict(example[".todolint.yaml"])
    if not exempt:
        del config["exemptions"]
    (repo / ".todolint.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return repo


def test_an_umbrella_kept_on_purpose_reports_nothing_of_this(run_cli: RunCli, tmp_path: Path) -> None:
    """`{app}` name patterns and the exemption with its reason: no names finding counts, exit 0; the
    suppressed findings carry the reason."""
    repo = kept_umbrella(tmp_path, exempt=True)
    code, report = lint(run_cli, repo / "todo-app", tmp_path, "--env", "dev", cwd=repo)
    assert code == 0
    assert [f for f in report["findings"] if not f["suppressed"]] == []
    reason = worked_example()[".todolint.yaml"]["exemptions"][0]["reason"]
    assert [(f["code"], f["object"], f["justification"]) for f in report["findings"]] == [
        ("TL125", "todo-app-dev-todo-backend", reason),
        ("TL125", "todo-app-dev-todo-frontend", reason),
    ]


def test_app_name_patterns_alone_leave_the_release_finding(run_cli: RunCli, tmp_path: Path) -> None:
    """The patterns make every name right in the one release (no TL120), but the layout is still one
    release for two apps until the team exempts it: each app's own release would name it otherwise."""
    repo = kept_umbrella(tmp_path, exempt=False)
    code, report = lint(run_cli, repo / "todo-app", tmp_path, "--env", "dev", cwd=repo)
    assert code == 1
    expected = []
    for app in ("todo-backend", "todo-frontend"):
        found = f"todo-app-dev-{app}"
        others = f"ConfigMap/{found}-config, Service/{found}"
        wanted = message("Deployment", app, found, "todo-app-dev", others, expected=f"{app}-dev-{app}")
        expected.append(("TL125", found, wanted))
    assert [(f["code"], f["object"], f["message"]) for f in report["findings"]] == expected


def test_charts_of_one_app_each_get_no_such_finding(run_cli: RunCli, tmp_path: Path) -> None:
    """The project's own charts, one app and one release each: nothing from the names rules."""
    code, report = lint(run_cli, CHARTS, tmp_path, "--env", "dev")
    assert (code, report["findings"]) == (0, [])


def _finding(env: str, kind: str, *, code: str = "TL125", app: str = "todo-backend") -> Finding:
    """An engine finding on the name of the backend subchart's `kind` in `env`, at line 4 of its template."""
    release = f"todo-app-{env}"
    file = f"charts/backend/templates/{kind.lower()}.yaml"
    return Finding(
        code, "one-release-per-app", "names", Severity.ERROR, "todo-app", env, release, f"todo-{env}", kind,
        f"{release}-backend", "metadata.name", f"{kind} name: expected 'todo-backend-{env}'", file, 4,
        (Location("template", file, 4),), app=app,
    )  # fmt: skip


def test_grouping_joins_one_apps_findings_across_objects_and_environments() -> None:
    """In process: an app's one-release-per-app findings in dev and prod, on its Service and Deployment, are
    one finding led by the Deployment; another rule's findings of the same shape stay apart."""
    rank = {"dev": 0, "prod": 1}
    findings = [_finding(env, kind) for env in ("prod", "dev") for kind in ("Service", "Deployment")]
    [grouped] = group_findings(findings, rank)
    assert (grouped.kind, grouped.envs, grouped.also) == (
        "Deployment",
        ("dev", "prod"),
        (("Service", "{release}-backend", "metadata.name"),),
    )
    assert grouped.message == (
        "Deployment name: expected 'todo-backend-dev'; the same holds for todo-backend's Service/{release}-backend"
    )
    assert [loc.file for loc in grouped.locations] == [
        "charts/backend/templates/deployment.yaml",
        "charts/backend/templates/service.yaml",
    ]
    others = [_finding("dev", kind, code="TL120") for kind in ("Service", "Deployment")]
    assert len(group_findings(others, rank)) == 2
    frontend = [_finding("dev", "Deployment"), _finding("dev", "Service", app="todo-frontend")]
    assert len(group_findings(frontend, rank)) == 2
