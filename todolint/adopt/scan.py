"""Which files of a repository say how it installs its charts, read within bounds: shell and PowerShell
scripts, Makefiles, Markdown code blocks (the README, docs), GitHub workflows, helmfiles and skaffold
configs. Nothing is run and nothing outside the repository is read: a symlink that leaves it, a file
over MAX_FILE_BYTES, a binary file (a NUL byte) and folders such as `.git` and `node_modules` are skipped.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from todolint.adopt.declared import read_helmfile, read_skaffold
from todolint.adopt.make import read_makefile
from todolint.adopt.model import Install
from todolint.adopt.powershell import read_powershell
from todolint.adopt.shell import Script, read_script
from todolint.adopt.shell_words import Op, Token, lex
from todolint.adopt.workflows import read_workflow

#: Larger files are no install script.
MAX_FILE_BYTES = 512 * 1024
#: Files looked at per repository: a bound on a huge tree.
MAX_FILES = 20_000
#: Folders never read: VCS metadata, dependencies, caches, build output.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".terraform", "vendor",
     ".cache", ".mypy_cache", ".pytest_cache", ".ruff_cache", "dist", "build", "target", ".next"}
)  # fmt: skip
_SHELL_LANGS = frozenset({"", "sh", "bash", "shell", "zsh", "console", "shell-session", "shellsession", "terminal"})
_POWERSHELL_LANGS = frozenset({"powershell", "ps1", "pwsh", "ps"})
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^\s`{]*)")
_SHEBANG = re.compile(rb"^#!\s*\S*(?:/|\s)(?:ba|z|da|k)?sh\b")


def _kind(rel: PurePosixPath) -> str | None:
    """What reads this file, by its name and place; None for a file no reader takes."""
    name = rel.name.lower()
    parts = rel.parts
    if len(parts) == 3 and parts[:2] == (".github", "workflows") and name.endswith((".yml", ".yaml")):
        return "workflow"
    if name in ("helmfile.yaml", "helmfile.yml", "helmfile.yaml.gotmpl") or (
        len(parts) >= 2 and parts[-2] == "helmfile.d" and name.endswith((".yaml", ".yml", ".gotmpl"))
    ):
        return "helmfile"
    if name in ("skaffold.yaml", "skaffold.yml"):
        return "skaffold"
    if name in ("makefile", "gnumakefile") or name.endswith(".mk"):
        return "makefile"
    if name.endswith((".sh", ".bash", ".zsh")):
        return "script"
    if name.endswith((".ps1", ".psm1")):
        return "powershell"
    if name.endswith((".md", ".markdown")):
        return "docs"
    if "." not in name:
        return "maybe-script"
    return None


def _files(root: Path) -> Iterator[tuple[str, str, bytes]]:
    """(kind, repository-relative path, content) of each file a reader takes, in a stable order."""
    root = root.resolve()
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not (Path(dirpath) / d).is_symlink())
        for filename in sorted(filenames):
            seen += 1
            if seen > MAX_FILES:
                return
            path = Path(dirpath) / filename
            rel = PurePosixPath(path.relative_to(root).as_posix())
            kind = _kind(rel)
            if kind == "maybe-script":  # a file with no extension is a script only by its first line
                kind = "script" if _SHEBANG.match(_read(path, root, limit=128) or b"") else None
            content = _read(path, root) if kind is not None else None
            if content is not None and kind is not None:
                yield kind, rel.as_posix(), content


def _read(path: Path, root: Path, *, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The file's bytes (its first `limit` when fewer than the file's), unless it leaves the repository,
    is no regular file, is over MAX_FILE_BYTES or is binary."""
    try:
        real = path.resolve()
        if not real.is_relative_to(root):
            return None
        info = real.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        with real.open("rb") as handle:
            content = handle.read(min(limit, MAX_FILE_BYTES + 1))
    except (OSError, ValueError):
        return None
    return None if len(content) > MAX_FILE_BYTES or b"\0" in content else content


def _code_blocks(text: str) -> Iterator[tuple[str, int, str]]:
    """(language, first line, text) of each fenced code block; console blocks keep only their `$ ` lines."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, lang = opening.group(2), opening.group(3).lower()
        start = i + 1
        i = start
        while i < len(lines) and not lines[i].strip().startswith(fence[0] * len(fence)):
            i += 1
        body = lines[start:i]
        i += 1
        if lang in ("console", "shell-session", "shellsession", "terminal") or any(
            line.startswith("$ ") for line in body
        ):
            body = _commands_only(body)
        yield lang, start + 1, "\n".join(body)


def _commands_only(lines: list[str]) -> list[str]:
    """A console transcript's command lines (`$ ` prompts and their continuations); output lines blank."""
    out: list[str] = []
    continued = False
    for line in lines:
        if line.startswith("$ "):
            out.append(line[2:])
        elif continued:
            out.append(line)
        else:
            out.append("")
        continued = line.rstrip().endswith("\\") and bool(out[-1])
    return out


def _docs(text: str, file: str, folder: str) -> list[Install]:
    """The install commands in a Markdown file's shell and PowerShell code blocks, read as one script."""
    tokens: list[Token] = []
    installs: list[Install] = []
    script = Script(file=file, source="docs", folder=folder, bases=("", folder) if folder else ("",))
    for lang, first, body in _code_blocks(text):
        if "helm" not in body:
            continue
        if lang in _SHELL_LANGS:
            tokens += [*lex(body, first_line=first), Op("\n", first)]
        elif lang in _POWERSHELL_LANGS:
            padded = "\n" * (first - 1) + body
            installs += read_powershell(padded, script)
    return read_script("", script, tokens=tokens) + installs if tokens else installs


def _script(text: str, file: str, folder: str, kind: str) -> list[Install]:
    script = Script(file=file, source="script", folder=folder, bases=("", folder) if folder else ("",))
    return read_powershell(text, script) if kind == "powershell" else read_script(text, script)


def _installs_of(kind: str, text: str, file: str, folder: str) -> list[Install]:
    """The install commands of one file, by the reader for its kind."""
    if kind == "workflow":
        return read_workflow(text, file=file)
    if kind == "helmfile":
        return read_helmfile(text, file=file)
    if kind == "skaffold":
        return read_skaffold(text, file=file)
    if kind == "makefile":
        return read_makefile(text, file=file, folder=folder)
    if kind == "docs":
        return _docs(text, file, folder)
    return _script(text, file, folder, kind)


def find_installs(root: Path) -> list[Install]:
    """Every install command the repository below `root` holds, file by file in a stable order."""
    installs: list[Install] = []
    for kind, rel, content in _files(root):
        text = content.decode("utf-8", "replace")
        if "helm" not in text and "chartPath" not in text:
            continue
        parent = PurePosixPath(rel).parent.as_posix()
        try:
            installs += _installs_of(kind, text, rel, "" if parent == "." else parent)
        except RecursionError:
            continue  # nested past any script a person writes (`${a:-${a:-...}}`): nothing to learn from it
    return installs
