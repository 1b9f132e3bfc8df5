"""The application: what todolint does once the command line is read, one module per job.

- `request`: what a run is asked (Request), what comes of it (Outcome), UsageError, the exit codes
- `settings`: the settings in force (config, contract, policy folders, matrix) and their rules, loaded once
- `targets`: what a run lints (LintInputs): chart × environment targets and pre-rendered inputs
- `plan`: the renderer and caches, the engine's Plan, and its run (again after `--fix`)
- `lint_run`: one lint run step by step, `run(Request) -> Outcome`; `lint()` for Python callers
- `fixing`: `--fix`, `--diff`, and the edit each reported finding would get
- `reports`: which report goes where (`--format`/`--output`), and writing them
- `commands`: `rules`, `explain`, `config` and `init`

The names below are imported from their module on first use, so that a command loads only the modules
it runs (`todolint rules` no lint run, a lint run no other command).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from todolint.app.commands import config_schema, explain, init, rules_listing, show_matrix
    from todolint.app.lint_run import lint, run
    from todolint.app.reports import pair_reports
    from todolint.app.request import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Outcome, Request, UsageError, fail
    from todolint.models import Result

#: Each public name and the module that holds it.
_HOMES = (
    ("todolint.app.request", ("EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "Outcome", "Request", "UsageError", "fail")),
    ("todolint.app.lint_run", ("lint", "run")),
    ("todolint.app.reports", ("pair_reports",)),
    ("todolint.app.commands", ("config_schema", "explain", "init", "rules_listing", "show_matrix")),
    ("todolint.models", ("Result",)),
)

__all__ = [
    "EXIT_ERROR",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "Outcome",
    "Request",
    "Result",
    "UsageError",
    "config_schema",
    "explain",
    "fail",
    "init",
    "lint",
    "pair_reports",
    "rules_listing",
    "run",
    "show_matrix",
]


def __getattr__(name: str) -> Any:
    """A public name of the application, from the module that holds it."""
    for module, names in _HOMES:
        if name in names:
            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'todolint.app' has no attribute {name!r}")
