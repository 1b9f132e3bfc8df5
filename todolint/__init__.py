"""todolint: a static linter and policy checker for the Todo app's Helm charts."""

from __future__ import annotations

__version__ = "0.1.0"
