"""Code frames for the text report: the lines around a finding's primary location, secret values masked.

A frame is read from the file a person edits (a values file, a template, a pre-rendered input), never
from Helm's rendered text, whose line numbers name no file on disk. What is secret on a line is
`todolint.redact`'s to say, from the whole file (a Secret's `data`, the `value:` of an env entry whose
name is secret-like), with the run's contract's secret-like names.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

from todolint.helm_values import SET_FILE
from todolint.models import Finding, Location, printable
from todolint.redact import FileKind, SecretNames, Secrets, chart_secret_paths, find_secrets, masked


class ReadFile(NamedTuple):
    """A file a frame shows: its lines and where its secret values are."""

    lines: list[str]
    secrets: Secrets


@functools.cache
def builtin_secret_names() -> SecretNames:
    """The secret-like names of the built-in contract, for a report given none (a Python caller's)."""
    from todolint.contract import load_contract

    contract = load_contract()
    return SecretNames(contract.secret_name_patterns, contract.secret_name_settings)


def frame_location(finding: Finding) -> Location | None:
    """The primary location when it is a file on disk a frame can be read from, else None.

    A rendered location of a chart render names the template file but counts lines in the rendered
    text, so it never gets a frame; a pre-rendered input file does.
    """
    if not finding.locations:
        return None
    primary = finding.locations[0]
    if primary.line is None or primary.object is not None or primary.file in (SET_FILE, "-", "<stdin>"):
        return None
    if primary.kind == "rendered" and any(
        loc.kind == "template" and loc.file == primary.file for loc in finding.locations
    ):
        return None
    return primary


def code_frame(
    location: Location,
    *,
    names: SecretNames | None = None,
    secret_line: bool = False,
    cache: dict[str, ReadFile] | None = None,
) -> list[str]:
    """Up to three lines around `location.line`, numbered, the line itself marked with `>`.

    Each secret value on them is `***` (`todolint.redact`: `names` are the contract's secret-like names,
    the built-in contract's when None); `secret_line`: the finding is a secrets rule's, so every value
    on the marked line is one, unless that line is a template's (the chart's source, not a rendered value).
    """
    if location.line is None:
        return []
    read = cache.get(location.file) if cache is not None else None
    if read is None:
        read = _read(location, names or builtin_secret_names())
        if cache is not None:
            cache[location.file] = read
    lines = read.lines
    if not 1 <= location.line <= len(lines):
        return []
    first = max(1, location.line - 1)
    last = min(len(lines), location.line + 1)
    width = len(str(last))
    out = []
    for number in range(first, last + 1):
        mark = ">" if number == location.line else " "
        flagged = secret_line and number == location.line and location.kind != "template"
        spans = read.secrets.any_value(number) if flagged else read.secrets.on(number)
        out.append(f"{mark} {number:>{width}} | {printable(masked(lines[number - 1], spans))}")
    return out


def _read(location: Location, names: SecretNames) -> ReadFile:
    """The file's lines and secrets (no lines when it cannot be read as UTF-8)."""
    try:
        text = Path(location.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""
    kinds: dict[str, FileKind] = {"values": "values", "template": "template"}
    kind = kinds.get(location.kind, "rendered")
    fed = chart_secret_paths(location.file) if kind == "values" and text else frozenset()
    return ReadFile(text.splitlines(), find_secrets(text, kind=kind, names=names, fed=fed))


__all__ = ["ReadFile", "builtin_secret_names", "code_frame", "frame_location"]
