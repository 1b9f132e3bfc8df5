"""`todolint --fix` and `--diff`: findings repaired at the line a person would edit.

A rule that can repair its findings says how in `Rule.fix` (which field, and where the contract holds
its value). This module turns each such finding into an `Edit` of the source that supplied the value:
the values-file key the finding's first location names (the file that won for that environment), or a
literal in a template line. It never edits a Go-template expression, a helper (`_helpers.tpl`, whose
output other objects share) or a `--set` value: those findings are left for a person, with the reason.

An edit replaces exactly the characters of one scalar (the span its YAML node covers), so comments, key
order, quoting, indentation and flow style stay as they were, byte for byte. A `drop-object` fix (a
rendered Secret) removes the template lines that write the object instead, its `---` with it. `diff`
shows the edits as a patch (`todolint.patch`), no secret value in it. `apply_verified` writes the edits
atomically and keeps them only when a new lint run shows their findings gone and nothing new
in any environment; otherwise they are rolled back and reported as not fixable automatically.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from todolint.contract import Contract
from todolint.helm_values import SET_FILE
from todolint.models import Edit, Finding, Location, Result
from todolint.patch import Diff, file_patch
from todolint.redact import SecretNames
from todolint.rules.base import Fix, Rule

_LAST_FIELD = re.compile(r"([^.\[\]]+)(?:\[\d+\])*$")
_PROBES = {"livenessProbe": "liveness", "readinessProbe": "readiness", "startupProbe": "startup"}
_LIST_ITEM = re.compile(r"^(\s*(?:-\s+)*)")


class FixError(Exception):
    """The fixes could not be written: one line naming the file (exit code 2)."""


@dataclass(frozen=True)
class Proposal:
    """One fixable rule's finding: the edit that repairs it, or why a person has to."""

    finding: Finding
    edit: Edit | None
    #: Why there is no edit ("a Go-template expression writes it"); "" when there is one.
    reason: str = ""
    #: What to tell the user once the edit is kept (where a removed secret was); "" for nothing.
    note: str = ""


@dataclass(frozen=True)
class Fixed:
    """What `--fix` did: the lint result after it, the edits it kept or refused."""

    result: Result
    kept: tuple[Edit, ...]
    #: One line per edit rolled back: where, and why it was not kept.
    refused: tuple[str, ...]
    #: The kept edits' notes.
    notes: tuple[str, ...] = ()


# --- proposing --------------------------------------------------------------------------------------


def propose(result: Result, rules: Iterable[Rule], contract: Contract, *, unsafe: bool = False) -> tuple[Proposal, ...]:
    """An edit (or a reason) for every active finding whose rule can fix it; unsafe edits only with `unsafe`.
    Two findings that would write different values into one span (two environments, or two fields fed
    by one values key, that expect different values) both fall to a person: either edit breaks the other."""
    fixes = {rule.code: rule.fix for rule in rules if rule.fix is not None}
    allowed = ("safe", "unsafe") if unsafe else ("safe",)
    texts: dict[str, list[str]] = {}
    proposals: list[Proposal] = []
    for finding in result.active:
        fix = fixes.get(finding.code)
        if fix is None or fix.safety not in allowed:
            continue
        try:
            if fix.action == "drop-object":
                edit, note = _drop_object(finding, fix, texts)
            else:
                edit, note = _edit_for(finding, fix, contract, texts), ""
        except _ByHand as exc:
            proposals.append(Proposal(finding, None, str(exc)))
            continue
        proposals.append(Proposal(finding, edit, note=note))
    return _without_conflicts(proposals)


class _ByHand(Exception):
    """This finding cannot be fixed automatically; the message says why."""


def _edit_for(finding: Finding, fix: Fix, contract: Contract, texts: dict[str, list[str]]) -> Edit:
    field = _field_of(finding.path)
    if field not in fix.fields:
        raise _ByHand(f"the fix sets {', '.join(fix.fields)}, and this finding is about {field or 'the object'}")
    wanted = _contract_value(finding, fix, field, contract)
    location = finding.locations[0] if finding.locations else None
    if location is not None and location.file == SET_FILE:
        raise _ByHand("--set supplies the value: change the command line")
    if location is None or location.kind == "rendered" or location.line is None:
        raise _ByHand("no values key or template line supplies the value")
    if location.kind == "template" and Path(location.file).suffix == ".tpl":
        raise _ByHand(f"a helper writes it ({location.file}:{location.line}), and its output may be shared")
    lines = _lines(location.file, texts)
    if location.kind == "values":
        span = _values_span(lines, location, field)
    else:
        span = _template_span(lines, location, field)
    line, column, end_column = span
    old = lines[line - 1][column - 1 : end_column - 1]
    value = _settle_value(wanted, yaml.safe_load(old))
    if value is None:
        raise _ByHand(f"the contract allows no single value for {field}")
    return Edit(location.file, line, column, line, end_column, _scalar_text(value, old), fix.safety)


_CONTROL = re.compile(r"\{\{-?\s*(if|else|end|range|with|define|block)\b")
_KIND = re.compile(r"^kind:\s*(\S+)\s*$")
_ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def _drop_object(finding: Finding, fix: Fix, texts: dict[str, list[str]]) -> tuple[Edit, str]:
    """The lines of the template document that write the object, from its first YAML line to its last:
    only when they write this one object and hold no `if`/`range`/`end` that the removal would unbalance."""
    location = next((loc for loc in finding.locations if loc.kind == "template" and loc.line), None)
    if location is None or location.line is None or Path(location.file).suffix == ".tpl":
        raise _ByHand("no template file of its own writes the object")
    lines = _lines(location.file, texts)
    bounds = [n for n, text in enumerate(lines) if text.startswith("---")]
    start = max((n + 1 for n in bounds if n < location.line - 1), default=0)
    end = min((n for n in bounds if n >= location.line - 1), default=len(lines))
    # Template actions and comments (which may span lines) blanked out: what is left is the YAML written.
    bare = _ACTION.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "".join(lines)).split("\n")
    content = [n for n in range(start, end) if bare[n].strip() and not bare[n].lstrip().startswith("#")]
    kinds = [m.group(1) for n in content if (m := _KIND.match(lines[n].rstrip()))]
    if not content or kinds != [finding.kind]:
        raise _ByHand(f"{location.file} writes more than the {finding.kind} there")
    first, last = content[0], content[-1]
    if any(_CONTROL.search(lines[n]) for n in range(first, last + 1)):
        raise _ByHand(f"{location.file}:{first + 1}: template control lines wrap parts of the {finding.kind}")
    # Its `---` goes with it (the one before, else the one after): no empty document is left behind.
    if start > 0 and _only_separator(lines, start - 1, first):
        first = start - 1
    elif end < len(lines) and _only_separator(lines, last + 1, end + 1):
        last = end
    note = (
        f"{location.file}:{first + 1}-{last + 1}: removed the {finding.kind} the chart rendered ({finding.code}); "
        "what it held is no longer in the chart (git history still has it): create it outside Helm"
    )
    return Edit(location.file, first + 1, 1, last + 2, 1, "", fix.safety), note


def _only_separator(lines: Sequence[str], start: int, stop: int) -> bool:
    """Whether lines[start:stop] are one plain `---` and blank or comment lines, nothing a template needs."""
    texts = [lines[n].strip() for n in range(start, stop)]
    return texts.count("---") == 1 and all(not t or t == "---" or t.startswith("#") for t in texts)


def _field_of(path: str) -> str:
    match = _LAST_FIELD.search(path)
    return match.group(1) if match else ""


def _contract_value(finding: Finding, fix: Fix, field: str, contract: Contract) -> Any:
    probe = next((kind for key, kind in _PROBES.items() if f".{key}." in f".{finding.path}."), "")
    # The app the object was recognised as (an umbrella's backend Deployment is the backend's, whatever the
    # chart is called); a finding of no recognised object falls back on a chart named after an app.
    app = finding.app or (finding.chart if finding.chart in contract.apps else "")
    names = {"app": app, "probe": probe, "field": field}
    node: Any = contract.data
    for part in fix.contract:
        key = part.format(**names) if "{" in part else part
        if not key and "{app}" in part:
            raise _ByHand(
                f"{finding.kind or 'the object'} {finding.object} is not recognised as one of the contract's apps "
                "(docs/apps.md), so the contract gives no value to set"
            )
        if not key or not isinstance(node, Mapping) or key not in node:
            raise _ByHand(f"the contract holds no value for {field} here ({'.'.join(fix.contract)})")
        node = node[key]
    return node


def _settle_value(wanted: Any, found: Any) -> Any:
    """The contract's value for what was found: itself, the one item of a list, or `found` brought within
    a min–max mapping; None when there is no single value."""
    if isinstance(wanted, Mapping):
        low, high = wanted.get("min"), wanted.get("max")
        if (
            not isinstance(found, int)
            or isinstance(found, bool)
            or not isinstance(low, int)
            or not isinstance(high, int)
        ):
            return None
        return min(max(found, low), high)
    if isinstance(wanted, (list, tuple)):
        return wanted[0] if len(wanted) == 1 else None
    return wanted


def _lines(file: str, texts: dict[str, list[str]]) -> list[str]:
    if file not in texts:
        try:
            with open(file, encoding="utf-8", newline="") as handle:
                texts[file] = handle.read().splitlines(keepends=True)
        except (OSError, UnicodeDecodeError) as exc:
            raise _ByHand(f"{file} cannot be read: {exc}") from None
    return texts[file]


def _values_span(lines: Sequence[str], location: Location, field: str) -> tuple[int, int, int]:
    """(line, column, end column) of the scalar value of the key on the location's line: the key named
    like the field when the line holds several (a flow mapping), else the only one."""
    try:
        root = yaml.compose("".join(lines), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise _ByHand(f"{location.file} is not valid YAML") from None
    found = [pair for pair in _pairs(root) if pair[0].start_mark.line + 1 == location.line]
    named = [pair for pair in found if pair[0].value == field]
    chosen = named or found
    if len(chosen) != 1:
        raise _ByHand(f"{location.file}:{location.line} holds no single key for {field}")
    value = chosen[0][1]
    if (
        not isinstance(value, yaml.ScalarNode)
        or value.start_mark.line != value.end_mark.line
        or value.style in ("|", ">")
    ):
        raise _ByHand(f"{location.file}:{location.line}: the value is not a one-line scalar")
    return value.start_mark.line + 1, value.start_mark.column + 1, value.end_mark.column + 1


def _pairs(node: yaml.Node | None) -> Iterable[tuple[yaml.ScalarNode, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield key, value
            yield from _pairs(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _pairs(item)


def _template_span(lines: Sequence[str], location: Location, field: str) -> tuple[int, int, int]:
    """(line, column, end column) of the literal in `field: literal` on a template line."""
    assert location.line is not None
    text = lines[location.line - 1].rstrip("\r\n")
    if "{{" in text:
        raise _ByHand(f"a Go-template expression writes it ({location.file}:{location.line})")
    indent = len(_LIST_ITEM.match(text).group(1))  # type: ignore[union-attr]  # the pattern matches any text
    try:
        node = yaml.compose(text[indent:], Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        node = None
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        raise _ByHand(f"{location.file}:{location.line} is not one `{field}: value` line")
    key, value = node.value[0]
    if key.value != field or not isinstance(value, yaml.ScalarNode) or value.style in ("|", ">"):
        raise _ByHand(f"{location.file}:{location.line} is not one `{field}: value` line")
    return location.line, indent + value.start_mark.column + 1, indent + value.end_mark.column + 1


def _scalar_text(value: Any, old: str) -> str:
    """`value` written as the old scalar was: in the same quotes, else plain when YAML reads it back as
    the same value, else in double quotes."""
    text = str(value)
    if old.startswith('"'):
        return json.dumps(text)
    if old.startswith("'"):
        return "'" + text.replace("'", "''") + "'"
    try:
        same = yaml.safe_load(text) == value and "#" not in text and ": " not in text
    except yaml.YAMLError:
        same = False
    return text if same else json.dumps(text)


def _without_conflicts(proposals: list[Proposal]) -> tuple[Proposal, ...]:
    def span(edit: Edit) -> tuple[str, int, int, int, int]:
        return (edit.file, edit.line, edit.column, edit.end_line, edit.end_column)

    texts: dict[tuple[str, int, int, int, int], set[str]] = {}
    for proposal in proposals:
        if proposal.edit is not None:
            texts.setdefault(span(proposal.edit), set()).add(proposal.edit.text)
    settled: list[Proposal] = []
    for proposal in proposals:
        edit = proposal.edit
        if edit is not None and len(texts[span(edit)]) > 1:
            values = " and ".join(sorted(texts[span(edit)]))
            reason = f"{edit.file}:{edit.line} feeds findings that need different values ({values})"
            proposal = Proposal(proposal.finding, None, reason)
        settled.append(proposal)
    return tuple(settled)


def by_hand(proposals: Iterable[Proposal]) -> tuple[str, ...]:
    """One line per rule and reason for the findings a person has to fix: `fix by hand: TL203 (3): why`."""
    counts: dict[tuple[str, str], int] = {}
    for proposal in proposals:
        if proposal.edit is None:
            key = (proposal.finding.code, proposal.reason)
            counts[key] = counts.get(key, 0) + 1
    return tuple(f"fix by hand: {code} ({count}): {reason}" for (code, reason), count in sorted(counts.items()))


def edits_of(proposals: Iterable[Proposal]) -> tuple[Edit, ...]:
    """The distinct edits, in file and position order."""
    found = {p.edit for p in proposals if p.edit is not None}
    return tuple(sorted(found, key=lambda e: (e.file, e.line, e.column)))


# --- showing and writing ----------------------------------------------------------------------------


def edited_texts(edits: Iterable[Edit]) -> dict[str, tuple[str, str]]:
    """file → (text before, text after) for every file the edits touch."""
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.file, []).append(edit)
    changed: dict[str, tuple[str, str]] = {}
    for file, file_edits in sorted(by_file.items()):
        with open(file, encoding="utf-8", newline="") as handle:
            before = handle.read()
        changed[file] = (before, _edited(before, file_edits))
    return changed


def _edited(text: str, edits: Sequence[Edit]) -> str:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        # The line after the last one starts at the end of the text: a span may cover the last newline.
        return min(starts[min(line - 1, len(starts) - 1)] + column - 1, len(text))

    after = text
    # From the end of the file backwards: an edit never moves the offsets of one still to come.
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        after = after[: offset(edit.line, edit.column)] + edit.text + after[offset(edit.end_line, edit.end_column) :]
    return after


def diff(edits: Iterable[Edit], *, names: SecretNames) -> Diff:
    """A unified diff of the edits (`a/FILE`, `b/FILE`), files in order. No secret value is printed
    (`todolint.redact`, with the contract's secret-like `names`): a hunk's context stops short of a line
    that holds one, and a changed line shows one as `***` (the edited scalar itself is shown)."""
    edits = tuple(edits)
    lines: list[str] = []
    notes: list[str] = []
    for file, (before, after) in edited_texts(edits).items():
        shown, said = file_patch(file, before, after, [e for e in edits if e.file == file], names)
        lines.extend(shown)
        notes.extend(said)
    return Diff("".join(lines), tuple(notes))


def file_diff(
    file: str, before: str, after: str, *, edits: Sequence[Edit] = (), names: SecretNames | None = None
) -> list[str]:
    """One file's part of `diff`, as lines. Without `edits`, every secret value on a changed line is
    masked; `names` None: the built-in contract's secret-like names."""
    if names is None:
        from todolint.contract import load_contract

        contract = load_contract()
        names = SecretNames(contract.secret_name_patterns, contract.secret_name_settings)
    return file_patch(file, before, after, edits, names)[0]


def write(texts: Mapping[str, str]) -> None:
    """Write each file atomically (a temporary file beside it, then a rename; its mode kept). Every file
    is checked first, so a read-only one stops the run before anything is written."""
    for file in texts:
        # The mode's write bits too: a rename replaces a read-only file (and root passes os.access).
        writable = os.stat(file).st_mode & 0o222 and os.access(file, os.W_OK)
        if not writable or not os.access(os.path.dirname(file) or ".", os.W_OK):
            raise FixError(f"{file}: cannot fix: the file (or its folder) is read-only")
    for file, text in texts.items():
        _write_atomic(file, text)


def _write_atomic(file: str, text: str) -> None:
    folder = os.path.dirname(file) or "."
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(file)}.", suffix=".tmp")
    except OSError as exc:
        raise FixError(f"{file}: cannot fix: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, os.stat(file).st_mode & 0o7777)
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- applying, with a re-render to prove each fix ----------------------------------------------------


def _key(finding: Finding) -> tuple[str, ...]:
    """A finding's identity across runs: not its line, which an edit above it may move."""
    return (finding.code, finding.chart, finding.env, finding.kind, finding.object, finding.path)


def apply_verified(proposals: Sequence[Proposal], before: Result, relint: Callable[[], Result]) -> Fixed:
    """Write the proposals' edits and lint again. Kept when every finding they target is gone and no new
    finding (nor render error) appeared in any environment; else rolled back, and each edit tried alone."""
    edits = edits_of(proposals)
    if not edits:
        return Fixed(before, (), ())
    targets = {edit: {_key(p.finding) for p in proposals if p.edit == edit} for edit in edits}
    after = _try(edits, targets, before, relint)
    if after is not None:
        return Fixed(after, edits, (), _notes(proposals, edits))
    kept: list[Edit] = []
    refused: list[str] = []
    current = before
    for edit in edits:
        tried = _try((edit,), targets, current, relint)
        if tried is None:
            codes = ", ".join(sorted({key[0] for key in targets[edit]}))
            refused.append(
                f"{edit.file}:{edit.line}: {codes}: not fixable automatically (a re-render showed the "
                "finding still there, or a new one)"
            )
            continue
        kept.append(edit)
        current = tried
    return Fixed(current, tuple(kept), tuple(refused), _notes(proposals, kept))


def _notes(proposals: Sequence[Proposal], kept: Sequence[Edit]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.note for p in proposals if p.note and p.edit in kept))


def _try(
    edits: Sequence[Edit], targets: Mapping[Edit, set[tuple[str, ...]]], before: Result, relint: Callable[[], Result]
) -> Result | None:
    texts = edited_texts(edits)
    write({file: after for file, (_before, after) in texts.items()})
    try:
        after = relint()
    except BaseException:
        write({file: original for file, (original, _after) in texts.items()})
        raise
    now = {_key(f) for f in after.active}
    was = {_key(f) for f in before.active}
    aimed = set().union(*(targets[edit] for edit in edits))
    if not (now & aimed) and now <= was and len(after.errors) <= len(before.errors):
        return after
    write({file: original for file, (original, _after) in texts.items()})
    return None


def cleared(before: Mapping[Finding, Sequence[Finding]], after: Result) -> int:
    """How many of the grouped findings before (each with the engine's findings it stands for) `after`
    no longer has in any environment."""
    now = {_key(f) for f in after.active}
    return sum(
        1
        for grouped, members in before.items()
        if grouped.suppressed is None and not any(_key(f) in now for f in members)
    )
