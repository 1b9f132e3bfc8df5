"""The render cache: a chart × environment whose inputs have not changed is not rendered again.

An entry is keyed by the content of every file in the chart folder (subcharts included), the content
of every values file, the `--set` expressions, release, namespace, Kubernetes version, and the
renderer's name and version. Entries live under `$XDG_CACHE_HOME/todolint` (default
`~/.cache/todolint`), one JSON file each, written to a temporary file and renamed into place so that
two runs sharing the folder never see half an entry. An entry that cannot be read or does not have
the expected shape is ignored and written again. Rendered output can hold secrets: the folder is
0700 and every file 0600. Only successful renders are stored; a render error is Helm's answer to
this content, and running Helm again after a fix is what a user expects.

The renderer's version is part of the key, but asking for it costs a process start (`helm version`)
or loading the Go library (embedded); it is remembered per renderer fingerprint (the executable's or
library's path, size and modification time), which a `stat` gives for free.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todolint.paths import FORMAT, cache_root, embedded_fingerprint, entry_folder, stat_text, write_entry
from todolint.render import RenderedTemplate

if TYPE_CHECKING:
    from todolint.models import Manifest, Target
    from todolint.render import Renderer
    from todolint.schema import SchemaError


def default_root() -> Path:
    """`$XDG_CACHE_HOME/todolint`, else `~/.cache/todolint`."""
    return Path(cache_root(os.environ))


def file_digest(path: Path) -> bytes:
    """SHA-256 of a file's content; OSError when it cannot be read."""
    return hashlib.sha256(path.read_bytes()).digest()


def chart_digest(chart_path: str) -> str:
    """A digest of every file below the chart folder: relative path and content, in a stable order.

    Everything counts (also files .helmignore excludes): a needless miss is cheap, a wrong hit is not.
    Symlinked folders are followed once, as Helm follows them.
    """
    root = Path(chart_path).resolve()
    digest = hashlib.sha256()
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        info = os.stat(dirpath)
        if (info.st_dev, info.st_ino) in seen:
            dirnames.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(root)
        for name in sorted(filenames):
            rel = (rel_dir / name).as_posix().encode("utf-8", "surrogateescape")
            digest.update(len(rel).to_bytes(4, "big") + rel)
            path = Path(dirpath) / name
            try:
                # Only regular files are read: opening a FIFO left in a chart folder would block.
                digest.update(b"F" + file_digest(path) if stat.S_ISREG(path.stat().st_mode) else b"S")
            except OSError:
                digest.update(b"E")  # unreadable now: Helm will say so; the key changes once it is readable
    return digest.hexdigest()


def renderer_fingerprint(renderer: Renderer) -> str | None:
    """What identifies the renderer's build without running it; None when nothing cheap does."""
    binary = getattr(renderer, "binary", None)
    if renderer.name == "helm" and isinstance(binary, str):
        return f"helm:{stat_text(binary)}"
    if renderer.name == "embedded":
        return embedded_fingerprint(os.environ)
    return None


class RenderCache:
    """Rendered templates on disk, keyed by everything that decides them."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()
        self._charts: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- keys ------------------------------------------------------------------------------------

    def _chart(self, chart_path: str) -> str:
        # Each chart is read once per run, however many environments it is rendered for.
        with self._lock:
            known = self._charts.get(chart_path)
        if known is None:
            known = chart_digest(chart_path)
            with self._lock:
                self._charts[chart_path] = known
        return known

    def key(self, target: Target, *, renderer: str, version: str) -> str | None:
        """The entry key for `target`; None when an input cannot be read (then nothing is cached)."""
        try:
            values = [[str(Path(f).resolve()), file_digest(Path(f)).hex()] for f in target.values_files]
            material = {
                "format": FORMAT,
                "renderer": renderer,
                "version": version,
                "chart": self._chart(target.chart_path),
                "chart_name": target.chart,
                "values": values,
                "set": list(target.set_values),
                "release": target.release,
                "namespace": target.namespace,
                "kube_version": target.kube_version,
            }
        except OSError:
            return None
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    # --- entries ---------------------------------------------------------------------------------

    def entry_path(self, kind: str, key: str) -> Path:
        return Path(entry_folder(str(self.root), kind)) / f"{key}.json"

    def has(self, key: str) -> bool:
        """Whether an entry is stored under `key` (it may still turn out corrupt when read)."""
        return self.entry_path("render", key).is_file()

    def get(self, key: str) -> list[RenderedTemplate] | None:
        """The templates stored under `key`, or None (absent, unreadable, corrupt or truncated)."""
        entry = self.read(self.entry_path("render", key))
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        templates = entry.get("templates")
        if not isinstance(templates, list):
            return None
        out: list[RenderedTemplate] = []
        for item in templates:
            if not (
                isinstance(item, list)
                and len(item) == 3
                and isinstance(item[0], str)
                and isinstance(item[1], str)
                and isinstance(item[2], int)
            ):
                return None
            out.append(RenderedTemplate(item[0], item[1], item[2]))
        return out

    def put(self, key: str, templates: list[RenderedTemplate]) -> None:
        entry = {"key": key, "templates": [[t.source, t.text, t.first_line] for t in templates]}
        self.write(self.entry_path("render", key), entry)

    def remember(self, renderer: Renderer, label: str, compute: Callable[[], str]) -> str:
        """`compute()` (a fact about the renderer's build, such as its version), remembered per fingerprint."""
        fingerprint = renderer_fingerprint(renderer)
        if fingerprint is None:
            return compute()
        ident = f"{label}\n{fingerprint}"
        path = self.entry_path("renderer", hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest())
        entry = self.read(path)
        if isinstance(entry, dict) and entry.get("ident") == ident and isinstance(entry.get("value"), str):
            return str(entry["value"])
        value = compute()
        if value and "unknown" not in value:
            self.write(path, {"ident": ident, "value": value})
        return value

    def renderer_version(self, renderer: Renderer) -> str:
        return self.remember(renderer, "version", renderer.version)

    # --- files -----------------------------------------------------------------------------------

    @staticmethod
    def read(path: Path) -> Any:
        """The JSON entry at `path`; None when absent, unreadable or not JSON."""
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None

    def write(self, path: Path, entry: Any) -> None:
        """Store a JSON entry at `path` (atomically, 0600; see paths.write_entry)."""
        write_entry(str(self.root), str(path), json.dumps(entry, separators=(",", ":")).encode())


def schema_fingerprint(kube_version: str) -> str:
    """What decides a schema verdict besides the object: the schema files, the validator, our own code."""
    import importlib.util

    from todolint import schema
    from todolint.version import __version__

    validator = importlib.util.find_spec("jsonschema_rs")
    parts = [
        __version__,
        kube_version,
        stat_text(str(schema.schema_dir(kube_version) / "_definitions.json")),
        stat_text(validator.origin if validator is not None and validator.origin else "jsonschema_rs"),
        stat_text(schema.__file__),
    ]
    return "|".join(parts)


#: Past this many remembered objects, only the last run's are kept.
SCHEMA_MEMO_LIMIT = 20_000


class SchemaMemo:
    """Schema verdicts of objects seen before, keyed by the object's content.

    A warm run then neither loads the Kubernetes definitions nor compiles a validator (~45 ms).
    """

    def __init__(self, cache: RenderCache, kube_version: str) -> None:
        self.cache = cache
        self.kube_version = kube_version
        self.fingerprint = schema_fingerprint(kube_version)
        ident = hashlib.sha256(self.fingerprint.encode("utf-8", "surrogateescape")).hexdigest()
        self.path = cache.entry_path("schema", ident)
        stored = cache.read(self.path)
        known = stored.get("verdicts") if isinstance(stored, dict) else None
        fits = isinstance(stored, dict) and stored.get("fingerprint") == self.fingerprint and isinstance(known, dict)
        self.known: dict[str, Any] = known if fits and isinstance(known, dict) else {}
        self.used: dict[str, Any] = {}

    def validate(self, manifest: Manifest) -> list[SchemaError] | None:
        """As `schema.validate`, answered from the memo when this exact object was validated before."""
        from todolint import schema

        try:
            text = json.dumps(manifest.obj, sort_keys=True, separators=(",", ":"), allow_nan=True)
        except (TypeError, ValueError):
            found = schema.validate(manifest, self.kube_version)
            return None if found is None else list(found)
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        verdict = self.known.get(key, False)
        if verdict is False or not _verdict_ok(verdict):
            found = schema.validate(manifest, self.kube_version)
            verdict = None if found is None else [[list(e.path), e.message] for e in found]
        self.used[key] = verdict
        if verdict is None:
            return None
        return [schema.SchemaError(tuple(path), message) for path, message in verdict]

    def save(self) -> None:
        if all(self.known.get(k, False) == v for k, v in self.used.items()):
            return
        verdicts = {**self.known, **self.used} if len(self.known) + len(self.used) <= SCHEMA_MEMO_LIMIT else self.used
        self.cache.write(self.path, {"fingerprint": self.fingerprint, "verdicts": verdicts})


def _verdict_ok(verdict: Any) -> bool:
    return verdict is None or (
        isinstance(verdict, list)
        and all(
            isinstance(v, list) and len(v) == 2 and isinstance(v[0], list) and isinstance(v[1], str) for v in verdict
        )
    )


class CachingRenderer:
    """A renderer that answers from the cache when it can and stores what the inner renderer produces."""

    def __init__(self, inner: Renderer, cache: RenderCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self._version: str | None = None
        self._identity: str | None = None
        self._keys: dict[Target, str | None] = {}
        self._lock = threading.Lock()

    def version(self) -> str:
        with self._lock:
            if self._version is None:
                self._version = self.cache.renderer_version(self.inner)
            return self._version

    def render_key(self, target: Target) -> str | None:
        """The render cache's key for `target`; None when an input cannot be read."""
        with self._lock:
            if self._identity is None:
                # The renderer's build as a stat sees it stands for its version in the key: asking
                # the version itself would start helm or load the Go library before knowing whether
                # anything needs rendering.
                self._identity = renderer_fingerprint(self.inner) or ""
            if target in self._keys:
                return self._keys[target]
        key = self.cache.key(target, renderer=self.name, version=self._identity or self.version())
        with self._lock:
            self._keys[target] = key
        return key

    def prepare(self, targets: Sequence[Target]) -> int:
        """Prepare the inner renderer for the targets the cache cannot answer (none on a warm run)."""
        missing = []
        for target in targets:
            key = self.render_key(target)
            if key is None or not self.cache.has(key):
                missing.append(target)
        return self.inner.prepare(missing)

    def render(self, target: Target, *, timeout: float) -> list[RenderedTemplate]:
        key = self.render_key(target)
        if key is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        templates = self.inner.render(target, timeout=timeout)
        if key is not None:
            self.cache.put(key, templates)
        return templates

    def offer_definitions(self, path: str) -> bool:
        return self.inner.offer_definitions(path)

    def bundle_schemas(self, definitions: str, files: Sequence[str], *, timeout: float) -> dict[str, str | None] | None:
        return self.inner.bundle_schemas(definitions, files, timeout=timeout)


__all__ = [
    "CachingRenderer",
    "RenderCache",
    "SchemaMemo",
    "chart_digest",
    "default_root",
    "file_digest",
    "renderer_fingerprint",
]
