"""The bad-input corpus: every broken or hostile input gets its exact answer, never a traceback.

Cases and their expected outcomes are data (tests/corpus/cases.yaml); inputs too large or too odd for
git are made here, at test time. Every chart case runs with the embedded Helm SDK and the helm CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, Run, RunCli

CORPUS = ROOT / "tests" / "corpus"
CASES: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
RENDERERS = ("embedded", "helm")
#: Seconds a looping template may run: long enough for any honest chart here, short for the test.
LOOP_TIMEOUT = "2"


def expected(section: str, name: str, renderer: str) -> dict[str, Any]:
    case = dict(CASES[section][name])
    override = case.pop("embedded", {}), case.pop("helm", {})
    case.update(override[0] if renderer == "embedded" else override[1])
    return case


def lint(run_cli: RunCli, renderer: str, helm: str | None, *args: str, cwd: Path | None = None) -> tuple[Run, Any]:
    done = run_cli(
        "--renderer", renderer, "--env", "dev", "--select", "TL0", "--format", "json", *args,
        helm=helm if renderer == "helm" else None, cwd=cwd,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    for line in done.stderr.splitlines():
        assert line.startswith("todolint: error: "), done.stderr
    data = json.loads(done.stdout) if done.stdout.strip() else None
    return done, data


def helm_for(renderer: str, request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("helm3")) if renderer == "helm" else None


def relative(file: str | None, base: str) -> str | None:
    if file is None or file == base:
        return None
    return file.removeprefix(base + "/")


def assert_outcome(done: Run, data: Any, want: dict[str, Any], *, base: str, error_vars: dict[str, str]) -> None:
    assert done.code == want["exit"], done.stderr
    errors = done.stderr.splitlines()
    if "error" in want:
        assert len(errors) == 1, done.stderr
        wanted = want["error"]
        for key, value in error_vars.items():
            wanted = wanted.replace("{" + key + "}", value)
        assert wanted in errors[0], errors[0]
    else:
        assert errors == [] or want["exit"] == 2, done.stderr
    if data is None:  # stopped before linting (a usage error): nothing else to compare
        assert "findings" not in want and "objects" not in want
        return
    findings = [[f["code"], relative(f["file"], base), f["line"]] for f in data["findings"]]
    assert findings == want.get("findings", []), findings
    objects = [o for t in data["targets"] for o in t["objects"]]
    assert objects == want.get("objects", []), objects


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", sorted(CASES["charts"]))
def test_chart_case(name: str, renderer: str, run_cli: RunCli, request: pytest.FixtureRequest) -> None:
    chart = f"tests/corpus/charts/{name}"
    timeout = LOOP_TIMEOUT if name == "long-loop" else "60"
    done, data = lint(run_cli, renderer, helm_for(renderer, request), "--timeout", timeout, chart)
    assert_outcome(done, data, expected("charts", name, renderer), base=chart, error_vars={"chart": chart})


@pytest.mark.parametrize("name", sorted(CASES["streams"]))
def test_stream_case(name: str, run_cli: RunCli) -> None:
    stream = f"tests/corpus/streams/{name}"
    done, data = lint(run_cli, "embedded", None, stream)
    want = {"findings": [], **CASES["streams"][name]}
    want["findings"] = [[code, None, line] for code, line in want["findings"]]
    assert_outcome(done, data, want, base=stream, error_vars={})


# --- generated inputs -------------------------------------------------------------------------------

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gen-config\ndata:\n  KEY: value\n"


@pytest.mark.parametrize(
    ("name", "data", "want"),
    [
        ("nul.yaml", CONFIGMAP.replace("value", "va\0lue").encode(), ("TL002", 6, "not allowed (U+0000)")),
        ("latin1.yaml", CONFIGMAP.replace("value", "caf\xe9").encode("latin-1"), ("TL002", None, "not valid UTF-8")),
        ("bom.yaml", b"\xef\xbb\xbf" + CONFIGMAP.encode(), None),
        ("crlf.yaml", CONFIGMAP.replace("\n", "\r\n").encode(), None),
        ("deep.yaml", (CONFIGMAP + "x:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200))).encode(),
         ("TL002", 108, "document is nested deeper than 100 levels")),
    ],
)  # fmt: skip
def test_generated_stream(name: str, data: bytes, want: tuple[str, int | None, str] | None, run_cli: RunCli,
                          tmp_path: Path) -> None:  # fmt: skip
    path = tmp_path / name
    path.write_bytes(data)
    done, result = lint(run_cli, "embedded", None, str(path))
    if want is None:
        assert done.code == 0, done.stderr
        assert result["findings"] == []
        assert [o for t in result["targets"] for o in t["objects"]] == ["ConfigMap/gen-config"]
        return
    code, line, message = want
    assert done.code == 2
    assert [(f["code"], f["line"]) for f in result["findings"]] == [(code, line)]
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_crlf_keeps_lines(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes((CONFIGMAP + "  KEY: again\n").replace("\n", "\r\n").encode())
    _, result = lint(run_cli, "embedded", None, str(path))
    assert [(f["code"], f["line"]) for f in result["findings"]] == [("TL003", 7)]


def test_fifty_megabyte_stream(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    blob = "x" * 1_000_000
    with path.open("w", encoding="utf-8") as out:
        for i in range(50):
            out.write(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-{i:02d}\ndata:\n  BLOB: {blob}\n")
    done, result = lint(run_cli, "embedded", None, str(path))
    assert done.code == 0, done.stderr
    assert len([o for t in result["targets"] for o in t["objects"]]) == 50


@pytest.mark.parametrize("renderer", RENDERERS)
def test_fifty_megabyte_render(renderer: str, run_cli: RunCli, request: pytest.FixtureRequest) -> None:
    chart = "tests/corpus/charts/big-render"
    done, data = lint(run_cli, renderer, helm_for(renderer, request), "--set", "count=50,size=1000000", chart)
    assert done.code == 0, done.stderr
    assert len(data["targets"][0]["objects"]) == 50


@pytest.mark.parametrize("renderer", RENDERERS)
def test_render_over_the_cap(renderer: str, run_cli: RunCli, request: pytest.FixtureRequest) -> None:
    chart = "tests/corpus/charts/big-render"
    done, data = lint(run_cli, renderer, helm_for(renderer, request), "--set", "count=70,size=1000000", chart)
    assert done.code == 2
    assert done.stderr == f"todolint: error: big-render (dev): {chart}: rendered output is larger than 64 MiB\n"
    assert [(f["code"], f["line"]) for f in data["findings"]] == [("TL001", None)]


# --- paths ---------------------------------------------------------------------------------------------


def copy_chart(tmp_path: Path, folder: str, name: str = "ok-minimal") -> Path:
    target = tmp_path / folder
    shutil.copytree(CORPUS / "charts" / "ok-minimal", target)
    if name != "ok-minimal":
        chart_yaml = target / "Chart.yaml"
        chart_yaml.write_text(chart_yaml.read_text().replace("name: ok-minimal", f"name: {name}"))
    return target


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("folder", ["-x", "--set=a", "with space", "quote'\"s", "ünïcødé-Ω"])
def test_odd_folder_names(folder: str, renderer: str, run_cli: RunCli, tmp_path: Path,
                          request: pytest.FixtureRequest) -> None:  # fmt: skip
    copy_chart(tmp_path, f"charts/{folder}")
    # Passed through a parent folder, and directly (after `--`): never a helm flag, never split.
    for args in (["charts"], ["--", folder] if folder.startswith("-") else [f"charts/{folder}"]):
        cwd = tmp_path / "charts" if args[0] == "--" else tmp_path
        done, data = lint(run_cli, renderer, helm_for(renderer, request), *args, cwd=cwd)
        assert done.code == 0, done.stderr
        assert [o for t in data["targets"] for o in t["objects"]] == ["ConfigMap/ok-minimal-dev-config"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_chart_name_that_is_no_release_name(renderer: str, run_cli: RunCli, tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:  # fmt: skip
    chart = copy_chart(tmp_path, "odd", name="Tödo_App")
    done, data = lint(run_cli, renderer, helm_for(renderer, request), str(chart))
    assert done.code == 2
    assert done.stderr.startswith("todolint: error: Tödo_App (dev): ")
    assert "Tödo_App-dev" in done.stderr
    assert [f["code"] for f in data["findings"]] == ["TL001"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_symlink_outside_the_chart(renderer: str, run_cli: RunCli, tmp_path: Path,
                                   request: pytest.FixtureRequest) -> None:  # fmt: skip
    outside = tmp_path / "outside.yaml"
    outside.write_text(CONFIGMAP.replace("value", "OUTSIDE-THE-CHART-7f3a"))
    chart = copy_chart(tmp_path, "chart")
    (chart / "templates" / "stolen.yaml").symlink_to(outside)
    done, data = lint(run_cli, renderer, helm_for(renderer, request), str(chart))
    assert done.code == 2
    assert done.stderr == (
        f"todolint: error: ok-minimal (dev): {chart}/templates/stolen.yaml: templates/stolen.yaml is a symlink "
        "to something outside the chart; todolint does not follow it\n"
    )
    assert "OUTSIDE-THE-CHART" not in done.stdout + done.stderr
    assert [(f["code"], f["file"]) for f in data["findings"]] == [("TL001", f"{chart}/templates/stolen.yaml")]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_symlink_loop(renderer: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    chart = copy_chart(tmp_path, "chart")
    (chart / "charts").mkdir()
    (chart / "charts" / "self").symlink_to("..", target_is_directory=True)
    done, _ = lint(run_cli, renderer, helm_for(renderer, request), str(chart))
    assert done.code == 2
    assert done.stderr.endswith("charts/self is a symlink loop (it points at its own folder)\n"), done.stderr


@pytest.mark.parametrize("renderer", RENDERERS)
def test_unreadable_template(renderer: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # Tests run as root, and chmod 000 does not stop root. A FIFO is honestly unreadable: opening it
    # blocks for ever, which is what a linter must never do.
    chart = copy_chart(tmp_path, "chart")
    (chart / "templates" / "cm.yaml").unlink()
    os.mkfifo(chart / "templates" / "cm.yaml")
    done, _ = lint(run_cli, renderer, helm_for(renderer, request), str(chart))
    assert done.code == 2
    assert done.stderr.endswith(
        "templates/cm.yaml is not a regular file (a FIFO, socket or device); Helm would block reading it\n"
    ), done.stderr


@pytest.mark.parametrize("renderer", RENDERERS)
def test_values_file_that_is_a_folder(renderer: str, run_cli: RunCli, tmp_path: Path,
                                      request: pytest.FixtureRequest) -> None:  # fmt: skip
    chart = copy_chart(tmp_path, "chart")
    (chart / "values-dev.yaml").mkdir()
    done, data = lint(run_cli, renderer, helm_for(renderer, request), str(chart))
    assert done.code == 0, done.stderr  # not a values file: the environment renders with values.yaml alone
    assert data["targets"][0]["objects"] == ["ConfigMap/ok-minimal-dev-config"]
    extra, _ = lint(run_cli, renderer, helm_for(renderer, request), "-f", str(chart / "values-dev.yaml"), str(chart))
    assert extra.code == 2
    assert extra.stderr == f"todolint: error: {chart}/values-dev.yaml: values file not found\n"


def test_packaged_chart(run_cli: RunCli, tmp_path: Path) -> None:
    package = tmp_path / "ok-minimal-0.1.0.tgz"
    shutil.make_archive(str(package).removesuffix(".tgz"), "gztar", CORPUS / "charts", "ok-minimal")
    Path(str(package).removesuffix(".tgz") + ".tar.gz").rename(package)
    done, _ = lint(run_cli, "embedded", None, str(package))
    assert done.code == 2
    assert (
        done.stderr == f"todolint: error: {package}: a packaged chart; unpack it (tar xzf) and lint the chart folder\n"
    )


# --- processes -----------------------------------------------------------------------------------------


def test_helm_missing(run_cli: RunCli) -> None:
    done, _ = lint(run_cli, "helm", None, "tests/corpus/charts/ok-minimal")
    assert done.code == 2
    assert done.stderr == (
        "todolint: error: --renderer helm: no helm executable on PATH (install helm or use --renderer embedded)\n"
    )


@pytest.mark.parametrize("renderer", RENDERERS)
def test_long_helm_error_is_one_short_line(renderer: str, run_cli: RunCli, request: pytest.FixtureRequest) -> None:
    done, _ = lint(run_cli, renderer, helm_for(renderer, request), "tests/corpus/charts/long-error")
    (line,) = done.stderr.splitlines()
    assert len(line) <= 600
    assert line.endswith(" more lines)") or line.endswith("...")


@pytest.mark.parametrize("renderer", RENDERERS)
def test_looping_template_does_not_hold_the_others(renderer: str, run_cli: RunCli,
                                                   request: pytest.FixtureRequest) -> None:  # fmt: skip
    # Three environments of a chart that would render for days, then a good chart: the loops are
    # stopped, the good chart is linted, and the process ends (run_cli would raise on a hang).
    done, data = lint(
        run_cli, renderer, helm_for(renderer, request), "--timeout", LOOP_TIMEOUT, "--env", "staging", "--env", "prod",
        "tests/corpus/charts/long-loop", "tests/corpus/charts/ok-minimal",
    )  # fmt: skip
    assert done.code == 2
    assert done.stderr == (
        f"todolint: error: long-loop (dev, staging, prod): tests/corpus/charts/long-loop: render timed out after "
        f"{LOOP_TIMEOUT} s (--timeout)\n"
    )
    assert [(t["chart"], t["env"], t["status"]) for t in data["targets"]] == [
        ("long-loop", "dev", "error"), ("long-loop", "staging", "error"), ("long-loop", "prod", "error"),
        ("ok-minimal", "dev", "ok"), ("ok-minimal", "staging", "ok"), ("ok-minimal", "prod", "ok"),
    ]  # fmt: skip


def test_stream_that_is_a_fifo(run_cli: RunCli, tmp_path: Path) -> None:
    fifo = tmp_path / "rendered.yaml"
    os.mkfifo(fifo)
    done, _ = lint(run_cli, "embedded", None, str(fifo))
    assert (done.code, done.stderr) == (2, f"todolint: error: {fifo}: not a regular file\n")


def test_stream_over_the_cap(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w", encoding="utf-8") as out:
        out.write(CONFIGMAP)
        out.write("  BLOB: " + "x" * (65 * 2**20) + "\n")
    done, data = lint(run_cli, "embedded", None, str(path))
    assert done.code == 2
    assert done.stderr == f"todolint: error: - (dev): {path}: larger than 64 MiB\n"
    assert [(f["code"], f["file"]) for f in data["findings"]] == [("TL002", str(path))]


def _workers(parent: int | None = None) -> set[int]:
    """The SDK worker processes running now; with `parent`, only its children (other runs on the
    machine, a parallel test suite's included, start workers of their own)."""
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"render/embedded_worker.py" in (proc / "cmdline").read_bytes():
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if parent is None or ppid == parent:
                    found.add(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.parametrize("moment", ["starting", "rendering"])
def test_interrupt_stops_a_hung_render_and_its_worker(moment: str) -> None:
    """Ctrl-C as todolint starts (its worker too), or while the worker loops on a render."""
    assert Path("/proc").is_dir(), "reads /proc to find the worker: the suite runs on Linux, as the pinned Helm builds"
    process = subprocess.Popen(
        [sys.executable, "-m", "todolint", "--renderer", "embedded", "--timeout", "600", "--env", "dev",
         "tests/corpus/charts/long-loop"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell's background jobs ignore SIGINT; a person's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _workers(process.pid) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        spawned = _workers(process.pid)
        assert spawned, "no SDK worker process appeared"
        if moment == "rendering":  # loading the library takes ~0.1 s of CPU; the loop takes all it gets
            while max(map(_cpu_seconds, spawned), default=0) < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert (process.returncode, stderr) == (2, "todolint: interrupted\n")
    for _ in range(100):  # the worker dies with its parent; give the kernel a moment to reap it
        if not _workers() & spawned:
            break
        time.sleep(0.1)
    assert not _workers() & spawned
