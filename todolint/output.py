"""Where reports and progress go: files written atomically, stdout that a reader may close early, and
the progress line on a terminal."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from todolint.models import Target


class OutputError(Exception):
    """A report file could not be written; the message is one line naming it."""


def current_umask() -> int:
    """The process's umask, read without changing it where Linux tells it (os.umask can only be read by
    setting it, which would race with render threads creating cache files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(path: Path) -> int:
    """The mode a written file gets: an existing regular file keeps its own, a new one follows the umask,
    as `open(path, "w")` would give it (a temporary file is created 0600, which nobody else can read)."""
    try:
        existing = os.stat(path)
    except OSError:
        return 0o666 & ~current_umask()
    return existing.st_mode & 0o7777 if stat.S_ISREG(existing.st_mode) else 0o666 & ~current_umask()


def write_atomic(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write through a temporary file in the same folder, then rename: readers never see half a report.
    The file gets the permissions `new_file_mode` gives, not the temporary file's 0600."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            "w", encoding="utf-8", dir=directory, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write report: {exc.strerror or exc}") from None
    try:
        with handle:
            write(handle)  # type: ignore[arg-type]  # a text file, as TextIO describes
        os.chmod(handle.name, new_file_mode(path))
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def to_stdout(write: Callable[[TextIO], None]) -> None:
    """`write(sys.stdout)`. A reader that stops early (`todolint charts | head`) has what it wanted: no
    error, and the run's exit code stands; stdout then points at /dev/null, so that nothing more (nor
    the flush at exit) fails on the closed pipe."""
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class Progress:
    """`[3/6] rendered todo-backend (prod)` on one stderr line, erased when done; called from render threads."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.lock = threading.Lock()

    def advance(self, target: Target) -> None:
        """Count `target` as rendered and say so, over the previous line."""
        with self.lock:
            self.done += 1
            sys.stderr.write(f"\r\x1b[K[{self.done}/{self.total}] rendered {target.label}")
            sys.stderr.flush()

    def close(self) -> None:
        """Erase the progress line; nothing to erase when no render was counted."""
        with self.lock:
            if self.done:
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()
