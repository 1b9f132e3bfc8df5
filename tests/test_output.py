"""Files todolint writes (reports, baselines) take the permissions any program's new file gets: the
umask's, or the existing file's own; never the 0600 of the temporary file they are written through."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHARTS, RunCli
from todolint.output import write_atomic


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_report_follows_the_umask(tmp_path: Path, umask_027: None) -> None:
    report = tmp_path / "todolint.sarif"
    write_atomic(report, lambda stream: stream.write("{}\n"))
    assert _mode(report) == 0o640
    assert report.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["todolint.sarif"]


def test_a_rewritten_report_keeps_its_own_mode(tmp_path: Path, umask_027: None) -> None:
    report = tmp_path / "report.json"
    report.write_text("old\n")
    report.chmod(0o604)
    write_atomic(report, lambda stream: stream.write("new\n"))
    assert _mode(report) == 0o604
    assert report.read_text() == "new\n"


def test_reports_and_baselines_from_the_command_line_are_readable_by_others(tmp_path: Path, run_cli: RunCli) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    expected = 0o666 & ~mask
    sarif, baseline = tmp_path / "out.sarif", tmp_path / "baseline.json"
    done = run_cli(str(CHARTS), "-q", "--format", "sarif", "-o", str(sarif), "--write-baseline", str(baseline))
    assert done.code == 0, done.stderr
    assert (_mode(sarif), _mode(baseline)) == (expected, expected)
