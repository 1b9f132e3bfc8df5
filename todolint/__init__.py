"""todolint: a static linter and policy checker for the Todo app's Helm charts.

The Python API is `todolint.lint(paths, **options) -> Result` (see todolint.app); it is imported on
first use, so that `import todolint` and the command's start load nothing else.
"""

from __future__ import annotations

from typing import Any

from todolint.version import __version__

__all__ = ["Request", "Result", "UsageError", "__version__", "lint"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'todolint' has no attribute {name!r}")
    from todolint import app

    return getattr(app, name)
