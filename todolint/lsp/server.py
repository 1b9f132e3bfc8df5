"""The language server: the editor's documents in, diagnostics, code actions and hovers out.

A change to a file of a chart (values, template, helper, Chart.yaml) marks that chart; a change to the
config file marks every chart. The marked charts are linted one by one on a single worker thread, so
that the editor is never kept waiting: at once after a quiet moment, and while the person types (changes
less than `debounce` seconds apart) only once `debounce` seconds pass with no newer change. A newer change
cancels the lint under way (its result is dropped and its charts are marked again). Each chart's
diagnostics replace what that chart published before, and a file that no longer holds a finding is sent
an empty list.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from todolint.lsp.diagnostics import FileReport
from todolint.lsp.linting import Linted, Linter

#: Seconds without a newer change before a lint starts while the person types (the editor sends one
#: change per keystroke).
DEBOUNCE = 0.2


class Session:
    """One editor session's state: the linter, the charts waiting for a lint, what each chart published."""

    def __init__(self, server: LanguageServer, *, debounce: float = DEBOUNCE) -> None:
        """State for `server`; the linter is made when the editor names the workspace (initialize)."""
        self.server = server
        self.debounce = debounce
        self.linter: Linter | None = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="todolint-lint")
        self.waiting: set[Path] = set()
        self.pending: asyncio.Task[None] | None = None
        #: What each chart's last lint published: URI → that file's report.
        self.shown: dict[Path, dict[str, FileReport]] = {}
        #: The text each file had when its diagnostics were made: a fix is offered only on that text.
        self.linted_text: dict[str, str] = {}
        #: The URI the editor uses for each open file (by real path).
        self.uris: dict[Path, str] = {}
        self.explained: dict[str, str] = {}
        self.shut_down = False
        self.last_change = float("-inf")

    # --- documents ------------------------------------------------------------------------------

    def start(self, root: Path, options: Any) -> None:
        """Make the linter for the workspace `root`; `options` are the editor's initializationOptions."""
        if isinstance(options, dict) and isinstance(options.get("debounce"), (int, float)):
            self.debounce = max(float(options["debounce"]), 0.0)
        codec = self.server.workspace.position_codec
        self.linter = Linter(root, uri=self.uri, units=codec.client_num_units)

    def uri(self, path: Path) -> str:
        """The URI of a file: the editor's own for an open one."""
        return self.uris.get(path) or from_fs_path(str(path)) or path.as_uri()

    def touched(self, uri: str) -> None:
        """A document was opened, changed, saved or closed: mark the charts it changes, lint after a pause."""
        path = to_fs_path(uri)
        if self.linter is None or path is None or self.shut_down:
            return
        real = Path(os.path.realpath(path))
        if self.linter.is_config(real):
            charts: Iterable[Path] = self.linter.every_chart()
        else:
            chart = self.linter.chart_of(real)
            charts = [chart] if chart is not None else []
        self.schedule(charts)

    def buffers(self) -> dict[Path, str]:
        """Every open document's text by real path, as it is now."""
        texts: dict[Path, str] = {}
        for document in list(self.server.workspace.text_documents.values()):
            path = to_fs_path(document.uri)
            if path is not None:
                real = Path(os.path.realpath(path))
                texts[real] = document.source
                self.uris[real] = document.uri
        return texts

    # --- linting --------------------------------------------------------------------------------

    def schedule(self, charts: Iterable[Path]) -> None:
        """Mark `charts` and (re)start the pause before the lint; a lint under way is superseded."""
        charts = list(charts)
        if not charts:
            return
        self.waiting.update(charts)
        now = time.monotonic()
        typing, self.last_change = now - self.last_change < self.debounce, now
        if self.pending is not None:
            self.pending.cancel()
        self.pending = asyncio.get_running_loop().create_task(self._lint_waiting(self.debounce if typing else 0.0))

    async def _lint_waiting(self, pause: float) -> None:
        """After `pause` seconds, lint each marked chart on the worker thread and publish what it found."""
        await asyncio.sleep(pause)
        linter = self.linter
        if linter is None:
            return
        loop = asyncio.get_running_loop()
        todo = sorted(self.waiting)
        self.waiting.clear()
        buffers = self.buffers()
        try:
            while todo:
                chart = todo[0]
                try:
                    linted = await loop.run_in_executor(self.executor, linter.lint, [chart], buffers)
                except Exception as exc:  # a bug must not stop the server: say so, and go on
                    self.server.window_log_message(
                        types.LogMessageParams(
                            type=types.MessageType.Error, message=f"todolint: linting {chart} failed: {exc!r}"
                        )
                    )
                    linted = None
                todo.pop(0)
                if linted is not None:
                    self.publish(chart, linted, buffers)
        except asyncio.CancelledError:
            self.waiting.update(todo)  # superseded: the newer lint takes these charts too
            raise
        if not self.shut_down:
            await loop.run_in_executor(self.executor, linter.prepare_next)

    def publish(self, chart: Path, linted: Linted, buffers: dict[Path, str]) -> None:
        """Replace `chart`'s diagnostics: every file it holds findings in, and every file it held them in
        before (an empty list when none is left)."""
        before = self.shown.get(chart, {})
        self.shown[chart] = dict(linted.files)
        by_uri = {self.uri(path): text for path, text in buffers.items()}
        # An open file of the chart hears back even when it holds nothing: the editor knows it was linted.
        opened = {self.uri(path) for path in buffers if path == chart or chart in path.parents}
        for uri in sorted(set(before) | set(linted.files) | opened):
            if uri in by_uri:
                self.linted_text[uri] = by_uri[uri]
            else:
                self.linted_text.pop(uri, None)
            diagnostics = self.diagnostics(uri)
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """What every chart shows on `uri`, each diagnostic once."""
        merged: list[types.Diagnostic] = []
        for reports in self.shown.values():
            report = reports.get(uri)
            for diagnostic in report.diagnostics if report else ():
                if diagnostic not in merged:
                    merged.append(diagnostic)
        return merged

    def current(self, uri: str) -> bool:
        """Whether `uri` has the text its diagnostics were made from (an edit made since may move them)."""
        document = self.server.workspace.text_documents.get(uri)
        return document is None or self.linted_text.get(uri, document.source) == document.source

    def reports(self, uri: str) -> list[FileReport]:
        """The reports every chart holds for `uri`, when they were made from the text it has now."""
        if not self.current(uri):
            return []
        return [reports[uri] for reports in self.shown.values() if uri in reports]

    def stop(self) -> None:
        """The editor asked the server to shut down: no lint starts again, the overlay goes."""
        self.shut_down = True
        if self.pending is not None:
            self.pending.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.linter is not None:
            self.linter.close()


__all__ = ["DEBOUNCE", "Session"]
