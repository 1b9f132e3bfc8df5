"""What `todolint --version` prints: todolint's version, the embedded SDK's, helm's (when on PATH), and
the bundled Kubernetes schemas."""

from __future__ import annotations

import os

from todolint import paths
from todolint.version import __version__


def version_text() -> str:
    """The version lines; a broken native library or helm binary is named, never fatal."""
    return _work_out(paths.which("helm", os.environ.get("PATH")))


def _work_out(helm: str | None) -> str:
    from todolint import schema

    lines = [f"todolint {__version__}"]
    try:
        from todolint.render.helm_sdk import describe_sdk

        lines.append(f"embedded Helm {describe_sdk()}")
    except Exception as exc:  # a broken native library must not break --version
        lines.append(f"embedded Helm: unavailable ({type(exc).__name__})")
    if helm:
        from todolint.render.helm_cli import HelmCliRenderer

        lines.append(f"helm CLI {HelmCliRenderer(helm).version()} ({helm})")
    else:
        lines.append("helm CLI: not on PATH")
    versions = schema.bundled_versions()
    lines.append(f"Kubernetes schemas {versions[0]} to {versions[-1]} (kubernetes-validate)")
    return "\n".join(lines)
