"""The cache never lies: a cached run reports exactly what `--no-cache` reports on the same inputs.

One test per way a stale verdict was once replayed, each with real Helm: symlinked and empty folders,
a file edited while Helm renders, a version manager's shim switching Helm, schema `$ref`s that leave
the chart (refused before Helm runs, with zero requests to a local HTTP server), and cache entries
that are not what todolint wrote (deep, endless, blocking, huge).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHARTS, RunCli, Sentinel, backend_dev_target
from todolint.cache import MAX_ENTRY_BYTES, CachingRenderer, RenderCache, chart_digest, read_entry
from todolint.models import Target
from todolint.render import RenderedTemplate, RenderError
from todolint.render.helm_sdk import EmbeddedRenderer
from todolint.render.tree import VENDOR_HINT, schema_escape


def backend(tmp_path: Path, name: str = "todo-backend") -> Path:
    chart = tmp_path / "charts" / name
    shutil.copytree(CHARTS / "todo-backend", chart)
    return chart


def report(text: str) -> Any:
    data = json.loads(text)
    data.pop("elapsed", None)
    return data


def lint(run_cli: RunCli, chart: Path, *extra: str, helm: str | None = None, env: dict[str, str] | None = None) -> Any:
    renderer = ("--renderer", "helm") if helm else ("--renderer", "embedded")
    return run_cli(*renderer, "--env", "dev", "--format", "json", *extra, str(chart), helm=helm, env=env)


def assert_same_as_uncached(
    run_cli: RunCli, chart: Path, *, helm: str | None = None, env: dict[str, str] | None = None
) -> Any:
    """Run cached (twice: the second answers from the caches), then uncached; all three agree."""
    first = lint(run_cli, chart, helm=helm, env=env)
    cached = lint(run_cli, chart, helm=helm, env=env)
    fresh = lint(run_cli, chart, "--no-cache", helm=helm, env=env)
    assert (first.code, first.stderr) == (cached.code, cached.stderr) == (fresh.code, fresh.stderr)
    assert report(first.stdout) == report(cached.stdout) == report(fresh.stdout)
    return report(fresh.stdout)


# --- case 2: symlinks to folders inside the chart; case 5: empty folders -----------------------------


def test_a_folder_symlink_added_or_retargeted_changes_the_key(tmp_path: Path) -> None:
    chart = backend(tmp_path)
    (chart / "extra-a").mkdir()
    (chart / "extra-b").mkdir()
    (chart / "extra-b" / "x.txt").write_text("b")
    digests = [chart_digest(str(chart))]
    (chart / "link").symlink_to("extra-a", target_is_directory=True)
    digests.append(chart_digest(str(chart)))
    (chart / "link").unlink()
    (chart / "link").symlink_to("extra-b", target_is_directory=True)
    digests.append(chart_digest(str(chart)))
    (chart / "empty").mkdir()
    digests.append(chart_digest(str(chart)))
    assert len(set(digests)) == 4


def test_a_symlink_loop_added_to_a_cached_chart_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    chart = backend(tmp_path)
    clean = lint(run_cli, chart)
    assert clean.code == 0, clean.stderr
    (chart / "templates" / "loop").symlink_to("..", target_is_directory=True)
    for extra in ((), ("--no-cache",)):
        done = lint(run_cli, chart, *extra)
        assert done.code == 2
        assert done.stderr == (
            f"todolint: error: todo-backend (dev): {chart}/templates/loop: "
            "templates/loop is a symlink loop (it points at its own folder)\n"
        )


def test_an_empty_folder_under_charts_is_part_of_the_verdict(run_cli: RunCli, tmp_path: Path) -> None:
    chart = backend(tmp_path)
    assert_same_as_uncached(run_cli, chart)
    (chart / "charts" / "todo-frontend").mkdir(parents=True)
    data = assert_same_as_uncached(run_cli, chart)
    assert [(f["code"], f["message"][:33]) for f in data["findings"]] == [
        ("TL370", "chart todo-frontend: expected tem")
    ]


# --- case 3: a file edited while Helm renders ---------------------------------------------------------


class EditingRenderer:
    """The real embedded renderer; `edit` runs after Helm has read the chart, before the cache stores
    what it rendered: an editor saving while the run is under way."""

    name = "embedded"

    def __init__(self, edit: Any) -> None:
        self.inner = EmbeddedRenderer()
        self.edit = edit
        self.calls = 0

    def version(self) -> str:
        return self.inner.version()

    def prepare(self, targets: Any) -> int:
        return len(targets)

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        self.calls += 1
        rendered = self.inner.render(target, timeout=timeout)
        self.edit()
        return rendered


@pytest.mark.parametrize("undo", [False, True], ids=["edited", "edited-and-undone"])
def test_nothing_is_stored_when_an_input_changes_while_rendering(tmp_path: Path, undo: bool) -> None:
    chart = backend(tmp_path)
    service = chart / "templates" / "service.yaml"
    original = service.read_bytes()
    before = service.stat()

    def edit() -> None:
        service.write_bytes(original + b"\n# edited while rendering\n")
        if undo:  # back to the same bytes, size and modification time: only the change time tells
            service.write_bytes(original)
            os.utime(service, ns=(before.st_atime_ns, before.st_mtime_ns))

    renderer = EditingRenderer(edit)
    CachingRenderer(renderer, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    assert list((tmp_path / "cache").rglob("*.json")) == []
    renderer.edit = lambda: None
    CachingRenderer(renderer, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    assert len(list((tmp_path / "cache" / "render-v1").glob("*.json"))) == 1
    CachingRenderer(renderer, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    assert renderer.calls == 2  # the third is a hit


SHIM = """#!/bin/sh
# A version manager's shim (asdf style): the real Helm is whichever the environment names.
if [ -n "$EDIT_BEFORE_RENDER" ] && [ "$1" = template ] && [ -f "$EDIT_ONCE" ]; then
    rm -f "$EDIT_ONCE"
    printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: planted\\n' > "$EDIT_BEFORE_RENDER"
fi
exec "$SHIM_TARGET" "$@"
"""


def shim(tmp_path: Path) -> Path:
    folder = tmp_path / "shims"
    folder.mkdir(exist_ok=True)
    path = folder / "helm"
    path.write_text(SHIM)
    path.chmod(0o755)
    return path


def test_a_file_edited_during_the_render_is_not_replayed_after_it_is_reverted(
    run_cli: RunCli, tmp_path: Path, helm4: str
) -> None:
    chart = backend(tmp_path)
    planted = chart / "templates" / "planted.yaml"
    # The marker lives outside the chart: the tree after the run is exactly the tree before it.
    once = tmp_path / "edit.once"
    env = {"SHIM_TARGET": helm4, "EDIT_BEFORE_RENDER": str(planted), "EDIT_ONCE": str(once)}
    once.write_text("")
    helm = str(shim(tmp_path))  # made once: its own stat must not be what changes the key
    during = lint(run_cli, chart, helm=helm, env=env)
    assert "ConfigMap/planted" in json.loads(during.stdout)["targets"][0]["objects"]  # Helm read the edit
    planted.unlink()  # reverted: the tree is as the run's key says it was
    data = assert_same_as_uncached(run_cli, chart, helm=helm, env=env)
    assert "ConfigMap/planted" not in data["targets"][0]["objects"]


# --- Helm's own settings: no HELM_* variable reaches helm ---------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_helms_own_settings_do_not_change_what_it_reports(
    run_cli: RunCli, tmp_path: Path, version: str, helm3: str, helm4: str
) -> None:
    """HELM_DEBUG adds timestamped log lines (and the chart's absolute path) to a render error: the
    same input would print different bytes, from a setting the render key does not see."""
    chart = backend(tmp_path)
    (chart / "templates" / "broken.yaml").write_text("a: [\n")
    helm = helm3 if version == "v3" else helm4
    plain = lint(run_cli, chart, "--no-cache", helm=helm)
    debug = lint(run_cli, chart, "--no-cache", helm=helm, env={"HELM_DEBUG": "true", "HELM_NAMESPACE": "elsewhere"})
    assert (debug.code, debug.stderr, report(debug.stdout)) == (plain.code, plain.stderr, report(plain.stdout))
    assert debug.code == 2
    assert debug.stderr.splitlines() == [
        f"todolint: error: todo-backend (dev): {chart}/templates/broken.yaml:1: YAML parse error on "
        "todo-backend/templates/broken.yaml: error converting YAML to JSON: yaml: line 1: did not find expected "
        "node content"
    ]


# --- case 4: a shim that switches Helm ----------------------------------------------------------------


def test_a_shim_switching_helm_is_a_different_renderer(run_cli: RunCli, tmp_path: Path, helm3: str, helm4: str) -> None:
    chart = backend(tmp_path)
    helm = str(shim(tmp_path))
    four = assert_same_as_uncached(run_cli, chart, helm=helm, env={"SHIM_TARGET": helm4})
    three = assert_same_as_uncached(run_cli, chart, helm=helm, env={"SHIM_TARGET": helm3})
    assert four["renderer"]["helm_version"].startswith("v4.")
    assert three["renderer"]["helm_version"].startswith("v3.")


# --- case 1: values.schema.json that reaches outside the chart ----------------------------------------

OUTSIDE_SCHEMA = '{"type": "object", "properties": {"replicaCount": {"type": "string"}}}'


def refs(sentinel: Sentinel, outside: Path) -> dict[str, tuple[dict[str, Any], str]]:
    """Each way out, as (values.schema.json, what the refusal says about it)."""
    network = "is fetched from the network by Helm on every render; todolint renders offline and does not let it"
    local = (
        "points at a file outside the chart (Helm reads it from the file system, not from the chart); "
        "todolint does not follow it"
    )
    return {
        "http": ({"$ref": f"{sentinel.url}/schema.json"}, f'$ref "{sentinel.url}/schema.json" {network}'),
        "https": ({"$ref": "https://example.invalid/s.json"}, f'$ref "https://example.invalid/s.json" {network}'),
        "credentials": (
            {"properties": {"a": {"$ref": f"http://user:hunter2@{sentinel.url[7:]}/s.json?token=hunter2"}}},
            f'$ref "{sentinel.url}/s.json" {network}',
        ),
        "file-url": ({"$ref": f"file://{outside}"}, f'$ref "file://{outside}" {local}'),
        "absolute": ({"$ref": str(outside)}, f'$ref "{outside}" {local}'),
        "dotdot": ({"$ref": "../outside.json"}, f'$ref "../outside.json" {local}'),
        "relative": ({"$ref": "outside.json"}, f'$ref "outside.json" {local}'),
        "id-base": (
            {"$id": f"{sentinel.url}/base.json", "properties": {"a": {"$ref": "x.json"}}},
            f'$ref "x.json" {local}',
        ),
        "metaschema": (
            {"$schema": f"{sentinel.url}/meta.json", "type": "object"},
            f'$schema "{sentinel.url}/meta.json" is not a metaschema Helm knows, and Helm 4 would fetch it',
        ),
    }


REF_CASES = ["http", "https", "credentials", "file-url", "absolute", "dotdot", "relative", "id-base", "metaschema"]


@pytest.mark.parametrize("renderer", ["embedded", "helm3", "helm4"])
@pytest.mark.parametrize("case", REF_CASES)
def test_a_schema_ref_leaving_the_chart_is_refused_before_helm_runs(
    case: str, renderer: str, run_cli: RunCli, tmp_path: Path, network_sentinel: Sentinel, request: Any
) -> None:
    helm = str(request.getfixturevalue(renderer)) if renderer != "embedded" else None
    outside = tmp_path / "charts" / "outside.json"
    chart = backend(tmp_path)
    outside.write_text(OUTSIDE_SCHEMA.replace("string", "OUTSIDE-TEXT-3b1f"))
    schema, said = refs(network_sentinel, outside)[case]
    (chart / "values.schema.json").write_text(json.dumps(schema))
    for extra in ((), (), ("--no-cache",)):
        done = lint(run_cli, chart, *extra, helm=helm)
        assert done.code == 2
        assert done.stderr == (
            f"todolint: error: todo-backend (dev): {chart}/values.schema.json: values.schema.json: {said}; "
            f"{VENDOR_HINT}\n"
        ), done.stderr
        assert "OUTSIDE-TEXT" not in done.stdout + done.stderr
        assert "hunter2" not in done.stdout + done.stderr
        findings = json.loads(done.stdout)["findings"]
        assert [(f["code"], f["file"]) for f in findings] == [("TL001", f"{chart}/values.schema.json")]
    assert network_sentinel.requests == []


def test_a_vendored_schema_is_followed(run_cli: RunCli, tmp_path: Path) -> None:
    chart = backend(tmp_path)
    schema = json.loads((chart / "values.schema.json").read_text())
    schema["$defs"] = {"replicas": {"type": "string"}}
    schema.setdefault("properties", {})["replicaCount"] = {"$ref": "#/$defs/replicas"}
    (chart / "values.schema.json").write_text(json.dumps(schema))
    done = lint(run_cli, chart)
    assert done.code == 2
    assert "replicaCount" in done.stderr and "string" in done.stderr


def test_a_packaged_subchart_schema_is_checked_too(run_cli: RunCli, tmp_path: Path, network_sentinel: Sentinel) -> None:
    chart = backend(tmp_path)
    sub = tmp_path / "sub" / "extra"
    (sub / "templates").mkdir(parents=True)
    (sub / "Chart.yaml").write_text("apiVersion: v2\nname: extra\nversion: 0.1.0\n")
    (sub / "values.schema.json").write_text(json.dumps({"$ref": f"{network_sentinel.url}/sub.json"}))
    (chart / "charts").mkdir()
    with tarfile.open(chart / "charts" / "extra-0.1.0.tgz", "w:gz") as archive:
        archive.add(sub, arcname="extra")
    done = lint(run_cli, chart)
    assert done.code == 2
    assert done.stderr.startswith(
        f"todolint: error: todo-backend (dev): {chart}/charts/extra-0.1.0.tgz: charts/extra-0.1.0.tgz: "
        f'extra/values.schema.json: $ref "{network_sentinel.url}/sub.json" is fetched from the network'
    ), done.stderr
    assert network_sentinel.requests == []


def test_schema_escape_reads_every_reference() -> None:
    assert schema_escape({"$ref": "#/definitions/a", "definitions": {"a": {"$ref": "#"}}}) is None
    assert schema_escape({"$schema": "http://json-schema.org/draft-07/schema#"}) is None
    assert schema_escape({"$schema": "https://json-schema.org/draft/2020-12/schema"}) is None
    assert schema_escape({"properties": {"$ref": {"type": "string"}}}) is None  # a property named $ref
    deep: dict[str, Any] = {"$ref": "http://x/y"}
    for _ in range(5000):
        deep = {"items": [deep]}
    assert schema_escape(deep) is not None


# --- case 6: cache entries are untrusted input ---------------------------------------------------------


def corrupt(path: Path, how: str) -> None:
    """Replace a cache entry by something todolint never writes."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    if how == "deep":
        path.write_text("[" * 1000 + "]" * 1000)
    elif how == "deeper":
        path.write_text("[" * 200_000)
    elif how == "fifo":
        os.mkfifo(path)
    elif how == "dev-zero":
        path.symlink_to("/dev/zero")
    elif how == "huge":
        with open(path, "wb") as handle:  # sparse: no disk is used
            handle.truncate(MAX_ENTRY_BYTES + 1)
    elif how == "folder":
        path.mkdir()
    elif how == "dangling":
        path.symlink_to(path.parent / "nowhere")
    elif how == "nul":
        path.write_bytes(b"\0" * 100)


CORRUPTIONS = ["deep", "deeper", "fifo", "dev-zero", "huge", "folder", "dangling", "nul"]


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_read_entry_never_raises_blocks_or_reads_without_bound(tmp_path: Path, how: str) -> None:
    entry = tmp_path / "entry.json"
    entry.write_text("{}")
    corrupt(entry, how)
    answer: list[Any] = []
    reader = threading.Thread(target=lambda: answer.append(read_entry(entry)), daemon=True)
    reader.start()
    reader.join(10)
    assert answer == [None]


@pytest.mark.parametrize("how", ["deep", "fifo", "dev-zero", "huge", "folder", "dangling"])
def test_every_corrupt_entry_is_a_miss_and_is_rewritten(run_cli: RunCli, tmp_path: Path, how: str) -> None:
    chart = backend(tmp_path)
    cache = tmp_path / "xdg-cache" / "todolint"
    expected = assert_same_as_uncached(run_cli, chart)
    entries = sorted(p for p in cache.rglob("*.json"))
    assert {p.parent.name for p in entries} == {"render-v1", "result-v1", "schema-v1", "renderer-v1", "contract-v1"}
    for entry in entries:
        corrupt(entry, how)
    done = lint(run_cli, chart)
    assert done.code == 0, done.stderr
    assert report(done.stdout) == expected
    for entry in entries:
        info = entry.lstat()
        assert stat.S_ISREG(info.st_mode) and info.st_size < 2**20, entry
        assert read_entry(entry) is not None


def test_a_result_entry_of_another_shape_is_a_miss(tmp_path: Path) -> None:
    from todolint import result_cache

    cache = RenderCache(tmp_path / "cache")
    for value in ([], {"key": "k"}, {"key": "k", "result": {"targets": 3}, "rules": []}, {"key": "k", "result": []}):
        cache.write(cache.entry_path("result", "k"), value)
        assert result_cache.load(cache, "k") is None


# --- the renderer's identity ------------------------------------------------------------------------


def test_an_unknown_renderer_version_is_never_cached(tmp_path: Path) -> None:
    class Unknown:
        name = "helm"
        binary = str(tmp_path / "not-helm")

        def version(self) -> str:
            return "unknown"

    renderer = CachingRenderer(Unknown(), RenderCache(tmp_path / "cache"))  # type: ignore[arg-type]
    assert renderer.render_key(backend_dev_target(backend(tmp_path))) is None


def test_a_refused_chart_has_no_key(tmp_path: Path) -> None:
    chart = backend(tmp_path)
    (chart / "values.schema.json").write_text('{"$ref": "https://example.invalid/x.json"}')
    cache = RenderCache(tmp_path / "cache")
    assert cache.key(backend_dev_target(chart), renderer="embedded", version="v") is None
    renderer = CachingRenderer(EmbeddedRenderer(), cache)
    with pytest.raises(RenderError, match="fetched from the network"):
        renderer.render(dataclasses.replace(backend_dev_target(chart)), timeout=60)
