"""Where todolint keeps its cache, how an entry is written, and what identifies the programs it runs
(their files' paths, sizes and modification times)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from collections.abc import Mapping

#: Bumped whenever the cache's entry format or key changes; old entries are then simply never read.
FORMAT = 1


def cache_root(environ: Mapping[str, str]) -> str:
    """`$XDG_CACHE_HOME/todolint`, else `~/.cache/todolint` (a relative XDG_CACHE_HOME is ignored, per the spec)."""
    base = environ.get("XDG_CACHE_HOME", "")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "todolint")


def entry_folder(root: str, kind: str) -> str:
    """The folder of one kind of cache entry (`render`, `schema`, `renderer`)."""
    return os.path.join(root, f"{kind}-v{FORMAT}")


def write_entry(root: str, path: str, data: bytes) -> None:
    """Write a cache entry atomically (a temporary file, then a rename), so that two runs sharing the
    folder never see half an entry. Folders are 0700 and files 0600: rendered output can hold secrets.
    A cache that cannot be written is no error."""
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, f".{os.getpid()}-{os.urandom(6).hex()}.tmp")
    try:
        for each in (root, folder):
            os.makedirs(each, mode=0o700, exist_ok=True)
            # A folder made earlier by something else may be wider open than rendered secrets allow.
            info = os.stat(each)
            if info.st_mode & 0o077 and info.st_uid == os.getuid():
                os.chmod(each, 0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)  # an empty folder where an entry belongs (a non-empty one is not ours to delete)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def stat_text(path: str, *, resolve: bool = True) -> str:
    """A file's real path, size and modification time: what a reinstall or an upgrade changes. Without
    `resolve` the path stays as given (for many files below one resolved folder: realpath costs ~20 µs)."""
    try:
        info = os.stat(path)
    except OSError:
        return f"{path}:missing"
    return f"{os.path.realpath(path) if resolve else path}:{info.st_size}:{info.st_mtime_ns}"


def package_dir(name: str) -> str | None:
    """The folder of an installed package, found without importing it (helm_python's import loads a Go
    library, kubernetes_validate's pulls in jsonschema)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(next(iter(spec.submodule_search_locations)))


def embedded_fingerprint(environ: Mapping[str, str]) -> str | None:
    """What identifies the embedded Helm SDK's build without loading it; None when it is not installed."""
    package = package_dir("helm_python")
    if package is None:
        return None
    lib = os.path.join(package, "lib")
    files = sorted(os.path.join(lib, name) for name in os.listdir(lib)) if os.path.isdir(lib) else []
    parts = [stat_text(os.path.join(package, "_native.py")), *(stat_text(f) for f in files)]
    override = environ.get("HELM_C_LIB", "")
    if override:
        parts.append("HELM_C_LIB=" + stat_text(override))
    return "embedded:" + "|".join(parts)


def which(program: str, search_path: str | None) -> str | None:
    """`shutil.which(program, path=search_path)`: the executable `program` on `search_path`."""
    return shutil.which(program, path=search_path)
