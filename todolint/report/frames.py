"""Code frames for the text report: the lines around a finding's primary location, secrets masked.

A frame is read from the file a person edits (a values file, a template, a pre-rendered input), never
from Helm's rendered text, whose line numbers name no file on disk. What may be shown of each line is
`todolint.redact`'s to say.
"""

from __future__ import annotations

from pathlib import Path

from todolint.helm_values import SET_FILE
from todolint.models import Finding, Location, printable
from todolint.redact import mask_line, mask_values_line, names_a_secret


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
    masked: bool = False,
    secret_line: bool = False,
    stated: str = "",
    cache: dict[str, list[str]] | None = None,
) -> list[str]:
    """Up to three lines around `location.line`, numbered, the line itself marked with `>`.

    Only what can hold a secret is replaced by `***`: a value under a key or env name that looks like a
    secret and a URL with credentials, always; and unless the finding's message (`stated`) names that
    value itself (messages never quote a secret): every value of a Secret (`masked`), the marked line's
    rendered value for a secrets rule (`secret_line`), and every text value of a values file, since any
    values key may feed a secret.
    """
    if location.line is None:
        return []
    lines = cache.get(location.file) if cache is not None else None
    if lines is None:
        try:
            lines = Path(location.file).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        if cache is not None:
            cache[location.file] = lines
    if not 1 <= location.line <= len(lines):
        return []
    first = max(1, location.line - 1)
    last = min(len(lines), location.line + 1)
    width = len(str(last))
    out = []
    for number in range(first, last + 1):
        mark = ">" if number == location.line else " "
        # `- name: API_KEY` then `value: ...`: the value is as secret as the name says.
        named = number > 1 and names_a_secret(lines[number - 2])
        line = printable(lines[number - 1])
        if location.kind == "values":
            shown = mask_values_line(line, stated="" if named else stated)
        else:
            # A template line is the chart's source, not a rendered value: only its literals can be secrets.
            flagged = secret_line and number == location.line and location.kind != "template"
            shown = mask_line(line, secret=named, maybe=masked or flagged, stated=stated)
        out.append(f"{mark} {number:>{width}} | {shown}")
    return out


__all__ = ["code_frame", "frame_location"]
