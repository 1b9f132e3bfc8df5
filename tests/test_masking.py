"""Code frames mask only what can hold a secret (todolint.report.frames.code_frame), and never hide a value
that the finding's message states itself."""

from __future__ import annotations

from pathlib import Path

from todolint.models import Location
from todolint.report.frames import code_frame

VALUES = """service:
  type: NodePort
  token: NodePort
probes:
  path: /healthz
url: https://user:NodePort@db/x
canary: canary7Zq9Xv2LwK
"""


def _values(tmp_path: Path) -> Path:
    path = tmp_path / "values.yaml"
    path.write_text(VALUES)
    return path


def test_values_frame_shows_what_the_message_states(tmp_path: Path) -> None:
    values = _values(tmp_path)
    stated = 'expected one of "ClusterIP", found "NodePort"'
    assert code_frame(Location("values", str(values), 2), stated=stated) == [
        "  1 | service:",
        "> 2 |   type: NodePort",
        "  3 |   token: ***",  # a secret-like key: hidden even when its value is stated
    ]
    # Without the message saying so, a text value in a values file may feed a secret: hidden.
    assert code_frame(Location("values", str(values), 2)) == [
        "  1 | service:",
        "> 2 |   type: ***",
        "  3 |   token: ***",
    ]
    assert code_frame(Location("values", str(values), 5), stated="path: expected '/health', found '/healthz'") == [
        "  4 | probes:",
        "> 5 |   path: /healthz",
        "  6 | url: ***",  # credentials in a URL: hidden whatever the message says
    ]


def test_values_frame_never_shows_an_unstated_canary(tmp_path: Path) -> None:
    values = _values(tmp_path)
    lines = code_frame(Location("values", str(values), 6), stated="a list is not of types string")
    assert lines == ["  5 |   path: ***", "> 6 | url: ***", "  7 | canary: ***"]


def test_template_frame_masks_secret_names_and_a_secrets_values_only(tmp_path: Path) -> None:
    template = tmp_path / "secret.yaml"
    template.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ntype: Opaque\nstringData:\n  name: hunter2\n"
    )
    assert code_frame(Location("template", str(template), 2), masked=True) == [
        "  1 | apiVersion: v1",
        "> 2 | kind: Secret",
        "  3 | metadata:",
    ]
    assert code_frame(Location("template", str(template), 6), masked=True) == [
        "  5 | type: Opaque",
        "> 6 | stringData:",
        "  7 |   name: ***",  # inside a Secret any key may hold one
    ]
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text("kind: Deployment\nspec:\n  type: NodePort\n  password: x1\n  url: http://a:b@c/\n")
    assert code_frame(Location("template", str(deployment), 3)) == [
        "  2 | spec:",
        "> 3 |   type: NodePort",
        "  4 |   password: ***",
    ]
    # The rendered field a secrets rule flags (pre-rendered input) is hidden unless the message names it;
    # a template line is the chart's source, never a rendered value.
    assert code_frame(Location("rendered", str(deployment), 3), secret_line=True)[1] == "> 3 |   type: ***"
    assert code_frame(Location("rendered", str(deployment), 3), secret_line=True, stated="found 'NodePort'")[1] == (
        "> 3 |   type: NodePort"
    )
    assert code_frame(Location("template", str(deployment), 3), secret_line=True)[1] == "> 3 |   type: NodePort"
    assert code_frame(Location("template", str(deployment), 4))[2] == "  5 |   url: ***"


def test_frames_escape_control_characters(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("a: 1\nb: x\x1b[2Jy\n")
    assert code_frame(Location("template", str(template), 2)) == ["  1 | a: 1", "> 2 | b: x\\x1b[2Jy"]
