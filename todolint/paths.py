"""Where todolint keeps its cache: known before anything else loads (todolint.start asks too)."""

from __future__ import annotations

import os
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
