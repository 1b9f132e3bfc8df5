"""Masking hides secret values and nothing else (todolint.redact, todolint.report.frames.code_frame).

Secret: a Secret's `data`/`stringData` values, the value of a key or env entry with a secret-like name
(the contract's `secret_name_patterns` as whole words), anything under such a key in a values file, a
values key a Secret template reads, a URL's password. Everything else prints as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from todolint.contract import load_contract
from todolint.models import Location
from todolint.redact import SecretNames, find_secrets, masked, secret_paths
from todolint.report.frames import code_frame

CONTRACT = load_contract()
NAMES = SecretNames(CONTRACT.secret_name_patterns, CONTRACT.secret_name_settings)


def shown(text: str, kind: str = "values", **options: object) -> list[str]:
    secrets = find_secrets(text, kind=kind, names=NAMES, **options)  # type: ignore[arg-type]
    return [masked(line, secrets.on(n)) for n, line in enumerate(text.splitlines(), start=1)]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DATABASE_URL", True),
        ("ACCESS_TOKEN", True),
        ("adminPassword", True),  # camelCase words
        ("db.password", True),
        ("OPENAI_API_KEY", True),
        ("apiKey", True),
        ("TOKENIZER_MODEL", False),  # whole words only
        ("PASSWORDLESS_LOGIN", False),
        ("BACKEND_ENV", False),
        ("path", False),
    ],
)
def test_secret_like_names_are_the_contracts_whole_words(name: str, secret: bool) -> None:
    assert NAMES.match(name) is secret


def test_a_whole_number_under_a_setting_is_shown() -> None:
    assert shown('ACCESS_TOKEN_EXPIRE_MINUTES: "30"\nACCESS_TOKEN_EXPIRE_MINUTES: soon\n') == [
        'ACCESS_TOKEN_EXPIRE_MINUTES: "30"',
        "ACCESS_TOKEN_EXPIRE_MINUTES: ***",
    ]


def test_values_file_hides_secrets_only() -> None:
    text = """\
config:
  BACKEND_ENV: production
  adminPassword: hunter2  # rotated monthly
  URL: https://user:pw1@db.example/x
  POOL_SIZE: "5"
  enabled: true
probes:
  path: /
  token: ""
secret:
  keys:
    - DATABASE_URL
auth: {type: basic, password: p4ss, nested: {apiKey: k3y}}
# password: oldpass
tls:
  privateKey: |
    -----BEGIN PRIVATE KEY-----
    abc
  cert: |
    -----BEGIN CERTIFICATE-----
stringData:
  ANY: v4lue
"""
    assert shown(text) == [
        "config:",
        "  BACKEND_ENV: production",
        "  adminPassword: ***  # rotated monthly",
        "  URL: https://user:***@db.example/x",
        '  POOL_SIZE: "5"',
        "  enabled: true",
        "probes:",
        "  path: /",
        '  token: ""',  # nothing to hide
        "secret:",
        "  keys:",
        "    - ***",  # under a secret-like key
        "auth: {type: basic, password: ***, nested: {apiKey: ***}}",
        "# password: ***",
        "tls:",
        "  privateKey: |",
        "    ***",
        "    ***",
        "  cert: |",
        "    -----BEGIN CERTIFICATE-----",
        "stringData:",
        "  ANY: ***",
    ]


def test_values_a_secret_template_reads_are_hidden() -> None:
    template = (
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {{ .Values.plain }}\n---\n"
        "apiVersion: v1\nkind: Secret\nstringData:\n  conn: {{ .Values.backend.conn | quote }}\n"
    )
    fed = secret_paths(template)
    assert fed == {("backend", "conn")}
    assert shown("plain: a\nbackend:\n  conn: c0nn\n  replicas: 2\n", fed=fed) == [
        "plain: a",
        "backend:",
        "  conn: ***",
        "  replicas: 2",
    ]


def test_template_hides_a_secrets_data_and_secret_env_values_only() -> None:
    text = """\
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "app.fullname" . }}-secrets
  namespace: todo-dev
type: Opaque
stringData:
  PLAIN: canary1
  FROM_VALUES: {{ .Values.x | quote }}
data:
  k: Y2FuYXJ5
---
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers:
        - name: backend
          env:
            - name: DATABASE_URL
              value: postgres://u:pw@db/x
            - name: BACKEND_ENV
              value: production
            - {name: API_KEY, value: sk-live}
            - name: FROM_SECRET
              valueFrom:
                secretKeyRef:
                  name: todo-backend-dev-secrets
                  key: DATABASE_URL
          securityContext:
            capabilities:
              drop:
                - ALL
          readinessProbe:
            httpGet:
              path: /
      volumes:
        - name: s
          secret:
            secretName: tls
"""
    expected = text.splitlines()
    expected[7] = "  PLAIN: ***"
    expected[10] = "  k: ***"
    expected[22] = "              value: ***"
    expected[25] = "            - {name: API_KEY, value: ***}"
    # Shown: the Secret's name, namespace, kind and type; an expression (the chart's code, not a value);
    # BACKEND_ENV's value; secretKeyRef and secretName (references); `ALL`; the probe path `/`.
    assert shown(text, "template") == expected


def test_rendered_objects_are_read_as_they_are(tmp_path: Path) -> None:
    rendered = '---\n# Source: x/templates/secret.yaml\napiVersion: v1\nkind: Secret\nstringData:\n  a: "{{ b }}"\n'
    assert shown(rendered, "rendered")[-1] == "  a: ***"  # no template expressions after a render


def test_values_frame(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("service:\n  type: NodePort\n  token: NodePort\nprobes:\n  path: /healthz\ncanary: c4nary\n")
    assert code_frame(Location("values", str(values), 2), names=NAMES) == [
        "  1 | service:",
        "> 2 |   type: NodePort",
        "  3 |   token: ***",
    ]
    assert code_frame(Location("values", str(values), 5), names=NAMES) == [
        "  4 | probes:",
        "> 5 |   path: /healthz",
        "  6 | canary: c4nary",  # not a secret place: shown
    ]


def test_secrets_rule_frame_hides_the_flagged_rendered_line(tmp_path: Path) -> None:
    rendered = tmp_path / "deployment.yaml"
    rendered.write_text("kind: Deployment\nspec:\n  type: NodePort\n  password: x1\n  url: http://a:b@c/\n")
    frame = code_frame(Location("rendered", str(rendered), 3), names=NAMES, secret_line=True)
    assert frame == ["  2 | spec:", "> 3 |   type: ***", "  4 |   password: ***"]
    # A template line is the chart's source, never a rendered value.
    assert code_frame(Location("template", str(rendered), 3), names=NAMES, secret_line=True)[1] == (
        "> 3 |   type: NodePort"
    )
    assert code_frame(Location("template", str(rendered), 4))[2] == "  5 |   url: http://a:***@c/"


def test_frames_escape_control_characters(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("a: 1\nb: x\x1b[2Jy\n")
    assert code_frame(Location("template", str(template), 2)) == ["  1 | a: 1", "> 2 | b: x\\x1b[2Jy"]
