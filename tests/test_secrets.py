"""No secret value is ever printed: a canary planted everywhere a secret can sit, every output format.

The canary goes into values files, a ConfigMap, a literal env value, a rendered Secret (as stringData and
base64 data), fields that fail the Kubernetes schema, and broken variants whose errors come from Helm's
values schema and from the YAML reader. Every reporter (`todolint.report.reporters()`, so formats added
later are covered), stdout, stderr, `--output` files and the render cache under XDG_CACHE_HOME are then
searched for it.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import CHARTS, RunCli
from todolint.report import reporters

CANARY = "canary7Zq9Xv2LwK"
NEEDLES = (CANARY, base64.b64encode(CANARY.encode()).decode(), CANARY.lower())

SECRET_TEMPLATE = """apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-canary
type: Opaque
stringData:
  DATABASE_URL: {{ .Values.canary | quote }}
data:
  SECRET_KEY: {{ .Values.canary | b64enc }}
"""
SCHEMA_TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-listy
data:
  AUTH_SECRET: [{{ .Values.canary | quote }}]
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-typed
spec:
  ports:
    - port: {{ .Values.canary | quote }}
"""


def canary_chart(root: Path) -> Path:
    """todo-backend with the canary in values, ConfigMap, a literal env value, a Secret and bad fields."""
    chart = root / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    values = chart / "values-dev.yaml"
    values.write_text(values.read_text() + f"  SECRET_KEY: {CANARY}\n  DATABASE_URL: postgresql://u:{CANARY}@db/x\n")
    (chart / "values.yaml").write_text((chart / "values.yaml").read_text() + f"canary: {CANARY}\n")
    deployment = chart / "templates" / "deployment.yaml"
    text = deployment.read_text()
    literal = "          env:\n            - name: OPENAI_API_KEY\n              value: {{ .Values.canary | quote }}\n"
    assert "          env:\n" in text
    deployment.write_text(text.replace("          env:\n", literal, 1))
    (chart / "templates" / "canary-secret.yaml").write_text(SECRET_TEMPLATE)
    (chart / "templates" / "canary-schema.yaml").write_text(SCHEMA_TEMPLATE)
    return chart


def broken_variants(root: Path) -> list[Path]:
    """Charts whose errors come from Helm (values schema) and from the YAML reader, about the canary."""
    schema = canary_chart(root / "schema")
    schema_file = schema / "values.schema.json"
    doc = json.loads(schema_file.read_text())
    doc.setdefault("properties", {})["canary"] = {"type": "string", "pattern": "^[0-9]+$", "format": "email"}
    schema_file.write_text(json.dumps(doc))
    alias = canary_chart(root / "alias")
    (alias / "templates" / "canary-secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  PASSWORD: *{{ .Values.canary }}\n"
    )
    return [schema, alias]


def assert_no_canary(text: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"secret value printed in {where}"


def assert_cache_keeps_it_private(cache: Path) -> None:
    # The issue allows a render cache to hold rendered Secrets only where no one else can read them.
    for path in sorted(cache.rglob("*")) if cache.exists() else []:
        if not path.is_file():
            continue
        data = path.read_bytes().decode("utf-8", "replace")
        if any(needle in data for needle in NEEDLES):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} holds a secret and is not 0600"
            for parent in path.relative_to(cache).parents:
                if parent != Path("."):
                    assert stat.S_IMODE((cache / parent).stat().st_mode) == 0o700, f"{cache / parent} is not 0700"


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
@pytest.mark.parametrize("output_format", sorted(reporters()))
def test_canary_is_never_printed(
    output_format: str, renderer: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    helm = str(request.getfixturevalue("helm4")) if renderer == "helm" else None
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache), "NO_COLOR": "1"}
    good = canary_chart(tmp_path / "good")
    broken = broken_variants(tmp_path / "broken")
    for chart in [good, *broken]:
        args = ("--renderer", renderer, "--env", "dev", "--format", output_format, str(chart))
        done = run_cli(*args, helm=helm, env=env)
        assert_no_canary(done.stdout, f"{output_format} stdout of {chart.parent.name}")
        assert_no_canary(done.stderr, f"stderr of {chart.parent.name}")
        assert "Traceback" not in done.stderr
        # Again into a file: a second run may be served from the render cache.
        report = tmp_path / f"report-{chart.parent.name}.out"
        written = run_cli(*args, "--output", str(report), helm=helm, env=env)
        assert written.code == done.code
        assert_no_canary(report.read_text(encoding="utf-8"), f"{output_format} --output file")
        assert_no_canary(written.stdout + written.stderr, "output with --output")
        if chart == good:
            assert done.code == 1, done.stderr  # the schema errors planted above
            assert done.stderr == ""
        else:
            assert done.code == 2, done.stderr
            assert len(done.stderr.splitlines()) == 1, done.stderr
    assert_cache_keeps_it_private(cache)


def test_canary_chart_really_renders_the_canary(run_cli: RunCli, tmp_path: Path) -> None:
    # Guard against a test that cannot fail: the planted objects are there and carry findings.
    chart = canary_chart(tmp_path)
    done = run_cli("--renderer", "embedded", "--env", "dev", "--format", "json", "--select", "TL0", str(chart))
    data = json.loads(done.stdout)
    objects = data["targets"][0]["objects"]
    assert "Secret/todo-backend-dev-canary" in objects
    assert "ConfigMap/todo-backend-dev-listy" in objects
    schema = sorted((f["kind"], f["path"], f["message"]) for f in data["findings"] if f["code"] == "TL010")
    assert schema == [
        ("ConfigMap", "data.AUTH_SECRET", 'a list is not of types "null", "string"'),
        ("Service", "spec.ports[0].port", 'a string is not of type "integer"'),
    ]


def test_no_world_readable_files_in_the_cache(run_cli: RunCli, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run_cli("--renderer", "embedded", "--env", "dev", str(CHARTS), env={"XDG_CACHE_HOME": str(cache)})
    for path in cache.rglob("*") if cache.exists() else []:
        assert not stat.S_IMODE(path.stat().st_mode) & (stat.S_IROTH | stat.S_IWOTH), path


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_malformed_set_never_prints_its_value(
    renderer: str, output_format: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # `--set` that Helm cannot parse: both renderers say Helm's words, never the expression.
    helm = str(request.getfixturevalue("helm4")) if renderer == "helm" else None
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    args = ("--renderer", renderer, "--env", "dev", "--format", output_format, str(chart))
    done = run_cli(*args, "--set", f"config.SECRET_KEY={CANARY},{{x", helm=helm)
    assert_no_canary(done.stdout, f"{output_format} stdout")
    assert_no_canary(done.stderr, "stderr")
    assert done.code == 2
    assert done.stderr == (
        f'todolint: error: todo-backend (dev): {chart}: failed parsing --set data: key "{{x" has no value\n'
    ), done.stderr


@pytest.mark.parametrize("renderer", ["embedded", "helm"])
def test_every_renderer_error_is_one_line_of_at_most_500_characters(
    renderer: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # 300 missing dependencies: the embedded renderer's own message once went out whole (8 KB).
    helm = str(request.getfixturevalue("helm4")) if renderer == "helm" else None
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    names = [f"dependency-with-a-long-name-{n:03}" for n in range(300)]
    deps = "".join(f"  - name: {n}\n    version: 0.1.0\n    repository: file://../{n}\n" for n in names)
    (chart / "Chart.yaml").write_text((chart / "Chart.yaml").read_text() + "dependencies:\n" + deps)
    done = run_cli("--renderer", renderer, "--env", "dev", "--no-cache", str(chart), helm=helm)
    assert done.code == 2
    (line,) = done.stderr.splitlines()
    message = line.removeprefix(f"todolint: error: todo-backend (dev): {chart}/Chart.yaml: ")
    assert len(message) == 500 and message.endswith("..."), message
