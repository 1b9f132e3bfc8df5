"""Environments in names: which values files name an environment, which variables hold one, and how a
value written for one environment becomes a pattern (`todo-prod` → `todo-{env}`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

#: The usual order of environments, so that a guessed matrix reads as people write it.
ENV_ORDER = ("dev", "development", "test", "qa", "staging", "stage", "uat", "preprod", "prod", "production")
#: The values-file namings todolint recognises, the most common first.
NAMINGS = (
    "values-{env}.yaml",
    "values.{env}.yaml",
    "values/{env}.yaml",
    "env/{env}/values.yaml",
    "environments/{env}/values.yaml",
    "values-{env}.yml",
    "values.{env}.yml",
    "values/{env}.yml",
)
#: The one environment of a chart installed with its values.yaml alone, when nothing names it.
DEFAULT_ENV = "default"
#: Words in values-file names that name no environment (`values-common.yaml`).
NOT_ENVS = frozenset({"common", "base", "default", "defaults", "shared", "secret", "secrets", "global", "values"})
NOT_ENVS |= {"override", "overrides", "extra", "custom", "local-secrets", "schema", "ci", "example", "sample"}

_ENV_NAME = re.compile(
    r"(?:env|envname|environment|environment_?name|stage|target_?env|deploy_?env|deployment_?env|app_?env|"
    r"helm_?env|cluster_?env|k8s_?env|targetenvironment|.*_env|.*_environment|.*_stage)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_FILE_ENV = (
    re.compile(r"^values[-._]([A-Za-z0-9][A-Za-z0-9_-]*)\.ya?ml$"),
    re.compile(r"^([A-Za-z0-9][A-Za-z0-9_-]*)[-._]values\.ya?ml$"),
)
_ENV_FOLDERS = frozenset({"values", "env", "envs", "environments", "environment", "overlays", "stages"})


def env_like(name: str) -> bool:
    """Whether a variable of this name holds the environment (`ENV`, `ENVIRONMENT`, `TARGET_ENV`)."""
    return _ENV_NAME.fullmatch(name) is not None


def is_env_word(text: str) -> bool:
    """Whether `text` can be an environment's name in the config (one word, no path, no placeholder)."""
    return _WORD.fullmatch(text) is not None and text.lower() not in NOT_ENVS


def ordered(envs: Iterable[str]) -> list[str]:
    """Environments in ENV_ORDER, then the others by name."""
    found = set(envs)
    known = [env for env in ENV_ORDER if env in found]
    return known + sorted(found - set(known))


def envs_named(chart_dir: Path, naming: str) -> list[str]:
    """The environments that have a values file of this naming in the chart."""
    prefix, suffix = naming.split("{env}")
    found = []
    for path in sorted(chart_dir.glob(f"{prefix}*{suffix}")):
        env = path.relative_to(chart_dir).as_posix()[len(prefix) : -len(suffix)]
        if path.is_file() and env and "/" not in env and "." not in env:
            found.append(env)
    return found


def best_naming(chart_dir: Path) -> tuple[str | None, tuple[str, ...]]:
    """The naming most of the chart's values files follow (the commoner first on a tie), and its envs."""
    found = [(len(envs_named(chart_dir, n)), -i, n) for i, n in enumerate(NAMINGS)]
    count, _, naming = max(found)
    return (naming, tuple(envs_named(chart_dir, naming))) if count else (None, ())


def env_of_file(chart_relative: str) -> str | None:
    """The environment a values file's name says: `values-prod.yaml`, `values/prod.yaml`, `env/prod/values.yaml`."""
    path = PurePosixPath(chart_relative)
    for pattern in _FILE_ENV:
        found = pattern.match(path.name)
        if found is not None and is_env_word(found.group(1)):
            return found.group(1)
    parent = path.parent.name
    if path.suffix in (".yaml", ".yml") and parent.lower() in _ENV_FOLDERS and is_env_word(path.stem):
        return path.stem
    if path.stem == "values" and path.parent.parent.name.lower() in _ENV_FOLDERS and is_env_word(parent):
        return parent
    return None


def env_of_files(files: Sequence[str]) -> str | None:
    """The environment a list of values files is for: the last file that names a known environment,
    else the last that names any."""
    named = [env for env in map(env_of_file, files) if env is not None]
    known = [env for env in named if env.lower() in ENV_ORDER]
    chosen = known or named
    return chosen[-1] if chosen else None


def env_word_in(text: str) -> str | None:
    """A known environment among the `-`/`_`/`.` separated words of a name (`todo-prod` → `prod`)."""
    words = [w for w in re.split(r"[-_.]", text) if w]
    return next((w for w in reversed(words) if w.lower() in ENV_ORDER), None)


def _delimited(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(word) + r"(?![A-Za-z0-9])")


def generalise(value: str, *, env: str, chart: str = "") -> str:
    """`value` as a pattern: `{env}` where it names the environment; with `chart`, `{chart}` where it is
    or starts with the chart's name (a release: `todo-app-dev` → `{chart}-{env}`)."""
    if chart and value == chart:
        return "{chart}"
    pattern = _delimited(env).sub("{env}", value) if env else value
    if chart and (pattern.startswith(f"{chart}-") or pattern.startswith(f"{chart}.")):
        pattern = "{chart}" + pattern[len(chart) :]
    return pattern
