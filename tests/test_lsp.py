"""`todolint lsp` driven as an editor drives it: a real client (pygls's) talks to `python -m todolint lsp`
over stdio in a copy of the project, with unsaved buffers, code actions, hover, a render error, and a
shutdown that leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.conftest import CHARTS
from todolint.app import explain

VALUES = "charts/todo-backend/values-prod.yaml"
TEMPLATE = "charts/todo-backend/templates/deployment.yaml"
TL330 = "Deployment/todo-backend-prod spec.replicas: expected at most 3, found 5 [prod]"
#: Seconds to wait for one publishDiagnostics (a first lint renders six targets).
WAIT = 120.0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's charts in a repository of its own."""
    root = tmp_path / "repo"
    shutil.copytree(CHARTS, root / "charts")
    (root / ".git").mkdir()  # the config search stops here, as in a clone
    return root


def _range(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line=line, character=start), end=types.Position(line=line, character=end))


class Editor:
    """A language client as an editor is one: it opens and edits buffers and records what it is told."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.client = LanguageClient("test-editor", "1")
        self.published: dict[str, asyncio.Queue[list[types.Diagnostic]]] = {}
        self.versions: dict[str, int] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            self.queue(params.uri).put_nowait(list(params.diagnostics))

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def queue(self, uri: str) -> asyncio.Queue[list[types.Diagnostic]]:
        return self.published.setdefault(uri, asyncio.Queue())

    async def start(self, tmp: Path) -> None:
        env = dict(os.environ, TMPDIR=str(tmp))
        await self.client.start_io(sys.executable, "-m", "todolint", "lsp", cwd=str(self.root), env=env)
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=self.root.as_uri(),
                initialization_options={"debounce": 0.1},
            )
        )
        self.client.initialized(types.InitializedParams())

    def open(self, rel: str) -> None:
        uri = self.uri(rel)
        self.versions[uri] = 1
        text = (self.root / rel).read_text()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
            )
        )

    def edit(self, rel: str, range_: types.Range, text: str) -> None:
        uri = self.uri(rel)
        self.versions[uri] += 1
        change = types.TextDocumentContentChangePartial(range=range_, text=text)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[change],
            )
        )

    async def next(self, rel: str) -> list[types.Diagnostic]:
        return await asyncio.wait_for(self.queue(self.uri(rel)).get(), WAIT)

    async def until(self, rel: str, wanted: Callable[[list[types.Diagnostic]], bool]) -> list[types.Diagnostic]:
        """The first diagnostics published for `rel` that are `wanted` (earlier ones are lints of the
        buffer as it was, superseded)."""
        while True:
            diagnostics = await self.next(rel)
            if wanted(diagnostics):
                return diagnostics


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 600))


def _changes(action: types.CodeAction | types.Command) -> dict[str, list[types.TextEdit]]:
    assert isinstance(action, types.CodeAction) and action.edit is not None
    return {uri: list(edits) for uri, edits in (action.edit.changes or {}).items()}


def _children(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
                found |= _children(int(entry.name))
    return found


def _gone(pids: set[int], timeout: float = 10.0) -> set[int]:
    """Which of `pids` still run (not zombies) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        alive = set()
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.add(pid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


async def _stop(editor: Editor) -> tuple[int | None, set[int]]:
    """shutdown, exit: the server's exit code and the processes it left running."""
    process: Any = editor.client._server  # pygls keeps the server's Process here
    below = _children(process.pid)
    await editor.client.shutdown_async(None)
    editor.client.exit(None)
    code = await asyncio.wait_for(process.wait(), 60)
    await editor.client.stop()
    return code, _gone(below)


def test_an_unsaved_change_is_linted_fixed_and_cleared(project: Path, tmp_path: Path) -> None:
    """The issue's acceptance: replicaCount 3 → 5 in the unsaved buffer of values-prod.yaml."""
    on_disk = (project / VALUES).read_bytes()
    tmp = tmp_path / "tmp"
    tmp.mkdir()

    async def test() -> None:
        editor = Editor(project)
        await editor.start(tmp)
        editor.open(VALUES)
        assert await editor.next(VALUES) == []  # the project's charts are clean
        editor.edit(VALUES, _range(0, 14, 15), "5")
        diagnostics = await editor.until(VALUES, bool)
        assert [(d.code, d.range, d.message, d.severity, d.source) for d in diagnostics] == [
            ("TL330", _range(0, 14, 15), TL330, types.DiagnosticSeverity.Error, "todolint")
        ]
        assert diagnostics[0].code_description is None
        template = editor.uri(TEMPLATE)
        assert [(r.location.uri, r.location.range, r.message) for r in diagnostics[0].related_information or []] == [
            (template, _range(8, 2, 38), "template line 9"),
            (template, _range(8, 2, 38), "rendered Deployment/todo-backend-prod line 13"),
        ]
        on_template = await editor.until(TEMPLATE, bool)
        assert [(d.code, d.range, d.message) for d in on_template] == [("TL330", _range(8, 2, 38), TL330)]
        assert (project / VALUES).read_bytes() == on_disk  # the disk is never written

        context = types.CodeActionContext(diagnostics=diagnostics)
        document = types.TextDocumentIdentifier(editor.uri(VALUES))
        actions = await editor.client.text_document_code_action_async(
            types.CodeActionParams(text_document=document, range=_range(0, 14, 15), context=context)
        )
        fix = types.TextEdit(range=_range(0, 14, 15), new_text="3")
        assert [(a.title, a.kind, a.is_preferred, _changes(a)) for a in actions or []] == [
            ("Fix TL330 replicas-range: set 3", "quickfix", True, {editor.uri(VALUES): [fix]}),
            ("Fix all safe todolint findings", "source.fixAll.todolint", None, {editor.uri(VALUES): [fix]}),
        ]
        only = types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])
        fix_all = await editor.client.text_document_code_action_async(
            types.CodeActionParams(text_document=document, range=_range(0, 0, 0), context=only)
        )
        assert [a.kind for a in fix_all or []] == ["source.fixAll.todolint"]

        hover = await editor.client.text_document_hover_async(
            types.HoverParams(text_document=document, position=types.Position(line=0, character=14))
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert hover.contents.value == explain("TL330").rstrip("\n")

        editor.edit(VALUES, fix.range, fix.new_text)  # the editor applies the code action
        assert await editor.until(VALUES, lambda d: not d) == []
        assert await editor.until(TEMPLATE, lambda d: not d) == []
        assert (project / VALUES).read_bytes() == on_disk

        code, left = await _stop(editor)
        assert code == 0
        assert left == set()

    run(test)
    assert list(tmp.iterdir()) == []  # the overlay is gone


def test_a_render_error_is_a_diagnostic_and_the_server_goes_on(project: Path, tmp_path: Path) -> None:
    async def test() -> None:
        editor = Editor(project)
        await editor.start(tmp_path)
        editor.open(TEMPLATE)
        assert await editor.next(TEMPLATE) == []
        line = (project / TEMPLATE).read_text().splitlines()[4]
        editor.edit(TEMPLATE, _range(4, len(line), len(line)), ' {{ .Values.oops | required "x" }')
        diagnostics = await editor.until(TEMPLATE, bool)
        message = 'parse error at (todo-backend/templates/deployment.yaml:5): unexpected "}" in operand'
        assert [(d.code, d.range, d.message) for d in diagnostics] == [
            ("TL001", _range(4, 2, len(line) + 33), f"{message} [dev, staging, prod]")
        ]
        editor.edit(TEMPLATE, _range(4, len(line), len(line) + 33), "")
        assert await editor.until(TEMPLATE, lambda d: not d) == []
        code, left = await _stop(editor)
        assert (code, left) == (0, set())

    run(test)


def test_a_newer_change_supersedes_the_lint_of_the_older(project: Path, tmp_path: Path) -> None:
    """Typing 5 and then 3 at once: the buffer with 5 is never reported, the one with 3 is."""

    async def test() -> None:
        editor = Editor(project)
        await editor.start(tmp_path)
        editor.open(VALUES)
        assert await editor.next(VALUES) == []
        editor.edit(VALUES, _range(0, 14, 15), "5")
        editor.edit(VALUES, _range(0, 14, 15), "3")
        assert await editor.next(VALUES) == []
        editor.edit(VALUES, _range(0, 14, 15), "4")
        found = await editor.next(VALUES)
        assert [d.message for d in found] == [TL330.replace("found 5", "found 4")]
        assert editor.queue(editor.uri(VALUES)).empty()
        code, left = await _stop(editor)
        assert (code, left) == (0, set())

    run(test)


def test_no_other_command_loads_the_server(tmp_path: Path) -> None:
    from tests.test_cache_imports import _loaded

    assert _loaded(tmp_path, "--version") & {"pygls", "lsprotocol"} == set()
    _loaded(tmp_path, "charts/", "-q")
    assert _loaded(tmp_path, "charts/", "-q") & {"pygls", "lsprotocol"} == set()  # warm


def test_without_pygls_the_command_says_what_to_install(tmp_path: Path) -> None:
    probe = (
        "import sys; sys.modules['pygls'] = None; sys.argv = ['todolint', 'lsp']\n"
        "from todolint.start import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "todolint: error: todolint lsp needs pygls and lsprotocol: pip install 'todolint[lsp]'\n"
