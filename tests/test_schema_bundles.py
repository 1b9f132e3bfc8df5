"""Schemas bundled by the embedded renderer's worker once it has rendered (todolint.schema.preload).

What the worker bundles must be exactly what validation bundles in-process, and anything the worker
cannot answer must leave validation to do it itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CHARTS
from todolint import schema, schema_bundle
from todolint.contract import load_contract
from todolint.discover import MatrixOptions, build_targets, discover
from todolint.models import Target
from todolint.render.embedded_worker import Schemas, answer
from todolint.render.helm_cli import HelmCliRenderer
from todolint.render.helm_sdk import EmbeddedRenderer

VERSION = "1.37.0"
FOLDER = schema.schema_dir(VERSION)
DEFINITIONS = str(schema.definitions_file(VERSION))
KINDS = ("deployment-apps-v1.json", "service-v1.json", "configmap-v1.json", "secret-v1.json")
#: Objects with schema errors at several depths, one per kind above.
INVALID: dict[str, dict[str, Any]] = {
    "deployment-apps-v1.json": {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "labels": {"a": 1}},
        "spec": {
            "replicas": "3",
            "selector": {"matchLabels": {"app": "x"}},
            "template": {
                "spec": {
                    "containers": [
                        {"name": "c", "image": "i", "ports": [{"containerPort": "80"}], "bogus": True},
                        {"image": "j", "livenessProbe": {"httpGet": {"path": 5}}},
                    ]
                }
            },
        },
    },
    "service-v1.json": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": "http", "targetPort": []}], "selector": "app=x"},
    },
    "configmap-v1.json": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 3}, "data": {"k": 1}},
    "secret-v1.json": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "x"},
        "stringData": {"k": []},
        "type": 7,
    },
}


def _target(chart: str, env: str) -> Target:
    targets = build_targets(discover([str(CHARTS / chart)]).charts, load_contract(), MatrixOptions(environments=(env,)))
    return targets[0]


def _files(*names: str) -> list[str]:
    return [str(FOLDER / name) for name in names]


@pytest.fixture
def rendered() -> Iterator[EmbeddedRenderer]:
    """An embedded renderer whose worker has rendered todo-backend (dev) and owes nothing."""
    renderer = EmbeddedRenderer()
    target = _target("todo-backend", "dev")
    renderer.prepare([target])
    renderer.render(target, timeout=60)
    yield renderer
    renderer._discard()


def test_the_worker_bundles_exactly_what_validation_bundles_itself(rendered: EmbeddedRenderer) -> None:
    assert rendered.offer_definitions(DEFINITIONS) is True
    bundles = rendered.bundle_schemas(DEFINITIONS, _files(*KINDS, "nosuchkind-v1.json"), timeout=60)
    assert bundles is not None
    assert sorted(bundles) == sorted(_files(*KINDS, "nosuchkind-v1.json"))
    assert bundles[str(FOLDER / "nosuchkind-v1.json")] is None
    definitions = schema_bundle.read_definitions(DEFINITIONS)
    for name in KINDS:
        text = bundles[str(FOLDER / name)]
        assert text is not None
        here = schema_bundle.bundle(str(FOLDER / name), lambda: definitions)
        assert here is not None and len(here["$defs"]) > 0
        assert json.loads(text) == here, name
        # The same key order too: nothing about the bundle may depend on where it was made.
        assert text == json.dumps(here), name


def test_validators_compiled_from_worker_bundles_find_the_same_errors(rendered: EmbeddedRenderer) -> None:
    bundles = rendered.bundle_schemas(DEFINITIONS, _files(*KINDS), timeout=60)
    assert bundles is not None
    import jsonschema_rs

    definitions = schema_bundle.read_definitions(DEFINITIONS)
    for name, instance in INVALID.items():
        text = bundles[str(FOLDER / name)]
        assert text is not None
        from_text = jsonschema_rs.Draft202012Validator(text).iter_errors(instance)
        from_data = jsonschema_rs.Draft202012Validator(schema_bundle.bundle(str(FOLDER / name), lambda: definitions))
        found = [(list(e.instance_path), e.message) for e in from_text]
        assert len(found) >= 2, name
        assert found == [(list(e.instance_path), e.message) for e in from_data.iter_errors(instance)], name


def test_preload_takes_the_worker_bundles_and_validation_reads_no_definitions(
    rendered: EmbeddedRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "_BUNDLED", {})
    monkeypatch.setattr(schema, "_definitions", lambda version: pytest.fail("read the definitions in-process"))
    schema._validator.cache_clear()
    try:
        kinds = {("Deployment", "apps/v1"), ("Service", "v1"), ("Widget", "example.com/v1"), ("../x", "v1")}
        schema.preload(VERSION, kinds, rendered, timeout=60)
        # A name that is no plain kind is never turned into a file name, nor asked of the worker.
        assert sorted(schema._BUNDLED) == [
            (VERSION, "deployment-apps-v1.json"),
            (VERSION, "service-v1.json"),
            (VERSION, "widget-example-v1.json"),
        ]
        assert schema._BUNDLED[(VERSION, "widget-example-v1.json")] is None
        assert schema._validator(VERSION, "Widget", "example.com/v1") is None
        validator = schema._validator(VERSION, "Deployment", "apps/v1")
        assert validator is not None
        assert [list(e.instance_path) for e in validator.iter_errors(INVALID["deployment-apps-v1.json"])][:2] == [
            ["metadata", "labels", "a"],
            ["spec", "replicas"],
        ]
    finally:
        schema._validator.cache_clear()


def test_a_kind_with_no_schema_reads_no_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "_BUNDLED", {})
    monkeypatch.setattr(schema, "_definitions", lambda version: pytest.fail("read the definitions for a CRD"))
    schema._validator.cache_clear()
    try:
        assert schema._validator(VERSION, "Widget", "example.com/v1") is None
    finally:
        schema._validator.cache_clear()


def test_no_bundles_while_renders_are_owed_or_without_a_worker() -> None:
    renderer = EmbeddedRenderer()
    assert renderer.offer_definitions(DEFINITIONS) is False  # no worker started
    assert renderer.bundle_schemas(DEFINITIONS, _files("service-v1.json"), timeout=60) is None
    first, second = _target("todo-backend", "dev"), _target("todo-frontend", "dev")
    renderer.prepare([first, second])
    try:
        # Answers are owed: a bundle asked now would be read as a render's answer.
        assert renderer.bundle_schemas(DEFINITIONS, _files("service-v1.json"), timeout=60) is None
        renderer.render(first, timeout=60)
        assert renderer.bundle_schemas(DEFINITIONS, _files("service-v1.json"), timeout=60) is None
        renderer.render(second, timeout=60)
        bundles = renderer.bundle_schemas(DEFINITIONS, _files("service-v1.json"), timeout=60)
        assert bundles is not None and bundles[str(FOLDER / "service-v1.json")] is not None
    finally:
        renderer._discard()
    helm = HelmCliRenderer("helm")
    assert helm.offer_definitions(DEFINITIONS) is False
    assert helm.bundle_schemas(DEFINITIONS, _files("service-v1.json"), timeout=60) is None


def test_a_worker_that_cannot_bundle_says_so_and_still_renders(rendered: EmbeddedRenderer) -> None:
    worker = rendered._worker
    assert rendered.bundle_schemas("/nonexistent/_definitions.json", _files("service-v1.json"), timeout=60) is None
    assert rendered._worker is worker  # an answer, not a broken worker
    target = _target("todo-frontend", "prod")
    assert [t.source for t in rendered.render(target, timeout=60)] == [
        "todo-frontend/templates/configmap.yaml",
        "todo-frontend/templates/deployment.yaml",
        "todo-frontend/templates/networkpolicy.yaml",
        "todo-frontend/templates/service.yaml",
        "todo-frontend/templates/serviceaccount.yaml",
    ]


def test_the_worker_protocol_for_schemas() -> None:
    """Answered in the worker process as here: a hint gets no answer, a bundle request one line."""
    schemas = Schemas()
    assert answer(None, json.dumps({"definitions": DEFINITIONS}).encode(), schemas=schemas) is None
    assert schemas.path == DEFINITIONS and len(schemas.definitions) > 500
    # A hint that cannot be followed is not answered either; bundling then says why.
    assert answer(None, b'{"definitions": "/nonexistent.json"}', schemas=Schemas()) is None
    unread = {"bundle": {"definitions": "/nonexistent.json", "files": _files("configmap-v1.json")}}
    failed = answer(None, json.dumps(unread).encode(), schemas=Schemas())
    assert failed is not None and failed["error"]["message"].startswith("cannot bundle schemas: [Errno 2]")
    # A kind with no schema needs no definitions: they are not read for it.
    crd = {"bundle": {"definitions": "/nonexistent.json", "files": _files("widget-example-v1.json")}}
    assert answer(None, json.dumps(crd).encode(), schemas=Schemas()) == {
        "ok": {_files("widget-example-v1.json")[0]: None}
    }
    request = {"bundle": {"definitions": DEFINITIONS, "files": _files("configmap-v1.json")}}
    got = answer(None, json.dumps(request).encode(), schemas=schemas)
    assert got is not None and set(got["ok"]) == {str(FOLDER / "configmap-v1.json")}
    # Rendering still needs the library: without it, a render request is refused as before.
    refused = answer(None, b'{"chart_path": "x"}', unloaded="ImportError: no", schemas=schemas)
    assert refused == {"error": {"message": "embedded Helm could not be loaded: ImportError: no", "file": None}}
