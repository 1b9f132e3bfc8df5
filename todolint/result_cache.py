"""The result cache: a run of charts whose every input is unchanged answers with what it found last time.

A warm run that finds every render in the render cache still parses the renders, loads the rules and
checks every object: about a fifth of its time, the rest being Python and its imports. Like ruff's
cache, this keeps the finished result instead, keyed by everything that decides it:

- each chart × environment in full, with its render key (the content of every chart file and values
  file, the `--set` expressions, release, namespace, Kubernetes version, renderer and its build);
- the contract and the policy folders (content), the config as read, and the command line's
  `--select` and `--ignore` (`--fail-on` and a baseline apply to the result afterwards);
- todolint itself and the libraries whose answers a result holds: the path, size and modification
  time of every file of the todolint package, and of the package folders of the YAML parser, the
  schemas, the validator and python-jsonschema (which words a failing policy's message); the Python
  version and the working directory (findings name files relative to it).

Only clean runs are kept: a run with a render or parse error is run again (an error may be the
machine's, a timeout), and so is any run with pre-rendered input (stdin has no key), and any run
whose inputs changed while it ran (RenderCache.unchanged). A chart the tree checks refuse has no
render key, so a run that includes it has no result key: the refusal is said on every run. The reporters
write from the result as they would after a full run; the rules in force (which SARIF and JUnit
document) are loaded again only for those formats.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todolint.models import Finding, Location, Result, Severity, Target, TargetResult
from todolint.paths import package_dir, stat_text
from todolint.version import __version__

if TYPE_CHECKING:
    from todolint.cache import CachingRenderer, RenderCache
    from todolint.config import Config

#: The libraries whose behaviour a result holds: YAML line numbers, schema verdicts, policy messages.
_LIBRARIES = ("yaml", "jsonschema_rs", "kubernetes_validate", "jsonschema")


def _package_files() -> list[str]:
    """Every file of the todolint package (its code, the bundled policies and config schema): path,
    size and modification time (the folder is resolved once, not each file)."""
    root = os.path.dirname(os.path.realpath(__file__))
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        found.extend(stat_text(os.path.join(dirpath, name), resolve=False) for name in sorted(filenames))
    return found


def _digest(cache: RenderCache, path: Path) -> str:
    try:
        return cache.digest(path).hex()
    except OSError:
        return "unreadable"


def _folder_digests(cache: RenderCache, folder: Path) -> list[list[str]]:
    if not folder.is_dir():
        return []
    return [[str(p), _digest(cache, p)] for p in sorted(folder.iterdir()) if p.is_file()]


def result_key(
    renderer: CachingRenderer,
    targets: Sequence[Target],
    *,
    contract: Path,
    policy_dirs: Sequence[Path],
    config: Config,
    options: Sequence[Any],
) -> str | None:
    """The key of this run's result; None when a render key cannot be had (an unreadable input)."""
    rendered = []
    for target in targets:
        key = renderer.render_key(target)
        if key is None:
            return None
        rendered.append([repr(target), key])
    libraries = [[name, stat_text(folder) if (folder := package_dir(name)) else "missing"] for name in _LIBRARIES]
    material = {
        "todolint": [__version__, *_package_files()],
        "python": sys.version,
        "libraries": libraries,
        "cwd": os.getcwd(),
        "targets": rendered,
        "contract": [str(contract), _digest(renderer.cache, contract)],
        "policies": [[str(folder), _folder_digests(renderer.cache, folder)] for folder in policy_dirs],
        "config": repr(config),
        "options": repr(tuple(options)),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8", "surrogateescape")).hexdigest()


def load(cache: RenderCache, key: str) -> tuple[Result, tuple[str, ...]] | None:
    """The result stored under `key` and the codes of the rules that were in force; None when absent,
    unreadable or not of the expected shape."""
    entry = cache.read(cache.entry_path("result", key))
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    try:
        return _result(entry["result"]), tuple(_strings(entry["rules"]))
    except (KeyError, TypeError, ValueError):
        return None


def store(cache: RenderCache, key: str, result: Result) -> None:
    """Keep a clean run's result (see the module docstring for what is not kept): not when an input
    this run read (a chart, a values file, the contract, a policy) changed while it ran, since the
    result may then be of neither the old content nor the new."""
    if result.errors or not cache.unchanged():
        return
    entry = {"key": key, "result": _data(result), "rules": [rule.code for rule in result.rules]}
    cache.write(cache.entry_path("result", key), entry)


# --- to JSON and back: every field, so that a report from a stored result is the same bytes -------


def _data(result: Result) -> dict[str, Any]:
    return {
        "renderer": result.renderer,
        "helm_version": result.helm_version,
        "kube_version": result.kube_version,
        "targets": [[_target_data(t.target), list(t.objects), t.error] for t in result.targets],
        "findings": [
            [
                *(getattr(f, name) for name in _FINDING_TEXT),
                int(f.severity),
                f.line,
                [[loc.kind, loc.file, loc.line, loc.column] for loc in f.locations],
                f.suppressed,
            ]
            for f in result.findings
        ],
    }


#: A finding's text fields, in the order they are stored.
_FINDING_TEXT = (
    "code",
    "name",
    "category",
    "chart",
    "env",
    "release",
    "namespace",
    "kind",
    "object",
    "path",
    "message",
    "file",
    "app",
)


def _target_data(target: Target) -> list[Any]:
    return [
        target.chart,
        target.chart_path,
        target.env,
        target.release,
        target.namespace,
        list(target.values_files),
        list(target.set_values),
        target.kube_version,
    ]


def _result(data: Any) -> Result:
    targets = tuple(
        TargetResult(_target(target), tuple(_strings(objects)), _optional(error, str))
        for target, objects, error in data["targets"]
    )
    findings = tuple(_finding(row) for row in data["findings"])
    return Result(
        renderer=_text(data["renderer"]),
        helm_version=_text(data["helm_version"]),
        kube_version=_text(data["kube_version"]),
        targets=targets,
        findings=findings,
    )


def _target(row: Any) -> Target:
    chart, chart_path, env, release, namespace, values_files, set_values, kube_version = row
    return Target(
        chart=_text(chart),
        chart_path=_text(chart_path),
        env=_text(env),
        release=_text(release),
        namespace=_text(namespace),
        values_files=tuple(_strings(values_files)),
        set_values=tuple(_strings(set_values)),
        kube_version=_text(kube_version),
    )


def _finding(row: Any) -> Finding:
    if not isinstance(row, list) or len(row) != len(_FINDING_TEXT) + 4:
        raise ValueError("a finding of another shape")
    text = [_text(value) for value in row[: len(_FINDING_TEXT)]]
    severity, line, locations, suppressed = row[len(_FINDING_TEXT) :]
    fields = dict(zip(_FINDING_TEXT, text, strict=True))
    return Finding(
        severity=Severity(_int(severity)),
        line=_optional(line, int),
        locations=tuple(
            Location(_text(kind), _text(file), _optional(at, int), _optional(column, int))
            for kind, file, at, column in locations
        ),
        suppressed=_optional(suppressed, str),
        environments=(),  # a stored result is the engine's, per environment: grouping comes after it
        also=(),
        **fields,
    )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _strings(values: Any) -> list[str]:
    if not isinstance(values, list):
        raise TypeError("not a list")
    return [_text(v) for v in values]


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a number")
    return value


def _optional(value: Any, kind: type) -> Any:
    if value is None:
        return None
    return _int(value) if kind is int else _text(value)


__all__ = ["load", "result_key", "store"]
