"""A Makefile's `helm` install commands, read without running make: variables (`VAR ?= x`, `VAR := x`,
target-specific `deploy-prod: ENV = prod`), `$(VAR)` and `${VAR}` in recipes, each recipe line read as
the shell script make would hand it to.

A variable set with `?=` that holds the environment (`ENV ?= dev`) is `{env}`: make's command line sets
it (`make deploy ENV=prod`). A target named for an environment (`deploy-prod`) installs that one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from todolint.adopt.envs import env_like, env_word_in, is_env_word
from todolint.adopt.model import ENV, MAX_WORD, Install
from todolint.adopt.shell import Script, read_script

_ASSIGN = re.compile(r"^(?:(?:export|override)\s+)*([A-Za-z_][A-Za-z0-9_.-]*)\s*(\?=|::=|:=|\+=|!=|=)\s*(.*)$")
_RULE = re.compile(r"^([^:=#\t][^:=#]*?)\s*::?(?!=)\s*(.*)$")
_REFERENCE = re.compile(r"\$(?:\(([^()$]*)\)|\{([^{}$]*)\}|([@*<^?%|+]))")
#: Stands for a make expansion no static reading knows, in the shell text of a recipe line.
_UNKNOWN = "$(__todolint_unknown__)"
_ENV_VAR = "__todolint_env__"
_MAX_DEPTH = 10


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with backslash-newline continuations joined, as make reads them."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        out.append((start, " ".join(part.strip() if i else part for i, part in enumerate(pending))))
        pending = []
    if pending:
        out.append((start, " ".join(pending)))
    return out


class _Make:
    def __init__(self) -> None:
        #: name → (value as written, flavour: "?=" is overridable)
        self.vars: dict[str, tuple[str, str]] = {}
        self.choices: set[str] = set()
        #: target → its target-specific variables
        self.locals: dict[str, dict[str, tuple[str, str]]] = {}

    def expand(self, text: str, local: Mapping[str, tuple[str, str]], target: str, depth: int = 0) -> str:
        """`text` with make's references filled in; what cannot be known becomes shell text that is unknown."""

        def one(found: re.Match[str]) -> str:
            name = found.group(1) if found.group(1) is not None else found.group(2)
            automatic = found.group(3)
            if automatic == "@":
                return target
            if automatic == "*":
                return "${" + _ENV_VAR + "}" if "%" in target else _UNKNOWN
            if automatic is not None:
                return _UNKNOWN
            if name is None or " " in name.strip() or depth >= _MAX_DEPTH:
                return _UNKNOWN  # a function: $(shell ...), $(call ...)
            return self.variable(name.strip(), local, target, depth)

        text = text.replace("$$", "\x01")
        expanded = _REFERENCE.sub(one, text).replace("\x01", "$")
        return expanded if len(expanded) <= MAX_WORD * 4 else _UNKNOWN

    def variable(self, name: str, local: Mapping[str, tuple[str, str]], target: str, depth: int) -> str:
        found = local.get(name) or self.vars.get(name)
        if found is None:
            return "${" + _ENV_VAR + "}" if env_like(name) else _UNKNOWN
        value, flavour = found
        if env_like(name) and flavour == "?=":
            default = self.expand(value, local, target, depth + 1)
            if is_env_word(default):
                self.choices.add(default)
            return "${" + _ENV_VAR + "}"
        return self.expand(value, local, target, depth + 1)


def read_makefile(text: str, *, file: str, folder: str) -> list[Install]:
    """The install commands in a Makefile's recipes."""
    make = _Make()
    installs: list[Install] = []
    target = ""
    local: Mapping[str, tuple[str, str]] = {}
    for number, line in _logical_lines(text):
        if line.startswith("\t"):
            if target:
                installs += _recipe(make, line.lstrip("\t").lstrip("@-+ "), number, target, local, file, folder)
            continue
        body = line.split("#", 1)[0].rstrip()
        assign = _ASSIGN.match(body.strip())
        if assign is not None:
            name, flavour, value = assign.groups()
            if flavour == "+=" and name in make.vars:
                value = f"{make.vars[name][0]} {value}"
            if not (flavour == "?=" and name in make.vars):
                make.vars[name] = (value, flavour)
            continue
        rule = _RULE.match(body)
        if rule is None:
            continue
        names, rest = rule.groups()
        own = _ASSIGN.match(rest.strip())
        if own is not None:  # `deploy-prod: ENV = prod`: a target-specific variable, for that target's recipe
            for name in names.split():
                make.locals.setdefault(name, {})[own.group(1)] = (own.group(3), own.group(2))
            continue
        target = names.split()[0] if names.split() else ""
        local = make.locals.get(target, {})
        if ";" in rest:
            installs += _recipe(make, rest.split(";", 1)[1].strip(), number, target, local, file, folder)
    return installs


def _recipe(
    make: _Make, line: str, number: int, target: str, local: Mapping[str, tuple[str, str]], file: str, folder: str
) -> list[Install]:
    shell = make.expand(line, local, target)
    if "helm" not in shell:
        return []
    env = next((v for k, (v, f) in local.items() if env_like(k) and f != "?=" and is_env_word(v)), None)
    env = env or env_word_in(target.replace("%", ""))
    script = Script(file=file, source="makefile", folder=folder, bases=(folder,), env=env)
    found = read_script(shell, script, first_line=number, variables={_ENV_VAR: ENV}, env_vars=(_ENV_VAR,))
    return [_with_choices(i, make.choices) for i in found]


def _with_choices(install: Install, choices: set[str]) -> Install:
    if not choices or ENV not in f"{install.release}{install.namespace}{install.values}":
        return install
    return dataclasses.replace(install, env_choices=tuple(sorted({*install.env_choices, *choices})))
