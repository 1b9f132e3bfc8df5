"""A chart's `.helmignore`, read the way Helm reads it, to name the line that hides a file from Helm.

Helm (pkg/ignore) tries the rules in file order and stops at the first that decides: a rule matches
the path relative to the chart (a rule with a `/` against the whole path, a leading `/` anchors it, one
without a `/` against the base name; a trailing `/` only matches folders), and a matching rule hides
the file. A `!` rule is not gitignore's "bring it back": when the path does *not* match it, it hides the
path, and when it matches, the next rules are tried. So `*` followed by `!README.md` hides everything,
Chart.yaml included, at line 1. A hidden folder hides all below it. Patterns are Go's `filepath.Match`:
`*` and `?` never cross a `/`, `[...]` is a class (`[^...]` negated), `\\` escapes.

This module has no todolint imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IGNORE_FILE = ".helmignore"
#: The rule Helm adds after the file's own: dotfiles in templates/ are never templates.
_DEFAULT_RULE = "templates/.?*"


@dataclass(frozen=True)
class IgnoreRule:
    """One rule of a `.helmignore`: its line (0 for Helm's own default rule) and its text."""

    line: int
    raw: str
    negate: bool
    must_dir: bool
    anchored_or_path: bool
    pattern: re.Pattern[str]

    def matches(self, rel: str) -> bool:
        """Whether the rule's pattern matches `rel` (a path relative to the chart, with `/`)."""
        name = rel if self.anchored_or_path else rel.rsplit("/", 1)[-1]
        return self.pattern.fullmatch(name) is not None


def _go_match(pattern: str) -> re.Pattern[str] | None:
    """Go's `filepath.Match` pattern as a regular expression; None for a pattern Go refuses."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\":
            if i + 1 >= len(pattern):
                return None
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end = i + 1
            negated = end < len(pattern) and pattern[end] == "^"
            if negated:
                end += 1
            body: list[str] = []
            while end < len(pattern) and (pattern[end] != "]" or not body):
                if pattern[end] == "\\" and end + 1 < len(pattern):
                    end += 1
                body.append(re.escape(pattern[end]) if pattern[end] != "-" else "-")
                end += 1
            if end >= len(pattern) or not body:
                return None
            out.append(f"[{'^' if negated else ''}{''.join(body)}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))


def _rule(line: int, text: str) -> IgnoreRule | None:
    """One line as Helm parses it; None for a blank line, a comment, or a pattern Helm refuses (Helm then
    fails the render and says why itself)."""
    raw = text.strip()
    if not raw or raw.startswith("#") or "**" in raw:
        return None
    rule = raw[1:] if raw.startswith("!") else raw
    must_dir = rule.endswith("/")
    rule = rule[:-1] if must_dir else rule
    compiled = _go_match(rule[1:] if rule.startswith("/") else rule)
    if compiled is None:
        return None
    return IgnoreRule(line, raw, raw.startswith("!"), must_dir, "/" in rule, compiled)


def parse_rules(text: str) -> tuple[IgnoreRule, ...]:
    """The rules of a `.helmignore` text in order, then Helm's default rule (line 0)."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)]
    rules = (_rule(number, line) for number, line in [*lines, (0, _DEFAULT_RULE)])
    return tuple(rule for rule in rules if rule is not None)


def _deciding_rule(rules: tuple[IgnoreRule, ...], rel: str, *, is_dir: bool) -> IgnoreRule | None:
    """The rule that hides `rel` itself (Helm's Ignore), or None when none does."""
    for rule in rules:
        if rule.negate:
            if (rule.must_dir and not is_dir) or not rule.matches(rel):
                return rule
            continue
        if rule.must_dir and not is_dir:
            continue
        if rule.matches(rel):
            return rule
    return None


def hiding_rule(rules: tuple[IgnoreRule, ...], rel: str) -> IgnoreRule | None:
    """The rule that hides the file `rel` from Helm: its own, or the one that hides a folder above it."""
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        found = _deciding_rule(rules, "/".join(parts[:depth]), is_dir=True)
        if found is not None:
            return found
    return _deciding_rule(rules, rel, is_dir=False)
