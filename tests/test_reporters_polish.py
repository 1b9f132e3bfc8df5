"""Everyday polish: --statistics, --quiet, --version, shell completion, and progress on a terminal only."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, RunCli
from tests.test_reporters import GOLDEN_ARGS


def test_statistics_one_line_per_rule(run_cli: RunCli) -> None:
    done = run_cli(*GOLDEN_ARGS, "--statistics")
    assert done.code == 1
    assert done.stdout == (
        "     1  TL010  schema-invalid  error\n"
        "     1  TL011  unknown-kind  warning\n"
        "     1  TL090  suppression-without-reason  error\n"
        "     1  TL091  stale-suppression  warning\n"
    )


def test_quiet_prints_findings_only(run_cli: RunCli) -> None:
    done = run_cli(*GOLDEN_ARGS, "--quiet")
    assert done.code == 1
    assert not done.stdout.startswith("todolint ")
    assert "TL010 schema-invalid" in done.stdout
    clean = run_cli("--quiet", "--renderer", "embedded", "--env", "dev", "charts/")
    assert (clean.code, clean.stdout, clean.stderr) == (0, "", "")


def test_version_names_todolint_helm_and_schemas(run_cli: RunCli) -> None:
    done = run_cli("--version")
    lines = done.stdout.splitlines()
    assert (done.code, lines[0]) == (0, "todolint 0.1.0")
    assert lines[1].startswith("embedded Helm v")
    assert lines[-1].startswith("Kubernetes schemas 1.25.0 to ")


def _complete(words: str, cword: int) -> str:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_TODOLINT_COMPLETE": "bash_complete"}
    done = subprocess.run(
        [sys.executable, "-c", "from todolint.cli import main; main(prog_name='todolint')"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    return done.stdout


def test_shell_completion() -> None:
    env = {**os.environ, "_TODOLINT_COMPLETE": "bash_source"}
    source = subprocess.run(
        [sys.executable, "-c", "from todolint.cli import main; main(prog_name='todolint')"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "complete -o nosort -F _todolint_completion todolint" in source
    assert _complete("todolint --for", 1) == "plain,--format\n"
    assert _complete("todolint --format s", 2) == "plain,sarif\n"


def test_progress_on_a_terminal_never_in_a_pipe(run_cli: RunCli, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    # Its own cache: a result cached by an earlier run would leave nothing to render, and no progress.
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path / "home"))
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "todolint", "--renderer", "embedded", "--format", "json", "charts/"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=secondary,
            check=False,
            timeout=300,
        )
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(primary)
    assert done.returncode == 0
    text = seen.decode()
    assert "[6/6] rendered " in text
    assert text.endswith("\r\x1b[K")
    assert b"rendered" not in done.stdout
    piped = run_cli("--renderer", "embedded", "--format", "json", "charts/")
    assert (piped.code, piped.stderr) == (0, "")


def test_colour_is_the_plain_text_with_styles(run_cli: RunCli, tmp_path: Path) -> None:
    # An object whose name looks like rich markup is printed as it is, in colour and without.
    stream = tmp_path / "markup.yaml"
    stream.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: '[bold]'}\ndata:\n  k: '[/]'\n"
        "---\napiVersion: v1\nkind: Nope\nmetadata:\n  name: '[red]y[/red]'\n"
    )
    plain = run_cli(str(stream), "--env", "dev", "--select", "TL0", "--fail-on", "warning", "--color", "never")
    coloured = run_cli(str(stream), "--env", "dev", "--select", "TL0", "--fail-on", "warning", "--color", "always")
    assert (plain.code, coloured.code) == (1, 1)
    assert "\x1b[" not in plain.stdout
    assert "  Nope/[red]y[/red]\n" in plain.stdout
    assert "\x1b[1;31mwarning\x1b[0m" not in coloured.stdout  # warnings are yellow
    assert "\x1b[33mwarning\x1b[0m" in coloured.stdout

    def timeless(text: str) -> str:  # the summary ends with the elapsed time
        return re.sub(r"· [0-9.]+ s\n$", "", text)

    assert timeless(re.sub(r"\x1b\[[0-9;]*m", "", coloured.stdout)) == timeless(plain.stdout)
