"""The embedded renderer's worker: answers asked ahead keep to their targets whatever happens to the worker."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHARTS, ROOT
from todolint.contract import load_contract
from todolint.discover import MatrixOptions, build_targets, discover
from todolint.models import Target
from todolint.render import RenderError
from todolint.render.helm_sdk import EmbeddedRenderer

LONG_LOOP = ROOT / "tests/corpus/charts/long-loop"


def _targets(*charts: str) -> dict[str, Target]:
    """`chart-env` → target, for the project charts (and the corpus chart that never finishes)."""
    paths = [str(LONG_LOOP) if c == "long-loop" else str(CHARTS / c) for c in charts]
    targets = build_targets(discover(paths).charts, load_contract(), MatrixOptions(environments=("dev", "prod")))
    return {t.release: t for t in targets}


def _release_of(renderer: EmbeddedRenderer, target: Target) -> set[str]:
    """The releases a render's objects belong to (their instance label): whose render it is."""
    return {
        doc["metadata"]["labels"]["app.kubernetes.io/instance"]
        for rendered in renderer.render(target, timeout=30)
        for doc in yaml.safe_load_all(rendered.text)
        if doc
    }


def test_each_answer_goes_to_its_target_in_any_order() -> None:
    targets = _targets("todo-backend", "todo-frontend")
    renderer = EmbeddedRenderer()
    assert renderer.prepare(list(targets.values())) == 4
    # Asked ahead in plan order, rendered out of it: each gets its own objects.
    for release in ("todo-frontend-dev", "todo-backend-prod", "todo-backend-dev"):
        assert _release_of(renderer, targets[release]) == {release}


def test_a_render_that_overruns_stops_the_worker_and_the_rest_render_anew() -> None:
    targets = _targets("long-loop", "todo-backend")
    renderer = EmbeddedRenderer()
    renderer.prepare([targets["todo-backend-dev"], targets["long-loop-dev"], targets["todo-backend-prod"]])
    assert _release_of(renderer, targets["todo-backend-dev"]) == {"todo-backend-dev"}
    first = renderer._worker
    with pytest.raises(RenderError, match=r"render timed out after 2 s \(--timeout\)"):
        renderer.render(targets["long-loop-dev"], timeout=2)
    assert first is not None and first.returncode is not None  # stopped, not left looping
    # todo-backend-prod was asked of the stopped worker: a new one answers it.
    assert _release_of(renderer, targets["todo-backend-prod"]) == {"todo-backend-prod"}
    assert renderer._worker is not first


def test_a_worker_that_dies_between_renders_is_replaced_and_nothing_is_lost() -> None:
    targets = _targets("todo-backend", "todo-frontend")
    renderer = EmbeddedRenderer()
    order = [targets["todo-backend-dev"], targets["todo-backend-prod"], targets["todo-frontend-dev"]]
    renderer.prepare(order)
    assert _release_of(renderer, order[0]) == {"todo-backend-dev"}
    first = renderer._worker
    assert first is not None
    first.kill()  # as the kernel's OOM killer would, with two answers still owed
    first.wait()
    assert _release_of(renderer, order[1]) == {"todo-backend-prod"}
    assert _release_of(renderer, order[2]) == {"todo-frontend-dev"}
    assert renderer._worker is not first


def test_a_worker_that_dies_during_the_render_waited_for_fails_that_render() -> None:
    targets = _targets("long-loop", "todo-backend")
    renderer = EmbeddedRenderer()
    renderer.prepare([targets["long-loop-dev"], targets["todo-backend-dev"]])
    worker = renderer._worker
    assert worker is not None
    threading.Timer(1.0, worker.kill).start()  # while it loops on long-loop-dev
    with pytest.raises(RenderError, match=r"embedded Helm stopped unexpectedly \(exit code -9\)"):
        renderer.render(targets["long-loop-dev"], timeout=30)
    assert _release_of(renderer, targets["todo-backend-dev"]) == {"todo-backend-dev"}


def test_a_chart_refused_before_rendering_is_never_asked_of_the_worker(tmp_path: Path) -> None:
    """A chart that reaches outside itself, or holds a FIFO, is refused for every environment before
    Helm reads it: the worker is never asked to render it."""
    chart = tmp_path / "todo-frontend"
    shutil.copytree(CHARTS / "todo-frontend", chart)
    (chart / "templates" / "service.yaml").unlink()
    os.mkfifo(chart / "templates" / "service.yaml")
    blocked = build_targets(discover([str(chart)]).charts, load_contract(), MatrixOptions(environments=("dev", "prod")))
    targets = _targets("todo-backend")
    renderer = EmbeddedRenderer()
    renderer.prepare([*blocked, targets["todo-backend-dev"]])
    assert list(renderer._asked) + list(renderer._planned) == [targets["todo-backend-dev"]]
    for target in blocked:
        with pytest.raises(RenderError, match=r"templates/service\.yaml is not a regular file"):
            renderer.render(target, timeout=10)
    assert _release_of(renderer, targets["todo-backend-dev"]) == {"todo-backend-dev"}
