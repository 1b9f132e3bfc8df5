"""todolint's version, the one place it is written (reports, cache keys and `--version` read it here)."""

from __future__ import annotations

__version__ = "0.1.0"
