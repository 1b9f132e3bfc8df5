"""Reporters: one function per output format, chosen by name from REPORTERS.

A reporter turns a finished Result into bytes on a stream and computes nothing of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from todolint.models import Result


@dataclass(frozen=True)
class ReportOptions:
    """Presentation choices; none of them changes what was found."""

    #: None: colour when the stream is a terminal and NO_COLOR is unset.
    color: bool | None = None
    quiet: bool = False
    statistics: bool = False


Reporter = Callable[[Result, TextIO, ReportOptions], None]


def reporters() -> dict[str, Reporter]:
    """Format name → reporter (imported lazily so that `--format json` never loads rich)."""
    from todolint.report import github, junit, sarif, text
    from todolint.report import json as json_report

    return {
        "text": text.report,
        "json": json_report.report,
        "sarif": sarif.report,
        "junit": junit.report,
        "github": github.report,
    }


FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "github")
