"""Which of the contract's apps a chart's own templates render, read from the template text without
rendering it: for `todolint init` to tell a chart whose templates run both apps (an umbrella without
subcharts) from an app's own chart.

Each long-running workload document of `templates/` belongs to the first app its names name, in the
order docs/apps.md gives: the `app.kubernetes.io/name` label, the `app.kubernetes.io/component` label
(or an `app:`/`component:`/`tier:` label), its first container's name, its image, its own name. A name
names an app as there: one of the app's words, or ending with `-` and one of them; template text counts
word by word, so that `{{ .Values.backend.image.repository }}` names the backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from todolint.contract import Contract

#: Template files read per chart, and bytes per file.
MAX_TEMPLATES = 200
MAX_TEMPLATE_BYTES = 256 * 1024
_WORKLOAD = re.compile(r"^kind:\s*[\"']?(Deployment|StatefulSet|DaemonSet)\b", re.MULTILINE)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_KEYS = (
    re.compile(r"^[ \t]*app\.kubernetes\.io/name:[ \t]*(.+)$", re.MULTILINE),
    re.compile(r"^[ \t]*app\.kubernetes\.io/component:[ \t]*(.+)$", re.MULTILINE),
    re.compile(r"^[ \t]*(?:app|component|tier):[ \t]*(.+)$", re.MULTILINE),
    re.compile(r"^[ \t]*containers:[ \t]*\n(?:[ \t]*(?:#|\{\{).*\n)*[ \t]*-[ \t]+name:[ \t]*(.+)$", re.MULTILINE),
    re.compile(r"^[ \t]*-?[ \t]*image:[ \t]*(.+)$", re.MULTILINE),
    re.compile(r"^metadata:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]{2}name:[ \t]*(.+)$", re.MULTILINE),
)


def app_words(contract: Contract) -> dict[str, str]:
    """Word (lower case) → app: each app's name, image and `match` words; a word two apps share is neither's."""
    words: dict[str, str] = {}
    shared: set[str] = set()
    for app in contract.applications.values():
        for word in (app.name, app.image, *app.match):
            if not word:
                continue
            word = word.lower()
            if words.get(word, app.name) != app.name:
                shared.add(word)
            words[word] = app.name
    return {w: a for w, a in words.items() if w not in shared}


def named_app(words: Mapping[str, str], name: str) -> str | None:
    """The app a name names: one of its words, or ending with `-word`."""
    name = name.lower()
    if name in words:
        return words[name]
    start = name.find("-")
    while start != -1:
        if name[start + 1 :] in words:
            return words[name[start + 1 :]]
        start = name.find("-", start + 1)
    return None


def _documents(chart_dir: Path) -> Iterator[str]:
    templates = chart_dir / "templates"
    if not templates.is_dir():
        return
    files = sorted(p for p in templates.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    for path in files[:MAX_TEMPLATES]:
        try:
            if path.stat().st_size > MAX_TEMPLATE_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        yield from re.split(r"^---.*$", text, flags=re.MULTILINE)


def _document_app(words: Mapping[str, str], document: str) -> str | None:
    for key in _KEYS:
        for found in key.finditer(document):
            for token in _TOKEN.findall(found.group(1)):
                app = named_app(words, token)
                if app is not None:
                    return app
    return None


def template_apps(chart_dir: Path, contract: Contract) -> tuple[str, ...]:
    """The apps the chart's own long-running workload templates belong to, in the contract's order."""
    words = app_words(contract)
    found = {
        app
        for document in _documents(chart_dir)
        if _WORKLOAD.search(document)
        for app in [_document_app(words, document)]
        if app is not None
    }
    return tuple(app for app in contract.applications if app in found)


def renders_both_apps(chart_dir: Path, contract: Contract) -> bool:
    """Whether the chart's own templates run two of the contract's apps: one release for the whole app."""
    return len(template_apps(chart_dir, contract)) >= 2
