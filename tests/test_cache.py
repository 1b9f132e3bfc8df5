"""The render cache: every input changes the key, real renders are reused, bad entries are rebuilt.

No timing here: a cache hit is seen by counting the renders the real (embedded) Helm does.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.conftest import CHARTS, RunCli, backend_dev_target
from todolint import schema
from todolint.cache import CachingRenderer, RenderCache, SchemaMemo, chart_digest, renderer_fingerprint
from todolint.models import Manifest, Target
from todolint.parse import parse_template
from todolint.render import RenderedTemplate, RenderError
from todolint.render.helm_cli import HelmCliRenderer
from todolint.render.helm_sdk import EmbeddedRenderer


class CountingRenderer:
    """The real embedded renderer, counting how often Helm is asked (not a mock: it renders)."""

    name = "embedded"

    def __init__(self) -> None:
        self.inner = EmbeddedRenderer()
        self.calls = 0

    def version(self) -> str:
        return self.inner.version()

    def prepare(self, targets: Sequence[Target]) -> int:
        return self.inner.prepare(targets)

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        self.calls += 1
        return self.inner.render(target, timeout=timeout)


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    """A copy of the backend chart, with a vendored subchart, free to edit."""
    dest = tmp_path / "charts" / "todo-backend"
    shutil.copytree(CHARTS / "todo-backend", dest)
    sub = dest / "charts" / "extra"
    (sub / "templates").mkdir(parents=True)
    (sub / "Chart.yaml").write_text("apiVersion: v2\nname: extra\nversion: 0.1.0\n")
    (sub / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: '1'\n"
    )
    return dest


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


#: Each input listed in the issue, changed one at a time: (name, change files, change the target, renderer, version).
CHANGES: list[tuple[str, Callable[[Path], None], dict[str, object], str, str]] = [
    ("template", lambda c: _append(c / "templates" / "service.yaml", "\n# edited\n"), {}, "embedded", "v4.2.3"),
    ("chart-yaml", lambda c: _append(c / "Chart.yaml", "\n# edited\n"), {}, "embedded", "v4.2.3"),
    ("chart-values", lambda c: _append(c / "values.yaml", "\n# edited\n"), {}, "embedded", "v4.2.3"),
    ("values-schema", lambda c: _append(c / "values.schema.json", " "), {}, "embedded", "v4.2.3"),
    ("new-file", lambda c: (c / "templates" / "NOTES.txt").write_text("hi"), {}, "embedded", "v4.2.3"),
    ("renamed-file", lambda c: (c / "values-prod.yaml").rename(c / "values-prod2.yaml"), {}, "embedded", "v4.2.3"),
    (
        "subchart",
        lambda c: _append(c / "charts" / "extra" / "templates" / "cm.yaml", "  b: '2'\n"),
        {},
        "embedded",
        "v4.2.3",
    ),
    ("env-values-file", lambda c: _append(c / "values-dev.yaml", "\n# edited\n"), {}, "embedded", "v4.2.3"),
    ("set-values", lambda c: None, {"set_values": ("replicaCount=3",)}, "embedded", "v4.2.3"),
    ("release", lambda c: None, {"release": "other"}, "embedded", "v4.2.3"),
    ("namespace", lambda c: None, {"namespace": "other"}, "embedded", "v4.2.3"),
    ("kube-version", lambda c: None, {"kube_version": "1.30.0"}, "embedded", "v4.2.3"),
    ("renderer", lambda c: None, {}, "helm", "v4.2.3"),
    ("renderer-version", lambda c: None, {}, "embedded", "v4.2.4"),
]


@pytest.mark.parametrize(("name", "edit", "fields", "renderer", "version"), CHANGES, ids=[c[0] for c in CHANGES])
def test_every_input_changes_the_key(
    tmp_path: Path,
    chart: Path,
    name: str,
    edit: Callable[[Path], None],
    fields: dict[str, object],
    renderer: str,
    version: str,
) -> None:
    cache = RenderCache(tmp_path / "cache")
    before = cache.key(backend_dev_target(chart), renderer="embedded", version="v4.2.3")
    assert before == RenderCache(tmp_path / "cache").key(
        backend_dev_target(chart), renderer="embedded", version="v4.2.3"
    )
    edit(chart)
    after = RenderCache(tmp_path / "cache").key(backend_dev_target(chart, **fields), renderer=renderer, version=version)
    assert before is not None and after is not None
    assert after != before, name


def test_extra_values_file_changes_the_key(tmp_path: Path, chart: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("replicaCount: 2\n")
    target = backend_dev_target(chart, values_files=(str(chart / "values-dev.yaml"), str(extra)))
    first = RenderCache(tmp_path / "cache").key(target, renderer="embedded", version="v")
    extra.write_text("replicaCount: 3\n")
    assert RenderCache(tmp_path / "cache").key(target, renderer="embedded", version="v") != first


def test_unreadable_values_file_means_no_caching(tmp_path: Path, chart: Path) -> None:
    target = backend_dev_target(chart, values_files=(str(tmp_path / "missing.yaml"),))
    assert RenderCache(tmp_path / "cache").key(target, renderer="embedded", version="v") is None


def test_hit_reuses_the_render_and_an_edit_renders_again(tmp_path: Path, chart: Path) -> None:
    inner = CountingRenderer()
    renderer = CachingRenderer(inner, RenderCache(tmp_path / "cache"))
    first = renderer.render(backend_dev_target(chart), timeout=60)
    assert inner.calls == 1
    assert (
        CachingRenderer(inner, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60) == first
    )
    assert inner.calls == 1
    service = chart / "templates" / "service.yaml"
    service.write_text(service.read_text().replace("kind: Service", "kind: Service\n# edited"))
    again = CachingRenderer(inner, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    assert inner.calls == 2
    edited = [t.text for t in again if t.source == "todo-backend/templates/service.yaml"]
    assert len(edited) == 1 and "# edited" in edited[0]


def _entries(root: Path) -> list[Path]:
    return sorted((root / "render-v1").glob("*.json"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b"\x00\xff garbage"),  # not JSON
        lambda p: p.write_text(json.dumps({"key": "other", "templates": []})),  # someone else's entry
        lambda p: p.write_text(json.dumps({"key": p.stem, "templates": [["a", 1, "x"]]})),  # wrong shape
        lambda p: p.write_text(""),  # empty
    ],
    ids=["truncated", "garbage", "wrong-key", "wrong-shape", "empty"],
)
def test_corrupt_entry_is_ignored_and_rebuilt(tmp_path: Path, chart: Path, damage: Callable[[Path], None]) -> None:
    inner = CountingRenderer()
    first = CachingRenderer(inner, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    (entry,) = _entries(tmp_path / "cache")
    damage(entry)
    again = CachingRenderer(inner, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    assert again == first
    assert inner.calls == 2
    assert json.loads(entry.read_text())["key"] == entry.stem
    assert (
        CachingRenderer(inner, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60) == first
    )
    assert inner.calls == 2


def test_files_are_private(tmp_path: Path, chart: Path) -> None:
    root = tmp_path / "cache" / "todolint"
    root.mkdir(parents=True, mode=0o755)
    root.chmod(0o755)
    renderer = CachingRenderer(CountingRenderer(), RenderCache(root))
    renderer.render(backend_dev_target(chart), timeout=60)
    renderer.version()
    folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
    files = [p for p in root.rglob("*") if p.is_file()]
    assert {p.name for p in folders} == {"todolint", "render-v1", "renderer-v1"}
    assert len(files) == 2  # one render entry, one remembered renderer version
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    assert not list(root.rglob(".*.tmp"))


def test_render_errors_are_not_cached(tmp_path: Path, chart: Path) -> None:
    inner = CountingRenderer()
    broken = chart / "templates" / "broken.yaml"
    broken.write_text('{{ fail "not yet" }}\n')
    for _ in range(2):
        with pytest.raises(RenderError, match="not yet"):
            CachingRenderer(inner, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    assert inner.calls == 2
    assert _entries(tmp_path / "cache") == []
    broken.unlink()
    CachingRenderer(inner, RenderCache(tmp_path / "cache")).render(backend_dev_target(chart), timeout=60)
    assert len(_entries(tmp_path / "cache")) == 1


def test_helm_fingerprint_follows_the_binary(tmp_path: Path, helm3: str) -> None:
    binary = tmp_path / "bin" / "helm"
    binary.parent.mkdir()
    shutil.copy2(helm3, binary)
    renderer = HelmCliRenderer(str(binary))
    first = renderer_fingerprint(renderer)
    cache = RenderCache(tmp_path / "cache")
    assert cache.renderer_version(renderer).startswith("v3.")
    info = binary.stat()
    os.utime(binary, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert renderer_fingerprint(renderer) not in (None, first)


def test_cli_uses_the_cache_unless_told_not_to(run_cli: RunCli, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    env = {"XDG_CACHE_HOME": str(xdg)}
    cold = run_cli("charts/", "--renderer", "embedded", "--format", "json", "--no-cache", env=env)
    assert cold.code == 0, cold.stderr
    assert not xdg.exists()
    first = run_cli("charts/", "--renderer", "embedded", "--format", "json", env=env)
    assert len(_entries(xdg / "todolint")) == 6  # 2 charts × 3 environments
    warm = run_cli("charts/", "--renderer", "embedded", "--format", "json", env=env)

    def findings(text: str) -> object:
        data = json.loads(text)
        data.pop("elapsed", None)
        return data

    assert findings(cold.stdout) == findings(first.stdout) == findings(warm.stdout)
    assert (first.code, warm.code) == (0, 0)


INVALID = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: two
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "web:1", bogus: 1}]
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
"""


def _manifests(text: str) -> list[Manifest]:
    target = Target(chart="-", chart_path="", env="-", release="", namespace="")
    manifests, problems = parse_template(RenderedTemplate("x.yaml", text), target=target, file="x.yaml")
    assert problems == []
    return manifests


def test_schema_memo_answers_as_validation_does(tmp_path: Path) -> None:
    manifests = _manifests(INVALID)
    fresh = [schema.validate(m, "1.37.0") for m in manifests]
    expected = [None if f is None else sorted(f, key=repr) for f in fresh]
    assert expected[1] is None and expected[0] is not None and len(expected[0]) == 2
    cache = RenderCache(tmp_path / "cache")
    first = SchemaMemo(cache, "1.37.0")
    assert [None if v is None else sorted(v, key=repr) for v in map(first.validate, manifests)] == expected
    first.save()
    (memo_file,) = (tmp_path / "cache" / "schema-v1").glob("*.json")
    assert stat.S_IMODE(memo_file.stat().st_mode) == 0o600
    stored = json.loads(memo_file.read_text())["verdicts"]
    assert len(stored) == 2
    second = SchemaMemo(RenderCache(tmp_path / "cache"), "1.37.0")
    assert second.known == stored
    assert [None if v is None else sorted(v, key=repr) for v in map(second.validate, manifests)] == expected
    # Another Kubernetes version is another memo.
    assert SchemaMemo(RenderCache(tmp_path / "cache"), "1.30.0").known == {}


def test_corrupt_schema_memo_is_ignored(tmp_path: Path) -> None:
    manifests = _manifests(INVALID)
    memo = SchemaMemo(RenderCache(tmp_path / "cache"), "1.37.0")
    for manifest in manifests:
        memo.validate(manifest)
    memo.save()
    (memo_file,) = (tmp_path / "cache" / "schema-v1").glob("*.json")
    data = json.loads(memo_file.read_text())
    data["verdicts"] = {key: [["spec", "not a path"]] for key in data["verdicts"]}  # wrong shape
    memo_file.write_text(json.dumps(data))
    again = SchemaMemo(RenderCache(tmp_path / "cache"), "1.37.0")
    assert again.validate(manifests[1]) is None
    assert len(again.validate(manifests[0]) or []) == 2
    memo_file.write_text("{ truncated")
    assert SchemaMemo(RenderCache(tmp_path / "cache"), "1.37.0").known == {}


def test_cli_warm_run_reports_the_same_schema_findings(run_cli: RunCli, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(INVALID)
    runs = [run_cli(str(rendered), "--format", "json", env={"XDG_CACHE_HOME": str(xdg)}) for _ in range(2)]
    assert [r.code for r in runs] == [1, 1]
    assert runs[0].stdout == runs[1].stdout
    # Only the schema findings: contract rules may say more about this object, the same both times.
    codes = sorted(f["code"] for f in json.loads(runs[0].stdout)["findings"] if f["code"].startswith("TL01"))
    assert codes == ["TL010", "TL010", "TL011"]
    assert len(list((xdg / "todolint" / "schema-v1").glob("*.json"))) == 1


def test_a_fifo_in_the_chart_is_not_read(tmp_path: Path, chart: Path) -> None:
    fifo = chart / "templates" / "pipe"
    without = chart_digest(str(chart))
    os.mkfifo(fifo)
    with_fifo = chart_digest(str(chart))  # returns: the FIFO is named, never opened
    # A refused chart has no key: nothing is cached, and the renderer refuses it on every run.
    assert RenderCache(tmp_path / "cache").key(backend_dev_target(chart), renderer="embedded", version="v") is None
    fifo.unlink()
    assert with_fifo != without
    assert RenderCache(tmp_path / "cache").key(backend_dev_target(chart), renderer="embedded", version="v") is not None
