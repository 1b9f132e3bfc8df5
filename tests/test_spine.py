"""End to end: real renders of the project charts, parity between renderers, errors as users meet them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHART_NAMES, CHARTS, ENVS, ROOT, RunCli
from todolint import __version__
from todolint.contract import load_contract
from todolint.discover import MatrixOptions, build_targets, discover
from todolint.parse import parse_template
from todolint.render.helm_cli import HelmCliRenderer
from todolint.render.helm_sdk import EmbeddedRenderer


def _objects(renderer: object, chart: str, env: str) -> list[dict[str, object]]:
    contract = load_contract()
    inputs = discover([str(CHARTS / chart)])
    (target,) = build_targets(inputs.charts, contract, MatrixOptions(environments=(env,)))
    objects = []
    for rendered in renderer.render(target, timeout=60):  # type: ignore[attr-defined]
        manifests, problems = parse_template(rendered, target=target, file=rendered.source)
        assert problems == []
        objects += [dict(m.obj) for m in manifests]
    return sorted(objects, key=lambda o: (o["kind"], o["metadata"]["name"]))  # type: ignore[index]


@pytest.mark.parametrize("chart", CHART_NAMES)
@pytest.mark.parametrize("env", ENVS)
def test_renderer_parity(chart: str, env: str, helm3: str, helm4: str) -> None:
    embedded = _objects(EmbeddedRenderer(), chart, env)
    assert [o["kind"] for o in embedded] == ["ConfigMap", "Deployment", "NetworkPolicy", "Service", "ServiceAccount"]
    assert _objects(HelmCliRenderer(helm3), chart, env) == embedded
    assert _objects(HelmCliRenderer(helm4), chart, env) == embedded


@pytest.mark.parametrize("major", ["v3", "v4"])
def test_helm_lint_strict_per_environment(major: str, helm3: str, helm4: str) -> None:
    helm = helm3 if major == "v3" else helm4
    for chart in CHART_NAMES:
        for env in ENVS:
            done = subprocess.run(
                [
                    helm,
                    "lint",
                    "--strict",
                    str(CHARTS / chart),
                    "-f",
                    str(CHARTS / chart / f"values-{env}.yaml"),
                    "--namespace",
                    f"todo-{env}",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr


def test_values_schema_rejects_missing_tag_and_non_integer_replicas(run_cli: RunCli) -> None:
    missing = run_cli("--renderer", "embedded", "--env", "dev", "--set", "image.tag=", "charts/todo-backend")
    assert missing.code == 2
    assert "image.tag" in missing.stderr or "/image/tag" in missing.stderr
    wrong = run_cli("--renderer", "embedded", "--env", "dev", "--set", "replicaCount=abc", "charts/todo-backend")
    assert wrong.code == 2
    assert "replicaCount" in wrong.stderr


def test_embedded_lints_project_charts(run_cli: RunCli) -> None:
    done = run_cli("--renderer", "embedded", "--format", "json", "charts/")
    assert done.stderr == ""
    data = json.loads(done.stdout)
    assert data["version"] == 2
    assert data["renderer"]["name"] == "embedded"
    # Environments in the contract's order (dev, staging, prod), not alphabetical.
    assert [(t["chart"], t["env"], t["status"]) for t in data["targets"]] == [
        (chart, env, "ok") for chart in CHART_NAMES for env in ENVS
    ]
    assert data["summary"]["objects"] == 30
    assert done.code in (0, 1)


@pytest.mark.parametrize("major", ["v3", "v4"])
def test_helm_cli_and_embedded_give_same_json(run_cli: RunCli, major: str, helm3: str, helm4: str) -> None:
    helm = helm3 if major == "v3" else helm4
    embedded = json.loads(run_cli("--renderer", "embedded", "--format", "json", "charts/").stdout)
    cli = json.loads(run_cli("--renderer", "helm", "--format", "json", "charts/", helm=helm).stdout)
    assert cli["renderer"]["name"] == "helm"
    assert cli["targets"] == embedded["targets"]
    assert cli["findings"] == embedded["findings"]


def test_stdin_reports_file_and_line(run_cli: RunCli, helm3: str) -> None:
    chart = CHARTS / "todo-backend"
    stream = subprocess.run(
        [helm3, "template", "todo-backend-dev", str(chart), "-n", "todo-dev", "-f", str(chart / "values-dev.yaml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = stream.splitlines()
    target_line = next(i for i, line in enumerate(lines, 1) if "runAsUser: 1001" in line)
    broken = stream.replace("runAsUser: 1001", 'runAsUser: "x"')
    done = run_cli("-", "--env", "dev", "--format", "json", stdin=broken)
    assert done.code == 1, done.stderr
    (finding,) = json.loads(done.stdout)["findings"]
    assert (finding["code"], finding["file"], finding["line"]) == ("TL010", "<stdin>", target_line)
    assert finding["path"] == "spec.template.spec.securityContext.runAsUser"
    assert (finding["chart"], finding["environments"], finding["object"]) == (
        "todo-backend",
        ["dev"],
        "todo-backend-dev",
    )


def _broken_charts(root: Path) -> None:
    for name in ("tplerr", "reqmissing", "badyaml"):
        shutil.copytree(CHARTS / "todo-frontend", root / name)
        chart_yaml = root / name / "Chart.yaml"
        chart_yaml.write_text(chart_yaml.read_text().replace("name: todo-frontend", f"name: {name}"))
    dep = root / "tplerr/templates/deployment.yaml"
    dep.write_text(
        dep.read_text().replace("{{ .Values.image.pullPolicy }}", "{{ .Values.image.pullPolicy | nosuchfunc }}")
    )
    dep = root / "reqmissing/templates/deployment.yaml"
    dep.write_text(
        dep.read_text().replace(
            "{{ .Values.containerPort }}", '{{ required "extraPort is required" .Values.extraPort }}'
        )
    )
    (root / "badyaml/templates/broken.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: {{ .Values.replicaCount }}\n"
    )


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
def test_broken_charts_are_isolated(run_cli: RunCli, tmp_path: Path, renderer: str, helm4: str) -> None:
    _broken_charts(tmp_path)
    shutil.copytree(CHARTS, tmp_path / "charts")
    done = run_cli(
        "--renderer",
        renderer,
        "--env",
        "dev",
        "--format",
        "json",
        "tplerr",
        "reqmissing",
        "badyaml",
        "charts",
        cwd=tmp_path,
        helm=helm4,
    )
    assert done.code == 2
    assert "Traceback" not in done.stderr
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 3
    assert errors[0].startswith("todolint: error: badyaml (dev): badyaml/templates/broken.yaml")
    assert errors[1].startswith("todolint: error: reqmissing (dev): reqmissing/templates/deployment.yaml:29: ")
    assert "extraPort is required" in errors[1]
    assert errors[2].startswith("todolint: error: tplerr (dev): tplerr/templates/deployment.yaml:26: ")
    assert "nosuchfunc" in errors[2]
    data = json.loads(done.stdout)
    good = [t for t in data["targets"] if t["chart_path"].startswith("charts/")]
    assert [(t["chart"], t["status"], len(t["objects"])) for t in good] == [
        ("todo-backend", "ok", 5),
        ("todo-frontend", "ok", 5),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["does-not-exist"], "does-not-exist: no such file or directory"),
        (["policies"], "policies: no Helm chart here"),
        (["scripts"], "scripts: no Helm chart here"),  # tests/ holds the bad-input corpus charts
        (["--renderer", "helm", "charts/"], "no helm executable on PATH"),
        (["--kube-version", "1.2", "charts/"], "no bundled schemas that old"),
        (["-f", "nope.yaml", "charts/"], "nope.yaml: values file not found"),
    ],
)
def test_usage_errors_are_one_line(run_cli: RunCli, args: list[str], message: str) -> None:
    done = run_cli(*args)
    assert done.code == 2
    assert done.stderr.count("\n") == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_version_bare_and_through_the_command_line_agree(run_cli: RunCli) -> None:
    bare = run_cli("--version")  # answered by todolint.start, before click loads
    among = run_cli("--version", "--help")  # click's eager --version, first on the line, wins
    assert (bare.code, bare.stderr) == (among.code, among.stderr) == (0, "")
    assert bare.stdout == among.stdout
    assert bare.stdout.startswith(f"todolint {__version__}\nembedded Helm v")
    assert bare.stdout.endswith("(kubernetes-validate)\n")


def test_version_names_todolint_both_helms_and_the_schemas(run_cli: RunCli, helm3: str) -> None:
    """`--version` says what would render and validate: the embedded SDK, helm on PATH (or its absence)."""
    without = run_cli("--version").stdout.splitlines()
    assert without[0] == f"todolint {__version__}"
    assert without[1].startswith("embedded Helm v4.") and without[2] == "helm CLI: not on PATH"
    assert without[3].startswith("Kubernetes schemas ") and without[3].endswith(" (kubernetes-validate)")
    with_helm = run_cli("--version", helm=helm3).stdout.splitlines()
    assert with_helm[2].startswith("helm CLI v3.") and with_helm[2].endswith(f"({helm3})")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["charts/", "--format", "json"], 0),
        (["-", "--format", "sarif"], 1),  # the stdin fixture fails TL100: the verdict stands
        (["rules"], 0),
    ],
)
def test_a_reader_that_stops_early_is_no_error(tmp_path: Path, args: list[str], code: int) -> None:
    """`todolint charts/ | head -1`: no error line, and the exit code is the run's verdict."""
    read, write = os.pipe()
    os.close(read)  # nobody reads: todolint's first write to stdout fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "todolint", *args],
            cwd=ROOT,
            stdout=write,
            stderr=subprocess.PIPE,
            input=(ROOT / "tests/rules/TL100/fail-wrong-and-missing.yaml").read_bytes(),
            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")},
            timeout=300,
            check=False,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr.decode()) == (code, "")


def test_wheel_ships_policies_and_lints_from_outside(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("todolint-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies come from this environment (offline); todolint itself only from the wheel.
    import jsonschema_rs

    deps = Path(jsonschema_rs.__file__).resolve().parent.parent
    (Path(site) / "deps.pth").write_text(f"{deps}\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    done = subprocess.run(
        [str(venv / "bin" / "todolint"), "--renderer", "embedded", "--format", "json", str(CHARTS)],
        cwd=outside,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["targets"] == 6
    where = subprocess.run(
        [str(py), "-c", "import todolint.contract as c;print(c.policies_dir())"],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(site)
    assert (Path(where) / "contract.yaml").is_file()
