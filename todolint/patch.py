"""`--diff`'s patch: edits of a file shown as a unified diff that `git apply` and `patch -p1` take from
the repository root, without a secret value in it.

A hunk's context stops short of a line holding a secret value (`todolint.redact`), so what is printed
as context is what the file holds; a changed line shows the edited scalar as it is and every other
secret value as `***`, and then the hunk cannot apply as printed, which a note says. Hunks are built
from difflib's opcodes, with its header format (`@@ -9,7 +9,7 @@`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from todolint.models import Edit
from todolint.redact import FileKind, SecretNames, Span, chart_secret_paths, find_secrets, hides, masked


class Diff(NamedTuple):
    """What `--diff` prints: a patch `git apply` and `patch -p1` take from the repository root, and one
    line per hunk they cannot take as printed (a secret value masked on a changed line)."""

    text: str
    notes: tuple[str, ...] = ()


#: Context lines around a change, as `diff -u` and git print them.
_CONTEXT = 3
#: One opcode of difflib.SequenceMatcher: (tag, i1, i2, j1, j2).
_Op = tuple[str, int, int, int, int]


def file_patch(
    file: str, before: str, after: str, edits: Sequence[Edit], names: SecretNames
) -> tuple[list[str], list[str]]:
    """The patch lines of one file (none when nothing changed) and one note per hunk that cannot apply
    as printed. `edits` name the edited scalars, shown whatever they are; without them every secret
    value on a changed line is masked."""
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    kind: FileKind = "template" if "templates" in Path(file).parts else "values"
    fed = chart_secret_paths(file) if kind == "values" else frozenset()
    old = find_secrets(before, kind=kind, names=names, fed=fed)
    new = find_secrets(after, kind=kind, names=names, fed=fed)
    keep_old, keep_new = _edited_spans(edits)

    def clean(i: int, j: int) -> bool:
        return not old.on(i + 1) and not new.on(j + 1)

    ops = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
    out: list[str] = []
    notes: list[str] = []
    for group in _groups(ops, clean):
        lead = _clean_run(group[0][1], group[0][3], -1, clean, len(old_lines), len(new_lines))
        trail = _clean_run(group[-1][2], group[-1][4], 1, clean, len(old_lines), len(new_lines))
        if trail < _CONTEXT and group[-1][2] + trail < len(old_lines):
            # Less context after than before reads as "at the end of the file" to patch and git apply.
            lead = min(lead, trail)
        start_old, end_old = group[0][1] - lead, group[-1][2] + trail
        start_new, end_new = group[0][3] - lead, group[-1][4] + trail
        body = [_line(" ", text) for text in old_lines[start_old : group[0][1]]]
        hidden = False
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                body.extend(_line(" ", text) for text in old_lines[i1:i2])
                continue
            for i in range(i1, i2):
                body.append(_line("-", old_lines[i], old.on(i + 1), keep_old.get(i + 1, ())))
                hidden = hidden or hides(old.on(i + 1), keep=keep_old.get(i + 1, ()))
            for j in range(j1, j2):
                body.append(_line("+", new_lines[j], new.on(j + 1), keep_new.get(j + 1, ())))
                hidden = hidden or hides(new.on(j + 1), keep=keep_new.get(j + 1, ()))
        body.extend(_line(" ", text) for text in old_lines[group[-1][2] : end_old])
        out.append(f"@@ -{_range(start_old, end_old)} +{_range(start_new, end_new)} @@\n")
        out.extend(body)
        where = f"{file}:{group[0][1] + 1}"
        if hidden:
            notes.append(f"{where}: --diff shows a secret value on a changed line as ***, so this hunk does not apply")
        elif not trail and end_old < len(old_lines):
            notes.append(
                f"{where}: the line after this change holds a secret value, so the hunk has no context after it: "
                "git apply takes it with --unidiff-zero (patch -p1 as it is)"
            )
    return ([f"--- a/{file}\n", f"+++ b/{file}\n", *out] if out else []), notes


def _groups(ops: Sequence[_Op], clean: Callable[[int, int], bool]) -> list[list[_Op]]:
    """The changes, each group one hunk: two changes share one when the unchanged lines between them
    are few enough to be its context (2 × 3 at most) and none of them holds a secret value."""
    groups: list[list[_Op]] = []
    for index, op in enumerate(ops):
        if op[0] == "equal":
            continue
        gap = ops[index - 1] if index and ops[index - 1][0] == "equal" else None
        if groups and gap is not None:
            size = gap[2] - gap[1]
            if size <= 2 * _CONTEXT and all(clean(gap[1] + k, gap[3] + k) for k in range(size)):
                groups[-1].extend((gap, op))
                continue
        groups.append([op])
    return groups


def _clean_run(i: int, j: int, step: int, clean: Callable[[int, int], bool], old: int, new: int) -> int:
    """How many unchanged lines from (i, j) on (step 1) or before it (step -1) can be context: at most
    3, none holding a secret value, none past either end."""
    count = 0
    while count < _CONTEXT:
        at_old, at_new = (i + count, j + count) if step > 0 else (i - count - 1, j - count - 1)
        if not (0 <= at_old < old and 0 <= at_new < new) or not clean(at_old, at_new):
            break
        count += 1
    return count


def _line(prefix: str, text: str, spans: Sequence[Span] = (), keep: Sequence[Span] = ()) -> str:
    """One patch line, secret values masked; a last line without a newline says so, as diff does."""
    body = text.rstrip("\r\n")
    shown = prefix + masked(body, spans, keep=keep) + text[len(body) :]
    return shown if shown.endswith("\n") else shown + "\n\\ No newline at end of file\n"


def _range(start: int, stop: int) -> str:
    """A hunk header's range, as difflib writes it: `start,count`, the count left out when it is 1."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _edited_spans(edits: Sequence[Edit]) -> tuple[dict[int, list[Span]], dict[int, list[Span]]]:
    """The edited scalars' spans by 1-based line, in the text before and in the text after the edits:
    the one thing on a changed line that is shown whatever it is."""
    before: dict[int, list[Span]] = {}
    after: dict[int, list[Span]] = {}
    lines_moved = 0
    shifted: dict[int, int] = {}
    for edit in sorted(edits, key=lambda e: (e.line, e.column)):
        if edit.line == edit.end_line and "\n" not in edit.text:
            before.setdefault(edit.line, []).append((edit.column - 1, edit.end_column - 1))
            column = edit.column - 1 + shifted.get(edit.line, 0)
            after.setdefault(edit.line + lines_moved, []).append((column, column + len(edit.text)))
            shifted[edit.line] = shifted.get(edit.line, 0) + len(edit.text) - (edit.end_column - edit.column)
        lines_moved += edit.text.count("\n") - (edit.end_line - edit.line)
    return before, after


__all__ = ["Diff", "file_patch"]
