"""One finding per root cause: a run's per-environment findings grouped across environments.

The engine reports each problem once per chart × environment. A problem that the same line of source
causes in dev, staging and prod is one thing to fix, so the application groups findings that are the
same (same rule, chart, object, field, first location and message, once each environment's own release
and namespace are set aside) into one finding that lists its environments, in the contract's order. It
runs after suppression and before the baseline, so that both work on the grouped form; a finding
suppressed in one environment and not in another stays two findings. Last, the findings of one rule
that one line of a values or template file gives in several objects or fields (a labels helper) become
one, which names the other places; so do the findings of a rule that reports one root cause per app
(`BY_APP`: a release that renders both apps names none of their objects as the contract does), one per
app and chart, led by the app's workload, whatever the environment.

It also makes findings presentable in every format: file names are escaped like all rendered text, and
a rendered location of a chart render says which object its line counts in.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from todolint.helm_values import split_set
from todolint.models import Finding, Location, Result, printable

#: Placeholders that stand for an environment's own release and namespace in a grouped text.
RELEASE = "{release}"
NAMESPACE = "{namespace}"
#: Rules whose findings on the objects of one app in one chart are one root cause in every environment
#: (TL125 one-release-per-app: the release renders both apps, and no name of theirs follows the contract).
BY_APP = frozenset({"TL125"})
#: The kinds a finding of `BY_APP` is led by, the app's long-running workloads (todolint.rules.kinds
#: LONG_RUNNING, which grouping does not load: an unchanged run loads no rule).
_APP_LEADS = ("Deployment", "StatefulSet", "DaemonSet")


def env_order(known: Sequence[str], present: Iterable[str]) -> tuple[str, ...]:
    """The environments in `present`: the contract's (`known`) first, in its order, then any other
    (`--env qa`, piped input) alphabetically."""
    seen = set(present)
    return tuple(e for e in known if e in seen) + tuple(sorted(seen - set(known)))


def set_aside(text: str, release: str, namespace: str) -> str:
    """`text` with the environment's release and namespace, as whole names, replaced by placeholders
    (`todo-backend-dev-config` → `{release}-config`; `todo-backend-development` stays)."""
    if (not release or release not in text) and (not namespace or namespace not in text):
        return text  # most texts: no regular expression to run
    pattern, placeholders = _names(release, namespace)
    return pattern.sub(lambda match: placeholders[match.group()], text)


@functools.lru_cache(maxsize=64)
def _names(release: str, namespace: str) -> tuple[re.Pattern[str], dict[str, str]]:
    placeholders = {name: placeholder for name, placeholder in ((namespace, NAMESPACE), (release, RELEASE)) if name}
    # The longer first: a namespace may be part of a release's name or the other way round.
    names = sorted(placeholders, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?!\w)"), placeholders


def root_cause(finding: Finding) -> tuple[str, ...]:
    """What a finding is about, the same in every environment and across runs: its rule, chart, object
    and field, with release and namespace set aside; for a finding about no object or field (a chart
    file, a render error), its file and message. The baseline's and SARIF's fingerprint."""
    release, namespace = finding.release, finding.namespace
    parts: tuple[str, ...] = (
        finding.code,
        finding.chart,
        finding.kind,
        set_aside(finding.object, release, namespace),
        finding.path,
    )
    if not finding.object and not finding.path:
        parts += (finding.file, set_aside(finding.message, release, namespace))
    return parts


def _presentable(finding: Finding, chart_render: bool) -> Finding:
    """File names escaped; a chart render's rendered location told apart from a line of a file."""
    file = finding.file if finding.file.isprintable() else printable(finding.file)
    locations = finding.locations
    if chart_render or not all(loc.file.isprintable() for loc in locations):
        subject = (f"{finding.kind}/{finding.object}" if finding.kind else "") if chart_render else None
        locations = tuple(_named(loc, subject) for loc in locations)
    elif file is finding.file:
        return finding  # most findings of pre-rendered input: nothing to change
    return finding.replaced(file=file, locations=locations)


def _named(location: Location, subject: str | None) -> Location:
    """`location` with its file escaped and, for a rendered line of a chart render (`subject` not None),
    the object it counts in."""
    rendered = subject is not None and location.kind == "rendered"
    file = location.file if location.file.isprintable() else printable(location.file)
    if not rendered and file is location.file:
        return location
    return Location(location.kind, file, location.line, location.column, subject if rendered else location.object)


def _place(finding: Finding) -> tuple[Any, ...]:
    first = finding.locations[0] if finding.locations else None
    return (first.kind, first.file, first.line, first.column) if first else (finding.file, finding.line)


def _block_key(finding: Finding) -> tuple[Any, ...]:
    """Hits of one rule on one field of one object at one place in one environment: one root cause (two
    stale entries of one annotation; rules join their own blocks, such as the labels one block lacks)."""
    return (finding.code, finding.severity, finding.chart, finding.env, finding.kind, finding.object,
            finding.path, _place(finding), finding.suppressed)  # fmt: skip


def _env_key(finding: Finding) -> tuple[Any, ...]:
    """The same finding in another environment: equal once release and namespace are set aside (for
    `BY_APP`, whatever its message and place: the name an app's own release gives names the environment)."""
    release, namespace = finding.release, finding.namespace
    if finding.code in BY_APP and finding.app:
        return (*root_cause(finding), finding.app, finding.category, finding.severity, finding.suppressed)
    return (
        *root_cause(finding),
        set_aside(finding.message, release, namespace),
        finding.category,
        finding.severity,
        _place(finding),
        finding.suppressed,
    )


def _join(members: Sequence[Finding]) -> Finding:
    """One finding for the hits of a block: their messages."""
    if len(members) == 1:
        return members[0]
    return members[0].replaced(message="; ".join(dict.fromkeys(f.message for f in members)))


def _merge(members: Sequence[Finding], rank: Mapping[str, int]) -> Finding:
    """One finding for a group: the first environment's, with texts that differ set aside."""
    ordered = sorted(members, key=lambda f: rank[f.env])
    first = ordered[0]
    envs = tuple(dict.fromkeys(f.env for f in ordered))
    changes: dict[str, Any] = {"environments": envs}
    for name in ("object", "message"):
        if len({getattr(f, name) for f in ordered}) > 1:
            changes[name] = set_aside(getattr(first, name), first.release, first.namespace)
    return first.replaced(**changes)


def sort_key(finding: Finding, rank: Mapping[str, int]) -> tuple[Any, ...]:
    """Report order: by chart, what broke the render or parse first, then by place, object and rule."""
    key = finding.sort_key()
    return (key[0], *key[2:], rank.get(finding.env, len(rank)), finding.suppressed or "")


#: A grouped finding → the engine's findings it stands for (one per environment and hit).
Members = dict[Finding, tuple[Finding, ...]]


def group_findings(findings: Iterable[Finding], rank: Mapping[str, int]) -> list[Finding]:
    """Hits of one block become one finding, then findings that are the same in several environments
    become one; sorted in report order."""
    return _grouped([(f, f) for f in findings], rank)[0]


def _grouped(pairs: Iterable[tuple[Finding, Finding]], rank: Mapping[str, int]) -> tuple[list[Finding], Members]:
    """`group_findings` over (presentable finding, the engine's finding) pairs, with each group's members."""
    blocks: dict[tuple[Any, ...], list[tuple[Finding, Finding]]] = {}
    for shown, original in pairs:
        blocks.setdefault(_block_key(shown), []).append((shown, original))
    groups: dict[tuple[Any, ...], list[tuple[Finding, tuple[Finding, ...]]]] = {}
    for block in blocks.values():
        joined = _join([shown for shown, _ in block])
        groups.setdefault(_env_key(joined), []).append((joined, tuple(original for _, original in block)))
    by_env: Members = {}
    for group_ in groups.values():
        merged = _merge([joined for joined, _ in group_], rank)
        by_env[merged] = tuple(original for _, originals in group_ for original in originals)
    members: Members = {}
    for same_cause in _by_source_line(sorted(by_env, key=lambda f: sort_key(f, rank))):
        members[_across_objects(same_cause)] = tuple(original for f in same_cause for original in by_env[f])
    return sorted(members, key=lambda f: sort_key(f, rank)), members


def _source_key(finding: Finding) -> tuple[Any, ...] | None:
    """One rule at one line of a chart's values or template file, in the same environments: one root
    cause, however many objects that line reaches (a labels helper, a value two templates read). None
    for a finding placed by a rendered line or about no object, which stands alone."""
    first = finding.locations[0] if finding.locations else None
    if first is None or first.kind == "rendered" or first.line is None or not finding.object:
        return None
    return (finding.code, finding.severity, finding.category, finding.chart, finding.envs, first.kind,
            first.file, first.line, first.column, finding.suppressed)  # fmt: skip


def _app_key(finding: Finding) -> tuple[Any, ...] | None:
    """A rule of `BY_APP` on the objects of one app in one chart, in the same environments: one root cause."""
    if finding.code not in BY_APP or not finding.app or not finding.object:
        return None
    return ("app", finding.code, finding.severity, finding.category, finding.chart, finding.envs, finding.app,
            finding.suppressed)  # fmt: skip


def _by_source_line(findings: Sequence[Finding]) -> list[list[Finding]]:
    """`findings` (in report order) gathered by `_app_key` or `_source_key`, each gathering in report
    order, an app's led by its workload."""
    gathered: dict[Any, list[Finding]] = {}
    for n, finding in enumerate(findings):
        gathered.setdefault(_app_key(finding) or _source_key(finding) or n, []).append(finding)
    return [_led(same) for same in gathered.values()]


def _led(same: list[Finding]) -> list[Finding]:
    """An app's findings (`_app_key`) led by its workload; one line's as they are."""
    return sorted(same, key=lambda f: f.kind not in _APP_LEADS) if _app_key(same[0]) else same


#: How many of the other places a finding of one line lists by name (the rest are counted).
MORE_SHOWN = 3


def _across_objects(findings: Sequence[Finding]) -> Finding:
    """One finding for the findings one line (or one app's release, `BY_APP`) gives in several objects or
    fields: the first's, saying where else it is, with their locations after its own."""
    first = findings[0]
    if len(findings) == 1:
        return first
    places = list(dict.fromkeys(_subject(f, first) for f in findings[1:]))
    more = len(places) - MORE_SHOWN
    shown = ", ".join(places[:MORE_SHOWN]) + (f" and {more} more" if more > 0 else "")
    by_app = _app_key(first) is not None
    locations = list(first.locations)
    for finding in findings[1:]:
        # One line's others share its first location; an app's others are each at a line of their own.
        locations += [loc for loc in finding.locations[0 if by_app else 1 :] if loc not in locations]
    also = tuple(dict.fromkeys((f.kind, f.object, f.path) for f in findings[1:]))
    where = f"the same holds for {first.app}'s" if by_app else "the same line gives it in"
    message = f"{first.message}; {where} {shown}"
    return first.replaced(message=message, locations=tuple(locations), also=also)


def _subject(finding: Finding, first: Finding) -> str:
    """Where `finding` is, told apart from `first`: its field when the object is the same."""
    if (finding.kind, finding.object) == (first.kind, first.object):
        return finding.path
    return f"{finding.kind}/{finding.object}" + (f" {finding.path}" if finding.path != first.path else "")


def group(result: Result, environments: Sequence[str]) -> Result:
    """`result` with one finding per root cause, targets and environments in the contract's order."""
    return group_members(result, environments)[0]


def group_members(result: Result, environments: Sequence[str]) -> tuple[Result, Members]:
    """`group`, and which of `result`'s findings each grouped finding stands for (what --fix proposes
    edits for is the engine's findings)."""
    present = {t.target.env for t in result.targets} | {f.env for f in result.findings}
    rank = {env: n for n, env in enumerate(env_order(environments, present))}
    chart_renders = {(t.target.chart, t.target.env) for t in result.targets if t.target.chart_path}
    pairs = ((_presentable(f, (f.chart, f.env) in chart_renders), f) for f in result.findings)
    findings, members = _grouped(pairs, rank)
    targets = sorted(result.targets, key=lambda t: (t.target.chart_path, t.target.chart, rank[t.target.env]))
    return dataclasses.replace(result, targets=tuple(targets), findings=tuple(findings)), members


def error_lines(result: Result, environments: Sequence[str]) -> list[str]:
    """One line per chart and render error, naming the environments it broke in (`todo-backend (dev,
    staging, prod): charts/todo-backend/Chart.yaml: ...`), in report order: the same broken file is
    one thing to fix, as it is one finding in the report. An error of no target is kept as it is."""
    rank = {env: n for n, env in enumerate(env_order(environments, {t.target.env for t in result.targets}))}
    said: dict[tuple[str, str, str], list[str]] = {}
    for t in sorted(result.targets, key=lambda t: (t.target.chart_path, t.target.chart, rank[t.target.env])):
        if t.error is None:
            continue
        prefix = f"{t.target.chart} ({t.target.env}): "
        rest = t.error.removeprefix(prefix) if t.error.startswith(prefix) else t.error
        said.setdefault((t.target.chart_path, t.target.chart, rest), []).append(t.target.env)
    lines = [printable(f"{chart} ({', '.join(envs)}): {rest}") for (_, chart, rest), envs in said.items()]
    told = {printable(t.error) for t in result.targets if t.error is not None}
    return lines + [line for line in result.errors if line not in told]


def chart_environments(result: Result) -> dict[str, tuple[str, ...]]:
    """Chart → the environments it was linted in, in report order."""
    out: dict[str, list[str]] = {}
    for t in result.targets:
        out.setdefault(t.target.chart, []).append(t.target.env)
    return {chart: tuple(dict.fromkeys(envs)) for chart, envs in out.items()}


def env_label(finding: Finding, linted: Mapping[str, tuple[str, ...]]) -> str:
    """`all environments` when the finding is in every environment its chart was linted in (and there
    were several), else its environments: `dev, prod`."""
    envs = finding.envs
    everywhere = linted.get(finding.chart, ())
    if len(everywhere) > 1 and set(envs) == set(everywhere):
        return "all environments"
    return ", ".join(envs)


def set_keys(expressions: Iterable[str]) -> tuple[str, ...]:
    """The keys of `--set` expressions (`a.b=1,c={x,y}` → a.b, c), never their values."""
    parts = [part for expression in expressions for part in split_set(expression)]
    # A part with no `=` names no key.
    return tuple(printable(part.name) for part in parts if part.name and part.value is not None)


__all__ = [
    "NAMESPACE",
    "RELEASE",
    "chart_environments",
    "env_label",
    "env_order",
    "group",
    "group_findings",
    "group_members",
    "root_cause",
    "set_aside",
    "set_keys",
    "sort_key",
]
