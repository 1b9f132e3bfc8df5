"""What `todolint --version` prints.

todolint.start answers a bare `todolint --version` from here without loading the command line (click
and the reporters), and `--version` among other flags goes through click to the same text.
"""

from __future__ import annotations

import os

from todolint import __version__, paths


def version_text() -> str:
    """todolint's version, the embedded SDK's and helm's (when on PATH), and the bundled schemas.

    Finding the embedded SDK's version loads its Go library (~50 ms) and helm's starts a process: the
    whole text is remembered in the cache folder, next to what it was worked out from (todolint's
    version, the SDK's library files, helm's executable and the schema folder, as paths, sizes and
    modification times), so that an answer costs a few `stat` calls and no import beyond os.
    """
    helm = paths.which("helm", os.environ.get("PATH"))
    schemas = paths.package_dir("kubernetes_validate")
    facts = repr(
        (
            __version__,
            paths.embedded_fingerprint(os.environ),
            paths.stat_text(helm) if helm else None,
            paths.stat_text(os.path.join(schemas, "kubernetes-json-schema")) if schemas else None,
        )
    )  # repr: one line, whatever the paths hold
    root = paths.cache_root(os.environ)
    entry = os.path.join(paths.entry_folder(root, "renderer"), "version.txt")
    try:
        with open(entry, encoding="utf-8", errors="surrogateescape") as handle:
            stored = handle.read()
    except OSError:
        stored = ""
    known, _, text = stored.partition("\n")
    if known == facts and text:
        return text
    text = _work_out(helm)
    if "unavailable" not in text and "unknown" not in text:
        paths.write_entry(root, entry, f"{facts}\n{text}".encode("utf-8", "surrogateescape"))
    return text


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
