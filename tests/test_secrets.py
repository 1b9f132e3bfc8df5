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
@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
@pytest.mark.parametrize("tail", ["{x", "TAIL"])
def test_malformed_set_never_prints_its_value(
    renderer: str, output_format: str, tail: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # `--set db.password=s3cr3t,TAIL`: Helm reads TAIL as a key with no value, and quotes it. It is the
    # rest of the value: both renderers say what is wrong without any part of the expression.
    helm = str(request.getfixturevalue("helm4")) if renderer == "helm" else None
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    args = ("--renderer", renderer, "--env", "dev", "--format", output_format, str(chart))
    done = run_cli(*args, "--set", f"config.SECRET_KEY={CANARY},{tail}", helm=helm)
    for text, where in ((done.stdout, f"{output_format} stdout"), (done.stderr, "stderr")):
        assert_no_canary(text, where)
        assert tail not in text, where
    assert done.code == 2
    assert done.stderr == (
        f"todolint: error: todo-backend (dev): {chart}: failed parsing --set data: "
        'a part has no "=" (a comma inside a value is written \\,)\n'
    ), done.stderr


def test_config_prints_set_keys_never_values(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(CHARTS, tmp_path / "charts")
    sets = ("--set", f"db.password={CANARY}", "--set", f"config.SECRET_KEY={CANARY},TAIL")
    text = run_cli("config", "charts", *sets, cwd=tmp_path)
    shown = run_cli("config", "charts", *sets, "--format", "json", cwd=tmp_path)
    for done in (text, shown):
        assert done.code == 0, done.stderr
        assert_no_canary(done.stdout + done.stderr, "todolint config")
        assert "TAIL" not in done.stdout + done.stderr
    row = next(line for line in text.stdout.splitlines() if line.startswith("todo-backend   dev"))
    assert row.endswith("db.password config.SECRET_KEY"), row
    targets = json.loads(shown.stdout)["targets"]
    assert {tuple(t["set"]) for t in targets} == {("db.password", "config.SECRET_KEY")}


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


#: One canary in each place a secret sits; none may be printed anywhere.
PLACES = {
    "a Secret's stringData in a template": "cnryTplStringData1",
    "a Secret's data in a template": base64.b64encode(b"cnryTplData2").decode(),
    "a values key a Secret reads": "cnryValuesSecret3",
    "a password key in values": "cnryPasswordKey4",
    "a URL's password in an env DATABASE_URL": "cnryUrlPassword5",
    "a --set value": "cnrySetValue6",
    "a secret-like config key": "cnryConfigKey7",
}
PLACES_SECRET = f"""apiVersion: v1
kind: Secret
metadata:
  name: {{{{ .Release.Name }}}}-canary
  namespace: todo-dev
type: Opaque
stringData:
  PLAIN: {PLACES["a Secret's stringData in a template"]}
  FROM_VALUES: {{{{ .Values.config.DB_CONN | quote }}}}
data:
  BLOB: {PLACES["a Secret's data in a template"]}
"""


def places_repo(root: Path) -> Path:
    """The project's charts with a canary in each secret place, each beside a finding (so that a code
    frame or a --diff hunk would show it), and the non-secret lines the same findings show."""
    shutil.copytree(CHARTS, root / "charts")
    chart = root / "charts" / "todo-backend"
    (chart / "templates" / "canary-secret.yaml").write_text(PLACES_SECRET)
    values = chart / "values.yaml"
    text = values.read_text()
    for old, new in (
        ("  type: ClusterIP\n", f"  type: NodePort\n  adminPassword: {PLACES['a password key in values']}\n"),
        (
            "  BACKEND_ENV: development\n",
            f"  BACKEND_ENV: development\n  API_TOKEN: {PLACES['a secret-like config key']}\n"
            f"  DB_CONN: {PLACES['a values key a Secret reads']}\n",
        ),
        ("  path: /health\n", "  path: /\n"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    values.write_text(text)
    deployment = chart / "templates" / "deployment.yaml"
    text = deployment.read_text()
    password = PLACES["a URL's password in an env DATABASE_URL"]
    url = f"postgres://todo:{password}@db.example/todo"
    for old, new in (
        ("          env:\n", f"          env:\n            - name: DATABASE_URL\n              value: {url}\n"),
        (
            '            capabilities: {drop: ["ALL"]}\n',
            "            capabilities:\n              drop:\n                - ALL\n              add: [NET_ADMIN]\n",
        ),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    deployment.write_text(text)
    prod = chart / "values-prod.yaml"
    prod.write_text(prod.read_text().replace("replicaCount: 3\n", "replicaCount: 5\n", 1))
    return root


def test_every_secret_place_stays_out_of_every_output(run_cli: RunCli, tmp_path: Path) -> None:
    repo = places_repo(tmp_path / "repo")
    lint = ("charts", "--renderer", "embedded", "--set", f"db.password={PLACES['a --set value']}")
    printed: dict[str, str] = {}
    for output_format in sorted(reporters()):
        done = run_cli(*lint, "--format", output_format, cwd=repo)
        assert done.code == 1, done.stderr
        printed[output_format] = done.stdout
        printed[f"{output_format} stderr"] = done.stderr
    diff = run_cli(*lint, "--diff", "--unsafe-fixes", cwd=repo)
    printed["--diff"], printed["--diff stderr"] = diff.stdout, diff.stderr
    for config_format in ("text", "json"):
        shown = run_cli("config", *lint[:1], *lint[3:], "--format", config_format, cwd=repo)
        printed[f"config {config_format}"] = shown.stdout + shown.stderr
    for where, text in printed.items():
        for place, canary in PLACES.items():
            assert canary not in text, f"{place} printed in {where}"
    text = printed["text"]
    # Every canary sits beside a finding: the code frames show each of its lines, masked.
    for frame in ("|   adminPassword: ***", "|   API_TOKEN: ***", "|   DB_CONN: ***", "|               value: ***"):
        assert frame in text, frame
    # What is not secret prints as it is: a probe path, a list item, a Secret's name and namespace.
    for frame in (
        "|   path: /\n",
        "|                 - ALL\n",
        "|   name: {{ .Release.Name }}-canary\n",
        "|   namespace: todo-dev\n",
        "|   BACKEND_ENV: development\n",
    ):
        assert frame in text, frame
    assert "· --set db.password\n" in text
    for line in ("-kind: Secret", "-metadata:", "-  namespace: todo-dev", "-  PLAIN: ***", "-  BLOB: ***"):
        assert f"\n{line}\n" in printed["--diff"], line
    assert "\n   BACKEND_ENV: production\n" in printed["--diff"]
    assert "\n-  path: /\n+  path: /health\n" in printed["--diff"]
