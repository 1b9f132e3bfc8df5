"""The render cache: a chart × environment whose inputs have not changed is not rendered again.

The invariant, for this cache and the result cache (todolint.result_cache): a cached run reports exactly
what `--no-cache` reports on the same inputs (docs/guarantees.md). So an entry is keyed by every
entry of the chart folder as Helm reads it (folders, empty ones too; files with their content;
symlinks with their targets: todolint.render.tree), the content of every values file, the `--set`
expressions, release, namespace, Kubernetes version, and the renderer's name and build. The tree
checks run on every run, before the cache is asked; a render is stored only when nothing it read
changed while it ran (stat stamps taken when the inputs were first read, compared after).

Entries live under `$XDG_CACHE_HOME/todolint` (default `~/.cache/todolint`), one JSON file each,
written to a temporary file and renamed into place so that two runs sharing the folder never see
half an entry. Entries are untrusted input (read_entry): anything but a regular file of a bounded
size holding JSON of the expected shape is a miss, and is written again. Rendered output can hold
secrets: the folder is 0700 and every file 0600. Only successful renders are stored; a render error
is Helm's answer to this content, and running Helm again after a fix is what a user expects.

The renderer's version is part of the key, but asking for it costs a process start (`helm version`)
or loading the Go library (embedded); it is remembered per renderer fingerprint (the executable's or
library's path, size and modification time), which a `stat` gives for free. A helm that is not a
compiled Helm (a version manager's shim) has no fingerprint: its version is asked on every run.
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
from todolint.render import MAX_RENDER_BYTES, RenderedTemplate, refuse
from todolint.render.tree import ChartScan, scan_chart

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


def file_stamp(path: str) -> str:
    """What changes whenever a file is written, renamed over or replaced, even back to the same
    content, size and modification time: its inode and change time, besides size and mtime."""
    try:
        info = os.stat(path)
    except OSError:
        return "missing"
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def chart_digest(chart_path: str) -> str:
    """A digest of every entry below the chart folder: folders, files with their content, symlinks
    with their targets (see todolint.render.tree). Everything counts (also what .helmignore
    excludes): a needless miss is cheap, a wrong hit is not."""
    return scan_chart(chart_path).digest


#: Bytes that start a compiled program (ELF; Mach-O 32/64-bit, both byte orders, and universal).
_EXECUTABLE_MAGIC = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")


def is_helm_build(binary: str) -> bool:
    """Whether `binary` is Helm itself, as opposed to a version manager's shim (asdf's are scripts,
    mise's are links to mise) that runs whichever Helm its environment names: a compiled program
    whose real name starts with "helm"."""
    real = os.path.realpath(binary)
    if not os.path.basename(real).lower().startswith("helm"):
        return False
    try:
        with open(real, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return head in _EXECUTABLE_MAGIC


def renderer_fingerprint(renderer: Renderer) -> str | None:
    """What identifies the renderer's build without running it; None when nothing cheap does (then
    its version is asked on every run: a shim's stat says nothing about the Helm it runs)."""
    binary = getattr(renderer, "binary", None)
    if renderer.name == "helm" and isinstance(binary, str):
        return f"helm:{stat_text(binary)}" if is_helm_build(binary) else None
    if renderer.name == "embedded":
        return embedded_fingerprint(os.environ)
    return None


#: The largest cache entry read: a render of MAX_RENDER_BYTES, each byte escaped (`\u00XX`) at worst.
MAX_ENTRY_BYTES = 6 * MAX_RENDER_BYTES + 2**20


def read_entry(path: Path) -> Any:
    """The JSON value stored at `path`; None for anything but a regular file of at most
    MAX_ENTRY_BYTES holding JSON the reader can nest (a FIFO, a link to a device, a folder, a
    truncated or absurdly deep entry are all misses). Entries are untrusted input: nothing here
    raises, blocks or reads without bound."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        chunks = []
        left = MAX_ENTRY_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            return None  # grew past the cap while read
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        # RecursionError: the JSON reader's nesting limit is the depth cap (entries nest 6 deep at most).
        return None


class RenderCache:
    """Rendered templates on disk, keyed by everything that decides them."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()
        #: Each chart's scan and each other input's stamp, as this run first read them.
        self._charts: dict[str, ChartScan] = {}
        self._files: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- keys ------------------------------------------------------------------------------------

    def scan(self, chart_path: str) -> ChartScan:
        """The chart as this run first read it: each chart is read once per run, however many
        environments it is rendered for."""
        with self._lock:
            known = self._charts.get(chart_path)
        if known is None:
            known = scan_chart(chart_path)
            with self._lock:
                known = self._charts.setdefault(chart_path, known)
        return known

    def digest(self, path: Path) -> bytes:
        """`file_digest(path)`, its stamp taken first and kept for `unchanged` (OSError: unreadable)."""
        stamp = file_stamp(str(path))
        digest = file_digest(path)
        with self._lock:
            self._files.setdefault(str(path), stamp)
        return digest

    def unchanged(self, chart_paths: Sequence[str] | None = None, files: Sequence[str] | None = None) -> bool:
        """Whether the charts and files this run read (all of them, or the ones named) are as it
        first read them: nothing is stored from a run whose inputs changed while it ran."""
        with self._lock:
            charts = dict(self._charts)
            stamps = dict(self._files)
        for chart_path in charts if chart_paths is None else chart_paths:
            before = charts.get(chart_path)
            if before is None or scan_chart(chart_path, contents=False).stamp != before.stamp:
                return False
        for path in stamps if files is None else files:
            if path not in stamps or file_stamp(path) != stamps[path]:
                return False
        return True

    def key(self, target: Target, *, renderer: str, version: str) -> str | None:
        """The entry key for `target`; None when an input cannot be read or the chart is refused
        (then nothing is cached, and the renderer says why)."""
        scan = self.scan(target.chart_path)
        if scan.problem is not None:
            return None
        try:
            values = [[str(Path(f).resolve()), self.digest(Path(f)).hex()] for f in target.values_files]
            material = {
                "format": FORMAT,
                "renderer": renderer,
                "version": version,
                "chart": scan.digest,
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
        """The file of the `kind` entry (`render`, `schema`, `renderer`, `contract`) named `key` (may not exist)."""
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
        """Store `templates` under `key`; the entry names its key too, so that `get` takes one found under
        another name for a miss."""
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
        """`renderer.version()`, remembered per build fingerprint: a warm run neither starts helm nor loads the
        Go library to ask it (a shim, which has no fingerprint, is asked every time)."""
        return self.remember(renderer, "version", renderer.version)

    # --- files -----------------------------------------------------------------------------------

    @staticmethod
    def read(path: Path) -> Any:
        """The JSON entry at `path`; None when absent, unreadable, not JSON or not a file (read_entry)."""
        return read_entry(path)

    def write(self, path: Path, entry: Any) -> None:
        """Store a JSON entry at `path` (atomically, 0600; see paths.write_entry)."""
        write_entry(str(self.root), str(path), json.dumps(entry, separators=(",", ":")).encode())


class ContractMemo:
    """Contracts found valid before, by `contract.validation_key`, kept as `contract` entries.

    A verdict cache like SchemaMemo: a warm run does not import the schema validator (jsonschema-rs,
    ~10 ms) to check a contract text it checked before. The key holds the text, the contract schema,
    the validator and the checking code; an invalid contract is never stored, so its error is always
    worded afresh.
    """

    def __init__(self, cache: RenderCache) -> None:
        self.cache = cache

    def __contains__(self, key: object) -> bool:
        """Whether a run found the contract of this key valid."""
        if not isinstance(key, str):
            return False
        entry = self.cache.read(self.cache.entry_path("contract", key))
        return isinstance(entry, dict) and entry.get("key") == key and entry.get("valid") is True

    def add(self, key: str) -> None:
        """Remember that the contract of this key is valid (written only when it is not there yet)."""
        if key not in self:
            self.cache.write(self.cache.entry_path("contract", key), {"key": key, "valid": True})


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
        """Write the verdicts back when this run learned any; past SCHEMA_MEMO_LIMIT only this run's are kept."""
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
        """The inner renderer's version, asked at most once per run (and remembered across runs per build)."""
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
        identity = self._identity or self.version()
        if not identity or identity == "unknown":
            key = None  # which Helm renders cannot be known: nothing is cached
        else:
            key = self.cache.key(target, renderer=self.name, version=identity)
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
        """The stored templates when the cache has `target`'s key, else the inner renderer's, stored when no
        input changed while it rendered. A refused chart raises its RenderError either way."""
        # The tree checks run on every run, a hit or not: a cached render must not hide a refusal.
        refuse(self.cache.scan(target.chart_path), target.chart_path)
        key = self.render_key(target)
        if key is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        templates = self.inner.render(target, timeout=timeout)
        # Stored only when Helm read what the key says: not when an input changed while it rendered.
        if key is not None and self.cache.unchanged([target.chart_path], [str(Path(f)) for f in target.values_files]):
            self.cache.put(key, templates)
        return templates


__all__ = [
    "CachingRenderer",
    "RenderCache",
    "SchemaMemo",
    "chart_digest",
    "default_root",
    "file_digest",
    "renderer_fingerprint",
]
