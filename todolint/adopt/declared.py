"""Releases declared in `helmfile.yaml` (`releases:` name, namespace, chart, values, set; one install per
`environments:` entry, `{{ .Environment.Name }}` filled in) and in `skaffold.yaml`
(`deploy.helm.releases` and `manifests.helm.releases`; a profile's releases are that profile's
environment). Templates other than the environment's name are unknown; nothing is rendered.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from todolint.adopt.envs import is_env_word
from todolint.adopt.model import ENV, Install
from todolint.adopt.yaml_tree import Text, plain_tree

_ENV_NAME = re.compile(r"\{\{-?\s*(?:\.Environment\.Name|\$\.Environment\.Name|env\s+\"ENV\")\s*(?:\|\s*\w+\s*)?-?\}\}")
_TEMPLATE = re.compile(r"\{\{.*?\}\}")
_MARK_ENV = "__todolint_env__"
_MARK_UNKNOWN = "__todolint_unknown__"


def _documents(text: str) -> list[Any]:
    """The file's YAML documents as plain trees, Go-template lines blanked (so lines stay true)."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
            lines.append("")  # `{{ if ... }}`, `{{ end }}`: control, not content
            continue
        line = _ENV_NAME.sub(_MARK_ENV, line)
        lines.append(_TEMPLATE.sub(_MARK_UNKNOWN, line))
    try:
        return [plain_tree(node) for node in yaml.compose_all("\n".join(lines), Loader=yaml.SafeLoader)]
    except (yaml.YAMLError, ValueError, RecursionError):
        return []


def _setting(value: Any) -> str | None:
    """A scalar as a setting: the environment's mark as ENV, any other template unknown."""
    if not isinstance(value, str) or _MARK_UNKNOWN in value:
        return None
    return value.replace(_MARK_ENV, ENV)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _line(entry: Mapping[str, Any]) -> int:
    lines = [v.first_line for v in entry.values() if isinstance(v, Text)]
    return min(lines) if lines else 1


def read_helmfile(text: str, *, file: str) -> list[Install]:
    """The releases of one helmfile, one install per declared environment (or one for all)."""
    folder = posixpath.dirname(file)
    installs: list[Install] = []
    environments: list[str] = []
    documents = _documents(text)
    for doc in documents:
        environments += [e for e in _mapping(_mapping(doc).get("environments")) if is_env_word(e)]
    for doc in documents:
        for entry in _list(_mapping(doc).get("releases")):
            release = _mapping(entry)
            chart = _setting(release.get("chart"))
            if chart is None:
                continue
            values = tuple(_setting(v) for v in _list(release.get("values")) if isinstance(v, str))
            sets = tuple(
                (str(s["name"]), _setting(s.get("value")))
                for s in (_mapping(x) for x in _list(release.get("set")))
                if isinstance(s.get("name"), str)
            )
            common = Install(
                file=file,
                line=_line(release),
                source="helmfile",
                chart=chart,
                bases=(folder,),
                release=_setting(release.get("name")),
                namespace=_setting(release.get("namespace")),
                values=values,
                sets=sets,
            )
            installs += [_for_env(common, env) for env in environments] or [common]
    return installs


def _for_env(install: Install, env: str) -> Install:
    def fill(value: str | None) -> str | None:
        return None if value is None else value.replace(ENV, env)

    return Install(
        file=install.file,
        line=install.line,
        source=install.source,
        chart=fill(install.chart),
        bases=install.bases,
        release=fill(install.release),
        namespace=fill(install.namespace),
        values=tuple(fill(v) for v in install.values),
        sets=tuple((k, fill(v)) for k, v in install.sets),
        env=env,
    )


def _skaffold_releases(doc: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """(release, profile name) for the base config's releases and each profile's."""
    for section in ("deploy", "manifests"):
        for entry in _list(_mapping(_mapping(doc.get(section)).get("helm")).get("releases")):
            yield _mapping(entry), None
    for profile in _list(doc.get("profiles")):
        profile = _mapping(profile)
        name = profile.get("name")
        for section in ("deploy", "manifests"):
            for entry in _list(_mapping(_mapping(profile.get(section)).get("helm")).get("releases")):
                yield _mapping(entry), name if isinstance(name, str) and is_env_word(name) else None


def read_skaffold(text: str, *, file: str) -> list[Install]:
    """The helm releases of one skaffold.yaml; a profile's are that profile's environment."""
    folder = posixpath.dirname(file)
    installs: list[Install] = []
    for doc in _documents(text):
        for release, profile in _skaffold_releases(_mapping(doc)):
            chart = _setting(release.get("chartPath"))
            if chart is None:
                continue
            sets = [(str(k), _setting(v)) for k, v in _mapping(release.get("setValues")).items()]
            sets += [(str(k), _setting(v)) for k, v in _mapping(release.get("setValueTemplates")).items()]
            installs.append(
                Install(
                    file=file,
                    line=_line(release),
                    source="skaffold",
                    chart=chart,
                    bases=(folder,),
                    release=_setting(release.get("name")),
                    namespace=_setting(release.get("namespace")),
                    values=tuple(_setting(v) for v in _list(release.get("valuesFiles"))),
                    sets=tuple(sets),
                    env=profile,
                )
            )
    return installs
