"""A kind's schema bundled with only the definitions it reaches (todolint.schema_bundle): it compiles,
finds the errors a schema should, and a kind with no schema costs no read of the definitions."""

from __future__ import annotations

from typing import Any

import pytest

from todolint import schema, schema_bundle

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


def _compiled(name: str) -> Any:
    import jsonschema_rs

    bundled = schema_bundle.bundle(str(FOLDER / name), lambda: schema_bundle.read_definitions(DEFINITIONS))
    assert bundled is not None
    return jsonschema_rs.Draft202012Validator(bundled)


@pytest.mark.parametrize("name", KINDS)
def test_a_bundle_compiles_and_finds_the_errors(name: str) -> None:
    errors = sorted(str(e) for e in _compiled(name).iter_errors(INVALID[name]))
    assert len(errors) >= 2, errors


def test_a_kind_with_no_schema_reads_no_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "_definitions", lambda version: pytest.fail("read the definitions for a CRD"))
    schema._validator.cache_clear()
    try:
        assert schema._validator(VERSION, "Widget", "example.com/v1") is None
    finally:
        schema._validator.cache_clear()
