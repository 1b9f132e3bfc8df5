"""The charts of one render: where each one's files are, what its Chart.yaml declares, and which chart
rendered a template.

Helm names a subchart's template `<top>/charts/<key>/templates/x.yaml`, where `<key>` is the subchart's
name, or the alias its parent's Chart.yaml gives it; the chart itself sits in its parent's `charts/`
folder, unpacked in a folder of any name or packaged as a `.tgz` archive. `ChartFiles` reads both, each
archive once and in memory (never unpacked to disk), and names a file inside an archive
`<archive>:<member>` (`charts/backend-0.1.0.tgz:backend/values.yaml`): a place that exists in no folder
and that nobody can edit in place.
"""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from todolint.models import FieldPath

#: Where a file name steps into an archive: `<archive>.tgz:<member>`.
ARCHIVE = re.compile(r"\.(?:tgz|tar\.gz):")
_ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")
#: What one archive may hold, unpacked: a chart is kilobytes, and a run reads only what findings need.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 10_000


def in_archive(file: str) -> bool:
    """Whether `file` names a member of a packaged chart (`charts/x-1.0.0.tgz:x/values.yaml`)."""
    return ARCHIVE.search(file) is not None


@dataclass(frozen=True)
class Import:
    """One `import-values` entry of a dependency: the child's table at `child` lands at `parent` in the
    parent chart's values (`()`: its top level), below the parent's own values.yaml."""

    child: FieldPath
    parent: FieldPath


@dataclass(frozen=True)
class Dependency:
    """A dependency as the parent's Chart.yaml declares it: the chart's name, the key its values and
    templates go by (its alias, else its name), what the parent imports from it, and what enables it
    (`condition` paths, `tags`)."""

    name: str
    key: str
    imports: tuple[Import, ...] = ()
    conditions: tuple[FieldPath, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartNode:
    """One chart of a render: its root (a folder, or `<archive>:<folder>` inside a package), its name, the
    dependencies its Chart.yaml declares, and the charts in its `charts/` folder by their own names."""

    root: str
    name: str
    dependencies: tuple[Dependency, ...]
    #: (chart name, root) of every chart in `charts/`, in the order of their file names.
    packed: tuple[tuple[str, str], ...]

    @property
    def values_file(self) -> str:
        """The chart's own values.yaml."""
        return f"{self.root}/values.yaml"

    @property
    def keys(self) -> frozenset[str]:
        """The values key of every subchart: each dependency's, and the name of a chart in `charts/` that
        no dependency declares (Helm renders it as well)."""
        declared = {dep.name for dep in self.dependencies}
        return frozenset(dep.key for dep in self.dependencies) | {n for n, _ in self.packed if n not in declared}

    def child_root(self, key: str) -> str | None:
        """The root of the subchart Helm renders under `key`; None when there is none or more than one."""
        name = next((dep.name for dep in self.dependencies if dep.key == key), key)
        roots = [root for packed, root in self.packed if packed == name]
        return roots[0] if len(roots) == 1 else None

    def dependency(self, key: str) -> Dependency | None:
        """The dependency declared under `key` (its alias or name), if any."""
        return next((dep for dep in self.dependencies if dep.key == key), None)


@dataclass(frozen=True)
class ChartChain:
    """The charts from the top one down to the one that rendered a template, and that template's file."""

    #: The values key of each subchart under its parent, top down: () for the top chart's own templates.
    keys: tuple[str, ...]
    #: The top chart first, then each subchart down to the one that rendered the template.
    nodes: tuple[ChartNode, ...]
    #: The template file, as locations name it.
    template: str


class ChartFiles:
    """Reads the files of a render's charts, from folders and from archives, each at most once per run."""

    def __init__(self) -> None:
        self._archives: dict[str, dict[str, bytes] | None] = {}
        self._nodes: dict[str, ChartNode | None] = {}

    @property
    def archives_read(self) -> int:
        """How many archives this run has opened."""
        return len(self._archives)

    def read_bytes(self, file: str) -> bytes | None:
        """The bytes of `file`, from a folder or an archive; None when it cannot be read."""
        matches = list(ARCHIVE.finditer(file))
        if not matches:
            path = Path(file)
            try:
                # is_file first: reading a FIFO would block for ever.
                return path.read_bytes() if path.is_file() else None
            except OSError:
                return None
        last = matches[-1]
        members = self._members(file[: last.end() - 1])
        return None if members is None else members.get(file[last.end() :])

    def read_text(self, file: str) -> str | None:
        """The text of `file` (UTF-8, a leading BOM dropped); None when it cannot be read or decoded."""
        data = self.read_bytes(file)
        try:
            return None if data is None else data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None

    def templates(self, root: str) -> list[str]:
        """Every file under the chart's `templates/`, as locations name them, sorted."""
        archive, _, inner = _split(root)
        if archive is None:
            folder = Path(root) / "templates"
            if not folder.is_dir():
                return []
            return sorted(p.as_posix() for p in folder.rglob("*") if p.is_file())
        members = self._members(archive) or {}
        prefix = f"{inner}/templates/"
        return sorted(f"{archive}:{name}" for name in members if name.startswith(prefix))

    def node(self, root: str) -> ChartNode | None:
        """The chart at `root`, read once; None when it has no readable Chart.yaml naming it."""
        if root not in self._nodes:
            self._nodes[root] = self._read_node(root)
        return self._nodes[root]

    def nodes(self, chart_path: str, keys: tuple[str, ...]) -> tuple[ChartNode, ...] | None:
        """The chart at `chart_path`, then its subchart under each of `keys` in turn; None when one of
        them cannot be found (or is not one chart)."""
        top = self.node(chart_path)
        if top is None:
            return None
        found = [top]
        for key in keys:
            root = found[-1].child_root(key)
            node = self.node(root) if root is not None else None
            if node is None:
                return None
            found.append(node)
        return tuple(found)

    def chain(self, chart_path: str, source: str) -> ChartChain | None:
        """The charts that rendered `source` (Helm's name of a template) in the chart at `chart_path`."""
        parts = source.split("/")
        keys: list[str] = []
        at = 1
        while at + 2 < len(parts) and parts[at] == "charts":
            keys.append(parts[at + 1])
            at += 2
        if len(parts) <= at + 1 or parts[at] != "templates":
            return None
        nodes = self.nodes(chart_path, tuple(keys))
        if nodes is None:
            return None
        return ChartChain(tuple(keys), nodes, f"{nodes[-1].root}/{'/'.join(parts[at:])}")

    def _read_node(self, root: str) -> ChartNode | None:
        meta = _yaml_map(self.read_text(f"{root}/Chart.yaml"))
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            return None
        declared = meta.get("dependencies")
        if declared is None:  # apiVersion v1 charts declare them in requirements.yaml
            declared = _yaml_map(self.read_text(f"{root}/requirements.yaml")).get("dependencies")
        dependencies = tuple(d for d in map(_dependency, declared if isinstance(declared, list) else []) if d)
        packed = []
        for sub in self._subchart_roots(root):
            sub_meta = _yaml_map(self.read_text(f"{sub}/Chart.yaml"))
            if isinstance(sub_meta.get("name"), str):
                packed.append((sub_meta["name"], sub))
        return ChartNode(root, name, dependencies, tuple(packed))

    def _subchart_roots(self, root: str) -> list[str]:
        """The root of each chart in `root`'s `charts/` folder: unpacked folders and archives."""
        archive, _, inner = _split(root)
        entries: list[str] = []
        if archive is None:
            folder = Path(root) / "charts"
            try:
                children = sorted(folder.iterdir()) if folder.is_dir() else []
            except OSError:
                children = []
            for child in children:
                if child.is_dir():
                    entries.append(child.as_posix())
                elif child.is_file() and child.name.endswith(_ARCHIVE_SUFFIXES):
                    entries.extend(self._archive_roots(child.as_posix()))
            return entries
        members = self._members(archive) or {}
        prefix = f"{inner}/charts/"
        folders = {name[len(prefix) :].split("/", 1)[0] for name in members if name.startswith(prefix)}
        for entry in sorted(folders):
            if entry.endswith(_ARCHIVE_SUFFIXES) and f"{prefix}{entry}" in members:
                entries.extend(self._archive_roots(f"{archive}:{prefix}{entry}"))
            elif f"{prefix}{entry}/Chart.yaml" in members:
                entries.append(f"{archive}:{prefix}{entry}")
        return entries

    def _archive_roots(self, archive: str) -> list[str]:
        """The chart folder inside an archive: the one top-level folder holding a Chart.yaml."""
        members = self._members(archive) or {}
        tops = sorted({name.split("/")[0] for name in members if name.count("/") == 1 and name.endswith("/Chart.yaml")})
        return [f"{archive}:{tops[0]}"] if len(tops) == 1 else []

    def _members(self, archive: str) -> dict[str, bytes] | None:
        if archive not in self._archives:
            data = self.read_bytes(archive)
            self._archives[archive] = _unpack(data) if data is not None else None
        return self._archives[archive]


def _split(root: str) -> tuple[str | None, str, str]:
    """`<archive>:<inner>` → (archive, ":", inner); a folder → (None, "", root)."""
    matches = list(ARCHIVE.finditer(root))
    if not matches:
        return None, "", root
    last = matches[-1]
    return root[: last.end() - 1], ":", root[last.end() :]


def _unpack(data: bytes) -> dict[str, bytes] | None:
    """An archive's regular files by their normalised names, in memory; None when it is no readable
    archive or holds more than a chart would."""
    import tarfile  # here: it imports shutil, bz2 and lzma (~5 ms), and few charts hold an archive

    members: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for count, member in enumerate(archive):
                total += max(member.size, 0)
                if count >= MAX_ARCHIVE_MEMBERS or total > MAX_ARCHIVE_BYTES:
                    return None
                name = posixpath.normpath(member.name.lstrip("/"))
                if not member.isfile() or name.startswith("..") or name == ".":
                    continue
                extracted = archive.extractfile(member)
                if extracted is not None:
                    members[name] = extracted.read()
    except (tarfile.TarError, OSError, EOFError, ValueError):
        return None
    return members


def _yaml_map(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, ValueError, RecursionError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _dependency(entry: Any) -> Dependency | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        return None
    alias = entry.get("alias")
    key = alias if isinstance(alias, str) and alias else entry["name"]
    listed = entry.get("import-values")
    imports = tuple(i for i in map(_import, listed if isinstance(listed, list) else []) if i is not None)
    condition = entry.get("condition")
    paths = condition.split(",") if isinstance(condition, str) else []
    conditions = tuple(tuple(path.strip().split(".")) for path in paths if path.strip())
    tags = entry.get("tags")
    return Dependency(entry["name"], key, imports, conditions, tuple(t for t in tags or () if isinstance(t, str)))


def _import(entry: Any) -> Import | None:
    """`data` (the child's `exports.data`, at the parent's top level) or `{child: a.b, parent: c}`."""
    if isinstance(entry, str) and entry:
        return Import(("exports", *entry.split(".")), ())
    if isinstance(entry, dict) and isinstance(entry.get("child"), str) and isinstance(entry.get("parent"), str):
        child, parent = entry["child"], entry["parent"]
        if child and parent:
            return Import(tuple(child.split(".")), () if parent == "." else tuple(parent.split(".")))
    return None


__all__ = ["ARCHIVE", "ChartChain", "ChartFiles", "ChartNode", "Dependency", "Import", "in_archive"]
