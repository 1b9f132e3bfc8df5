"""Severity and selection, stamped on hits: which rules count (`--select`/`--ignore` over the config's),
the severity of each (the config's over the rule's default), and each counted `Hit` made a `Finding`
with its locations. Rules never read either: this step owns them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from todolint.models import FieldPath, Finding, Hit, Location, Manifest, Severity, Target, printable
from todolint.rules.base import Rule
from todolint.suppress import Exemption, rule_matches

if TYPE_CHECKING:
    from todolint.config import Config
    from todolint.locate import Locator


@dataclass(frozen=True)
class Settings:
    """Severity and selection: engine and config business, never a rule's."""

    fail_on: Severity = Severity.ERROR
    #: Severity per rule code or name.
    severities: Mapping[str, Severity] = field(default_factory=dict)
    #: Codes, code prefixes or names to run (empty: all) and to skip.
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: Config exemptions (each with a reason); annotations are read from the objects themselves.
    exemptions: tuple[Exemption, ...] = ()


def settings_for(
    rules: Sequence[Rule], config: Config, *, select: Sequence[str], ignore: Sequence[str], fail_on: Severity
) -> Settings:
    """A run's Settings: `--select`/`--ignore` (each `A,B` split) over the config's, the config's
    severities per rule code. Raises ConfigError for a selector or config entry that matches no rule."""
    from todolint.config import check_rule_names, check_selectors, severities_for

    selected, ignored = split_selectors(select), split_selectors(ignore)
    check_selectors("--select", selected, rules)
    check_selectors("--ignore", ignored, rules)
    check_rule_names(config, rules)
    return Settings(
        fail_on=fail_on,
        severities=severities_for(rules, config.severities),
        select=selected if select else (config.select or ()),
        ignore=ignored if ignore else (config.ignore or ()),
        exemptions=config.exemptions,
    )


def split_selectors(values: Sequence[str]) -> tuple[str, ...]:
    """`--select A,B --select C` → (A, B, C)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def format_path(path: FieldPath) -> str:
    """`("spec", "containers", 0, "app.kubernetes.io/name")` → `spec.containers[0]["app.kubernetes.io/name"]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("_", "").replace("-", "").isalnum():
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


class Stamper:
    """Makes the hits of one run findings: per rule code its severity, or that its findings do not count.

    `locator` is called on the first hit that needs a location, so that a clean run reads no chart file;
    `app_of` names the contract app an object was recognised as ("" for none).
    """

    def __init__(
        self,
        rules: Mapping[str, Rule],
        settings: Settings,
        locator: Callable[[], Locator],
        app_of: Callable[[Manifest], str] = lambda manifest: "",
    ) -> None:
        self.rules = rules
        self.settings = settings
        self.locator = locator
        self.app_of = app_of
        #: Per rule code: the rule and its severity, or None when its findings do not count.
        self._stamps: dict[str, tuple[Rule, Severity] | None] = {}
        #: Field path → its printable text: a run stamps tens of thousands of findings on a few paths.
        self._path_texts: dict[FieldPath, str] = {}
        #: Message → its printable text: one mistake repeats its message on many objects, and a message
        #: can be long (api-url lists every backend's URL), so each distinct text is scanned once.
        self._messages: dict[str, str] = {}

    def selected(self, rule: Rule) -> bool:
        """Whether `--select`/`--ignore` (or the config's) let the rule run."""
        settings = self.settings
        if settings.select and not any(rule_matches(rule, s) for s in settings.select):
            return False
        return not (settings.ignore and any(rule_matches(rule, s) for s in settings.ignore))

    def counted(self, rule: Rule) -> bool:
        """Whether the rule's findings count: selected, or an engine rule about broken input."""
        # Engine rules about broken input always count: without them exit code 2 has no explanation.
        # Suppression rules (TL09x) are about the user's own annotations and config: selectable.
        return (rule.check is None and rule.category != "suppression") or self.selected(rule)

    def severity(self, rule: Rule) -> Severity:
        """The config's severity for the rule (by code, then name), else its default."""
        overrides = self.settings.severities
        return overrides.get(rule.code) or overrides.get(rule.name) or rule.severity

    def _stamp_for(self, code: str) -> tuple[Rule, Severity] | None:
        """The rule behind `code` and its severity, or None when its findings do not count; once per code."""
        if code not in self._stamps:
            rule = self.rules.get(code)
            if rule is None:
                raise KeyError(f"a rule raised {code}, which no rule defines")
            self._stamps[code] = (rule, self.severity(rule)) if self.counted(rule) else None
        return self._stamps[code]

    def _path_text(self, path: FieldPath) -> str:
        text = self._path_texts.get(path)
        if text is None:
            text = self._path_texts[path] = printable(format_path(path))
        return text

    def _message_text(self, message: str) -> str:
        text = self._messages.get(message)
        if text is None:
            text = self._messages[message] = printable(message)
        return text

    def stamp(self, code: str, hit: Hit) -> Finding | None:
        """The finding of rule `code`'s hit, located; None when the rule's findings do not count."""
        stamp = self._stamps[code] if code in self._stamps else self._stamp_for(code)
        if stamp is None:
            return None
        rule, severity = stamp
        if hit.manifest is not None:
            manifest = hit.manifest
            target = manifest.target
            locations: tuple[Location, ...] = self.locator().locate(manifest, hit.path)
            kind, name = manifest.kind, manifest.name
            app = self.app_of(manifest)
        else:
            target = hit.target or Target(chart="-", chart_path="", env="-", release="", namespace="")
            locations = (hit.location,) if hit.location is not None else ()
            kind, name, app = "", "", ""
        primary = locations[0] if locations else Location("rendered", target.chart_path or "-")
        # Positional: with 15 keywords the call alone costs more than building the finding.
        return Finding(
            rule.code,
            rule.name,
            rule.category,
            severity,
            target.chart,
            target.env,
            target.release,
            target.namespace,
            kind if kind.isprintable() else printable(kind),  # kind (most are printable: no call)
            name if name.isprintable() else printable(name),  # object
            self._path_text(hit.path),
            self._message_text(hit.message),
            primary.file,
            primary.line,
            locations,
            None,
            (),
            (),
            app,
        )

    def stamp_all(self, hits: Iterable[tuple[str, Hit]]) -> list[Finding]:
        """The findings of the (code, hit) pairs whose rules count, in order."""
        stamp = self.stamp
        findings = [stamp(code, hit) for code, hit in hits]
        return [f for f in findings if f is not None]


__all__ = ["Settings", "Stamper", "format_path", "settings_for", "split_selectors"]
