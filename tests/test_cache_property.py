"""The cache invariant, tested differentially: random sequences of edits to a chart tree, and after
each edit a cached run must report exactly what `--no-cache` reports (tests/cachefuzz/). The CI run
draws the same CI_SEQUENCES sequences every time; the long run is `python -m tests.cachefuzz.run`."""

from __future__ import annotations

from hypothesis import given

from tests.cachefuzz.harness import Edit, World, check_sequence, sequences
from tests.conftest import Sentinel, property_settings

CI_SEQUENCES = 200
#: Edits per sequence in CI (each costs two or three todolint runs with a helm render).
CI_EDITS = 2


def test_a_cached_run_reports_what_an_uncached_run_reports(helm3: str, helm4: str, network_sentinel: Sentinel) -> None:
    checked: list[int] = []

    # derandomized: the same sequences on every CI run; the long run draws fresh ones
    @property_settings(CI_SEQUENCES, derandomize=True)
    @given(sequences(CI_EDITS))
    def invariant(sequence: list[Edit]) -> None:
        world = World(helm3, helm4, network_sentinel.url)
        try:
            check_sequence(world, sequence)
        finally:
            world.close()
        checked.append(len(sequence))

    invariant()
    assert len(checked) >= CI_SEQUENCES
    assert network_sentinel.requests == []
