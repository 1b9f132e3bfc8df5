"""Limits on what a hostile or careless input can cost: the config file is read once, within the
limits rendered YAML has; suppression matching is linear; every render has a memory cap."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHARTS, ROOT, RunCli
from todolint.config import ConfigError, load_config


def within(seconds: float, action: Callable[[], Any]) -> Any:
    """`action()`'s result (or the exception it raised), failing when it takes longer than `seconds`."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(action())
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"took longer than {seconds} s"
    return outcome[0]


# --- the config file -------------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    lines = ["select: [TL0]", "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels + 1):
        lines.append(f"x{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    lines.append("unknown-key: 1")
    return "\n".join(lines) + "\n"


CONFIGS = {
    # Reported where the expansion that passes the limit starts: the first anchor.
    "alias-bomb": (alias_bomb(9), ":2: aliases expand to more than 10,000 nodes (an alias bomb?)"),
    "deep": (
        "select:\n" + "".join("  " * (n + 1) + f"- k{n}:\n" for n in range(150)),
        ":52: document is nested deeper than 100 levels",
    ),
    "invalid": ("select: [TL0\n", ":2: not valid YAML"),
    "two-documents": ("select: [TL0]\n---\nignore: [TL1]\n", ":2: not valid YAML"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_limits(tmp_path: Path, name: str) -> None:
    text, said = CONFIGS[name]
    config = tmp_path / ".todolint.yaml"
    config.write_text(text)
    raised = within(20, lambda: load_config(config))
    assert isinstance(raised, ConfigError), raised
    assert str(raised) == f"{config}{said}"


def test_a_huge_config_is_refused_unread(tmp_path: Path) -> None:
    config = tmp_path / ".todolint.yaml"
    with open(config, "wb") as handle:  # sparse: 85 MB on paper, none on disk
        handle.truncate(85 * 10**6)
    raised = within(5, lambda: load_config(config))
    assert isinstance(raised, ConfigError)
    assert str(raised).endswith(": larger than 64 MiB")


def test_config_lines_of_exemptions_still_known(tmp_path: Path) -> None:
    config = tmp_path / ".todolint.yaml"
    config.write_text(
        "select: [TL1]\nexemptions:\n  - rules: [TL100]\n    reason: vendored\n  - reason: all\n    chart: x\n"
    )
    loaded = load_config(config)
    assert [(e.rules, e.line) for e in loaded.exemptions] == [(("TL100",), 3), ((), 5)]


def test_cli_says_the_alias_bomb_in_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".todolint.yaml").write_text(alias_bomb(9))
    started = time.monotonic()
    done = run_cli("--config", str(tmp_path / ".todolint.yaml"), str(CHARTS))
    assert time.monotonic() - started < 60
    assert done.code == 2
    assert done.stderr == (
        f"todolint: error: {tmp_path}/.todolint.yaml:2: aliases expand to more than 10,000 nodes (an alias bomb?)\n"
    )


# --- suppression --------------------------------------------------------------------------------------


def test_an_annotation_with_100k_entries_is_matched_in_linear_time(tmp_path: Path) -> None:
    entries = "; ".join(f"TL{200 + n % 50}: reason {n}" for n in range(100_000))
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "big", "annotations": {"todolint.io/ignore": entries}},
        "data": {"a": "b"},
    }
    stream = tmp_path / "big.yaml"
    stream.write_text(json.dumps(obj))
    environ = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "todolint", "--no-cache", "--format", "json", str(stream)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=environ,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("100,000 suppression entries took longer than 120 s")
    findings = json.loads(done.stdout)["findings"]
    stale = [f for f in findings if f["code"] == "TL091" and f["object"] == "big"]
    # Every entry is stale (its rule found nothing on a ConfigMap), the first one and one near the end
    # (reports may join one object's findings into one: the entry is then in the joined message).
    for n in (0, 99_950):  # TL200 (some of TL200-TL249 are no rule: those entries say so)
        said = f"entry 'TL{200 + n % 50}: reason {n}' matches no TL{200 + n % 50} finding on this object; remove it"
        assert any(said in f["message"] for f in stale), n


def copy_backend(tmp_path: Path) -> Path:
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    return chart


# --- the memory cap -----------------------------------------------------------------------------------

#: A template that renders a value which renders itself, twice: Helm's memory doubles until it dies.
RECURSION_VALUES = 'x: "{{ tpl .Values.x . }}{{ tpl .Values.x . }}"\n'
RECURSION_TEMPLATE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rec\ndata:\n  a: {{ tpl .Values.x . | quote }}\n"
)


def recursion_chart(root: Path) -> Path:
    chart = root / "recursion"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: recursion\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(RECURSION_VALUES)
    (chart / "templates" / "cm.yaml").write_text(RECURSION_TEMPLATE)
    return chart


@pytest.mark.parametrize("renderer", ["embedded", "helm3", "helm4"])
def test_a_render_past_the_memory_cap_is_stopped_and_the_rest_is_linted(
    renderer: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    helm = str(request.getfixturevalue(renderer)) if renderer != "embedded" else None
    recursion = recursion_chart(tmp_path / "charts")
    copy_backend(tmp_path / "charts")
    started = time.monotonic()
    done = run_cli(
        *("--renderer", "helm" if helm else "embedded", "--env", "dev", "--select", "TL0", "--format", "json"),
        *("--max-memory", "300", "--timeout", "50", "--no-cache", str(tmp_path / "charts")),
        helm=helm,
    )
    # Far below the --timeout: the cap stopped it, not the clock.
    assert time.monotonic() - started < 40
    assert done.code == 2
    assert done.stderr == f"todolint: error: recursion (dev): {recursion}: render used more than 300 MiB\n"
    data = json.loads(done.stdout)
    assert [(f["code"], f["chart"], f["message"]) for f in data["findings"]] == [
        ("TL001", "recursion", "render used more than 300 MiB")
    ]
    objects = {t["chart"]: t["objects"] for t in data["targets"]}
    assert objects["recursion"] == []
    assert "Deployment/todo-backend-dev" in objects["todo-backend"]
    assert recursion.is_dir()
