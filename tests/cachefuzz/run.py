"""The long differential cache run: `python -m tests.cachefuzz.run --sequences 20000 --jobs 2`.

Runs the property of tests/test_cache_property.py in batches, one fresh seed per batch (`--seed`,
`--seed + 1`, ...), spread over `--jobs` processes. It prints progress (sequences, edits and todolint
runs so far) after each batch and stops at the first failure with the seed that reproduces it. Needs
Helm 3 and Helm 4 ($TODOLINT_HELM3 / $TODOLINT_HELM4, else .tools/helm/v3|v4/helm) and starts one
local HTTP server, which every process's network schemas point at and which must see no request.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from dataclasses import dataclass

from hypothesis import given, seed

from tests.cachefuzz.harness import Edit, World, check_sequence, sequences
from tests.conftest import helm_binary, property_settings, recording_server


@dataclass(frozen=True)
class Batch:
    """One hypothesis run: `count` sequences drawn from `seed`."""

    seed: int
    count: int
    edits: int
    helm3: str
    helm4: str
    url: str


@dataclass(frozen=True)
class Survived:
    """What one batch ran, or the failure it stopped at."""

    seed: int
    sequences: int
    edits: int
    runs: int
    failure: str = ""


def run_batch(batch: Batch) -> Survived:
    """Run one batch in this process; a failure comes back as text (hypothesis errors may not pickle)."""
    done = {"sequences": 0, "edits": 0, "runs": 0}

    @seed(batch.seed)
    @property_settings(batch.count)
    @given(sequences(batch.edits))
    def invariant(sequence: list[Edit]) -> None:
        world = World(batch.helm3, batch.helm4, batch.url)
        try:
            check_sequence(world, sequence)
        finally:
            world.close()
        done["sequences"] += 1
        done["edits"] += len(sequence)
        done["runs"] += world.runs

    try:
        invariant()
    except Exception as exc:  # reported with its seed, then the run stops
        return Survived(batch.seed, done["sequences"], done["edits"], done["runs"], repr(exc))
    return Survived(batch.seed, done["sequences"], done["edits"], done["runs"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sequences", type=int, default=20_000, help="edit sequences to survive")
    parser.add_argument("--batch", type=int, default=200, help="sequences per hypothesis run (one seed each)")
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: random)")
    parser.add_argument("--edits", type=int, default=4, help="most edits in one sequence")
    parser.add_argument("--jobs", type=int, default=1, help="processes running batches side by side")
    args = parser.parse_args(argv)
    helm3, helm4 = helm_binary("v3"), helm_binary("v4")
    if helm3 is None or helm4 is None:
        print("needs Helm 3 and Helm 4 (scripts/install-helm)", file=sys.stderr)
        return 2
    requests: list[str] = []
    server = recording_server(requests)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    first = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    counts = [args.batch] * (args.sequences // args.batch) + [args.sequences % args.batch]
    batches = [
        Batch(first + number, count, args.edits, helm3, helm4, url) for number, count in enumerate(counts) if count
    ]
    last = batches[-1].seed
    total = Survived(first, 0, 0, 0)
    finished = 0
    started = time.monotonic()
    # fork: the workers inherit the imported harness and reach the parent's server by its URL
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for result in pool.imap_unordered(run_batch, batches):
            total = Survived(
                first, total.sequences + result.sequences, total.edits + result.edits, total.runs + result.runs
            )
            finished += 1
            if result.failure:
                print(f"FAILED at seed {result.seed} after {total.sequences:,} sequences: {result.failure}")
                return 1
            if requests:
                print(f"FAILED: the local server was reached: {requests}", flush=True)
                return 1
            rate = total.sequences / max(time.monotonic() - started, 1e-9)
            print(
                f"survived {total.sequences:,} sequences, {total.edits:,} edits, {total.runs:,} runs "
                f"({finished} of {len(batches)} batches, seeds {first}..{last}, {args.jobs} jobs, {rate:.2f}/s, "
                "0 requests)",
                flush=True,
            )
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
