"""What a chart folder is, read once: the digest the render cache keys by, a stat stamp that tells
whether anything changed since, and the first reason to refuse the chart before Helm reads it.

Helm reads every entry of the chart folder and follows symlinks, folders included; it also follows
the `$ref`s and `$schema` of each `values.schema.json`, to a file anywhere on the machine or to the
network. So one walk records, in a stable order:

- every folder (empty ones too: an empty folder under `charts/` changes what TL370 says),
- every regular file with its content,
- every symlink with its target (a symlink to a folder is not walked twice: its target is inside
  the chart, where it is walked anyway; a link that leaves the chart or loops is refused),
- every other entry (FIFO, socket, device) by kind, and refused: Helm would block reading it;

and refuses a `values.schema.json` (also inside a packaged subchart) whose `$ref` is not a
reference into the same document, or whose `$schema` is not one of the metaschemas Helm knows
without fetching. The stamp holds every entry's inode, size, modification and change times: a file
edited while a run renders changes it, even when the edit is undone before the run ends.

Its only todolint import is the `.helmignore` reader beside it: render/__init__ words its problems as
RenderErrors.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass

from todolint.render.helmignore import IGNORE_FILE, hiding_rule, parse_rules

#: The metaschemas Helm 3 (gojsonschema) and Helm 4 (santhosh-tekuri/jsonschema) know without
#: fetching them (measured: any other `$schema` URL is fetched by Helm 4 and the embedded SDK).
KNOWN_METASCHEMA = re.compile(r"https?://json-schema\.org/(?:draft-0[4-7]/|draft/2019-09/|draft/2020-12/)?schema#?")
#: Keywords whose string value names another schema document (each resolved from the file system
#: root or fetched, when it is not a `#` fragment of the same document).
_REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
#: How to bring a schema inside the chart, said with every refusal.
VENDOR_HINT = (
    'vendor the schema into the chart: copy it under "$defs" in values.schema.json and refer to it as "#/$defs/<name>"'
)
#: The largest values.schema.json (or one inside a packaged subchart) whose references are checked.
MAX_SCHEMA_BYTES = 16 * 2**20
SCHEMA_NAME = "values.schema.json"


@dataclass(frozen=True)
class Problem:
    """Why a chart is refused before Helm reads it: `rel` is the entry, relative to the chart folder."""

    message: str
    rel: str
    #: The line of `rel` that causes it, where one does (a `.helmignore` rule).
    line: int | None = None


@dataclass(frozen=True)
class ChartScan:
    """One walk of a chart folder (see the module docstring)."""

    digest: str
    stamp: str
    problem: Problem | None


def scan_chart(chart_path: str, *, contents: bool = True) -> ChartScan:
    """Walk `chart_path`; without `contents` only the stamp and the tree problems are computed (no
    file is read but the schemas), for a quick "did anything change" after a render."""
    root = os.path.abspath(chart_path)
    digest = hashlib.sha256()
    stamp = hashlib.sha256()
    problems: list[Problem] = []
    if not os.path.isdir(root):
        # A packaged chart or a missing folder: Helm says what is wrong with it.
        _stamp(stamp, "", root)
        return ChartScan(digest.hexdigest(), stamp.hexdigest(), None)
    real_root = os.path.realpath(root)

    def unreadable(exc: OSError) -> None:
        rel = os.path.relpath(exc.filename or root, root)
        digest.update(_framed(b"E", rel))
        stamp.update(_framed(b"E", rel))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        dirnames.sort()
        for name in dirnames + sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            info = _stamp(stamp, rel, path)
            problem = _entry(digest, rel, path, info, real_root, contents=contents)
            if problem is not None:
                problems.append(problem)
    hidden = _hidden_by_helmignore(root)
    if hidden is not None:
        problems.append(hidden)
    return ChartScan(digest.hexdigest(), stamp.hexdigest(), problems[0] if problems else None)


#: The files without which the chart Helm sees is not the chart on disk: no Chart.yaml is no chart, no
#: values.yaml renders every template with the defaults gone. A hidden template may be deliberate.
_MUST_SEE = ("Chart.yaml", "values.yaml")
#: The largest `.helmignore` read for that question (Helm's own read has no limit; a larger one is left to it).
_MAX_IGNORE_BYTES = 2**20


def _hiding_message(rule: str, name: str, *, negate: bool) -> str:
    """Why `rule` hides `name`, in words that also say how Helm reads rules unlike gitignore."""
    if negate:
        return (
            f"`{rule}` hides from Helm every path it does not match, {name} included (Helm reads a `!` rule as "
            "'ignore all but this', not as an exception to an earlier rule): narrow or remove the rule"
        )
    if rule.lstrip("/") == name:
        return f"`{rule}` hides {name} from Helm, although the file is there: remove the rule"
    return (
        f"`{rule}` hides {name} from Helm, although the file is there; a later `!{name}` does not bring it "
        "back (Helm stops at the first rule that matches): narrow the rule"
    )


def _hidden_by_helmignore(root: str) -> Problem | None:
    """The `.helmignore` rule that hides Chart.yaml or values.yaml from Helm, as a Problem at its line.
    Helm's message for a hidden Chart.yaml is "Chart.yaml file is missing" while the file is there."""
    path = os.path.join(root, IGNORE_FILE)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode) or os.path.getsize(path) > _MAX_IGNORE_BYTES:
            return None
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    rules = parse_rules(text)
    for name in _MUST_SEE:
        rule = hiding_rule(rules, name) if os.path.isfile(os.path.join(root, name)) else None
        if rule is not None and rule.line:
            return Problem(_hiding_message(rule.raw, name, negate=rule.negate), IGNORE_FILE, rule.line)
    return None


def _framed(kind: bytes, *parts: str) -> bytes:
    out = kind
    for part in parts:
        raw = part.encode("utf-8", "surrogateescape")
        out += len(raw).to_bytes(4, "big") + raw
    return out


def _stamp(stamp: hashlib._Hash, rel: str, path: str) -> os.stat_result | None:
    try:
        info = os.lstat(path)
    except OSError:
        stamp.update(_framed(b"E", rel))
        return None
    fields = (info.st_mode, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    stamp.update(_framed(b"T", rel, ":".join(map(str, fields))))
    return info


def _entry(
    digest: hashlib._Hash, rel: str, path: str, info: os.stat_result | None, real_root: str, *, contents: bool
) -> Problem | None:
    """Add one entry to the digest; the problem it is, if any."""
    if info is None:
        digest.update(_framed(b"E", rel))
        return Problem(f"{rel}: cannot read it", rel)
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return _symlink(digest, rel, path, real_root)
    if stat.S_ISDIR(mode):
        digest.update(_framed(b"D", rel))
        return None
    if not stat.S_ISREG(mode):
        digest.update(_framed(b"S", rel, str(stat.S_IFMT(mode))))
        return Problem(f"{rel} is not a regular file (a FIFO, socket or device); Helm would block reading it", rel)
    data: bytes | None = None
    if contents or _checked(rel):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            digest.update(_framed(b"E", rel))
            return Problem(f"{rel}: cannot read: {exc.strerror or exc}", rel)
        digest.update(_framed(b"F", rel) + hashlib.sha256(data).digest())
    if data is not None and _checked(rel):
        return _schema_problem(rel, data) if rel.endswith(SCHEMA_NAME) else _packaged_problem(rel, data)
    return None


def _checked(rel: str) -> bool:
    """Whether the entry's content is checked for references: a schema, or a packaged subchart."""
    name = rel.rsplit("/", 1)[-1]
    return name == SCHEMA_NAME or (name.endswith((".tgz", ".tar.gz")) and "/charts/" in f"/{rel}")


def _symlink(digest: hashlib._Hash, rel: str, path: str, real_root: str) -> Problem | None:
    try:
        written = os.readlink(path)
    except OSError:
        written = ""
    target = os.path.realpath(path)
    inside = target == real_root or target.startswith(real_root + os.sep)
    shown = os.path.relpath(target, real_root) if inside else ""
    digest.update(_framed(b"L", rel, written, shown, "d" if os.path.isdir(target) else "f"))
    if not inside:
        return Problem(f"{rel} is a symlink to something outside the chart; todolint does not follow it", rel)
    parent = os.path.realpath(os.path.dirname(path))
    if os.path.isdir(target) and (parent == target or parent.startswith(target + os.sep)):
        return Problem(f"{rel} is a symlink loop (it points at its own folder)", rel)
    if rel.rsplit("/", 1)[-1] == SCHEMA_NAME and os.path.isfile(target):
        try:
            with open(target, "rb") as handle:
                return _schema_problem(rel, handle.read(MAX_SCHEMA_BYTES + 1))
        except OSError:
            return None  # Helm says so
    return None


def _schema_problem(rel: str, data: bytes) -> Problem | None:
    """The first reference in a values.schema.json that leaves the chart, as a refusal."""
    if len(data) > MAX_SCHEMA_BYTES:
        return Problem(f"{rel} is larger than {MAX_SCHEMA_BYTES // 2**20} MiB; todolint does not read it", rel)
    try:
        document = json.loads(data)
    except ValueError:
        return None  # not JSON: Helm refuses it before following anything
    except RecursionError:
        return Problem(f"{rel} is nested too deeply for todolint to check where its $refs lead", rel)
    escape = schema_escape(document)
    return None if escape is None else Problem(f"{rel}: {escape}", rel)


def schema_escape(document: object) -> str | None:
    """Why `document` (a JSON Schema) would make Helm read outside the chart; None when it would not."""
    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        meta = node.get("$schema")
        if isinstance(meta, str) and not KNOWN_METASCHEMA.fullmatch(meta):
            return f"$schema {_shown(meta)} is not a metaschema Helm knows, and Helm 4 would fetch it; {VENDOR_HINT}"
        for key in _REFERENCE_KEYS:
            ref = node.get(key)
            if isinstance(ref, str) and ref and not ref.startswith("#"):
                return _ref_escape(key, ref)
        stack.extend(reversed(list(node.values())))
    return None


def _ref_escape(key: str, ref: str) -> str:
    if re.match(r"(?i)https?:", ref):
        return (
            f"{key} {_shown(ref)} is fetched from the network by Helm on every render; todolint renders "
            f"offline and does not let it; {VENDOR_HINT}"
        )
    return (
        f"{key} {_shown(ref)} points at a file outside the chart (Helm reads it from the file system, "
        f"not from the chart); todolint does not follow it; {VENDOR_HINT}"
    )


def _shown(reference: str) -> str:
    """A reference as it may be printed: without user:password@ or ?query (credentials), one line, short."""
    cleaned = re.sub(r"(?i)^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", reference).split("?", 1)[0]
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in cleaned)
    return json.dumps(cleaned[:200] + ("..." if len(cleaned) > 200 else ""))


#: A packaged subchart's members read at most: a schema is small, and a hostile archive must not fill memory.
_MAX_MEMBERS = 10_000


def _packaged_problem(rel: str, data: bytes) -> Problem | None:
    """The first escaping reference in a values.schema.json inside a packaged subchart (`charts/x.tgz`)."""
    import tarfile  # here: it imports shutil, bz2 and lzma (~5 ms), and few charts hold an archive

    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for count, member in enumerate(archive):
                if count >= _MAX_MEMBERS:
                    return Problem(f"{rel} holds more than {_MAX_MEMBERS:,} entries; todolint does not read it", rel)
                if not member.isfile() or member.name.rsplit("/", 1)[-1] != SCHEMA_NAME:
                    continue
                if member.size > MAX_SCHEMA_BYTES:
                    return Problem(f"{rel}: {member.name} is larger than {MAX_SCHEMA_BYTES // 2**20} MiB", rel)
                handle = archive.extractfile(member)
                found = _schema_problem(f"{rel}: {member.name}", handle.read() if handle else b"")
                if found is not None:
                    return Problem(found.message, rel)
    except (tarfile.TarError, OSError, EOFError, ValueError):
        return None  # not an archive Helm can read either: it says so
    return None


__all__ = ["KNOWN_METASCHEMA", "VENDOR_HINT", "ChartScan", "Problem", "scan_chart", "schema_escape"]
