"""The long differential cache run: `python -m tests.cachefuzz.run --sequences 20000`.

Runs the property of tests/test_cache_property.py in batches of fresh random seeds, printing progress
(sequences, edits and todolint runs so far, and the seeds used), and stops at the first failure with
the seed that reproduces it. Needs Helm 3 and Helm 4 ($TODOLINT_HELM3 / $TODOLINT_HELM4, else
.tools/helm/v3|v4/helm) and starts its own local HTTP server, which must see no request.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.cachefuzz.harness import Edit, World, check_sequence, sequences
from tests.conftest import helm_binary, recording_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sequences", type=int, default=20_000, help="edit sequences to survive")
    parser.add_argument("--batch", type=int, default=200, help="sequences per hypothesis run (one seed each)")
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: random)")
    parser.add_argument("--edits", type=int, default=4, help="most edits in one sequence")
    args = parser.parse_args(argv)
    helm3, helm4 = helm_binary("v3"), helm_binary("v4")
    if helm3 is None or helm4 is None:
        print("needs Helm 3 and Helm 4 (scripts/install-helm)", file=sys.stderr)
        return 2
    requests: list[str] = []
    server = recording_server(requests)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    first = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    done = {"sequences": 0, "edits": 0, "runs": 0}
    started = time.monotonic()
    batch_number = 0
    while done["sequences"] < args.sequences:
        batch_seed = first + batch_number
        batch_number += 1

        @seed(batch_seed)
        @settings(
            max_examples=min(args.batch, args.sequences - done["sequences"]),
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(sequences(args.edits))
        def invariant(sequence: list[Edit]) -> None:
            world = World(helm3, helm4, url)
            try:
                check_sequence(world, sequence)
            finally:
                world.close()
            done["sequences"] += 1
            done["edits"] += len(sequence)
            done["runs"] += world.runs

        try:
            invariant()
        except Exception as exc:
            print(f"FAILED after {done['sequences']:,} sequences (seed {batch_seed}): {exc!r}", flush=True)
            raise
        if requests:
            print(f"FAILED: the local server was reached: {requests}", flush=True)
            return 1
        rate = done["sequences"] / max(time.monotonic() - started, 1e-9)
        print(
            f"survived {done['sequences']:,} sequences, {done['edits']:,} edits, {done['runs']:,} runs "
            f"(seeds {first}..{batch_seed}, {rate:.2f}/s, 0 requests)",
            flush=True,
        )
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
