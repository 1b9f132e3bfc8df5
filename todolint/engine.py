"""The engine loop: render → parse → validate → rules → deferral → stamp → suppress → sorted Result.

Where a step has parts they have a module of their own: renders (`render_targets`), pre-rendered streams
(`prerendered`), one finding per mistake (`deferral`), severity and selection (`stamp`), suppression
(`suppress`). The engine never prints. A chart × environment that fails to render or parse becomes a
finding and an error line; every other pair is still linted in full, and relational rules are shown
only intact renders.
"""

from __future__ import annotations

import itertools
import operator
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from todolint import schema
from todolint.chart_facts import ChartFacts, read_chart_facts
from todolint.contract import Contract
from todolint.deferral import one_finding_each
from todolint.discover import ManifestInput
from todolint.gc_pause import collector_paused
from todolint.models import Finding, Hit, Location, Manifest, Result, Target, TargetResult, printable
from todolint.parse import ParseProblem, parse_template
from todolint.prerendered import STDIN_NAME, StreamContext, Unreadable, read_streams
from todolint.render import Renderer, RenderError
from todolint.render_targets import chart_file, render_targets
from todolint.rules.apps import recognise_app
from todolint.rules.base import EnvContext, Rule
from todolint.stamp import Settings, Stamper, format_path
from todolint.suppress import Suppressor

if TYPE_CHECKING:
    from todolint.cache import RenderCache
    from todolint.locate import Locator


@dataclass(frozen=True)
class Plan:
    """Everything one run needs, built by the application from flags and config."""

    contract: Contract
    rules: tuple[Rule, ...]
    targets: tuple[Target, ...] = ()
    inputs: tuple[ManifestInput, ...] = ()
    stream: StreamContext = field(default_factory=StreamContext)
    renderer: Renderer | None = None
    kube_version: str = ""
    timeout: float = 60.0
    settings: Settings = field(default_factory=Settings)
    #: Called after each chart × environment render (the CLI's progress display); never prints itself.
    on_render: Callable[[Target], None] | None = field(default=None, compare=False)
    #: The render cache; it also remembers schema verdicts. None: --no-cache.
    cache: RenderCache | None = None


@dataclass
class _Collected:
    """Mutable scratch space of one run (never shared outside `run`)."""

    manifests: list[Manifest] = field(default_factory=list)
    hits: list[tuple[str, Hit]] = field(default_factory=list)
    broken: dict[Target, str] = field(default_factory=dict)
    objects: dict[Target, list[str]] = field(default_factory=dict)
    #: id(manifest) → the contract app it was recognised as, for the objects hits name.
    apps: dict[int, str] = field(default_factory=dict)


class Engine:
    """One run over a Plan: each step a method, `run` all of them in order."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rules = {r.code: r for r in plan.rules}
        self.kube_version = plan.kube_version or schema.newest_version()
        self.found = _Collected()
        self._locator: Locator | None = None
        self.stamper = Stamper(self.rules, plan.settings, self.locator, lambda m: self.found.apps.get(id(m), ""))

    def locator(self) -> Locator:
        """The run's Locator, made on first use: chart files are read only when a finding needs a
        location, each file once per run."""
        if self._locator is None:
            from todolint.locate import Locator  # ~10 ms to import, which a clean run never needs

            self._locator = Locator()
        return self._locator

    # --- render and parse ------------------------------------------------------------------------

    def _break(self, target: Target, code: str, message: str, file: str, line: int | None) -> None:
        """A chart × environment that could not be rendered or parsed: its error line and its finding."""
        where = f"{file}:{line}" if line else file
        self.found.broken.setdefault(target, f"{target.chart} ({target.env}): {where}: {message}")
        location = Location("template" if code == "TL001" else "rendered", file, line)
        self.found.hits.append((code, Hit(message, target=target, location=location)))

    def _take_parsed(
        self, target: Target, manifests: Sequence[Manifest], problems: Sequence[ParseProblem], file: str
    ) -> None:
        self.found.manifests.extend(manifests)
        self.found.objects.setdefault(target, []).extend(f"{m.kind}/{m.name}" for m in manifests)
        for problem in problems:
            if problem.manifest is None:
                self._break(target, problem.code, problem.message, file, problem.line)
                continue
            self.found.hits.append((problem.code, Hit(problem.message, manifest=problem.manifest, path=problem.path)))
            if problem.fatal:
                line = problem.manifest.rendered_location(problem.path).line
                self.found.broken.setdefault(
                    target, f"{target.chart} ({target.env}): {problem.manifest.file}:{line}: {problem.message}"
                )

    def render_and_parse(self) -> None:
        """Render every target and parse what Helm produced; a failed render is a finding."""
        plan = self.plan
        if not plan.targets or plan.renderer is None:
            return
        for target, outcome in render_targets(
            plan.targets, plan.renderer, timeout=plan.timeout, on_render=plan.on_render
        ):
            self.found.objects.setdefault(target, [])
            if isinstance(outcome, RenderError):
                self._break(target, outcome.code, outcome.message, outcome.file or target.chart_path, outcome.line)
                continue
            for rendered in outcome:
                file = chart_file(target, rendered.source)
                manifests, problems = parse_template(rendered, target=target, file=file)
                self._take_parsed(target, manifests, problems, file)

    def read_streams(self) -> None:
        """Parse the pre-rendered inputs (files, stdin); one that cannot be read is a finding."""
        plan = self.plan
        for part in read_streams(plan.inputs, plan.stream, contract=plan.contract, kube_version=self.kube_version):
            if isinstance(part, Unreadable):
                self.found.objects.setdefault(part.target, [])
                self._break(part.target, "TL002", part.message, part.file, None)
            else:
                self._take_parsed(part.target, part.manifests, part.problems, part.file)

    # --- validate and check ----------------------------------------------------------------------

    def validate(self) -> None:
        """Validate every object against the Kubernetes schema of its kind (TL010; TL011: no schema)."""
        memo = None
        if self.plan.cache is not None and self.found.manifests:
            from todolint.cache import SchemaMemo

            memo = SchemaMemo(self.plan.cache, self.kube_version)
        for manifest in self.found.manifests:
            errors = memo.validate(manifest) if memo else schema.validate(manifest, self.kube_version)
            if errors is None:
                message = (
                    f"no Kubernetes {self.kube_version} schema for {manifest.kind} "
                    f"{manifest.api_version}; the object was not validated"
                )
                self.found.hits.append(("TL011", Hit(message, manifest=manifest, path=("kind",))))
                continue
            for error in errors:
                self.found.hits.append(("TL010", Hit(error.message, manifest=manifest, path=error.path)))
        if memo is not None:
            memo.save()

    def check(self) -> None:
        """Run every rule over each environment, then keep one finding per mistake (`deferral`)."""
        with collector_paused():
            self._check()

    def _check(self) -> None:
        active = [r for r in self.plan.rules if r.check is not None]
        defer = any(r.defers_to for r in active)
        envs: dict[str, list[Manifest]] = {}
        for manifest in self.found.manifests:
            envs.setdefault(manifest.target.env, []).append(manifest)
        for target in self.plan.targets:
            envs.setdefault(target.env, [])
        # Read once per chart, after its renders: the caches' check that no input changed while the run
        # read it then covers what the rules see.
        charts = {path: read_chart_facts(path) for path in sorted({t.chart_path for t in self.plan.targets} - {""})}
        for env in sorted(envs):
            full, whole = self._contexts(env, envs[env], charts)
            start = len(self.found.hits)
            for rule in active:
                assert rule.check is not None
                hits = rule.check(whole if rule.relational else full)
                self.found.hits.extend(zip(itertools.repeat(rule.code), hits))  # (code, hit) pairs
            if defer:
                self.found.hits[start:] = one_finding_each(
                    self.found.hits[start:], rules=self.rules, counted=self.stamper.counted
                )
            self._recognise(full, self.found.hits[start:])

    def _recognise(self, ctx: EnvContext, hits: Sequence[tuple[str, Hit]]) -> None:
        """The app of each object a hit names, as the rules recognised it (a fix reads its contract values)."""
        apps = self.found.apps
        for _code, hit in hits:
            manifest = hit.manifest
            if manifest is not None and id(manifest) not in apps:
                apps[id(manifest)] = recognise_app(ctx, manifest) or ""

    def _contexts(
        self, env: str, objects: list[Manifest], charts: Mapping[str, ChartFacts]
    ) -> tuple[EnvContext, EnvContext]:
        """One environment's context with every object, and the one relational rules see: intact
        renders only."""
        manifests = tuple(sorted(objects, key=lambda m: (m.target.chart_path, m.file, m.index)))
        targets = {m.target for m in manifests} | {t for t in self.plan.targets if t.env == env}
        broken = tuple(sorted((t for t in targets if t in self.found.broken), key=lambda t: t.chart_path))
        intact = tuple(sorted((t for t in targets if t not in self.found.broken), key=lambda t: t.chart_path))
        full = EnvContext(env, self.plan.contract, manifests, intact, broken, charts)
        if not broken:
            # The same context for both: one memo, so each object's app, containers and kind lists are
            # worked out once for every rule, not once per context.
            return full, full
        complete = tuple(m for m in manifests if m.target in intact)
        return full, EnvContext(env, self.plan.contract, complete, intact, broken, charts)

    # --- suppress and finish ---------------------------------------------------------------------

    def suppress(self) -> list[Finding]:
        """Stamp every hit, apply annotations and config exemptions, add suppression findings; sorted."""
        with collector_paused():
            suppressor = Suppressor(self.rules, self.plan.settings.exemptions, selected=self.stamper.counted)
            problems = suppressor.read(self.found.manifests)
            findings = suppressor.apply(self.stamper.stamp_all([*self.found.hits, *problems]))
            linted = sorted(self.found.objects, key=lambda t: (t.chart_path, t.chart, t.env))
            findings += suppressor.apply(self.stamper.stamp_all(suppressor.stale(linted, self.found.broken)))
            return _sorted_unique(findings)

    def run(self) -> Result:
        """render → parse → validate → rules → suppress: the run's Result."""
        started = time.perf_counter()
        self.render_and_parse()
        self.read_streams()
        self.validate()
        self.check()
        findings = self.suppress()
        targets = tuple(
            TargetResult(t, tuple(sorted(self.found.objects.get(t, ()))), self.found.broken.get(t))
            for t in sorted(self.found.objects, key=lambda t: (t.chart_path, t.chart, t.env))
        )
        renderer = self.plan.renderer
        return Result(
            renderer=renderer.name if renderer else "files",
            helm_version=renderer.version() if renderer else "",
            kube_version=self.kube_version,
            targets=targets,
            findings=tuple(findings),
            elapsed=time.perf_counter() - started,
            errors=tuple(sorted(printable(line) for line in self.found.broken.values())),
            rules=tuple(r for r in self.plan.rules if self.stamper.counted(r)),
        )


def _sorted_unique(findings: list[Finding]) -> list[Finding]:
    """The findings in report order, each once (the first of equal findings where the order is a tie).

    Equal findings have equal sort keys, so after a stable sort they sit in one run of equal keys: only
    there are findings compared, instead of hashing every one of them (16 fields and its locations).
    """
    decorated = sorted(((f.sort_key(), f) for f in findings), key=operator.itemgetter(0))
    keys = [key for key, _finding in decorated]
    ordered = [finding for _key, finding in decorated]
    if not any(map(operator.eq, keys, keys[1:])):
        return ordered  # no two findings share a sort key (most runs): none can be a duplicate
    out: list[Finding] = []
    run_start = 0
    for index, finding in enumerate(ordered):
        if index == 0 or keys[index] != keys[index - 1]:
            run_start = len(out)
        elif finding in out[run_start:]:
            continue
        out.append(finding)
    return out


def run(plan: Plan) -> Result:
    """Lint what the plan names: the loop, once."""
    return Engine(plan).run()


__all__ = ["STDIN_NAME", "Engine", "Plan", "Settings", "StreamContext", "chart_file", "format_path", "run"]
