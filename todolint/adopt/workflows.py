"""A GitHub workflow's `helm` install commands: each job's `run:` steps read as shell scripts, once per
combination of its `strategy.matrix`, with `env:` (workflow, job, step) and `${{ ... }}` expressions
filled in where the file says them (`matrix.*`, `env.*`, an input's default); `secrets.*` and the run's
own context (`github.sha`) are unknown. A job's `environment:` names the environment it installs.
"""

from __future__ import annotations

import dataclasses
import itertools
import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from todolint.adopt.envs import env_like, is_env_word
from todolint.adopt.model import ENV, Install
from todolint.adopt.shell import MAX_WORLDS, Script, read_script
from todolint.adopt.yaml_tree import Text, plain_tree

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_UNKNOWN = "$(__todolint_unknown__)"
_ENV_VAR = "__todolint_env__"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _Context:
    """What `${{ ... }}` may look up in one job × matrix combination."""

    def __init__(self, matrix: Mapping[str, Any], env: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
        self.matrix = matrix
        self.env = env
        self.inputs = inputs
        self.choices: set[str] = set()

    def lookup(self, expression: str, depth: int = 0) -> str | None:
        """The value of a simple expression (`matrix.env`, `env.NAMESPACE`, `inputs.environment`);
        ENV for an input that holds the environment; None for anything else."""
        found = re.fullmatch(r"(matrix|env|inputs|github\.event\.inputs)\.([A-Za-z_][A-Za-z0-9_-]*)", expression)
        if found is None:
            return None
        scope, name = found.groups()
        if scope == "matrix":
            value = self.matrix.get(name)
            return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
        if scope == "env":
            raw = self.env.get(name)
            # An env value may name another (`NS: todo-${{ env.STAGE }}`), never without end.
            return self.fill(raw, depth + 1) if isinstance(raw, str) and depth < 8 else None
        spec = _mapping(self.inputs.get(name))
        if env_like(name):
            for option in [*(spec.get("options") or []), spec.get("default")]:
                if isinstance(option, str) and is_env_word(option):
                    self.choices.add(option)
            return ENV
        default = spec.get("default")
        return str(default) if isinstance(default, (str, int)) and not isinstance(default, bool) else None

    def fill(self, text: str, depth: int = 0) -> str | None:
        """A value with its expressions filled in; None when one of them is unknown."""
        unknown = False

        def one(found: re.Match[str]) -> str:
            nonlocal unknown
            value = self.lookup(found.group(1), depth)
            unknown = unknown or value is None
            return value or ""

        filled = _EXPRESSION.sub(one, text)
        return None if unknown else filled

    def shell(self, text: str) -> str:
        """A `run:` script with its expressions as shell text: a value quoted, ENV a variable, the rest unknown."""

        def one(found: re.Match[str]) -> str:
            value = self.lookup(found.group(1))
            if value is None:
                return _UNKNOWN
            if value == ENV:
                return "${" + _ENV_VAR + "}"
            return "'" + value.replace("'", "'\\''") + "'"

        return _EXPRESSION.sub(one, text)


def _combinations(strategy: Any) -> list[dict[str, Any]]:
    """A job's matrix combinations (its lists multiplied, then `include` entries), at most MAX_WORLDS."""
    matrix = _mapping(_mapping(strategy).get("matrix"))
    lists = {k: v for k, v in matrix.items() if isinstance(v, list) and k not in ("include", "exclude")}
    combos = [dict(zip(lists, values, strict=True)) for values in itertools.product(*lists.values())] if lists else []
    for extra in matrix.get("include") or []:
        if isinstance(extra, dict):
            combos.append(extra)
    return combos[:MAX_WORLDS] or [{}]


def _steps(job: Mapping[str, Any]) -> Iterator[tuple[Text, Mapping[str, Any], str | None]]:
    """Each `run:` step of a job that runs helm: its script, its `env:` and its `working-directory`."""
    steps = job.get("steps")
    for entry in steps if isinstance(steps, list) else []:
        step = _mapping(entry)
        run = step.get("run")
        if isinstance(run, Text) and "helm" in run:
            yield run, _mapping(step.get("env")), _text(step.get("working-directory"))


def _environment(job: Mapping[str, Any], context: _Context) -> str | None:
    raw = job.get("environment")
    name = raw.get("name") if isinstance(raw, dict) else raw
    value = context.fill(name) if isinstance(name, str) else None
    return value if value is not None and value != ENV and is_env_word(value) else None


def read_workflow(text: str, *, file: str) -> list[Install]:
    """The install commands in one workflow file."""
    try:
        tree = _mapping(plain_tree(yaml.compose(text, Loader=yaml.SafeLoader)))
    except (yaml.YAMLError, ValueError, RecursionError):
        return []
    on = _mapping(tree.get("on"))
    inputs = {
        **_mapping(_mapping(on.get("workflow_dispatch")).get("inputs")),
        **_mapping(_mapping(on.get("workflow_call")).get("inputs")),
    }
    top_env = _mapping(tree.get("env"))
    default_dir = _text(_mapping(_mapping(tree.get("defaults")).get("run")).get("working-directory"))
    installs: list[Install] = []
    for job in _mapping(tree.get("jobs")).values():
        job = _mapping(job)
        job_env = {**top_env, **_mapping(job.get("env"))}
        for combo in _combinations(job.get("strategy")):
            installs += _job(job, combo, job_env, inputs, file=file, default_dir=default_dir)
    return installs


def _job(
    job: Mapping[str, Any],
    combo: Mapping[str, Any],
    job_env: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    file: str,
    default_dir: str | None,
) -> list[Install]:
    installs: list[Install] = []
    combo_env = next((str(v) for k, v in combo.items() if env_like(k) and isinstance(v, str) and is_env_word(v)), None)
    for script, step_env, directory in _steps(job):
        context = _Context(combo, {**job_env, **step_env}, inputs)
        env = _environment(job, context) or combo_env
        variables: dict[str, str | None] = {_ENV_VAR: ENV}
        for name, raw in context.env.items():
            variables[name] = context.fill(raw) if isinstance(raw, str) else None
        folder = posixpath.normpath(directory or default_dir or ".")
        where = Script(file=file, source="workflow", folder="", bases=(folder if folder != "." else "",), env=env)
        found = read_script(
            context.shell(script), where, first_line=script.first_line, variables=variables, env_vars=(_ENV_VAR,)
        )
        installs += [_with(install, context.choices) for install in found]
    return installs


def _with(install: Install, choices: set[str]) -> Install:
    if not choices or install.env_choices == tuple(sorted(choices)):
        return install
    return dataclasses.replace(install, env_choices=tuple(sorted({*install.env_choices, *choices})))
