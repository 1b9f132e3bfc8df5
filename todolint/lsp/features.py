"""The protocol's requests and notifications the server answers, each handed to the session: documents
opened, changed, saved and closed; code actions (a finding's fix, every safe fix of a file); hover (the
rule's `todolint explain`); shutdown."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from todolint.lsp.diagnostics import Fixable
from todolint.lsp.server import Session

QUICKFIX = types.CodeActionKind.QuickFix
#: The code action kind that applies every safe fix of a file.
FIX_ALL = "source.fixAll.todolint"


def register(server: LanguageServer, session: Session) -> None:
    """Register every feature of `server`, each answered from `session`."""

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        session.start(_root(params), params.initialization_options)

    @server.feature(types.INITIALIZED)
    def initialized(_params: types.InitializedParams) -> None:
        linter = session.linter
        if linter is not None:
            # The application and the rules load now, not on the first keystroke.
            asyncio.get_running_loop().run_in_executor(session.executor, _warm)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        session.touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        session.touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        session.touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        session.touched(params.text_document.uri)  # the file on disk counts again

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[QUICKFIX, FIX_ALL]))
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(session, params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(params: types.HoverParams) -> types.Hover | None:
        return await explain_at(session, params)

    @server.feature(types.SHUTDOWN)
    def shutdown(_params: None) -> None:
        session.stop()


def _root(params: types.InitializeParams) -> Path:
    """The workspace root the editor names (its first folder, else rootUri, else rootPath), else the
    folder the server was started in."""
    uris = [folder.uri for folder in params.workspace_folders or ()]
    for uri in [*uris, params.root_uri]:
        path = to_fs_path(uri) if uri else None
        if path:
            return Path(path)
    return Path(params.root_path) if params.root_path else Path(os.getcwd())


def _warm() -> None:
    """Load what every lint needs (the application, the engine, the rules)."""
    import todolint.app.lint_run
    import todolint.engine
    import todolint.fix
    import todolint.rules  # noqa: F401


def _wants(only: list[str] | None, kind: str) -> bool:
    """Whether the editor asks for actions of `kind` (`only` names kinds or their parents)."""
    return only is None or any(kind == asked or kind.startswith(f"{asked}.") for asked in only)


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return not (_before(a.end, b.start) or _before(b.end, a.start))


def code_actions(session: Session, params: types.CodeActionParams) -> list[types.CodeAction]:
    """A quick fix for each fixable diagnostic in the range; every safe fix of the file as one action."""
    uri = params.text_document.uri
    only = [str(kind) for kind in params.context.only] if params.context.only else None
    fixes = [fix for report in session.reports(uri) for fix in report.fixes]
    actions: list[types.CodeAction] = []
    if _wants(only, QUICKFIX):
        actions.extend(_quick_fix(fix) for fix in fixes if _overlaps(fix.diagnostic.range, params.range))
    if _wants(only, FIX_ALL) and (everything := _fix_all(session, uri)) is not None:
        actions.append(everything)
    return actions


def _quick_fix(fix: Fixable) -> types.CodeAction:
    return types.CodeAction(
        title=fix.title,
        kind=QUICKFIX,
        diagnostics=[fix.diagnostic],
        edit=types.WorkspaceEdit(changes={fix.uri: [fix.edit]}),
        is_preferred=fix.safe,
    )


def _fix_all(session: Session, uri: str) -> types.CodeAction | None:
    """Every safe fix whose edit is in `uri`, overlapping ones left out (as --fix leaves them)."""
    edits: list[types.TextEdit] = []
    diagnostics: list[types.Diagnostic] = []
    fixes = [fix for shown in session.shown.values() for report in shown.values() for fix in report.fixes]
    if not session.current(uri):
        return None  # the buffer changed since the lint: its fixes may no longer fit
    for fix in sorted(fixes, key=lambda f: (f.edit.range.start.line, f.edit.range.start.character)):
        if not fix.safe or fix.uri != uri or any(_overlaps(fix.edit.range, e.range) for e in edits):
            continue
        edits.append(fix.edit)
        diagnostics.append(fix.diagnostic)
    if not edits:
        return None
    return types.CodeAction(
        title="Fix all safe todolint findings",
        kind=FIX_ALL,
        diagnostics=diagnostics,
        edit=types.WorkspaceEdit(changes={uri: edits}),
    )


async def explain_at(session: Session, params: types.HoverParams) -> types.Hover | None:
    """`todolint explain` of the rule of each diagnostic under the cursor."""
    at = params.position
    found = [
        d
        for d in session.diagnostics(params.text_document.uri)
        if d.code and not _before(at, d.range.start) and not _before(d.range.end, at)
    ]
    codes = list(dict.fromkeys(str(d.code) for d in found))
    if not codes:
        return None
    loop = asyncio.get_running_loop()
    texts = [await loop.run_in_executor(session.executor, _explain, session, code) for code in codes]
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.PlainText, value="\n".join(texts).rstrip("\n")),
        range=found[0].range,
    )


def _explain(session: Session, code: str) -> str:
    """The rule's explanation, as `todolint explain CODE` prints it (kept: a rule's text does not change
    while the server runs)."""
    if code not in session.explained:
        from todolint.app import UsageError, explain

        try:
            session.explained[code] = explain(code)
        except UsageError as exc:
            session.explained[code] = str(exc)
    return session.explained[code]


__all__ = ["FIX_ALL", "QUICKFIX", "code_actions", "explain_at", "register"]
