"""The values of todolint.models keep their dataclass contract where they were written for speed.

Location, Hit and Finding have their own `__init__` (a frozen dataclass's generated one sets each field
through object.__setattr__, slow at tens of thousands of findings): it must take exactly the fields, in
order, with their defaults, and the values must stay frozen, comparable and hashable. Manifest computes
kind, name and friends once: they must still read any shape of object as "not there".
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from todolint.models import Finding, Hit, Location, Manifest, Severity, Target

TARGET = Target(chart="c", chart_path="", env="dev", release="r", namespace="n")


@pytest.mark.parametrize("cls", [Location, Hit, Finding])
def test_init_takes_the_fields_in_order_with_their_defaults(cls: type) -> None:
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # without self
    fields = dataclasses.fields(cls)
    assert [p.name for p in parameters] == [f.name for f in fields]
    defaults = [inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields]
    assert [p.default for p in parameters] == defaults
    assert all(f.default_factory is dataclasses.MISSING for f in fields)


def _finding(**changes: Any) -> Finding:
    values: dict[str, Any] = {
        "code": "TL100",
        "name": "standard-labels",
        "category": "labels",
        "severity": Severity.ERROR,
        "chart": "c",
        "env": "dev",
        "release": "r",
        "namespace": "n",
        "kind": "Service",
        "object": "s",
        "path": "metadata.labels",
        "message": "m",
        "file": "f.yaml",
        "line": 3,
        "locations": (Location("rendered", "f.yaml", 3),),
    }
    return Finding(**{**values, **changes})


def test_values_are_frozen_equal_hashable_and_replaceable() -> None:
    finding = _finding()
    assert finding == _finding() and hash(finding) == hash(_finding())
    assert finding != _finding(line=4)
    assert finding.suppressed is None
    suppressed = dataclasses.replace(finding, suppressed="why")
    assert (suppressed.suppressed, suppressed.code, finding.suppressed) == ("why", "TL100", None)
    assert dataclasses.asdict(Location("values", "v.yaml")) == {
        "kind": "values",
        "file": "v.yaml",
        "line": None,
        "column": None,
        "object": None,
    }
    assert Hit("m") == Hit("m", None, (), None, None)
    assert repr(Location("template", "t.yaml", 1)) == (
        "Location(kind='template', file='t.yaml', line=1, column=None, object=None)"
    )
    for value, name in ((finding, "code"), (Location("rendered", "f"), "line"), (Hit("m"), "path")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, None)


@pytest.mark.parametrize(
    ("obj", "kind", "api_version", "name", "labels", "annotations"),
    [
        (
            {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "s", "labels": {"a": "b"}}},
            "Service",
            "v1",
            "s",
            {"a": "b"},
            {},
        ),
        (
            {"kind": 5, "apiVersion": ["v1"], "metadata": {"name": 7, "annotations": {"x": "y"}}},
            "",
            "",
            "",
            {},
            {"x": "y"},
        ),
        ({"metadata": ["name"]}, "", "", "", {}, {}),
        ({"metadata": {"labels": "a=b", "annotations": None}}, "", "", "", {}, {}),
        ({}, "", "", "", {}, {}),
    ],
)
def test_manifest_reads_any_shape(
    obj: dict[str, Any], kind: str, api_version: str, name: str, labels: Any, annotations: Any
) -> None:
    manifest = Manifest(TARGET, "c/templates/x.yaml", "x.yaml", obj, {(): 1})
    for _ in range(2):  # computed once, then read back
        assert (manifest.kind, manifest.api_version, manifest.name) == (kind, api_version, name)
        assert (manifest.labels, manifest.annotations) == (labels, annotations)
    assert manifest == Manifest(TARGET, "c/templates/x.yaml", "x.yaml", obj, {(): 1})


def test_findings_are_sorted_once_each() -> None:
    from todolint.engine import _sorted_unique

    a, b = _finding(line=5), _finding(line=2)
    twin = _finding(line=5, release="other")  # the same sort key as `a`, another finding
    findings = [a, b, _finding(line=5), twin, _finding(line=2), a, _finding(message="n", line=2)]
    assert _sorted_unique(findings) == [b, _finding(message="n", line=2), a, twin]
    assert _sorted_unique([b, a]) == [b, a] and _sorted_unique([]) == []
