"""The process the embedded Helm SDK renders in: `python .../todolint/render/embedded_worker.py`.

The Go library cannot be interrupted from Python, so a template that loops, or eats memory, would
hold todolint with it. Rendering here instead lets EmbeddedRenderer kill this process when a render
overruns --timeout, and survive it dying. Protocol, on a private copy of stdout: first, unasked, one
line `{"hello": {"version": "v4.2.3"}}` once the Go library is loaded (todolint starts the worker
early and goes on loading its rules meanwhile); then one JSON line in (a Target), one JSON line out
(`{"ok": {template: text}}` or `{"error": {...}}`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from todolint.models import Target


def _die_with_parent() -> None:
    # If todolint itself is killed, this process must not render on alone (Linux only; elsewhere
    # the closed pipe stops it at the next request).
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def target_from_json(data: dict[str, Any]) -> Target:
    from todolint.models import Target

    return Target(
        chart=str(data["chart"]),
        chart_path=str(data["chart_path"]),
        env=str(data["env"]),
        release=str(data["release"]),
        namespace=str(data["namespace"]),
        values_files=tuple(str(v) for v in data.get("values_files", ())),
        set_values=tuple(str(v) for v in data.get("set_values", ())),
        kube_version=str(data.get("kube_version", "")),
    )


def answer(line: bytes) -> dict[str, Any]:
    from todolint.render import RenderError
    from todolint.render.helm_sdk import EmbeddedRenderer, first_line

    try:
        target = target_from_json(json.loads(line))
        return {"ok": EmbeddedRenderer().render_here(target)}
    except RenderError as exc:
        return {"error": {"message": exc.message, "file": exc.file, "line": exc.line, "code": exc.code}}
    except Exception as exc:  # a panic in the Go library is an answer too, not a dead worker
        return {"error": {"message": f"embedded Helm failed: {first_line(exc)}"}}


def hello() -> dict[str, Any]:
    """Load the Go library now, before the first request, and say which Helm it is."""
    try:
        import helm_python

        return {"hello": {"version": str(helm_python.helm_sdk_version())}}
    except Exception as exc:  # the renders will say what is wrong; the version is then unknown
        return {"hello": {"error": f"{type(exc).__name__}: {exc}"}}


def _import_renderer() -> None:
    with contextlib.suppress(Exception):  # answer() meets any import problem again, and reports it
        import todolint.models
        import todolint.render.helm_sdk  # noqa: F401


def main() -> int:
    # Run as a script, this folder heads sys.path; todolint comes from PYTHONPATH instead.
    if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
        del sys.path[0]
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is todolint's to handle, not ours
    # Answers go to a private copy of stdout; anything the Go library prints goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    # Loading the Go library (dlopen, ~60 ms) releases the GIL: import our own code meanwhile.
    ours = threading.Thread(target=_import_renderer)
    ours.start()
    greeting = hello()
    ours.join()
    replies.write(json.dumps(greeting).encode("utf-8", "surrogatepass") + b"\n")
    replies.flush()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        replies.write(json.dumps(answer(line), ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
