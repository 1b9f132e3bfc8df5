"""A shell script's `helm` install commands, read without running it: variables set earlier in the script
(`RELEASE=todo`, `NAMESPACE=${NAMESPACE:-todo}`), loops (`for env in dev prod`), `case` and `if`
branches (each followed on its own, up to a bound), functions called with arguments, and `cd`.

A variable the script takes from outside is unknown, and what depends on it is left to the defaults;
one that holds the environment (`ENV=${1:-dev}`, docs/configuration.md) becomes `{env}`.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from todolint.adopt.envs import ENV_ORDER, env_like, is_env_word
from todolint.adopt.helm_args import is_helm, read_helm
from todolint.adopt.model import ENV, MAX_WORD, ROOT_ANCHOR, UNKNOWN_PART, Install
from todolint.adopt.shell_parse import ArrayAssign, Branches, Function, Loop, Node, Simple, parse
from todolint.adopt.shell_words import Lit, ScriptDir, Token, Unknown, Var, Word, WorkDir, lex

#: Branch combinations followed at once; past this, the first ones only.
MAX_WORLDS = 16
#: Commands interpreted per script, calls and loop rounds included: a bound on any input.
MAX_STEPS = 20_000
_MAX_DEPTH = 8
_WRAPPERS = frozenset({"sudo", "command", "exec", "time", "nohup", "env", "microk8s", "builtin"})
_DECLARE = frozenset({"export", "readonly", "local", "declare", "typeset"})


class World:
    """What the script has set at one point of one path through it."""

    __slots__ = ("arrays", "choices", "cwd", "env_vars", "positional", "used", "vars")

    def __init__(self, variables: Mapping[str, str | None], cwd: tuple[str, ...], env_vars: Iterable[str]) -> None:
        self.vars: dict[str, str | None] = dict(variables)
        self.arrays: dict[str, tuple[str | None, ...]] = {}
        self.cwd = cwd
        self.positional: tuple[str | None, ...] | None = None
        self.env_vars: set[str] = set(env_vars)
        self.choices: set[str] = set()
        self.used: list[str] = []

    def copy(self) -> World:
        """A world to change without changing this one."""
        other = World(self.vars, self.cwd, self.env_vars)
        other.arrays = dict(self.arrays)
        other.positional = self.positional
        other.choices = set(self.choices)
        return other

    def key(self) -> tuple[object, ...]:
        """Two worlds with one key behave the same from here on."""
        return (tuple(sorted(self.vars.items())), tuple(sorted(self.arrays.items())), self.cwd, self.positional)

    def holds_env(self, name: str) -> bool:
        """Whether the variable holds the environment."""
        return name in self.env_vars or env_like(name)


def _unique(worlds: Iterable[World]) -> list[World]:
    seen: dict[tuple[object, ...], World] = {}
    for world in worlds:
        seen.setdefault(world.key(), world)
    return list(seen.values())[:MAX_WORLDS]


@dataclass(frozen=True)
class Script:
    """Where a script is and what it starts with: everything an Install needs besides the command."""

    file: str
    source: str
    #: Its folder, repository-relative ("" the root): what `$(dirname "$0")` is.
    folder: str
    #: The folders it may run from, the likeliest first.
    bases: tuple[str, ...]
    #: The environment its context names (a workflow job's, a Makefile target's).
    env: str | None = None


class Interpreter:
    """Runs a parsed script in the head: `run(nodes, worlds)` returns the worlds after it; `installs`
    collects the helm commands met on the way."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.functions: dict[str, tuple[Node, ...]] = {}
        self.installs: list[Install] = []
        self.steps = 0
        self.depth = 0
        #: The `local` names of each function call in progress.
        self.locals: list[set[str]] = []

    def run(self, nodes: Sequence[Node], worlds: list[World]) -> list[World]:
        """Each node in every world, in order."""
        for node in nodes:
            self.steps += 1
            if self.steps > MAX_STEPS:
                return worlds
            worlds = _unique(w for world in worlds for w in self.step(node, world))
        return worlds

    def step(self, node: Node, world: World) -> list[World]:
        """One node in one world → the worlds after it."""
        if isinstance(node, Function):
            self.functions[node.name] = node.body
            return [world]
        if isinstance(node, ArrayAssign):
            world.arrays[node.name] = tuple(self.fields(node.items, world))
            return [world]
        if isinstance(node, Loop):
            return self.loop(node, world)
        if isinstance(node, Branches):
            return self.branches(node, world)
        return self.simple(node, world)

    def loop(self, node: Loop, world: World) -> list[World]:
        """A `for` loop: its body once per item, the rounds one after the other."""
        if node.items is None:
            return self.run(node.body, [world])
        items = self.fields(node.items, world)
        marked = bool(items) and all(item is not None and item.lower() in ENV_ORDER for item in items)
        before = world.vars.get(node.var) if node.var in world.vars else None
        worlds = [world]
        for item in items[:MAX_WORLDS]:
            rounds = []
            for w in worlds:
                w = w.copy()
                w.vars[node.var] = item
                if marked:
                    w.env_vars.add(node.var)
                rounds.append(w)
            worlds = self.run(node.body, rounds)
        for w in worlds:
            # The loop's value names no environment after it: later commands are not that round's.
            if marked and node.var not in world.env_vars:
                w.env_vars.discard(node.var)
            if before is None:
                w.vars.pop(node.var, None)
            else:
                w.vars[node.var] = before
        return _unique(worlds)

    def branches(self, node: Branches, world: World) -> list[World]:
        """`if` or `case`: each arm followed on its own; the worlds after every arm (and after none, when
        no arm must run). A `case` whose word is known takes the arm that matches it, as the shell does."""
        subject = node.subject.parts[0] if node.subject is not None and len(node.subject.parts) == 1 else None
        known = self.expand(node.subject, world) if node.subject is not None else None
        if known is not None and known != ENV:
            for patterns, body in node.arms:
                if any(p.literal is not None and fnmatch.fnmatchcase(known, p.literal) for p in patterns):
                    return self.run(body, [world])
            return [world]
        out: list[World] = [] if node.exhaustive else [world]
        for patterns, body in node.arms:
            arm = world.copy()
            literal = next((p.literal for p in patterns if p.literal and not any(c in p.literal for c in "*?[")), None)
            unbound = isinstance(subject, Var) and arm.vars.get(subject.name, ENV) == ENV
            if (
                isinstance(subject, Var)
                and unbound
                and arm.holds_env(subject.name)
                and literal
                and is_env_word(literal)
            ):
                arm.vars[subject.name] = literal  # `case "$ENV" in prod)`: this arm is prod's
            out.extend(self.run(body, [arm]))
        return _unique(out)

    def fields(self, words: Sequence[Word], world: World) -> list[str | None]:
        """Words as a `for` loop or an array sees them: an unquoted variable splits at spaces."""
        out: list[str | None] = []
        for word in words:
            part = word.parts[0] if len(word.parts) == 1 else None
            if isinstance(part, Var) and part.name.endswith(("[@]", "[*]")):
                out.extend(world.arrays.get(part.name[:-3], (None,)))
                continue
            value = self.expand(word, world)
            quoted = isinstance(part, Var) and part.quoted
            out.extend(value.split() if value is not None and isinstance(part, Var) and not quoted else [value])
        return out

    def simple(self, node: Simple, world: World) -> list[World]:
        """A simple command: assignments, `export`, `cd`, a function call, or helm."""
        words = list(node.words)
        assignments = []
        while words and _assignment(words[0]) is not None:
            assignments.append(words.pop(0))
        if not words:
            for word in assignments:
                self.assign(word, world)
            return [world]
        command = self.expand(words[0], world)
        while command in _WRAPPERS and len(words) > 1:
            words.pop(0)
            while len(words) > 1 and ((words[0].literal or "").startswith("-") or _assignment(words[0])):
                words.pop(0)
            command = self.expand(words[0], world)
        if command in _DECLARE:
            for word in words[1:]:
                found = _assignment(word)
                if command == "local" and self.locals:
                    self.locals[-1].add(found[0] if found is not None else (word.literal or ""))
                if found is not None:
                    self.assign(word, world)
            return [world]
        if command in ("cd", "pushd"):
            return [self.change_folder(words[1:], world)]
        if command in self.functions and self.depth < _MAX_DEPTH:
            return self.call(command, words[1:], world)
        if command == ":":
            for word in words[1:]:
                self.expand(word, world)
        elif is_helm(command):
            self.helm(words, world)
        return [world]

    def assign(self, word: Word, world: World) -> None:
        """`NAME=value`: an environment variable taken from the script's arguments becomes `{env}`."""
        name, value_parts = _assignment(word) or ("", ())
        value_word = Word(value_parts, word.line)
        only = value_parts[0] if len(value_parts) == 1 else None
        from_argument = isinstance(only, Var) and only.name.isdigit() and world.positional is None
        if world.holds_env(name) and from_argument and isinstance(only, Var):
            if only.arg is not None:
                default = self.expand(only.arg, world)
                if default is not None and is_env_word(default):
                    world.choices.add(default)
            world.vars[name] = ENV
            return
        world.vars[name] = self.expand(value_word, world)

    def change_folder(self, args: Sequence[Word], world: World) -> World:
        """`cd DIR`: the folders the script may be in after it."""
        target = self.expand(args[0], world) if args else ROOT_ANCHOR + self.script.folder
        if target is None:
            world.cwd = ()
        elif target.startswith(ROOT_ANCHOR):
            world.cwd = tuple(_inside(target[len(ROOT_ANCHOR) :]))
        else:
            world.cwd = tuple(p for base in world.cwd for p in _inside(posixpath.join(base, target)))
        return world

    def call(self, name: str, args: Sequence[Word], world: World) -> list[World]:
        """A call of a function the script defined, with its arguments as `$1`, `$2`, ...; its `local`
        variables are gone after it."""
        saved = world.positional
        before = dict(world.vars)
        world.positional = tuple(self.expand(arg, world) for arg in args)
        self.depth += 1
        self.locals.append(set())
        worlds = self.run(self.functions[name], [world])
        declared = self.locals.pop()
        self.depth -= 1
        for w in worlds:
            w.positional = saved
            for local in declared:
                if local in before:
                    w.vars[local] = before[local]
                else:
                    w.vars.pop(local, None)
        return _unique(worlds)

    def expand(self, word: Word, world: World, *, partial: bool = False) -> str | None:
        """The word's text in this world; None when any part of it cannot be known (`partial`: that part
        is UNKNOWN_PART instead)."""
        out = []
        for part in word.parts:
            text = self.part(part, world)
            if text is None and not partial:
                return None
            out.append(UNKNOWN_PART if text is None else text)
        joined = "".join(out)
        return joined if len(joined) <= MAX_WORD else None

    def part(self, part: Lit | Var | Unknown | ScriptDir | WorkDir, world: World) -> str | None:
        """One part of a word in this world; None when it cannot be known."""
        if isinstance(part, Lit):
            return part.text
        if isinstance(part, ScriptDir):
            return ROOT_ANCHOR + (self.script.folder or ".")
        if isinstance(part, WorkDir):
            return ROOT_ANCHOR + (world.cwd[0] or ".") if len(world.cwd) == 1 else None
        if isinstance(part, Unknown):
            return None
        return self.variable(part, world)

    def variable(self, var: Var, world: World) -> str | None:
        """A variable's value: set by the script, its default (`${NS:-todo}`), `{env}` for one that holds the
        environment and is not set here, else None."""
        world.used.append(var.name)
        unset = object()
        value: object = unset
        if var.name.isdigit() and var.name != "0":
            index = int(var.name) - 1
            if world.positional is not None:
                value = world.positional[index] if index < len(world.positional) else unset
        elif var.name in world.vars:
            value = world.vars[var.name]
        elif world.arrays.get(var.name):
            value = world.arrays[var.name][0]
        if value is unset or (value == "" and var.op.startswith(":")):
            if var.op.endswith(("-", "=")) and var.arg is not None:
                default = self.expand(var.arg, world)
                if world.holds_env(var.name) and not var.name.isdigit():
                    if default is not None and is_env_word(default):
                        world.choices.add(default)
                    return ENV
                if var.op.endswith("=") and not var.name.isdigit():
                    world.vars[var.name] = default
                return default
            if var.op.endswith("+"):
                return ""
            return ENV if world.holds_env(var.name) and not var.name.isdigit() else None
        if var.op.endswith("+") and var.arg is not None:
            return self.expand(var.arg, world)
        return value if isinstance(value, str) else None

    def helm(self, words: Sequence[Word], world: World) -> None:
        """A helm command: an Install when it installs or renders a chart."""
        world.used.clear()
        args = [self.expand(word, world, partial=True) for word in words[1:]]
        call = read_helm(args)
        if call is None:
            return
        # The variables the command names first, then a loop's or an arm's that the command built on.
        names = [name for name in [*world.used, *sorted(world.env_vars), *sorted(world.vars)] if world.holds_env(name)]
        envs = [world.vars.get(name) for name in names]
        env = next((e for e in envs if e is not None and e != ENV and is_env_word(e)), self.script.env)
        install = Install(
            file=self.script.file,
            line=words[0].line,
            source=self.script.source,
            chart=call.chart,
            bases=world.cwd,
            release=call.release,
            namespace=call.namespace,
            values=call.values,
            sets=call.sets,
            env=env,
            env_choices=tuple(sorted(world.choices)),
        )
        if install not in self.installs:  # two paths through the script that reach it alike
            self.installs.append(install)


def _inside(path: str) -> list[str]:
    """The repository-relative folder, or nothing when the path leaves the repository."""
    normal = posixpath.normpath(path)
    if normal == ".":
        return [""]
    return [] if normal.startswith("..") or normal.startswith("/") else [normal]


def _assignment(word: Word) -> tuple[str, tuple[Lit | Var | Unknown | ScriptDir | WorkDir, ...]] | None:
    """`NAME=value` → (NAME, the value's parts), else None."""
    first = word.parts[0] if word.parts else None
    if not isinstance(first, Lit) or "=" not in first.text:
        return None
    name, _, rest = first.text.partition("=")
    name = name.removesuffix("+")
    if not name.isidentifier():
        return None
    return name, ((Lit(rest),) if rest else ()) + word.parts[1:]


def read_script(
    text: str,
    script: Script,
    *,
    first_line: int = 1,
    variables: Mapping[str, str | None] | None = None,
    env_vars: Iterable[str] = (),
    tokens: list[Token] | None = None,
) -> list[Install]:
    """The install commands of one shell script (or of `tokens` already lexed from it)."""
    interpreter = Interpreter(script)
    nodes = parse(tokens if tokens is not None else lex(text, first_line=first_line))
    interpreter.run(nodes, [World(variables or {}, script.bases, env_vars)])
    return interpreter.installs
