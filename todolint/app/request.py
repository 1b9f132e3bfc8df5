"""What a run is asked (Request), what comes of it (Outcome), and how it fails (UsageError, exit codes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from todolint.models import Result

#: 0 nothing at or above the fail level; 1 findings; 2 a usage error, or input that could not be linted.
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A one-line error for the user: the run could not start or finish (exit code 2)."""


def fail(message: str) -> NoReturn:
    """Stop the run with a one-line UsageError."""
    raise UsageError(message)


@dataclass(frozen=True)
class Request:
    """What one run is asked to do: the command line's `check` options, as plain values."""

    paths: tuple[str, ...] = ()
    config_file: str | None = None
    no_config: bool = False
    environments: tuple[str, ...] = ()
    release: str | None = None
    namespace: str | None = None
    values_files: tuple[str, ...] = ()
    set_values: tuple[str, ...] = ()
    chart: str | None = None
    contract_file: str | None = None
    policy_dirs: tuple[str, ...] = ()
    renderer: str | None = None
    kube_version: str | None = None
    timeout: float = 60.0
    #: The MiB one render may use (--max-memory); past it Helm is stopped (docs/guarantees.md).
    max_memory: int = 2048
    #: (format, output file or None for stdout), in the order given; none: no report is written.
    reports: tuple[tuple[str, str | None], ...] = ()
    fail_on: str | None = None
    baseline_file: str | None = None
    write_baseline: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    color: str = "auto"
    quiet: bool = False
    statistics: bool = False
    no_cache: bool = False
    #: Draw a progress line on stderr while charts render (the command line, on a terminal).
    progress: bool = False
    #: Skip paths that belong to no chart (the pre-commit hook passes every changed file).
    only_charts: bool = False
    #: Apply the safe fixes (`--fix`); with `unsafe_fixes` the unsafe ones too; `diff` shows them instead.
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False


@dataclass(frozen=True)
class Outcome:
    """A finished run: what was found, the exit code, and what to tell the user on stderr."""

    result: Result
    exit_code: int
    notes: tuple[str, ...] = ()


__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "Outcome", "Request", "UsageError", "fail"]
