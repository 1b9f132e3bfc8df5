"""`todolint lsp`: the server built with its features, served over stdin and stdout."""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from todolint.lsp.features import register
from todolint.lsp.server import DEBOUNCE, Session
from todolint.version import __version__


def build(*, debounce: float = DEBOUNCE) -> tuple[LanguageServer, Session]:
    """The server with its features, and its session."""
    server = LanguageServer("todolint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
    session = Session(server, debounce=debounce)
    register(server, session)
    return server, session


def serve() -> int:
    """Serve the editor on stdin and stdout until it says exit: 0 when it asked for a shutdown first, as
    the protocol wants, else 1."""
    server, session = build()
    server.start_io()
    asked = session.shut_down
    if not asked:  # the editor went away (stdin closed), or said exit without a shutdown
        session.stop()
    return 0 if asked else 1


__all__ = ["build", "serve"]
