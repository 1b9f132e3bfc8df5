"""Baselines: record today's findings, then report only new ones — how a team adopts todolint on charts
that already have findings.

A baseline holds grouped findings (todolint.group): one entry per root cause with the environments it
was seen in. A finding is recognised by a fingerprint of what it is about (rule, chart, kind, object and
field path, with each environment's release and namespace set aside; todolint.group.root_cause), never
by its line, so that editing a template above it does not make it new. Findings with the same fingerprint are
counted: a second copy of a recorded problem is new, and so is a recorded problem in an environment the
baseline did not see it in (that part of the finding counts, the recorded part stays suppressed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from todolint.group import NAMESPACE, RELEASE, root_cause
from todolint.models import Finding, Result, Target
from todolint.version import __version__

BASELINE_VERSION = 2


class BaselineError(Exception):
    """The baseline file cannot be read; the message is one line naming the file."""


def fingerprint(finding: Finding) -> str:
    """A stable identity for a finding across runs, environments and line shifts."""
    return _digest(root_cause(finding))


def place_fingerprints(finding: Finding) -> list[str]:
    """The fingerprints of every place a finding stands for: its own, then those of the other objects
    and fields one line of source gives it in (`Finding.also`), each as if it were reported alone."""
    return [fingerprint(finding)] + [
        fingerprint(finding.replaced(kind=kind, object=name, path=path)) for kind, name, path in finding.also
    ]


def fingerprints(findings: Iterable[Finding]) -> list[str]:
    """Each finding's fingerprint, made unique: the n-th copy of a fingerprint (in report order, n >= 1)
    gets its own (SARIF's partialFingerprints, which a viewer expects to tell results apart)."""
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        key = fingerprint(finding)
        copy = seen[key] = seen.get(key, -1) + 1
        out.append(key if copy == 0 else _digest((key, str(copy))))
    return out


def _digest(parts: tuple[str, ...]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class Baseline:
    """Fingerprint → the recorded findings with it (their numbers in `environments`): a finding one line
    of source gives in several places is found by the fingerprint of any of them, so that the one
    reported first can change without making it new."""

    file: str
    entries: Mapping[str, tuple[int, ...]]
    #: The environments of each recorded finding.
    environments: tuple[frozenset[str], ...] = ()


def write(result: Result, stream: TextIO) -> None:
    """Record every finding that counts today (suppressed ones already have their reason elsewhere)."""
    entries = [
        {
            "fingerprint": fingerprint(f),
            **({"also": place_fingerprints(f)[1:]} if f.also else {}),
            "code": f.code,
            "chart": f.chart,
            "environments": list(f.envs),
            "kind": f.kind,
            "object": f.object,
            "path": f.path,
        }
        for f in result.active
    ]
    entries.sort(key=lambda e: (e["chart"], e["kind"], e["object"], e["code"], e["path"], e["fingerprint"]))
    data: dict[str, Any] = {"version": BASELINE_VERSION, "tool": f"todolint {__version__}", "findings": entries}
    stream.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def load(path: str) -> Baseline:
    """The baseline at `path`; BaselineError for a missing, unreadable or malformed file, and for one an older
    todolint wrote (version 1 recorded each environment apart: the message says to record it again)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] < BASELINE_VERSION:
        raise BaselineError(
            f"{path}: a baseline of an older todolint (version {data['version']}): "
            "record it again with --write-baseline"
        )
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
    ):
        raise BaselineError(f"{path}: not a todolint baseline (version {BASELINE_VERSION})")
    entries: dict[str, list[int]] = {}
    environments: list[frozenset[str]] = []
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: every baseline entry needs a fingerprint")
        envs = entry.get("environments")
        if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
            raise BaselineError(f"{path}: every baseline entry needs its environments")
        also = entry.get("also", [])
        if not isinstance(also, list) or not all(isinstance(key, str) for key in also):
            raise BaselineError(f"{path}: an entry's `also` lists fingerprints")
        for key in dict.fromkeys([entry["fingerprint"], *also]):
            entries.setdefault(key, []).append(len(environments))
        environments.append(frozenset(envs))
    return Baseline(path, {key: tuple(value) for key, value in entries.items()}, tuple(environments))


def apply(findings: Iterable[Finding], baseline: Baseline, targets: Iterable[Target] = ()) -> tuple[Finding, ...]:
    """Mark findings already in the baseline as suppressed ("baseline: FILE"); the rest are new.

    A finding recorded in fewer environments than it has now is split: the recorded environments are
    suppressed, the others count. `targets` give each environment's release and namespace for that.
    """
    used: set[int] = set()  # each recorded finding stands for one finding of today's
    by_env = {(t.chart, t.env): t for t in targets}
    justification = f"baseline: {baseline.file}"
    out: list[Finding] = []
    for finding in findings:
        keys = place_fingerprints(finding) if finding.suppressed is None else []
        recorded = [n for key in keys for n in baseline.entries.get(key, ()) if n not in used]
        if not recorded:
            out.append(finding)
            continue
        envs = finding.envs
        # The recorded copy that covers most of this finding's environments (the first of equals).
        number = max(dict.fromkeys(recorded), key=lambda n: len(baseline.environments[n].intersection(envs)))
        best = baseline.environments[number]
        known = tuple(e for e in envs if e in best)
        if not known:
            out.append(finding)
            continue
        used.add(number)
        new = tuple(e for e in envs if e not in best)
        if new:
            out.append(_restrict(finding, new, by_env))
        out.append(dataclasses.replace(_restrict(finding, known, by_env), suppressed=justification))
    return tuple(out)


def _restrict(finding: Finding, envs: tuple[str, ...], targets: Mapping[tuple[str, str], Target]) -> Finding:
    """`finding` for some of its environments: the first one's release and namespace."""
    if envs == finding.envs:
        return finding
    target = targets.get((finding.chart, envs[0]))
    release = target.release if target else finding.release
    namespace = target.namespace if target else finding.namespace
    changes: dict[str, Any] = {"env": envs[0], "release": release, "namespace": namespace, "environments": envs}
    if len(envs) == 1:  # one environment again: its own names, not placeholders
        for name in ("object", "message"):
            changes[name] = getattr(finding, name).replace(RELEASE, release).replace(NAMESPACE, namespace)
    return dataclasses.replace(finding, **changes)


def apply_to_result(result: Result, baseline: Baseline) -> Result:
    """`result` with `apply` done to its findings, a split finding's release and namespace taken from the
    result's targets."""
    targets = [t.target for t in result.targets]
    return dataclasses.replace(result, findings=apply(result.findings, baseline, targets))


__all__ = [
    "Baseline",
    "BaselineError",
    "apply",
    "apply_to_result",
    "fingerprint",
    "fingerprints",
    "load",
    "place_fingerprints",
    "write",
]
