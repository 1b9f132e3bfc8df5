"""Bounded fuzzing in the normal suite: 2,000 generated inputs through parse, schema, every rule and
every reporter (tests/fuzz/). The long run is `python -m tests.fuzz.run` (docs/guarantees.md)."""

from __future__ import annotations

from hypothesis import given

from tests.conftest import property_settings
from tests.fuzz import strategies
from tests.fuzz.harness import Checker
from todolint.models import Manifest
from todolint.parse import MAX_ALIAS_NODES, MAX_DEPTH, parse_template
from todolint.render import RenderedTemplate

CI_INPUTS = 2_000


def test_generated_inputs_never_crash_and_lint_the_same_twice() -> None:
    checker = Checker()

    # derandomized: the same inputs on every CI run; the long run draws fresh ones
    @property_settings(CI_INPUTS, derandomize=True)
    @given(strategies.inputs)
    def survive(data: bytes) -> None:
        checker.check(data)

    survive()
    assert checker.checked >= CI_INPUTS


def _parse(text: str) -> tuple[list[Manifest], list[str]]:
    from todolint.models import Target

    target = Target(chart="c", chart_path="", env="dev", release="r", namespace="n")
    manifests, problems = parse_template(RenderedTemplate("c/templates/x.yaml", text), target=target, file="x.yaml")
    return manifests, [p.message for p in problems]


def test_the_strategies_reach_the_limits() -> None:
    # The hostile generators must actually produce what the limits are for, or the fuzzing proves little.
    _, bomb = _parse(strategies.alias_bomb(12, 9))
    assert bomb == [f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (an alias bomb?)"]
    _, deep = _parse(strategies.deep(MAX_DEPTH + 5, flow=False))
    assert deep == [f"document is nested deeper than {MAX_DEPTH} levels"]
    _, deep_flow = _parse(strategies.deep(MAX_DEPTH + 5, flow=True))
    assert deep_flow == [f"document is nested deeper than {MAX_DEPTH} levels"]
    fine, none = _parse(strategies.alias_bomb(3, 3))
    assert none == [] and len(fine) == 1
