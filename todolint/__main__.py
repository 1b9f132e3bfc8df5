"""`python -m todolint`."""

from __future__ import annotations

from todolint.start import main

if __name__ == "__main__":
    main()
