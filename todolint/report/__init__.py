"""Reporters: one function per output format, chosen by name from REPORTERS.

A reporter turns a finished Result into bytes on a stream and computes nothing of its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from todolint.models import Edit, Finding, Result
from todolint.redact import SecretNames


@dataclass(frozen=True)
class ReportOptions:
    """Presentation choices; none of them changes what was found."""

    #: None: colour when the stream is a terminal and NO_COLOR is unset.
    color: bool | None = None
    quiet: bool = False
    statistics: bool = False
    #: The edit `--fix` (or `--unsafe-fixes`) would make for each fixable finding.
    fixes: Mapping[Finding, Edit] = field(default_factory=dict)
    #: The run's contract's secret-like names, for what code frames mask (None: the built-in contract's).
    secret_names: SecretNames | None = None


Reporter = Callable[[Result, TextIO, ReportOptions], None]


def _load(module: str) -> Reporter:
    """The reporter in todolint/report/<module>.py, imported when first called: a run imports only
    the formats it writes (text never loads the XML or SARIF code, json never loads rich)."""

    def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
        loaded: Reporter = importlib.import_module(f"todolint.report.{module}").report
        loaded(result, stream, options)

    return report


FORMATS: tuple[str, ...] = ("text", "concise", "json", "sarif", "junit", "github")

#: Formats that document every rule in force (SARIF's rule list, JUnit's test cases).
RULES_DOCUMENTED = frozenset({"sarif", "junit"})

#: Format name → reporter.
REPORTERS: dict[str, Reporter] = {name: _load(name) for name in FORMATS}


def reporters() -> dict[str, Reporter]:
    """Format name → reporter."""
    return dict(REPORTERS)
