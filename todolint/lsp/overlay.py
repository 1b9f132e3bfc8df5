"""The overlay: what a lint sees is what the person sees in the editor, and the user's files are never
written.

The overlay is a private folder that mirrors the workspace root: every entry is a symbolic link to the
real one, except the folders on the way to a linted chart, which are real folders (of links), the linted
charts themselves, copied afresh for each lint with the unsaved buffers written over their files, and the
config file, copied likewise (its relative paths then resolve inside the mirror, where the charts are).
A chart keeps its path relative to the root, so the config's per-folder entries, the values-file
patterns and the caches treat it as the CLI treats the real one. Locations come back as paths inside
the mirror; `real` maps them to the user's files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


class Overlay:
    """A private mirror of `root`; `close()` removes it."""

    def __init__(self, root: Path) -> None:
        """A new, empty mirror of `root` in a private temporary folder."""
        self.root = Path(os.path.realpath(root))
        self._folder = tempfile.TemporaryDirectory(prefix="todolint-lsp-")
        self.mirror = Path(os.path.realpath(self._folder.name)) / "root"
        self.mirror.mkdir()
        self._sync_links(Path("."))

    def close(self) -> None:
        """Remove the mirror and everything in it (the user's files are only linked to)."""
        self._folder.cleanup()

    def prepare(self, charts: Iterable[Path], files: Iterable[Path], buffers: Mapping[Path, str]) -> None:
        """Copy each chart folder and each file (real paths below the root) into the mirror afresh, then
        write the buffers that fall inside what was copied over their copies."""
        copied: list[Path] = []
        for chart in charts:
            rel = self._relative(chart)
            self._open_folders(rel.parent)
            target = self.mirror / rel
            _remove(target)
            shutil.copytree(chart, target, symlinks=True)
            copied.append(chart)
        for file in files:
            rel = self._relative(file)
            self._open_folders(rel.parent)
            target = self.mirror / rel
            _remove(target)
            if file.is_file():
                shutil.copyfile(file, target)
            copied.append(file)
        for path, text in buffers.items():
            if any(path == place or place in path.parents for place in copied):
                target = self.mirror / self._relative(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                _remove(target)
                # newline="" keeps the buffer's line endings: the edits' columns are counted on them.
                with open(target, "w", encoding="utf-8", newline="") as stream:
                    stream.write(text)

    def inside(self, path: Path) -> Path:
        """Where the real `path` (below the root) is in the mirror."""
        return self.mirror / self._relative(path)

    def real(self, shown: str) -> Path:
        """The user's file for a path a lint reported (relative to the working directory, or absolute):
        inside the mirror → the same place below the root; anywhere else → itself."""
        path = Path(os.path.normpath(Path.cwd() / shown))
        try:
            return self.root / path.relative_to(self.mirror)
        except ValueError:
            return path

    def unmirrored(self, text: str) -> str:
        """`text` with every path inside the mirror written relative to the root, as the CLI run from the
        root writes it."""
        return text.replace(f"{self.mirror}{os.sep}", "").replace(str(self.mirror), ".")

    def _relative(self, path: Path) -> Path:
        return Path(os.path.realpath(path)).relative_to(self.root)

    def _open_folders(self, rel: Path) -> None:
        """Make `rel` and each folder above it a real folder in the mirror, holding links to what the real
        folder holds (a link that stood there is replaced)."""
        done = Path(".")
        for part in rel.parts:
            done = done / part
            place = self.mirror / done
            if place.is_symlink() or not place.is_dir():
                _remove(place)
                place.mkdir()
            self._sync_links(done)

    def _sync_links(self, rel: Path) -> None:
        """In the mirror's folder `rel`: a link for each entry of the real folder that has nothing there,
        and no link left to an entry that is gone."""
        real, place = self.root / rel, self.mirror / rel
        names = set(os.listdir(real)) if real.is_dir() else set()
        for name in os.listdir(place):
            if name not in names and (place / name).is_symlink():
                (place / name).unlink()
        for name in names:
            entry = place / name
            if not entry.exists() and not entry.is_symlink():
                entry.symlink_to(real / name)


def _remove(path: Path) -> None:
    """Remove a link, a file or a folder from the mirror (a link is removed, never followed)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


__all__ = ["Overlay"]
