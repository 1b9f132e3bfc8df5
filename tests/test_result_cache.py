"""The result cache: a stored result is reported byte for byte as the run that stored it, and any input
that decides a result makes a run check again. Only clean runs of charts are stored.

No timing here: a hit is seen in what is reported (a planted message comes back) and in the modules a
run loads (tests/test_cache_imports.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CHARTS, ROOT, RunCli
from todolint import result_cache
from todolint.cache import CachingRenderer, RenderCache
from todolint.config import Config
from todolint.contract import default_contract_path, load_contract, policies_dir
from todolint.discover import MatrixOptions, build_targets, discover
from todolint.models import Target
from todolint.render.helm_sdk import EmbeddedRenderer

FORMATS = ("text", "json", "sarif", "junit", "github")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The two project charts, copied, with something to report: prod asks for 5 replicas of each app,
    and the config exempts the frontend (a suppressed finding is stored too)."""
    work = tmp_path / "work"
    shutil.copytree(CHARTS, work / "charts")
    for app in ("todo-backend", "todo-frontend"):
        values = work / "charts" / app / "values-prod.yaml"
        values.write_text(values.read_text().replace("replicaCount: 3", "replicaCount: 5"))
    (work / ".todolint.yaml").write_text(
        "exemptions:\n  - chart: todo-frontend\n    rules: [TL330]\n    reason: load test week\n"
    )
    return work


def _entries(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "xdg-cache" / "todolint" / "result-v1"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _steady(text: str) -> str:
    """The text report without its one moving part, the run's duration at the end of the summary."""
    return re.sub(r" · \d+\.\d\d s$", "", text, flags=re.M)


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_stored_result_reports_the_same_bytes(
    run_cli: RunCli, project: Path, tmp_path: Path, output_format: str
) -> None:
    cold = run_cli("charts", "--format", output_format, cwd=project)
    assert cold.code == 1 and "TL330" in cold.stdout, cold.stderr
    assert len(_entries(tmp_path)) == 1
    warm = run_cli("charts", "--format", output_format, cwd=project)
    assert (warm.code, warm.stderr) == (cold.code, cold.stderr)
    assert _steady(warm.stdout) == _steady(cold.stdout)
    if output_format != "text":
        assert warm.stdout == cold.stdout


def _plant(entry: Path) -> None:
    """Change the stored message of the first finding: a run that reports it answered from the store."""
    data = json.loads(entry.read_text())
    data["result"]["findings"][0][10] = "planted message"
    entry.write_text(json.dumps(data))


def _edit_template(project: Path) -> list[str]:
    template = project / "charts" / "todo-frontend" / "templates" / "service.yaml"
    template.write_text(template.read_text() + "\n# a comment\n")
    return []


def _edit_config(project: Path) -> list[str]:
    config = project / ".todolint.yaml"
    config.write_text(config.read_text() + "ignore: [TL110]\n")
    return []


def _edit_contract(project: Path) -> list[str]:
    contract = project / "contract.yaml"
    contract.write_text(default_contract_path().read_text() + "\n# a comment\n")
    return ["--contract", str(contract)]


def _add_policy_folder(project: Path) -> list[str]:
    (project / "policies").mkdir()
    return ["--policies", str(project / "policies")]


#: Inputs a result depends on beyond the renders, changed one at a time: each returns the extra flags.
CHANGES: dict[str, Callable[[Path], list[str]]] = {
    "chart file": _edit_template,
    "config file": _edit_config,
    "contract": _edit_contract,
    "policy folders": _add_policy_folder,
    "--select": lambda project: ["--select", "TL"],
    "--ignore": lambda project: ["--ignore", "TL110"],
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_what_is_stored_is_reported_until_an_input_changes(
    run_cli: RunCli, project: Path, tmp_path: Path, change: Callable[[Path], list[str]]
) -> None:
    run_cli("charts", "--format", "json", cwd=project)
    [entry] = _entries(tmp_path)
    _plant(entry)
    assert "planted message" in run_cli("charts", "--format", "json", cwd=project).stdout
    flags = change(project)
    again = run_cli("charts", "--format", "json", *flags, cwd=project)
    assert again.code == 1, again.stderr
    assert "planted message" not in again.stdout


def test_a_damaged_entry_is_checked_again_and_rewritten(run_cli: RunCli, project: Path, tmp_path: Path) -> None:
    cold = run_cli("charts", "--format", "json", cwd=project)
    [entry] = _entries(tmp_path)
    for damage in (b"{", b'{"key": "other"}', json.dumps({"key": entry.stem, "result": {}, "rules": []}).encode()):
        entry.write_bytes(damage)
        assert run_cli("charts", "--format", "json", cwd=project).stdout == cold.stdout
        assert json.loads(entry.read_text())["key"] == entry.stem
    assert oct(entry.stat().st_mode & 0o777) == "0o600"


def test_runs_with_errors_piped_input_or_no_cache_are_not_stored(run_cli: RunCli, tmp_path: Path) -> None:
    broken = run_cli(str(ROOT / "tests" / "corpus" / "charts" / "template-syntax"))
    assert broken.code == 2
    stream = (ROOT / "tests" / "rules" / "TL200" / "pass.yaml").read_text()
    piped = run_cli("-", "--chart", "todo-backend", "--env", "dev", stdin=stream)
    assert piped.code == 0, piped.stderr
    assert run_cli("charts", "--no-cache").code == 0
    assert _entries(tmp_path) == []
    assert run_cli("charts").code == 0  # and the folder is the one looked at
    assert len(_entries(tmp_path)) == 1


def test_the_key_follows_todolint_and_the_working_folder(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """todolint's own files (a new version, an edited checkout) and the working folder (findings name
    files relative to it) are in the key; so is each chart × environment, renders aside."""
    monkeypatch.chdir(project)
    contract = load_contract()
    targets = build_targets(discover(["charts"]).charts, contract, MatrixOptions(kube_version="1.37.0"))
    renderer = CachingRenderer(EmbeddedRenderer(), RenderCache(tmp_path / "cache"))

    def key(of: list[Target] = targets) -> str | None:
        return result_cache.result_key(
            renderer,
            of,
            contract=default_contract_path(),
            policy_dirs=[policies_dir()],
            config=Config(),
            options=((), ()),
        )

    first = key()
    assert first is not None and key() == first
    package_file = Path(result_cache.__file__)
    info = package_file.stat()
    try:
        os.utime(package_file, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
        assert key() != first
    finally:
        os.utime(package_file, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert key() == first
    (project / "elsewhere").mkdir()
    monkeypatch.chdir(project / "elsewhere")
    assert key() != first
    monkeypatch.chdir(project)
    assert key() == first
    renamed = [dataclasses.replace(targets[0], env="elsewhere"), *targets[1:]]
    assert key(renamed) != first
