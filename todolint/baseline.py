"""Baselines: record today's findings, then report only new ones — how a team adopts todolint on charts
that already have findings.

A finding is recognised by a fingerprint of what it is about (rule, chart, environment, kind, object,
field path), never by its line, so that editing a template above it does not make it new. Findings
with the same fingerprint are counted: a second copy of a recorded problem is new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from todolint.models import Finding, Result
from todolint.version import __version__

BASELINE_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read; the message is one line naming the file."""


def fingerprint(finding: Finding) -> str:
    """A stable identity for a finding across runs and line shifts (also SARIF's partialFingerprints)."""
    parts: tuple[str, ...] = (finding.code, finding.chart, finding.env, finding.kind, finding.object, finding.path)
    # For findings with no object (a chart file, a render error) the message is all that tells them apart.
    if not finding.object and not finding.path:
        parts += (finding.file, finding.message)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Baseline:
    """Fingerprint → how many findings with it were recorded."""

    file: str
    counts: dict[str, int]


def write(result: Result, stream: TextIO) -> None:
    """Record every finding that counts today (suppressed ones already have their reason elsewhere)."""
    entries = [
        {
            "fingerprint": fingerprint(f),
            "code": f.code,
            "chart": f.chart,
            "env": f.env,
            "kind": f.kind,
            "object": f.object,
            "path": f.path,
        }
        for f in result.active
    ]
    entries.sort(key=lambda e: (e["chart"], e["env"], e["kind"], e["object"], e["code"], e["path"], e["fingerprint"]))
    data: dict[str, Any] = {"version": BASELINE_VERSION, "tool": f"todolint {__version__}", "findings": entries}
    stream.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def load(path: str) -> Baseline:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
    ):
        raise BaselineError(f"{path}: not a todolint baseline (version {BASELINE_VERSION})")
    counts: Counter[str] = Counter()
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: every baseline entry needs a fingerprint")
        counts[entry["fingerprint"]] += 1
    return Baseline(path, dict(counts))


def apply(findings: Iterable[Finding], baseline: Baseline) -> tuple[Finding, ...]:
    """Mark findings already in the baseline as suppressed ("baseline: FILE"); the rest are new."""
    left = Counter(baseline.counts)
    out: list[Finding] = []
    for finding in findings:
        key = fingerprint(finding)
        if finding.suppressed is None and left[key] > 0:
            left[key] -= 1
            out.append(replace(finding, suppressed=f"baseline: {baseline.file}"))
        else:
            out.append(finding)
    return tuple(out)


def apply_to_result(result: Result, baseline: Baseline) -> Result:
    return replace(result, findings=apply(result.findings, baseline))


__all__ = ["Baseline", "BaselineError", "apply", "apply_to_result", "fingerprint", "load", "write"]
