"""The long fuzz run: `python -m tests.fuzz.run --inputs 100000` (README "What todolint guarantees").

Runs the same property as tests/test_fuzz.py in batches of fresh random seeds, printing progress, and
stops at the first failure with the seed that reproduces it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from hypothesis import given, seed

from tests.conftest import property_settings
from tests.fuzz import strategies
from tests.fuzz.harness import Checker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=100_000, help="generated inputs to survive")
    parser.add_argument("--batch", type=int, default=2_000, help="inputs per hypothesis run (one seed each)")
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: random)")
    args = parser.parse_args(argv)
    checker = Checker()
    first = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    started = time.monotonic()
    batch_number = 0
    while checker.checked < args.inputs:
        batch_seed = first + batch_number
        batch_number += 1

        @seed(batch_seed)
        @property_settings(min(args.batch, args.inputs - checker.checked))
        @given(strategies.inputs)
        def survive(data: bytes) -> None:
            checker.check(data)

        try:
            survive()
        except Exception as exc:
            print(f"FAILED after {checker.checked:,} inputs (seed {batch_seed}): {exc!r}", flush=True)
            raise
        rate = checker.checked / max(time.monotonic() - started, 1e-9)
        print(f"survived {checker.checked:,} inputs (seeds {first}..{batch_seed}, {rate:.0f}/s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
