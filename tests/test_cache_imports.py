"""Start-up stays lean: which heavy modules a command loads (no timing: the module list is exact).

A warm run (render cache and schema verdicts filled) loads neither the Go library, nor a schema
validator, nor rich; an unchanged run not even the rules and the engine; and no run loads the Go
library into todolint's own process (the render worker does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

HEAVY = ("helm_python", "jsonschema_rs", "jsonschema", "kubernetes_validate", "rich", "pygls", "lsprotocol")

PROBE = """
import json, os, sys
sys.argv = ["todolint", *json.loads(sys.argv[1])]
def _exit(code):
    raise SystemExit(code)
os._exit = _exit  # todolint ends its process with os._exit: here, end it after listing the modules
from todolint.start import main  # what `todolint` runs
try:
    main()
except SystemExit:
    pass
with open(os.environ["PROBE_OUT"], "w") as out:
    json.dump(sorted(sys.modules), out)
"""


def _loaded(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages a command loads."""
    return {m.split(".")[0] for m in _modules(tmp_path, *args)}


def _modules(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"), PROBE_OUT=str(out))
    paths = [p for p in env.get("PATH", "").split(os.pathsep) if p and not (Path(p) / "helm").exists()]
    env["PATH"] = os.pathsep.join(paths)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


def test_warm_run_loads_neither_the_sdk_nor_the_validator(tmp_path: Path) -> None:
    cold = _loaded(tmp_path, "charts/", "--renderer", "embedded", "-q")
    # The Go library is loaded by the render worker, never by todolint's own process.
    assert "jsonschema_rs" in cold
    assert "helm_python" not in cold
    assert "rich" not in cold  # plain text to a pipe needs no rich
    assert "todolint.locate" not in _modules(tmp_path, "charts/", "-q")  # a clean run locates nothing
    # Renders and schema verdicts cached, the result not (another selection): the engine runs.
    warm = _modules(tmp_path, "charts/", "--renderer", "embedded", "-q", "--ignore", "TL110")
    assert "todolint.engine" in warm
    # The declarative policies are decided in-process; python-jsonschema only words a failing one.
    assert {m.split(".")[0] for m in warm} & set(HEAVY) == set()
    assert "helm_python" not in _loaded(tmp_path, "charts/", "--renderer", "embedded", "-q", "--no-cache")


def test_an_unchanged_run_loads_neither_the_rules_nor_the_engine(tmp_path: Path) -> None:
    """The second run of the same command answers from the result cache (todolint.result_cache)."""
    first = _modules(tmp_path, "charts/", "-q")
    assert {"todolint.engine", "todolint.rules", "todolint.rules.probes"} <= first
    again = _modules(tmp_path, "charts/", "-q")
    assert {m for m in again if m.startswith(("todolint.engine", "todolint.rules", "todolint.parse"))} == set()
    assert "todolint.baseline" not in again
    # SARIF documents the rules in force: they load, the engine does not.
    sarif = _modules(tmp_path, "charts/", "-q", "--format", "sarif")
    assert "todolint.rules.probes" in sarif and "todolint.engine" not in sarif
