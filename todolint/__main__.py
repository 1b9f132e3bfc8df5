"""`python -m todolint`."""

from __future__ import annotations

from todolint.cli import entry

if __name__ == "__main__":
    entry()
