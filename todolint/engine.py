"""The engine loop: render → parse → validate → rules → severity and selection → suppression → sorted Result.

The engine never prints. A chart × environment that fails to render or parse becomes a finding and an
error line; every other pair is still linted in full, and relational rules are shown only intact renders.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import operator
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from todolint import schema
from todolint.contract import Contract
from todolint.discover import ManifestInput
from todolint.models import (
    FieldPath,
    Finding,
    Hit,
    Location,
    Manifest,
    Result,
    Severity,
    Target,
    TargetResult,
    printable,
)
from todolint.parse import ParseProblem, parse_template
from todolint.render import MAX_RENDER_BYTES, RenderedTemplate, Renderer, RenderError
from todolint.render.helm_cli import split_stream
from todolint.rules.base import EnvContext, Rule
from todolint.suppress import Exemption, Suppressor, rule_matches

if TYPE_CHECKING:
    from todolint.locate import Locator

STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class StreamContext:
    """What a pipe of pre-rendered manifests lacks: `--chart/--env/--release/--namespace`."""

    chart: str | None = None
    env: str | None = None
    release: str | None = None
    namespace: str | None = None


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


@dataclass(frozen=True)
class Plan:
    """Everything one run needs, built by the CLI from flags and config."""

    contract: Contract
    rules: tuple[Rule, ...]
    targets: tuple[Target, ...] = ()
    inputs: tuple[ManifestInput, ...] = ()
    stream: StreamContext = StreamContext()
    renderer: Renderer | None = None
    kube_version: str = ""
    timeout: float = 60.0
    settings: Settings = Settings()
    #: Called after each chart × environment render (the CLI's progress display); never prints itself.
    on_render: Callable[[Target], None] | None = field(default=None, compare=False)
    #: The render cache (todolint.cache.RenderCache); it also remembers schema verdicts. None: --no-cache.
    cache: Any = None


@dataclass
class _Collected:
    """Mutable scratch space of one run (never shared outside `run`)."""

    manifests: list[Manifest] = field(default_factory=list)
    hits: list[tuple[str, Hit]] = field(default_factory=list)
    broken: dict[Target, str] = field(default_factory=dict)
    objects: dict[Target, list[str]] = field(default_factory=dict)


def chart_file(target: Target, source: str) -> str:
    """The chart file behind a Helm template name: `todo-backend/templates/x.yaml` → `<chart>/templates/x.yaml`."""
    if not source:
        return target.chart_path
    rel = source.split("/", 1)[1] if "/" in source else source
    return f"{target.chart_path}/{rel}" if target.chart_path else source


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


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while rules run and findings are stamped.

    Those stages allocate hundreds of thousands of small objects (hits, findings, memo keys) and free
    them by reference counting; each time the allocations reach the collector's threshold, a full
    collection walks every parsed object again: over a second per 10,000 objects, a fifth of the run.
    Nothing there makes reference cycles. Left as it was when something else had paused it already.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # no one else's frozen objects to thaw
            # What the stage made lives on (hits, findings): freezing then unfreezing moves every tracked
            # object to the oldest generation at once, where a young collection right after the pause
            # would walk each of them (~0.1 s per 10,000 objects) only to find no garbage.
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def _matches(rule: Rule, selectors: Iterable[str]) -> bool:
    return any(rule_matches(rule, s) for s in selectors)


def _read_capped(path: str) -> bytes:
    """At most one byte more than MAX_RENDER_BYTES of a file or stdin: enough to know it is too large."""
    if path == "-":
        return sys.stdin.buffer.read(MAX_RENDER_BYTES + 1)
    with open(path, "rb") as handle:
        return handle.read(MAX_RENDER_BYTES + 1)


class Engine:
    """One run over a Plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rules = {r.code: r for r in plan.rules}
        self.kube_version = plan.kube_version or schema.newest_version()
        self.found = _Collected()
        self._locator: Locator | None = None
        #: Per rule code: the rule and its severity, or None when its findings do not count (see `stamp`).
        self._stamps: dict[str, tuple[Rule, Severity] | None] = {}
        #: Field path → its printable text: a run stamps tens of thousands of findings on a few paths.
        self._path_texts: dict[FieldPath, str] = {}
        #: Message → its printable text: one mistake repeats its message on many objects, and a message
        #: can be long (api-url lists every backend's URL), so each distinct text is scanned once.
        self._messages: dict[str, str] = {}

    def locator(self) -> Locator:
        """Reads chart files only when a finding needs a location, each file once per run."""
        if self._locator is None:
            from todolint.locate import Locator  # ~10 ms to import, which a clean run never needs

            self._locator = Locator()
        return self._locator

    # --- render and parse ------------------------------------------------------------------------

    def _render(self, target: Target) -> list[RenderedTemplate] | RenderError:
        assert self.plan.renderer is not None
        try:
            return self.plan.renderer.render(target, timeout=self.plan.timeout)
        except RenderError as exc:
            return exc

    def _render_all(self) -> Iterator[tuple[Target, list[RenderedTemplate] | RenderError]]:
        """Each target with its render, in order, as soon as it is ready: the caller parses one render
        while helm processes still run for the next ones."""
        targets = list(self.plan.targets)
        if not targets or self.plan.renderer is None:
            return
        # helm CLI renders are separate processes: use both cores. The embedded SDK renders one at a
        # time, from this thread: a render thread would hold the exit on Ctrl-C until the SDK worker
        # answered (its worker ignores SIGINT and is stopped only when this process exits).
        workers = 1 if self.plan.renderer.name == "embedded" else max(1, min(len(targets), 4))
        if workers == 1 or len(targets) == 1:
            for target in targets:
                yield target, self._render_reported(target)
            return
        from concurrent.futures import ThreadPoolExecutor  # only here: one render needs no pool

        with ThreadPoolExecutor(max_workers=workers) as pool:
            yield from zip(targets, pool.map(self._render_reported, targets), strict=True)

    def _render_reported(self, target: Target) -> list[RenderedTemplate] | RenderError:
        outcome = self._render(target)
        if self.plan.on_render is not None:
            self.plan.on_render(target)
        return outcome

    def _break(self, target: Target, code: str, message: str, file: str, line: int | None) -> None:
        where = f"{file}:{line}" if line else file
        self.found.broken.setdefault(target, f"{target.chart} ({target.env}): {where}: {message}")
        self.found.hits.append(
            (
                code,
                Hit(
                    message, target=target, location=Location("template" if code == "TL001" else "rendered", file, line)
                ),
            )
        )

    def _take_parsed(self, target: Target, manifests: list[Manifest], problems: list[ParseProblem], file: str) -> None:
        self.found.manifests.extend(manifests)
        self.found.objects.setdefault(target, []).extend(f"{m.kind}/{m.name}" for m in manifests)
        for problem in problems:
            if problem.manifest is not None:
                self.found.hits.append(
                    (problem.code, Hit(problem.message, manifest=problem.manifest, path=problem.path))
                )
                if problem.fatal:
                    line = problem.manifest.rendered_location(problem.path).line
                    self.found.broken.setdefault(
                        target, f"{target.chart} ({target.env}): {problem.manifest.file}:{line}: {problem.message}"
                    )
            else:
                self._break(target, problem.code, problem.message, file, problem.line)

    def render_and_parse(self) -> None:
        for target, outcome in self._render_all():
            self.found.objects.setdefault(target, [])
            if isinstance(outcome, RenderError):
                self._break(target, outcome.code, outcome.message, outcome.file or target.chart_path, outcome.line)
                continue
            for rendered in outcome:
                file = chart_file(target, rendered.source)
                manifests, problems = parse_template(rendered, target=target, file=file)
                self._take_parsed(target, manifests, problems, file)

    def read_streams(self) -> None:
        stream = self.plan.stream
        contract = self.plan.contract
        for item in self.plan.inputs:
            name = STDIN_NAME if item.path == "-" else item.path
            try:
                data = _read_capped(item.path)
            except OSError as exc:
                self._stream_error(name, f"cannot read: {exc.strerror or exc}")
                continue
            if len(data) > MAX_RENDER_BYTES:
                self._stream_error(name, f"larger than {MAX_RENDER_BYTES // 2**20} MiB")
                continue
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                self._stream_error(name, f"not valid UTF-8 (byte {exc.start})")
                continue
            for rendered in split_stream(text):
                chart = stream.chart or (rendered.source.split("/", 1)[0] if rendered.source else "")
                env = stream.env or ""
                target = Target(
                    chart=chart or "-",
                    chart_path="",
                    env=env or "-",
                    release=stream.release or (contract.release_for(chart, env) if chart and env else ""),
                    namespace=stream.namespace or (contract.namespace_for(chart, env) if env else ""),
                    kube_version=self.kube_version,
                )
                manifests, problems = parse_template(
                    rendered, target=target, file=name, first_line=rendered.first_line, relative_lines=False
                )
                self._take_parsed(target, manifests, problems, name)

    def _stream_error(self, name: str, message: str) -> None:
        stream = self.plan.stream
        target = Target(chart=stream.chart or "-", chart_path="", env=stream.env or "-", release="", namespace="")
        self.found.objects.setdefault(target, [])
        self._break(target, "TL002", message, name, None)

    # --- validate and check ----------------------------------------------------------------------

    def validate(self) -> None:
        memo = None
        if self.plan.cache is not None and self.found.manifests:
            from todolint.cache import SchemaMemo

            memo = SchemaMemo(self.plan.cache, self.kube_version)
        for manifest in self.found.manifests:
            errors = memo.validate(manifest) if memo else schema.validate(manifest, self.kube_version)
            if errors is None:
                self.found.hits.append(
                    (
                        "TL011",
                        Hit(
                            f"no Kubernetes {self.kube_version} schema for {manifest.kind} "
                            f"{manifest.api_version}; the object was not validated",
                            manifest=manifest,
                            path=("kind",),
                        ),
                    )
                )
                continue
            for error in errors:
                self.found.hits.append(("TL010", Hit(error.message, manifest=manifest, path=error.path)))
        if memo is not None:
            memo.save()

    def check(self) -> None:
        with _collector_paused():
            self._check()

    def _check(self) -> None:
        active = [r for r in self.plan.rules if r.check is not None]
        envs: dict[str, list[Manifest]] = {}
        for manifest in self.found.manifests:
            envs.setdefault(manifest.target.env, []).append(manifest)
        for target in self.plan.targets:
            envs.setdefault(target.env, [])
        for env in sorted(envs):
            manifests = tuple(sorted(envs[env], key=lambda m: (m.target.chart_path, m.file, m.index)))
            targets = {m.target for m in manifests} | {t for t in self.plan.targets if t.env == env}
            broken = tuple(sorted((t for t in targets if t in self.found.broken), key=lambda t: t.chart_path))
            intact = tuple(sorted((t for t in targets if t not in self.found.broken), key=lambda t: t.chart_path))
            full = EnvContext(env, self.plan.contract, manifests, intact, broken)
            # With nothing broken both are the same context: one memo, so each object's app, containers
            # and kind lists are worked out once for every rule, not once per context.
            whole = full
            if broken:
                complete = tuple(m for m in manifests if m.target in intact)
                whole = EnvContext(env, self.plan.contract, complete, intact, broken)
            start = len(self.found.hits)
            for rule in active:
                assert rule.check is not None
                hits = rule.check(whole if rule.relational else full)
                self.found.hits.extend(zip(itertools.repeat(rule.code), hits))  # (code, hit) pairs
            if any(r.defers_to for r in active):
                self.found.hits[start:] = self._one_finding_each(self.found.hits[start:])

    def _one_finding_each(self, hits: list[tuple[str, Hit]]) -> list[tuple[str, Hit]]:
        """Drop a hit of a rule that `defers_to` another where a counted hit of that other rule names the
        same object and a field on the same line of descent (one path is the other's prefix): a generic
        check and a contract rule that see the same thing give one finding, the contract's. A hit that
        `follows` from other fields is dropped where that rule reports every one of them exactly."""
        wanted = {code for code, _hit in hits if self.rules[code].defers_to}
        if not wanted:
            return hits
        exact: dict[str, set[tuple[int, FieldPath]]] = {}
        under: dict[str, set[tuple[int, FieldPath]]] = {}
        for code, hit in hits:
            rule = self.rules[code]
            if hit.manifest is None or not self._counted(rule):
                continue
            where = id(hit.manifest)
            exact.setdefault(code, set()).add((where, hit.path))
            under.setdefault(code, set()).update((where, hit.path[:n]) for n in range(1, len(hit.path) + 1))
        kept = []
        for code, hit in hits:
            others = self.rules[code].defers_to
            if others and hit.manifest is not None:
                where = id(hit.manifest)
                if any((where, hit.path) in under.get(other, ()) for other in others) or any(
                    (where, hit.path[:n]) in exact.get(other, ()) for other in others for n in range(1, len(hit.path))
                ):
                    continue
            if others and hit.follows:
                cause = [(id(manifest), path) for manifest, path in hit.follows]
                if any(all(place in exact.get(other, ()) for place in cause) for other in others):
                    continue
            kept.append((code, hit))
        return kept

    # --- stamp -----------------------------------------------------------------------------------

    def _selected(self, rule: Rule) -> bool:
        settings = self.plan.settings
        if settings.select and not _matches(rule, settings.select):
            return False
        return not (settings.ignore and _matches(rule, settings.ignore))

    def _counted(self, rule: Rule) -> bool:
        # Engine rules about broken input always count: without them exit code 2 has no explanation.
        # Suppression rules (TL09x) are about the user's own annotations and config: selectable.
        return (rule.check is None and rule.category != "suppression") or self._selected(rule)

    def _severity(self, rule: Rule) -> Severity:
        overrides = self.plan.settings.severities
        return overrides.get(rule.code) or overrides.get(rule.name) or rule.severity

    def _stamp_for(self, code: str) -> tuple[Rule, Severity] | None:
        """The rule behind `code` and its severity, or None when its findings do not count; once per code."""
        if code not in self._stamps:
            rule = self.rules.get(code)
            if rule is None:
                raise KeyError(f"a rule raised {code}, which no rule defines")
            self._stamps[code] = (rule, self._severity(rule)) if self._counted(rule) else None
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
        stamp = self._stamps[code] if code in self._stamps else self._stamp_for(code)
        if stamp is None:
            return None
        rule, severity = stamp
        if hit.manifest is not None:
            manifest = hit.manifest
            target = manifest.target
            locations: tuple[Location, ...] = self.locator().locate(manifest, hit.path)
            kind, name = manifest.kind, manifest.name
        else:
            target = hit.target or Target(chart="-", chart_path="", env="-", release="", namespace="")
            locations = (hit.location,) if hit.location is not None else ()
            kind, name = "", ""
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
        )

    def run(self) -> Result:
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
            rules=tuple(r for r in self.plan.rules if self._counted(r)),
        )

    # --- suppress --------------------------------------------------------------------------------

    def _stamp_all(self, hits: Iterable[tuple[str, Hit]]) -> list[Finding]:
        stamp = self.stamp
        findings = [stamp(code, hit) for code, hit in hits]
        return [f for f in findings if f is not None]

    def suppress(self) -> list[Finding]:
        """Stamp every hit, apply annotations and config exemptions, add suppression findings; sorted."""
        with _collector_paused():
            return self._suppress()

    def _suppress(self) -> list[Finding]:
        suppressor = Suppressor(self.rules, self.plan.settings.exemptions, selected=self._counted)
        problems = suppressor.read(self.found.manifests)
        findings = suppressor.apply(self._stamp_all([*self.found.hits, *problems]))
        linted = sorted(self.found.objects, key=lambda t: (t.chart_path, t.chart, t.env))
        findings += suppressor.apply(self._stamp_all(suppressor.stale(linted, self.found.broken)))
        return _sorted_unique(findings)


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
    return Engine(plan).run()


__all__ = ["Plan", "Settings", "StreamContext", "chart_file", "format_path", "run"]
