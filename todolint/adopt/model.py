"""What one install command says, as data: the shared types of `todolint.adopt`'s readers."""

from __future__ import annotations

from dataclasses import dataclass

#: In a release, namespace or values file: the environment the command takes as a parameter
#: (`-n todo-$ENV` where ENV is the script's argument), filled in per environment.
ENV = "{env}"
#: Starts a path the reader knows from the repository's root (`$(dirname "$0")/..`), not from a folder
#: it can only guess; no file's text holds it (files with NUL bytes are never read).
ROOT_ANCHOR = "\x00/"
#: Stands for a part of a word the reader could not resolve (`image.tag=$(git rev-parse HEAD)`), so that
#: the known rest (the `--set` key) stays readable.
UNKNOWN_PART = "\x01"

#: Longer words are unknown: no release, path or value is this long, and `A=$A$A` lines must not
#: grow a word without bound.
MAX_WORD = 4096

#: The kinds of file a command is read from, the most trustworthy first: declared releases and CI
#: install for real; a Makefile or script is run by hand; docs show an example that may have aged.
SOURCES = ("helmfile", "skaffold", "workflow", "makefile", "script", "docs")


@dataclass(frozen=True)
class Install:
    """One `helm install`/`helm upgrade`/`helm template` (or a declared release), as far as it is known.

    Paths are as written; `bases` are the repository-relative folders (`""` the root) they may be
    relative to, the likeliest first. None is a word the reader could not resolve: that setting is left
    to the defaults. `release`, `namespace` and `values` may hold ENV.
    """

    file: str
    line: int
    source: str
    chart: str | None
    bases: tuple[str, ...]
    release: str | None = None
    namespace: str | None = None
    values: tuple[str | None, ...] = ()
    #: `--set` keys with their values (None: a value the reader could not resolve).
    sets: tuple[tuple[str, str | None], ...] = ()
    #: The environment the command's context names (a loop's value, a workflow's `environment:`).
    env: str | None = None
    #: Environments the context offers for ENV (an argument's default, a workflow input's options).
    env_choices: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        """`deploy.sh:12`: where a person finds the command."""
        return f"{self.file}:{self.line}"

    @property
    def rank(self) -> int:
        """The source's place in SOURCES: lower wins when two commands disagree."""
        return SOURCES.index(self.source) if self.source in SOURCES else len(SOURCES)
