"""The URL rules as data and as words: TL324 (a database in the cluster or the pod), TL350/TL351 (the
frontend's URLs for the backend), TL012 (Secret data that is not base64).

Their lists are the contract's (`database.placeholder_hosts`, `api_url_keys`): a team that edits them
changes what is reported. Their messages never print a password: a canary planted in every URL they
read is searched for in every report format, text frames and SARIF snippets included.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import ROOT
from todolint.cli import main
from todolint.report import reporters
from todolint.rules.apiurl import Url

CANARY = "canary5Rt8Wq3ZpX"
NEEDLES = (CANARY, CANARY.lower(), base64.b64encode(CANARY.encode()).decode())
FIXTURES = ROOT / "tests" / "rules"
LABELS = "{app.kubernetes.io/name: %s, app.kubernetes.io/instance: %s-dev}"


def stream(documents: list[tuple[str, dict[str, Any]]]) -> str:
    """A pre-rendered stream: each (chart, object) under its chart's `# Source:` comment."""
    parts = []
    for chart, obj in documents:
        kind = str(obj["kind"]).lower()
        parts.append(f"# Source: {chart}/templates/{kind}.yaml\n" + yaml.safe_dump(obj, sort_keys=False))
    return "---\n" + "---\n".join(parts)


def canary_stream() -> str:
    """Both apps, with the canary as the password of every URL the rules read."""
    secret_url = base64.b64encode(f"postgresql://todo:{CANARY}@db/todo".encode()).decode()
    backend = {"app.kubernetes.io/name": "todo-backend", "app.kubernetes.io/instance": "todo-backend-dev"}
    frontend = {"app.kubernetes.io/name": "todo-frontend", "app.kubernetes.io/instance": "todo-frontend-dev"}

    def deployment(name: str, labels: dict[str, str], env: list[dict[str, str]]) -> dict[str, Any]:
        container = {"name": name, "image": f"{name}:1.0.0", "env": env}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": f"{name}-dev", "labels": labels},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            },
        }

    return stream(
        [
            (
                "todo-backend",
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": "todo-backend-dev", "labels": backend},
                    "spec": {"selector": backend, "ports": [{"name": "http", "port": 8000}]},
                },
            ),
            (
                "todo-backend",
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "todo-backend-dev-config", "labels": backend},
                    "data": {"DATABASE_URL": f"postgresql://todo:{CANARY}@postgres:5432/todo"},
                },
            ),
            (
                "todo-backend",
                deployment(
                    "todo-backend",
                    backend,
                    [{"name": "SQLALCHEMY_DATABASE_URI", "value": f"postgresql://todo:{CANARY}@postgresql-service/t"}],
                ),
            ),
            (
                "todo-backend",
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": "todo-backend-dev-secrets", "labels": backend},
                    "data": {"DATABASE_URL": secret_url, "SECRET_KEY": f"{CANARY} plain"},
                },
            ),
            (
                "todo-frontend",
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "todo-frontend-dev-config", "labels": frontend},
                    "data": {
                        "NEXT_PUBLIC_API_URL": f"http://todo:{CANARY}@todo-backend:8000",
                        "API_URL": f"http://todo:{CANARY}@localhost:8000/api",
                    },
                },
            ),
            ("todo-frontend", deployment("todo-frontend", frontend, [])),
        ]
    )


def lint(text: str, *args: str) -> tuple[int, str]:
    """Lint a pre-rendered stream from stdin for dev, in-process: exit code and stdout."""
    run = CliRunner().invoke(
        main, ["-", "--env", "dev", "--namespace", "todo-dev", *args], input=text, catch_exceptions=False
    )
    return run.exit_code, run.stdout


@pytest.mark.parametrize("output_format", sorted(reporters()))
def test_no_url_rule_prints_a_password(output_format: str) -> None:
    code, out = lint(canary_stream(), "--format", output_format, "--select", "TL012,TL324,TL350,TL351")
    assert code == 1
    for needle in NEEDLES:
        assert needle not in out, output_format


def test_the_canary_stream_gives_each_rule_its_findings() -> None:
    """Guard against a test that cannot fail: every URL planted above is reported."""
    _, out = lint(canary_stream(), "--format", "json", "--select", "TL012,TL324,TL350,TL351")
    found = sorted((f["code"], f["object"], f["path"]) for f in json.loads(out)["findings"])
    assert found == [
        ("TL012", "todo-backend-dev-secrets", "data.SECRET_KEY"),
        ("TL324", "todo-backend-dev", "spec.template.spec.containers[0].env[0].value"),
        ("TL324", "todo-backend-dev-config", "data.DATABASE_URL"),
        ("TL324", "todo-backend-dev-secrets", "data.DATABASE_URL"),
        ("TL350", "todo-frontend-dev-config", "data.API_URL"),
        ("TL350", "todo-frontend-dev-config", "data.NEXT_PUBLIC_API_URL"),
    ]
    messages = {f["path"]: f["message"] for f in json.loads(out)["findings"] if f["code"] == "TL350"}
    assert messages["data.NEXT_PUBLIC_API_URL"] == (
        "NEXT_PUBLIC_API_URL: expected 'http://todo-backend-dev:8000', found 'http://***@todo-backend:8000'"
    )


def edited_contract(tmp_path: Path, **changes: Any) -> Path:
    """The built-in contract with top-level or `database.` keys changed (None: left out)."""
    data = yaml.safe_load((ROOT / "policies" / "contract.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        section, _, name = key.rpartition("__")
        where = data[section] if section else data
        if value is None:
            where.pop(name, None)
        else:
            where[name] = value
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def findings(fixture: Path, *args: str) -> list[tuple[str, int]]:
    """(code, line) of each finding of a pre-rendered fixture, linted with its header's flags."""
    text = fixture.read_text(encoding="utf-8")
    header = text.splitlines()[0].removeprefix("# todolint:").split()
    flags = [part for pair in header for part in (f"--{pair.partition('=')[0]}", pair.partition("=")[2])]
    run = CliRunner().invoke(main, [str(fixture), *flags, "--format", "json", *args], catch_exceptions=False)
    return sorted((f["code"], f["line"]) for f in json.loads(run.stdout)["findings"])


def line_of(fixture: Path, needle: str) -> int:
    """The line (1-based) of the fixture that holds `needle`."""
    lines = fixture.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def test_placeholder_hosts_are_the_contracts(tmp_path: Path) -> None:
    """`host` is a placeholder because the contract says so: without the word it names a Service; without
    the list no single-label host is judged at all."""
    fixture = FIXTURES / "TL324" / "pass-external-and-placeholders.yaml"
    assert findings(fixture, "--select", "TL324") == []
    words = yaml.safe_load((ROOT / "policies" / "contract.yaml").read_text(encoding="utf-8"))["database"]
    fewer = [w for w in words["placeholder_hosts"] if w != "host"]
    narrowed = edited_contract(tmp_path, database__placeholder_hosts=fewer)
    assert findings(fixture, "--select", "TL324", "--contract", str(narrowed)) == [
        ("TL324", line_of(fixture, "reader@host:"))
    ]
    bare = FIXTURES / "TL324" / "fail-bare-host-env-list.yaml"
    none = edited_contract(tmp_path, database__placeholder_hosts=None)
    assert findings(bare, "--select", "TL324", "--contract", str(none)) == []


def test_api_url_keys_are_the_contracts(tmp_path: Path) -> None:
    """A key of `api_url_keys` is checked whatever its URL names; left out, only URLs naming the backend are."""
    fixture = FIXTURES / "TL350" / "fail-other-names.yaml"
    everything = findings(fixture, "--select", "TL350")
    localhost = line_of(fixture, "NEXT_PUBLIC_API_BASE_URL:")
    assert ("TL350", line_of(fixture, 'API_URL: "http://backend:8000"')) in everything
    assert ("TL350", localhost) in everything
    without = edited_contract(tmp_path, api_url_keys=None)
    # `backend` is a word of the backend: still checked; `localhost:30001` names nothing of it.
    assert findings(fixture, "--select", "TL350", "--contract", str(without)) == [
        line for line in everything if line[1] != localhost
    ]


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("http://todo-backend-dev:8000", Url("http", "todo-backend-dev", 8000)),
        (
            "HTTPS://Todo-Backend.todo-dev.svc.cluster.local./api",
            Url("https", "todo-backend.todo-dev.svc.cluster.local", 443),
        ),
        ("http://u:p@[::1]:80/x", Url("http", "::1", 80)),
        ("http://backend:port", Url("http", "backend", None)),
        ("http://a:8000,http://b:8000", None),
        ("/api", None),
        ("todo-backend:8000", None),
        (8000, None),
    ],
)
def test_url_reads_one_http_url(value: object, parsed: Url | None) -> None:
    assert Url.parse(value) == parsed


def test_url_namespace_needs_svc_or_a_known_namespace() -> None:
    known = frozenset({"todo-dev", "todo-prod"})
    assert Url("http", "todo-backend.todo-prod.svc", 80).namespace(known) == "todo-prod"
    assert Url("http", "todo-backend.other.svc.cluster.local", 80).namespace(known) == "other"
    assert Url("http", "todo-backend.todo-prod", 80).namespace(known) == "todo-prod"
    assert Url("http", "api.example", 80).namespace(known) is None
    assert Url("http", "api.openai.com", 443).namespace(known) is None
    assert not Url("http", "api.openai.com", 443).in_cluster(known)
    assert Url("http", "backend", 80).in_cluster(known)
