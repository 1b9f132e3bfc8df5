"""What `todolint --version` prints.

todolint.start answers a bare `todolint --version` from here without loading the command line (click
and the reporters), and `--version` among other flags goes through click to the same text.
"""

from __future__ import annotations

from todolint import __version__


def version_text() -> str:
    """todolint's version, the embedded SDK's and helm's (when on PATH), and the bundled schemas."""
    # Asking helm for its version starts a process and loading the embedded SDK costs ~50 ms: both
    # answers are remembered per executable/library (path, size, mtime) in the cache folder.
    from todolint import schema
    from todolint.cache import RenderCache
    from todolint.render import helm_on_path

    cache = RenderCache()
    lines = [f"todolint {__version__}"]
    try:
        from todolint.render.helm_sdk import EmbeddedRenderer, describe_sdk

        lines.append(f"embedded Helm {cache.remember(EmbeddedRenderer(), 'describe', describe_sdk)}")
    except Exception as exc:  # a broken native library must not break --version
        lines.append(f"embedded Helm: unavailable ({type(exc).__name__})")
    binary = helm_on_path()
    if binary:
        from todolint.render.helm_cli import HelmCliRenderer

        lines.append(f"helm CLI {cache.renderer_version(HelmCliRenderer(binary))} ({binary})")
    else:
        lines.append("helm CLI: not on PATH")
    versions = schema.bundled_versions()
    lines.append(f"Kubernetes schemas {versions[0]} to {versions[-1]} (kubernetes-validate)")
    return "\n".join(lines)
