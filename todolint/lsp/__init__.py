"""`todolint lsp`: a Language Server Protocol server over stdio (docs/editors.md).

- `overlay`: the charts being linted, copied into a private folder with the editor's unsaved buffers
  written in; paths mapped back to the user's files
- `ranges`: the characters of a line a location points at (a values key's scalar, a template line)
- `diagnostics`: findings → diagnostics on every file that holds a location, and their fixes as edits
- `linting`: one lint of some charts over the overlay, through the application (`todolint.app`)
- `server`: the pygls server: documents, debounced and superseded re-lints, code actions, hover

pygls and lsprotocol come with the `lsp` extra (`pip install 'todolint[lsp]'`); nothing else of
todolint imports this package, so that no other command loads them.
"""

from __future__ import annotations

#: What `todolint lsp` says when pygls is not installed.
MISSING = "todolint lsp needs pygls and lsprotocol: pip install 'todolint[lsp]'"


def serve() -> int:
    """`todolint lsp`: serve the editor on stdin and stdout until it says exit; the exit code.
    UsageError when pygls or lsprotocol is not installed."""
    try:
        from todolint.lsp.stdio import serve as serve_stdio
    except ImportError as exc:
        if exc.name in ("pygls", "lsprotocol") or str(exc.name).startswith(("pygls.", "lsprotocol.")):
            from todolint.app import fail

            fail(MISSING)
        raise
    return serve_stdio()


__all__ = ["MISSING", "serve"]
