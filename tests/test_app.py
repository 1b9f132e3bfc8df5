"""The Python API: `todolint.lint()` answers what `todolint check` answers, and says usage errors the same way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import todolint
import todolint.app
from tests.conftest import CHARTS, RunCli


@pytest.fixture
def broken_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The backend chart with five replicas in prod; a cache folder and HOME of its own."""
    chart = tmp_path / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", chart)
    values = chart / "values-prod.yaml"
    values.write_text(values.read_text().replace("replicaCount: 3", "replicaCount: 5"))
    assert "replicaCount: 5" in values.read_text()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return chart


def test_lint_finds_what_the_command_line_finds(broken_chart: Path, run_cli: RunCli) -> None:
    result = todolint.lint([str(broken_chart)], renderer="embedded", no_config=True)
    found = [(f.code, list(f.envs), f.kind, f.object, f.file, f.line) for f in result.active]
    assert found == [("TL330", ["prod"], "Deployment", "todo-backend-prod", "todo-backend/values-prod.yaml", 1)]
    cli = run_cli(
        str(broken_chart), "--renderer", "embedded", "--no-config", "--format", "json", cwd=broken_chart.parent
    )
    assert cli.code == 1
    report = json.loads(cli.stdout)
    findings = report["findings"]
    assert [(f["code"], f["environments"], f["kind"], f["object"], f["file"], f["line"]) for f in findings] == found


def test_lint_raises_the_usage_error_the_command_line_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(todolint.UsageError, match=r"^nope: no such file or directory$"):
        todolint.lint(["nope"], no_config=True)
    with pytest.raises(todolint.UsageError, match=r"^--renderer helm: no helm executable on PATH"):
        monkeypatch.setenv("PATH", str(tmp_path))
        todolint.lint([str(CHARTS)], renderer="helm", no_config=True, no_cache=True)


def test_a_run_loads_its_rules_once(broken_chart: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine, every re-lint that proves a fix, and the fixes themselves read one load of the rules
    (thirty policy files and every rule module)."""
    import todolint.rules

    loads: list[object] = []
    real = todolint.rules.all_rules

    def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(todolint.rules, "all_rules", counted)
    values = broken_chart / "values-prod.yaml"
    diff = todolint.app.run(todolint.app.Request(paths=(str(broken_chart),), renderer="embedded", diff=True))
    assert (diff.exit_code, len(loads)) == (1, 1)
    assert "replicaCount: 5" in values.read_text()
    loads.clear()
    # Narrowed by --select: the fix is proven by a run of every rule, then reported by a narrowed one.
    fixed = todolint.lint([str(broken_chart)], renderer="embedded", no_config=True, fix=True, select=("TL330",))
    assert fixed.active == () and "replicaCount: 5" not in values.read_text()
    assert len(loads) == 1


def test_every_public_name_of_the_application_resolves() -> None:
    for name in todolint.app.__all__:
        assert getattr(todolint.app, name) is not None, name
    with pytest.raises(AttributeError):
        _ = todolint.app.nothing_here
