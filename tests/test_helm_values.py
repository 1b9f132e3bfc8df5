"""Values as Helm composes them (todolint.helm_values): checked against what Helm 3, Helm 4 and the
embedded SDK render from the same chart, values files and `--set`, and the `--set` grammar's corners."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from todolint.group import set_keys
from todolint.helm_values import UnknownSet, coalesce_values, merge_maps, parse_set, split_set
from todolint.locate.values import compose, load_values
from todolint.models import Target
from todolint.render import Renderer
from todolint.render.helm_cli import HelmCliRenderer
from todolint.render.helm_sdk import EmbeddedRenderer

DEFAULTS = """\
keep: 1
gone: 1
dropped: null
table: {a: 1, b: 2, defaultnull: null, inner: {x: 1}}
scalar: 5
chart_table: {p: 1}
"""
FIRST = """\
gone: null
table: {a: null, added: null, inner: {extra: null}}
user_only: {k: null, j: 1}
scalar: {m: 1, mnull: null}
chart_table: 7
"""
SECOND = """\
user_only: {j: null}
table: {b: 3}
"""
SETS = (
    r"table.inner.x=null,other.q=null,keep=3",
    r"numbers.a=007,numbers.b=True,numbers.c=+5,numbers.d=-0,numbers.e=1e3,numbers.f=NULL,numbers.g=99999999999999999999",
    r"esc\=aped=x\,y,labels.app\.kubernetes\.io/name=web,trailing=1,",
)
#: What the chart's templates see (Helm 4: the defaults' own nulls dropped).
EXPECTED: dict[str, Any] = {
    "keep": 3,
    "table": {"b": 3, "added": None, "inner": {"extra": None}},
    "scalar": {"m": 1, "mnull": None},
    "chart_table": 7,
    "user_only": {"k": None, "j": None},
    "other": {"q": None},
    "numbers": {"a": "007", "b": True, "c": 5, "d": 0, "e": "1e3", "f": None, "g": "99999999999999999999"},
    "esc=aped": "x,y",
    "labels": {"app.kubernetes.io/name": "web"},
    "trailing": 1,
}


def _chart(tmp_path: Path) -> Target:
    chart = tmp_path / "values-chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: values-chart\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(DEFAULTS)
    (chart / "templates" / "values.yaml").write_text("values: {{ toJson .Values | quote }}\n")
    (tmp_path / "first.yaml").write_text(FIRST)
    (tmp_path / "second.yaml").write_text(SECOND)
    files = (str(tmp_path / "first.yaml"), str(tmp_path / "second.yaml"))
    return Target("values-chart", str(chart), "dev", "r", "n", values_files=files, set_values=SETS)


def _rendered(renderer: Renderer, target: Target) -> Any:
    (template,) = renderer.render(target, timeout=60)
    return json.loads(yaml.safe_load(template.text)["values"])


def test_the_locator_composes_values_as_helm_4_does(tmp_path: Path) -> None:
    target = _chart(tmp_path)
    defaults = load_values(f"{target.chart_path}/values.yaml")
    files = [load_values(f) for f in target.values_files]
    assert defaults is not None and None not in files
    assert compose(defaults, [f for f in files if f is not None], target.set_values).merged == EXPECTED


@pytest.mark.parametrize("renderer", ["helm3", "helm4", "embedded"])
def test_helm_renders_from_the_same_values(renderer: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    target = _chart(tmp_path)
    if renderer == "embedded":
        assert _rendered(EmbeddedRenderer(), target) == EXPECTED
    elif renderer == "helm4":
        assert _rendered(HelmCliRenderer(request.getfixturevalue("helm4")), target) == EXPECTED
    else:
        # Helm 3 keeps the defaults' own nulls; everything else is the same.
        table = {**EXPECTED["table"], "defaultnull": None}
        expected = {**EXPECTED, "dropped": None, "table": table}
        assert _rendered(HelmCliRenderer(request.getfixturevalue("helm3")), target) == expected


def test_merge_maps_keeps_nulls_for_the_coalesce_to_delete() -> None:
    supplied = merge_maps({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"b": None}, "d": {"e": 1}})
    assert supplied == {"a": {"b": None, "c": 2}, "d": {"e": 1}}
    assert coalesce_values({"a": {"b": 5, "f": 6}}, supplied) == {"a": {"c": 2, "f": 6}, "d": {"e": 1}}


def test_neither_merge_changes_its_arguments() -> None:
    defaults = {"a": {"b": 1, "n": None}}
    supplied = {"a": {"b": None, "c": {"d": 1}}}
    merge_maps(defaults, supplied)
    coalesce_values(defaults, supplied)
    assert defaults == {"a": {"b": 1, "n": None}} and supplied == {"a": {"b": None, "c": {"d": 1}}}


def test_split_set_follows_helms_escapes_and_lists() -> None:
    parts = split_set(r"a\.b.c=1,d={x,y},e\,f=g\,h,lonely,i=j=k")
    assert [(p.name, p.segments, p.value) for p in parts] == [
        ("a.b.c", ("a.b", "c"), "1"),
        ("d", ("d",), "{x,y}"),
        ("e,f", ("e,f",), "g,h"),
        ("lonely", ("lonely",), None),
        ("i", ("i",), "j=k"),
    ]
    assert set_keys([r"a\.b.c=s3cret,d={x,y}", "lonely"]) == ("a.b.c", "d")


@pytest.mark.parametrize("expression", ["d={x,y}", "lonely", "a=1,,b=2", "c[x]=1", "c[0=1", "[0]=1", "=1"])
def test_parse_set_refuses_what_it_does_not_read(expression: str) -> None:
    with pytest.raises(UnknownSet):
        parse_set(expression)


def test_parse_set_reads_indexes_and_an_empty_expression() -> None:
    assert parse_set("c[0][2].d=x") == [(("c", 0, 2, "d"), "x")]
    assert parse_set("") == []
