"""The application: one lint run, from a Request (what the command line or a Python caller asked) to an
Outcome (the Result, the exit code, and the notes for stderr).

The steps, each a small function: config → contract → targets → renderer → result cache → engine → group →
baseline → reports → exit code. `lint()` is the same run for Python callers, without the reports.
Usage errors (a missing file, an invalid config, an unknown renderer) raise UsageError with one line.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from todolint.group import error_lines, group_members
from todolint.models import Result
from todolint.output import OutputError, Progress, to_stdout, write_atomic

if TYPE_CHECKING:
    from todolint.cache import RenderCache
    from todolint.config import Config
    from todolint.contract import Contract
    from todolint.discover import ManifestInput, MatrixOptions
    from todolint.models import Edit, Finding, Severity, Target
    from todolint.render import Renderer
    from todolint.rules.base import Rule

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A one-line error for the user: the run could not start or finish (exit code 2)."""


def fail(message: str) -> NoReturn:
    raise UsageError(message)


@dataclass(frozen=True)
class Request:
    """What one run is asked to do: the command line's `check` options, as plain values."""

    paths: tuple[str, ...] = ()
    config_file: str | None = None
    no_config: bool = False
    environments: tuple[str, ...] = ()
    release: str | None = None
    namespace: str | None = None
    values_files: tuple[str, ...] = ()
    set_values: tuple[str, ...] = ()
    chart: str | None = None
    contract_file: str | None = None
    policy_dirs: tuple[str, ...] = ()
    renderer: str | None = None
    kube_version: str | None = None
    timeout: float = 60.0
    #: The MiB one render may use (--max-memory); past it Helm is stopped (docs/guarantees.md).
    max_memory: int = 2048
    #: (format, output file or None for stdout), in the order given; none: no report is written.
    reports: tuple[tuple[str, str | None], ...] = ()
    fail_on: str | None = None
    baseline_file: str | None = None
    write_baseline: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    color: str = "auto"
    quiet: bool = False
    statistics: bool = False
    no_cache: bool = False
    #: Draw a progress line on stderr while charts render (the command line, on a terminal).
    progress: bool = False
    #: Skip paths that belong to no chart (the pre-commit hook passes every changed file).
    only_charts: bool = False
    #: Apply the safe fixes (`--fix`); with `unsafe_fixes` the unsafe ones too; `diff` shows them instead.
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False


@dataclass(frozen=True)
class Outcome:
    """A finished run: what was found, the exit code, and what to tell the user on stderr."""

    result: Result
    exit_code: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Setup:
    """The settings in force: the command line over the config file over the built-in defaults."""

    config: Config
    contract_path: str | None
    policies: tuple[str, ...]
    #: The contract with the repository's matrix in it (environments, per-chart release and namespace).
    contract: Contract
    #: The matrix settings from the command line and the config file (the schema version comes later).
    matrix: MatrixOptions


@dataclass(frozen=True)
class _Scope:
    """What is to be linted: chart × environment targets, pre-rendered inputs, the schema version."""

    targets: tuple[Target, ...]
    inputs: tuple[ManifestInput, ...]
    kube: str
    environments: tuple[str, ...]


@dataclass(frozen=True)
class _Run:
    """Everything the result step needs: what was asked, the settings, the scope, cache and renderer."""

    request: Request
    setup: _Setup
    scope: _Scope
    cache: RenderCache | None
    renderer: Renderer | None
    fail_level: Severity


def pair_reports(order: Sequence[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """Each --output goes with the closest --format before it; outputs given before any format, or
    beyond one per format, go to the formats still writing to stdout, in order; no --format means text.
    At most one report may go to stdout."""
    reports: list[list[str | None]] = []
    pending: list[str] = []
    for kind, value in order:
        if kind == "format":
            reports.append([value, None])
        elif reports and reports[-1][1] is None:
            reports[-1][1] = value
        else:
            pending.append(value)
    if not reports:
        reports.append(["text", None])
    for report in reports:
        if pending and report[1] is None:
            report[1] = pending.pop(0)
    if pending:
        fail(f"--output {pending[0]}: every --output needs its own --format")
    to_stdout = [str(r[0]) for r in reports if r[1] is None]
    if len(to_stdout) > 1:
        fail(f"--format {' and --format '.join(to_stdout)}: only one report can go to stdout; give the others --output")
    outputs = [str(r[1]) for r in reports if r[1] is not None]
    for output in outputs:
        if outputs.count(output) > 1:
            fail(f"--output {output}: given twice")
    return [(str(fmt), out) for fmt, out in reports]


def lint(paths: Sequence[str] = (".",), **options: Any) -> Result:
    """Lint `paths` as `todolint check PATHS` would, with the same options (Request's fields, e.g.
    `environments=("prod",)`, `no_cache=True`) and the same config file, caches and baseline, and
    return the Result; no report is written. Raises UsageError where the command exits 2 with a message."""
    return run(Request(paths=tuple(paths), **options)).result


def run(request: Request) -> Outcome:
    """The whole run: settings, targets, renderer, result (cached or new), baseline, reports, exit code."""
    setup = _setup(request)
    scope = _scope(request, setup)
    cache, renderer = _renderer(request, setup, scope)
    from todolint.models import Severity

    fail_level = Severity.parse(request.fail_on) if request.fail_on else (setup.config.fail_on or Severity.ERROR)
    lint_run = _Run(request, setup, scope, cache, renderer, fail_level)
    result = _result(lint_run)
    notes: list[str] = []
    if request.diff:
        return _show_fixes(request, setup, result)
    if request.fix:
        result, fix_notes = _fix(lint_run, result)
        notes.extend(fix_notes)
    # --fix and its proposals work on the engine's findings, one per environment; the baseline and the
    # reports on one finding per root cause.
    fixes = _fixable(request, setup, result)
    result, members = group_members(result, setup.contract.environments)
    result = _baseline(request, setup, result, notes)
    notes.extend(f"error: {line}" for line in error_lines(result, setup.contract.environments))
    _write_reports(request, result, _grouped_fixes(result, members, fixes))
    return Outcome(result, _exit_code(request, result, fail_level), tuple(notes))


def _setup(request: Request) -> _Setup:
    from todolint.config import ConfigError, resolve_config
    from todolint.contract import ContractError, load_contract

    try:
        config = resolve_config(request.config_file, disabled=request.no_config)
    except ConfigError as exc:
        fail(str(exc))
    contract_path = request.contract_file or config.contract
    policies = request.policy_dirs or config.policies or ()
    for folder in policies:
        if not Path(folder).is_dir():
            fail(f"{folder}: policy folder not found")
    try:
        contract = load_contract(contract_path)
    except (ContractError, ValueError) as exc:
        fail(str(exc))
    contract, matrix = _matrix(request, config, contract)
    return _Setup(config, contract_path, tuple(policies), contract, matrix)


def _matrix(request: Request, config: Config, contract: Contract) -> tuple[Contract, MatrixOptions]:
    """The matrix settings (command line over config over contract), and the contract that names them."""
    from todolint.discover import DiscoveryError, MatrixOptions, PatternError, effective_contract

    matrix = MatrixOptions(
        environments=request.environments,
        release=request.release,
        namespace=request.namespace,
        values=request.values_files,
        set_values=request.set_values,
        layout=config.layout,
    )
    try:
        return effective_contract(contract, matrix, config.environments), matrix
    except (PatternError, DiscoveryError) as exc:
        fail(str(exc))


def _scope(request: Request, setup: _Setup) -> _Scope:
    from todolint.discover import DiscoveryError, build_targets, discover

    relint = _relints_everything(request.paths, setup.policies, setup.contract_path, setup.config.file)
    try:
        inputs = discover(relint or request.paths or (".",), only_charts=request.only_charts)
    except DiscoveryError as exc:
        fail(str(exc))
    for values_file in request.values_files:
        if not Path(values_file).is_file():
            fail(f"{values_file}: values file not found")
    kube = _kube_version(request, setup)
    matrix = dataclasses.replace(setup.matrix, kube_version=kube)
    targets = build_targets(inputs.charts, setup.contract, matrix)
    envs = request.environments or setup.config.environments or ()
    return _Scope(tuple(targets), inputs.manifests, kube, tuple(envs))


def _kube_version(request: Request, setup: _Setup) -> str:
    from todolint import schema

    wanted = request.kube_version or setup.config.kube_version
    try:
        return schema.resolve_version(wanted) if wanted else schema.newest_version()
    except ValueError as exc:
        fail(str(exc))


def _relints_everything(
    paths: Sequence[str], policies: Sequence[str], contract: str | None, config: str | None
) -> tuple[str, ...] | None:
    """A changed policy, contract or config file (as pre-commit passes them) changes every chart's result:
    lint every chart below the working directory, plus the other paths given."""
    cwd = Path.cwd().resolve()
    folders = [Path(p).resolve() for p in policies] + [cwd / "policies"]
    files = {Path(f).resolve() for f in (contract, config) if f}
    hits, rest = [], []
    for raw in paths:
        path = Path(raw).resolve() if raw != "-" else None
        # Files only: `todolint policies/` names a folder to lint, and says plainly that it holds no chart.
        if path is not None and path.is_file() and (path in files or any(f in path.parents for f in folders)):
            hits.append(raw)
        else:
            rest.append(raw)
    return (".", *rest) if hits else None


def _renderer(request: Request, setup: _Setup, scope: _Scope) -> tuple[RenderCache | None, Renderer | None]:
    """The render cache (None with --no-cache) and the renderer (None when nothing is to be rendered)."""
    from todolint.cache import CachingRenderer, RenderCache
    from todolint.render import RenderError
    from todolint.render.choose import make_renderer
    from todolint.render.worker import discard_early

    cache = None if request.no_cache else RenderCache()
    chosen: Renderer | None = None
    if scope.targets:
        try:
            chosen = make_renderer(request.renderer or setup.config.renderer or "auto", max_memory=request.max_memory)
        except RenderError as exc:
            fail(exc.message)
        if cache is not None:
            chosen = CachingRenderer(chosen, cache)
        # The embedded SDK's worker loads the Go library and renders while the rules load.
        chosen.prepare(scope.targets)
    if chosen is None or chosen.name != "embedded":
        discard_early()  # the early start's guess was wrong: nothing to render, or the helm CLI renders
    return cache, chosen


def _result(run: _Run) -> Result:
    """The stored result when every input is unchanged (then neither the rules nor the engine load),
    else the engine's, stored for next time."""
    from todolint import result_cache
    from todolint.report import RULES_DOCUMENTED

    started = time.perf_counter()
    store_at = _result_store(run.request, run.setup, run.scope, run.renderer)
    stored = result_cache.load(*store_at) if store_at else None
    if stored is None:
        result = _run_engine(run)
        if store_at:
            result_cache.store(*store_at, result)
        return result
    result, codes = stored
    if any(output_format in RULES_DOCUMENTED for output_format, _ in run.request.reports):
        wanted = set(codes)
        rules = tuple(r for r in _load_rules(run.setup) if r.code in wanted)
        result = dataclasses.replace(result, rules=rules)
    return dataclasses.replace(result, elapsed=time.perf_counter() - started)


def _relint(run: _Run) -> Result:
    """The engine's run again, after fixes were written: with a cache that has not yet seen the charts
    (it remembers each chart's digest for the run), over the same renderer."""
    from todolint.cache import CachingRenderer, RenderCache

    if run.cache is not None and isinstance(run.renderer, CachingRenderer):
        cache = RenderCache(run.cache.root)
        run = dataclasses.replace(run, cache=cache, renderer=CachingRenderer(run.renderer.inner, cache))
    return _run_engine(run)


def _show_fixes(request: Request, setup: _Setup, result: Result) -> Outcome:
    """--diff: the fixes as a unified diff on stdout, nothing written; exit 1 when there is one (as ruff)."""
    from todolint import fix

    proposals = fix.propose(result, _load_rules(setup), setup.contract, unsafe=request.unsafe_fixes)
    try:
        text = fix.diff(fix.edits_of(proposals))
    except OSError as exc:
        fail(f"{exc.filename}: cannot read: {exc.strerror}")

    def show(stream: TextIO) -> None:
        stream.write(text)

    to_stdout(show)
    errors = error_lines(result, setup.contract.environments)
    notes = (*fix.by_hand(proposals), *(f"error: {line}" for line in errors))
    return Outcome(result, EXIT_ERROR if result.errors else EXIT_FINDINGS if text else EXIT_OK, notes)


def _fix(run: _Run, result: Result) -> tuple[Result, tuple[str, ...]]:
    """--fix: write the fixes that a new lint run proves (their findings gone, nothing new), and say how
    many were fixed and how many remain; the result is the new run's.

    The proof runs every rule the configuration enables, whatever --select/--ignore narrowed the report
    to: `--select TL204 --fix` must not make a TL203."""
    from todolint import fix

    request, setup = run.request, run.setup
    proposals = fix.propose(result, _load_rules(setup), setup.contract, unsafe=request.unsafe_fixes)
    narrowed = bool(request.select or request.ignore)
    proving = dataclasses.replace(run, request=dataclasses.replace(request, select=(), ignore=()))
    before = _relint(proving) if narrowed and fix.edits_of(proposals) else result
    try:
        fixed = fix.apply_verified(proposals, before, lambda: _relint(proving))
    except fix.FixError as exc:
        fail(str(exc))
    after = _relint(run) if narrowed and fixed.kept else fixed.result if not narrowed else result
    notes = [*fixed.notes, *fixed.refused, *fix.by_hand(proposals)]
    # Counted as the report counts: one per root cause, not one per environment it shows in.
    envs = setup.contract.environments
    count = fix.cleared(group_members(result, envs)[1], after)
    left = len(group_members(after, envs)[0].active)
    files = len({edit.file for edit in fixed.kept})
    notes.append(
        f"fixed {count} finding{'s' if count != 1 else ''} "
        f"({len(fixed.kept)} edit{'s' if len(fixed.kept) != 1 else ''} in {files} file{'s' if files != 1 else ''}), "
        f"{left} remain{'s' if left == 1 else ''}"
    )
    return after, tuple(notes)


def _result_store(
    request: Request, setup: _Setup, scope: _Scope, renderer: Renderer | None
) -> tuple[RenderCache, str] | None:
    """Where this run's result is kept: the cache and the key; None with --no-cache or pre-rendered input."""
    from todolint import result_cache
    from todolint.cache import CachingRenderer
    from todolint.contract import default_contract_path, policies_dir

    if not isinstance(renderer, CachingRenderer) or scope.inputs:
        return None
    key = result_cache.result_key(
        renderer,
        scope.targets,
        contract=Path(setup.contract_path) if setup.contract_path else default_contract_path(),
        policy_dirs=[policies_dir(), *(Path(p) for p in setup.policies)],
        config=setup.config,
        options=(request.select, request.ignore),
    )
    return (renderer.cache, key) if key else None


def _load_rules(setup: _Setup) -> tuple[Rule, ...]:
    from todolint.contract import ContractError
    from todolint.rules import all_rules

    try:
        return all_rules(setup.contract, tuple(Path(p) for p in setup.policies))
    except (ContractError, ValueError) as exc:
        fail(str(exc))


def _run_engine(run: _Run) -> Result:
    """Render, validate and check: the engine's run, with severities and selection from config and flags."""
    from todolint.config import ConfigError, check_rule_names, check_selectors, severities_for
    from todolint.engine import Plan, Settings, StreamContext
    from todolint.engine import run as run_engine

    request, setup, scope = run.request, run.setup, run.scope
    rules = _load_rules(setup)
    config = setup.config
    try:
        check_selectors("--select", _split(request.select), rules)
        check_selectors("--ignore", _split(request.ignore), rules)
        check_rule_names(config, rules)
        severities = severities_for(rules, config.severities)
    except ConfigError as exc:
        fail(str(exc))
    progress = Progress(len(scope.targets)) if request.progress and len(scope.targets) > 4 else None
    envs = scope.environments
    plan = Plan(
        contract=setup.contract,
        rules=rules,
        targets=scope.targets,
        inputs=scope.inputs,
        stream=StreamContext(request.chart, envs[0] if envs else None, request.release, request.namespace),
        renderer=run.renderer,
        kube_version=scope.kube,
        timeout=request.timeout,
        settings=Settings(
            fail_on=run.fail_level,
            severities=severities,
            select=_split(request.select) if request.select else (config.select or ()),
            ignore=_split(request.ignore) if request.ignore else (config.ignore or ()),
            exemptions=config.exemptions,
        ),
        on_render=progress.advance if progress else None,
        cache=run.cache,
    )
    try:
        return run_engine(plan)
    finally:
        if progress:
            progress.close()


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """`--select A,B --select C` → (A, B, C)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _baseline(request: Request, setup: _Setup, result: Result, notes: list[str]) -> Result:
    """Record this run's findings (--write-baseline), or report only those not in the baseline."""
    baseline_path = request.baseline_file or setup.config.baseline
    if request.write_baseline:
        from todolint import baseline as baselines

        _write_file(request.write_baseline, lambda stream: baselines.write(result, stream))
        if not request.quiet:
            count = len(result.active)
            notes.append(f"recorded {count} finding{'s' if count != 1 else ''} in {request.write_baseline}")
        return result
    if not baseline_path:
        return result
    from todolint import baseline as baselines

    try:
        baseline = baselines.load(baseline_path)
    except baselines.BaselineError as exc:
        fail(str(exc))
    return baselines.apply_to_result(result, baseline)


def _fixable(request: Request, setup: _Setup, result: Result) -> Mapping[Finding, Edit]:
    """The edit --fix (or --unsafe-fixes) would make for each reported finding that a rule can fix, for
    the reports to show; a clean run loads nothing for it."""
    if not request.reports or not result.active:
        return {}
    from todolint import fix

    proposals = fix.propose(result, _load_rules(setup), setup.contract, unsafe=True)
    # After --fix, every edit it was allowed to make was tried: what is left it could not prove.
    tried = ("safe", "unsafe") if request.unsafe_fixes else ("safe",)
    return {p.finding: p.edit for p in proposals if p.edit is not None and not (request.fix and p.edit.safety in tried)}


def _grouped_fixes(
    result: Result, members: Mapping[Finding, tuple[Finding, ...]], fixes: Mapping[Finding, Edit]
) -> dict[Finding, Edit]:
    """A reported finding's edit: the one edit every finding it stands for would get, else none."""
    out: dict[Finding, Edit] = {}
    for finding in result.active:
        edits = [fixes.get(member) for member in members.get(finding, ())]
        first = edits[0] if edits else None
        if first is not None and all(edit == first for edit in edits):
            out[finding] = first
    return out


def _write_reports(request: Request, result: Result, fixes: Mapping[Finding, Edit]) -> None:
    from todolint.report import ReportOptions, reporters

    options = ReportOptions(
        color={"auto": None, "always": True, "never": False}[request.color],
        quiet=request.quiet,
        statistics=request.statistics,
        fixes=fixes,
    )
    available = reporters()
    for output_format, output in request.reports:
        report = available[output_format]

        def write(stream: TextIO, report: Any = report) -> None:
            report(result, stream, options)

        if output:
            _write_file(output, write)
        else:
            to_stdout(write)


def _write_file(path: str, write: Callable[[TextIO], None]) -> None:
    try:
        write_atomic(Path(path), write)
    except OutputError as exc:
        fail(str(exc))


def _exit_code(request: Request, result: Result, fail_level: Severity) -> int:
    if result.errors:
        return EXIT_ERROR
    if request.write_baseline:
        return EXIT_OK  # recording today's findings is the point of the run, not a failure
    worst = max((f.severity for f in result.active), default=None)
    return EXIT_FINDINGS if worst is not None and worst >= fail_level else EXIT_OK


def rules_listing(output_format: str, contract_file: str | None = None) -> str:
    """`todolint rules`: every rule in force under the contract, as text, markdown or JSON."""
    from todolint.rules.docs import rules_json, rules_markdown, rules_text

    render = {"text": rules_text, "markdown": rules_markdown, "json": rules_json}[output_format]
    return render(_contract_rules(contract_file))


def explain(code: str, contract_file: str | None = None) -> str:
    """`todolint explain CODE`: one rule's rationale, remediation and example, by code or name."""
    from todolint.rules.docs import explain_text

    for rule in _contract_rules(contract_file):
        if code.upper() == rule.code or code == rule.name:
            return explain_text(rule)
    fail(f"no rule {code!r} (see `todolint rules`)")


def _contract_rules(contract_file: str | None) -> tuple[Rule, ...]:
    from todolint.contract import ContractError, load_contract
    from todolint.rules import all_rules

    try:
        return all_rules(load_contract(contract_file))
    except ContractError as exc:
        fail(str(exc))


def show_matrix(request: Request, output_format: str = "text") -> str:
    """`todolint config`: the chart × environment matrix the settings give (command line over config
    over contract), and where each setting comes from; nothing is rendered."""
    from todolint import layout
    from todolint.discover import DiscoveryError, discover, matrix_rows

    setup = _setup(request)
    try:
        inputs = discover(request.paths or (".",), only_charts=request.only_charts)
    except DiscoveryError as exc:
        fail(str(exc))
    kube = _kube_version(request, setup)
    rows = matrix_rows(inputs.charts, setup.contract, dataclasses.replace(setup.matrix, kube_version=kube))
    # An entry for no chart found is a likely typo, said as a note when the whole tree was searched
    # (never an error: the hook and a path argument name only some charts).
    found = sorted({chart.name for chart in inputs.charts})
    unmatched = [] if request.paths else layout.unmatched_entries(setup.matrix.layout.charts, found)
    render = layout.matrix_json if output_format == "json" else layout.matrix_text
    return render(rows, config_file=setup.config.file, kube=kube, unmatched=unmatched)


def config_schema() -> str:
    """`todolint config --schema`: the JSON Schema of `.todolint.yaml` and `[tool.todolint]`."""
    from todolint.config import schema_path

    return schema_path().read_text(encoding="utf-8")


def init(root: str, *, force: bool = False, contract_file: str | None = None) -> str:
    """`todolint init`: write `.todolint.yaml` for the charts below `root`; say what was written."""
    from todolint import layout
    from todolint.contract import ContractError, load_contract
    from todolint.discover import DiscoveryError

    try:
        path, guesses = layout.init(Path(root), load_contract(contract_file), force=force)
    except (layout.LayoutError, ContractError, DiscoveryError) as exc:
        fail(str(exc))
    return layout.summary(path, guesses)
