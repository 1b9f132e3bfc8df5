"""The process the embedded Helm SDK renders in: `python .../todolint/render/embedded_worker.py`.

The Go library cannot be interrupted from Python, so a template that loops, or eats memory, would
hold todolint with it. Rendering here instead lets EmbeddedRenderer kill this process when a render
overruns --timeout, and survive it dying.

Protocol, on a private copy of stdout: first, unasked, one line `{"hello": {"version": "v4.2.3"}}` once
the Go library is loaded (todolint starts the worker early and loads its rules meanwhile); then one
JSON line in (a Target's fields), one JSON line out: `{"ok": {template: text}}`, `{"error": {"message":
..., "file": ...}}` (a problem this side words), or `{"helm": "<Helm's error text>"}`, which todolint
makes one redacted line of (render.helm_error).

This module imports only todolint.helm_values of todolint (which imports nothing more) and only what the
standard library loads fast: a worker is started on every cold run, and its start-up is what the first
render waits for.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

# Helm's merge of user-supplied values, nulls kept: chart.render coalesces the chart's defaults under them.
from todolint.helm_values import merge_maps


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its class name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Refused(Exception):
    """A problem worded here, with the file it is about."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file


def compose_values(helm: Any, values_files: list[str], set_values: list[str]) -> dict[str, Any]:
    """Values as `helm template -f a -f b --set x` composes them: files in order, then `--set`."""
    values: dict[str, Any] = {}
    for values_file in values_files:
        try:
            with open(values_file, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise Refused(f"cannot read values file: {exc}", values_file) from None
        try:
            loaded = helm.values_from_yaml(text) if text.strip() else {}
        except helm.HelmError as exc:
            raise Refused(f"values file is not valid YAML: {first_line(exc)}", values_file) from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise Refused("values file must hold a mapping", values_file)
        values = merge_maps(values, loaded)
    for expression in set_values:
        try:
            values = merge_maps(values, helm.parse_set_string(expression))
        except helm.HelmError as exc:
            # Helm's words, as `helm template` says them: the expression itself may hold a secret.
            raise Refused(f"failed parsing --set data: {first_line(exc)}") from None
    return values


def check_dependencies(helm: Any, chart: Any, chart_path: str) -> None:
    """Refuse a chart whose Chart.yaml declares dependencies that are not in `charts/` (as a `.tgz` or a
    folder), naming them; what Helm cannot even list is left for its render to report."""
    declared = chart.metadata.get("dependencies") or []
    if not declared:
        return
    try:
        statuses = helm.dependency_list(chart_path)
    except helm.HelmError:
        return  # Helm reports its own problem with the chart on render
    # "unpacked": vendored as a folder rather than a .tgz, which Helm reads just the same.
    missing = sorted(str(d.get("name")) for d in statuses if d.get("status") not in ("ok", "unpacked"))
    if missing:
        raise Refused(
            "dependencies declared in Chart.yaml are not in charts/ (todolint never downloads them; "
            f"run `helm dependency build`): {', '.join(missing)}",
            f"{chart_path}/Chart.yaml",
        )


def render(helm: Any, request: dict[str, Any]) -> dict[str, str]:
    """`helm_python.Chart.load(path).render(values, name=release, namespace=ns)`: template → text."""
    chart_path = str(request["chart_path"])
    chart = helm.Chart.load(chart_path)
    with chart:
        check_dependencies(helm, chart, chart_path)
        values = compose_values(
            helm, [str(v) for v in request.get("values_files", ())], [str(v) for v in request.get("set_values", ())]
        )
        rendered: dict[str, str] = chart.render(
            values, name=str(request["release"]), namespace=str(request["namespace"])
        )
        return rendered


def answer(helm: Any, line: bytes, *, unloaded: str = "") -> dict[str, Any]:
    """The answer to one request line."""
    try:
        request = json.loads(line)
    except ValueError as exc:
        return {"error": {"message": f"embedded Helm failed: {first_line(exc)}", "file": None}}
    if helm is None:
        return {"error": {"message": f"embedded Helm could not be loaded: {unloaded}", "file": None}}
    try:
        return {"ok": render(helm, request)}
    except Refused as exc:
        return {"error": {"message": exc.message, "file": exc.file}}
    except Exception as exc:
        if isinstance(exc, helm.HelmError):
            return {"helm": str(exc)}
        # A panic in the Go library is an answer too, not a dead worker.
        return {"error": {"message": f"embedded Helm failed: {first_line(exc)}", "file": None}}


def _die_with_parent() -> None:
    # If todolint itself is killed, this process must not render on alone (Linux only; elsewhere
    # the closed pipe stops it at the next request).
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main() -> int:
    """The worker's life: say hello (Helm's version, or why the library did not load), then answer each
    request line on stdin until it closes. It ignores Ctrl-C (todolint's to handle) and, on Linux, dies with
    its parent."""
    # Run as a script, this folder heads sys.path: nothing here is to be imported from it.
    if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
        del sys.path[0]
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is todolint's to handle, not ours
    # Answers go to a private copy of stdout; anything the Go library prints goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    helm: Any = None
    unloaded = ""
    try:
        import helm_python

        hello: dict[str, Any] = {"version": str(helm_python.helm_sdk_version())}
        helm = helm_python
    except Exception as exc:  # each render will say so; the version is then unknown
        unloaded = f"{type(exc).__name__}: {first_line(exc)}"
        hello = {"error": unloaded}
    replies.write(json.dumps({"hello": hello}).encode("utf-8", "surrogatepass") + b"\n")
    replies.flush()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        answered = answer(helm, line, unloaded=unloaded)
        reply = json.dumps(answered, ensure_ascii=False)
        replies.write(reply.encode("utf-8", "surrogatepass") + b"\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
