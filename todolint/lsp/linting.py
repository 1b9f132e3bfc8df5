"""One lint of some charts as the editor sees them: the overlay prepared with the unsaved buffers, the
application's run (`todolint.app.lint`: the same settings, matrix, renderer, caches and baseline as
`todolint check`), the fixing module's proposals, and the findings mapped back to the user's files.

Which charts a file belongs to, and which files make every chart's result change (the config file), is
decided here too."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from todolint.lsp.diagnostics import SOURCE, FileReport, Places, reports
from todolint.lsp.overlay import Overlay

if TYPE_CHECKING:
    from todolint.app import Request
    from todolint.fix import Proposal
    from todolint.models import Result

#: The names of the config files: a change there re-lints every chart.
CONFIG_NAMES = (".todolint.yaml", ".todolint.yml", "pyproject.toml")
#: `file:line:` at the start of a usage error.
_WHERE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):")


@dataclass(frozen=True)
class Linted:
    """A lint's outcome: every file's diagnostics and fixes by URI."""

    files: Mapping[str, FileReport]


class Linter:
    """Lints charts of one workspace root over a private overlay; one lint at a time."""

    def __init__(self, root: Path, *, uri: Callable[[Path], str], units: Callable[[str], int]) -> None:
        """`uri` names a file as the editor does, `units` counts a string in the editor's column units."""
        self.root = Path(os.path.realpath(root))
        self.overlay = Overlay(self.root)
        self._uri = uri
        self._units = units

    def close(self) -> None:
        """Remove the overlay."""
        self.overlay.close()

    def chart_of(self, path: Path) -> Path | None:
        """The chart folder (a subchart's parent) that renders `path`, when it is below the root."""
        from todolint.discover import owning_chart

        real = Path(os.path.realpath(path))
        if self.root != real and self.root not in real.parents:
            return None
        return owning_chart(real)

    def is_config(self, path: Path) -> bool:
        """Whether `path` is a config file whose change re-lints every chart: the one in force, or one at
        the root by the names the CLI looks for."""
        real = Path(os.path.realpath(path))
        config = self.config_file()
        return real == config or (real.parent == self.root and real.name in CONFIG_NAMES)

    def config_file(self) -> Path | None:
        """The config file the CLI run from the root uses (the nearest one, up to the repository's root)."""
        from todolint.config import find_config

        found = find_config(self.root)
        return Path(os.path.realpath(found)) if found is not None else None

    def every_chart(self) -> tuple[Path, ...]:
        """Every chart below the root, as `todolint .` finds them."""
        from todolint.discover import DiscoveryError, discover

        try:
            found = discover((str(self.root),), only_charts=True)
        except DiscoveryError:
            return ()
        return tuple(Path(os.path.realpath(chart.path)) for chart in found.charts)

    def lint(self, charts: Iterable[Path], buffers: Mapping[Path, str]) -> Linted:
        """Lint `charts` in every environment with `buffers` (real path → text) over the files on disk."""
        from todolint.app import Request, UsageError, lint

        charts = sorted(set(charts))
        config = self.config_file()
        inside = config is not None and self.root in config.parents
        self.overlay.prepare(charts, [config] if config is not None and inside else [], buffers)
        request = Request(
            paths=tuple(str(self.overlay.inside(chart)) for chart in charts),
            config_file=None if config is None else str(self.overlay.inside(config) if inside else config),
            no_config=config is None,
        )
        try:
            result = lint(request.paths, config_file=request.config_file, no_config=request.no_config)
            proposals = _proposals(request, result) if result.active else ()
        except UsageError as exc:
            return Linted(self._usage_error(str(exc), config))
        return Linted(reports(result.active, proposals, self._places(buffers)))

    def prepare_next(self) -> None:
        """Start the embedded SDK's worker for the next lint now, while the person types, when the settings
        render with it: a new renderer adopts it instead of waiting ~0.1 s for the Go library to load."""
        from todolint.config import ConfigError, load_config
        from todolint.render.worker import start_early

        config = self.config_file()
        try:
            renderer = (load_config(config).renderer if config is not None else None) or "auto"
        except ConfigError:
            return
        start_early(["check", "--no-cache", "--renderer", renderer], os.environ)

    def _places(self, buffers: Mapping[Path, str]) -> Places:
        overlay = self.overlay

        def lines(shown: str) -> list[str]:
            real = overlay.real(shown)
            if real in buffers:
                return buffers[real].splitlines(keepends=True)
            try:
                with open(Path.cwd() / shown, encoding="utf-8", errors="replace", newline="") as stream:
                    return stream.read().splitlines(keepends=True)
            except OSError:
                return []

        return Places(real=overlay.real, uri=self._uri, lines=lines, units=self._units, shown=overlay.unmirrored)

    def _usage_error(self, text: str, config: Path | None) -> dict[str, FileReport]:
        """A run that could not start (a broken config file, contract or policy): one diagnostic on the
        file the message names at its line, else on the config file's first line."""
        text = self.overlay.unmirrored(text)
        where = _WHERE.match(text)
        file, line = (self.root / where["file"], int(where["line"]) - 1) if where else (config, 0)
        if file is None or not file.is_file():
            file, line = config or self.root / CONFIG_NAMES[0], 0
        diagnostic = types.Diagnostic(
            range=types.Range(
                start=types.Position(line=max(line, 0), character=0), end=types.Position(line=max(line, 0), character=0)
            ),
            message=text,
            severity=types.DiagnosticSeverity.Error,
            source=SOURCE,
        )
        return {self._uri(file): FileReport([diagnostic])}


def _proposals(request: Request, result: Result) -> tuple[Proposal, ...]:
    """The edit `--fix` (or `--unsafe-fixes`) would make for each fixable finding, from the files as the
    lint saw them."""
    from todolint.app.settings import resolve_settings
    from todolint.fix import propose

    settings = resolve_settings(request)
    return propose(result, settings.rulebook.rules(), settings.contract, unsafe=True)


__all__ = ["CONFIG_NAMES", "Linted", "Linter"]
