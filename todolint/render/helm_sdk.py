"""Render in-process with the embedded Helm Go SDK (`helm_python`): no helm binary needed.

Values are composed as `helm template -f a -f b --set x` composes them: files merged in order (later
wins, maps deep-merged), then `--set`; the SDK then coalesces them with the chart's values.yaml and
enforces values.schema.json. The SDK cannot be interrupted, so each render runs on a daemon thread
that the engine abandons when it overruns `--timeout`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todolint.render import RenderedTemplate, RenderError, helm_error

if TYPE_CHECKING:
    from todolint.models import Target


def merge_values(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's mergeMaps: nested maps merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            merged[key] = merge_values(old, value)
        else:
            merged[key] = value
    return merged


class EmbeddedRenderer:
    """`helm_python.Chart.load(path).render(values, name=release, namespace=ns)`."""

    name = "embedded"

    def __init__(self) -> None:
        import importlib.util

        if importlib.util.find_spec("helm_python") is None:
            raise ImportError("helm_python (package helm-python-sdk) is not installed")

    @cached_property
    def _helm(self) -> Any:
        # Loading the Go library costs ~50 ms: a run served from the render cache never pays it.
        import helm_python

        return helm_python

    def version(self) -> str:
        return str(self._helm.helm_sdk_version())

    def compose_values(self, target: Target) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for values_file in target.values_files:
            try:
                text = Path(values_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RenderError(f"cannot read values file: {exc}", file=values_file) from None
            try:
                loaded = self._helm.values_from_yaml(text) if text.strip() else {}
            except self._helm.HelmError as exc:
                raise RenderError(f"values file is not valid YAML: {_first_line(exc)}", file=values_file) from None
            if loaded is None:
                loaded = {}
            if not isinstance(loaded, dict):
                raise RenderError("values file must hold a mapping", file=values_file)
            values = merge_values(values, loaded)
        for expression in target.set_values:
            try:
                values = merge_values(values, self._helm.parse_set_string(expression))
            except self._helm.HelmError as exc:
                raise RenderError(f"--set {expression!r}: {_first_line(exc)}") from None
        return values

    def _check_dependencies(self, chart: Any, target: Target) -> None:
        declared = chart.metadata.get("dependencies") or []
        if not declared:
            return
        try:
            statuses = self._helm.dependency_list(target.chart_path)
        except self._helm.HelmError:
            return  # Helm reports its own problem with the chart on render
        # "unpacked" is a subchart folder under charts/: Helm renders it like an archive.
        missing = sorted(str(d.get("name")) for d in statuses if d.get("status") not in ("ok", "unpacked"))
        if missing:
            raise RenderError(
                "dependencies declared in Chart.yaml are not in charts/ (todolint never downloads them; "
                f"run `helm dependency build`): {', '.join(missing)}",
                file=f"{target.chart_path}/Chart.yaml",
            )

    def _render(self, target: Target) -> dict[str, str]:
        helm = self._helm
        try:
            chart = helm.Chart.load(target.chart_path)
        except helm.HelmError as exc:
            raise RenderError(
                f"cannot load chart: {_first_line(exc)}", file=f"{target.chart_path}/Chart.yaml"
            ) from None
        with chart:
            self._check_dependencies(chart, target)
            values = self.compose_values(target)
            try:
                rendered: dict[str, str] = chart.render(values, name=target.release, namespace=target.namespace)
            except helm.HelmError as exc:
                raise helm_error(target.chart_path, str(exc)) from None
            return rendered

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        try:
            self._helm  # noqa: B018 - load the library here, so that --timeout bounds the render alone
        except Exception as exc:  # a missing or broken native library
            raise RenderError(f"embedded Helm could not be loaded: {_first_line(exc)}") from None
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["ok"] = self._render(target)
            except RenderError as exc:
                outcome["error"] = exc
            except Exception as exc:  # a panic in the Go library must not take the run down
                outcome["error"] = RenderError(f"embedded Helm failed: {_first_line(exc)}")

        worker = threading.Thread(target=work, name=f"render {target.label}", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise RenderError(f"render timed out after {timeout:g} s (--timeout)")
        if "error" in outcome:
            raise outcome["error"]
        templates: list[RenderedTemplate] = []
        for source in sorted(outcome["ok"]):
            text = outcome["ok"][source]
            base = source.rsplit("/", 1)[-1]
            # helm template prints neither NOTES.txt nor helpers; skip them for the same objects.
            if base.endswith(".txt") or base.startswith("_") or not text.strip():
                continue
            templates.append(RenderedTemplate(source, text))
        return templates


def describe_sdk() -> str:
    """`v4.2.3 (helm-python-sdk 0.2.2)`: the Helm SDK compiled in, and the binding's version."""
    import helm_python

    return f"{helm_python.helm_sdk_version()} (helm-python-sdk {helm_python.__version__})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = ["EmbeddedRenderer", "describe_sdk", "merge_values"]
