"""The command line: parse flags, build the objects, run, return an exit code.

Exit codes: 0 nothing at or above the fail level; 1 findings; 2 usage error, or any chart ×
environment that could not be rendered or parsed. No Python traceback ever reaches the user
(set TODOLINT_DEBUG=1 to see one).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from todolint.report import FORMATS
from todolint.start import stop_worker

if TYPE_CHECKING:
    import subprocess

    from todolint.cache import RenderCache
    from todolint.config import Config
    from todolint.contract import Contract
    from todolint.discover import ManifestInput
    from todolint.models import Result, Severity, Target
    from todolint.render import Renderer
    from todolint.rules.base import Rule

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Failure(Exception):
    """A one-line error for the user; exit code 2."""


def fail(message: str) -> NoReturn:
    raise Failure(message)


class DefaultCommandGroup(click.Group):
    """`todolint PATH...` means `todolint check PATH...`, as with ruff and yamllint."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """`--select A,B --select C` → (A, B, C)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from todolint.about import version_text

        click.echo(version_text())
        ctx.exit(0)


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print todolint, Helm and schema versions.",
)
def main() -> None:
    """Lint the Todo app's Helm charts against Kubernetes schemas and the data-model contract.

    `todolint PATH...` is short for `todolint check PATH...`.
    """


class CheckCommand(click.Command):
    """Remembers the order of `--format` and `--output` so that each output pairs with its format."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["todolint.report_order"] = report_order(args)
        return super().parse_args(ctx, self._spelled_long(args))

    def _spelled_long(self, args: Sequence[str]) -> list[str]:
        """`-q` as `--quiet`, `-o X` as `--output X`: click tries each short option as a long one first,
        and the error it raises and catches on the way imports difflib for its suggestions (~3 ms of a
        run). Option values (the word after an option that takes one) and all after `--` stay as typed."""
        long_of: dict[str, str] = {}
        takes_value: set[str] = set()
        for param in self.params:
            if isinstance(param, click.Option):
                spelled = next((o for o in param.opts if o.startswith("--")), None)
                long_of.update({o: spelled for o in param.opts if spelled and not o.startswith("--")})
                if not param.is_flag and not param.count:
                    takes_value.update(param.opts)
        out: list[str] = []
        items = iter(args)
        for arg in items:
            if arg == "--":
                return [*out, arg, *items]
            out.append(long_of.get(arg, arg))
            if arg in takes_value:
                value = next(items, None)
                if value is not None:
                    out.append(value)
        return out


def report_order(args: Sequence[str]) -> list[tuple[str, str]]:
    """[("format", "sarif"), ("output", "out.sarif"), ...] in command-line order."""
    order: list[tuple[str, str]] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            break
        for flag, kind in (("--format", "format"), ("--output", "output"), ("-o", "output")):
            if arg == flag:
                value = next(items, None)
                if value is not None:
                    order.append((kind, value))
            elif arg.startswith(flag + "=") and flag.startswith("--"):
                order.append((kind, arg.split("=", 1)[1]))
            elif flag == "-o" and arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
                order.append((kind, arg[2:]))
    return order


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


@main.command(cls=CheckCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file (default: .todolint.yaml or pyproject.toml [tool.todolint], from here upward).",
)
@click.option("--no-config", is_flag=True, help="Ignore every config file.")
@click.option(
    "--env",
    "environments",
    multiple=True,
    metavar="ENV",
    help="Environment to lint (repeatable; default: config, else the contract's environments).",
)
@click.option("--release", metavar="PATTERN", help="Release name or pattern ({chart}, {env}).")
@click.option("--namespace", metavar="PATTERN", help="Namespace or pattern ({chart}, {env}).")
@click.option(
    "-f",
    "--values",
    "values_files",
    multiple=True,
    type=click.Path(),
    help="Extra values file after the environment's own (repeatable).",
)
@click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE", help="Helm --set expression (repeatable).")
@click.option("--chart", metavar="NAME", help="Chart name for pre-rendered input (default: from # Source:).")
@click.option("--contract", "contract_file", type=click.Path(), help="Contract file (default: the built-in one).")
@click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Extra folder of declarative rules (repeatable; replaces the config's list).",
)
@click.option(
    "--renderer",
    type=click.Choice(["auto", "helm", "embedded"]),
    default=None,
    help="auto (default): helm on PATH, else the embedded Helm SDK.",
)
@click.option(
    "--kube-version", default=None, metavar="X.Y", help="Kubernetes schema version (default: newest bundled)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds one chart × environment may take to render.",
)
@click.option(
    "--max-memory",
    type=click.IntRange(min=64),
    default=2048,
    show_default=True,
    metavar="MIB",
    help="Memory one render may use, in MiB; past it Helm is stopped and the render is an error (TL001).",
)
@click.option(
    "--format",
    "output_formats",
    multiple=True,
    type=click.Choice(list(FORMATS)),
    help="Report format (repeatable, each with its own --output; default text).",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Write the report of the --format before it to FILE, atomically.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the exit code 1 (default error).",
)
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), help="Report only findings not in FILE.")
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record the findings of this run in FILE (then lint against it with --baseline).",
)
@click.option("--select", multiple=True, metavar="RULES", help="Only these codes, prefixes or names.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these codes, prefixes or names.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only.")
@click.option("--statistics", is_flag=True, help="Print one line per rule with its count instead of the findings.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Render and check every chart again instead of reusing renders and results from the cache folder.",
)
@click.pass_context
def check(ctx: click.Context, /, **options: Any) -> None:
    """Render every chart for every environment and lint what Helm produced."""
    order = ctx.meta.get("todolint.report_order", [])
    early = ctx.obj.take() if isinstance(ctx.obj, _Early) else None
    sys.exit(_guard(lambda: _check(report_order=order, early_worker=early, **options)))


def entry(early_worker: subprocess.Popen[bytes] | None = None) -> NoReturn:
    """Run the command line (see todolint.start, which may have started a render worker already),
    then end the process at once.

    Once the reports are written and the exit handlers have run (they stop the render worker), a
    process that is about to end gains nothing from Python freeing every object it made: that takes
    25-50 ms, a tenth of a run, with the Kubernetes definitions loaded. In-process callers (tests,
    CliRunner) call `main`, which returns through SystemExit as usual.
    """
    try:
        # Not click's standalone mode, whose Ctrl-C while reading the command line says "Aborted!" and
        # exits 1: an interrupt says the same and exits 2 at any moment.
        code: Any = main(prog_name="todolint", obj=_Early(early_worker), standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    except (click.Abort, KeyboardInterrupt):
        click.echo("todolint: interrupted", err=True)
        code = EXIT_ERROR
    except click.ClickException as exc:  # a usage error: click's message, click's exit code
        exc.show()
        code = exc.exit_code
    finally:
        if early_worker is not None:
            stop_worker(early_worker, wait=False)  # the process ends next
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)  # what sys.exit("message") prints
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed by the reader, or by us
            stream.flush()
    os._exit(code or 0)


class _Early:
    """The render worker todolint.start started on a guess, for the first renderer that wants it."""

    def __init__(self, worker: subprocess.Popen[bytes] | None) -> None:
        self.worker = worker

    def take(self) -> subprocess.Popen[bytes] | None:
        worker, self.worker = self.worker, None
        return worker


def _guard(action: Any) -> int:
    try:
        code: int = action()
        return code
    except Failure as exc:
        click.echo(f"todolint: error: {exc}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("todolint: interrupted", err=True)
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("TODOLINT_DEBUG"):
            import traceback

            traceback.print_exc()
        click.echo(
            f"todolint: internal error: {type(exc).__name__}: {exc} (set TODOLINT_DEBUG=1 for details)", err=True
        )
        return EXIT_ERROR


def _check(
    *,
    report_order: Sequence[tuple[str, str]],
    paths: tuple[str, ...],
    config_file: str | None,
    no_config: bool,
    environments: tuple[str, ...],
    release: str | None,
    namespace: str | None,
    values_files: tuple[str, ...],
    set_values: tuple[str, ...],
    chart: str | None,
    contract_file: str | None,
    policy_dirs: tuple[str, ...],
    renderer: str | None,
    kube_version: str | None,
    timeout: float,
    max_memory: int,
    output_formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str | None,
    baseline_file: str | None,
    write_baseline: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    color: str,
    quiet: bool,
    statistics: bool,
    no_cache: bool = False,
    early_worker: subprocess.Popen[bytes] | None = None,
) -> int:
    # What finds the charts and starts the renderer first; the engine, rules and reporters load
    # below, while the embedded SDK's worker loads the Go library.
    from todolint import schema
    from todolint.cache import CachingRenderer, RenderCache
    from todolint.config import ConfigError, resolve_config
    from todolint.contract import ContractError, load_contract
    from todolint.discover import DiscoveryError, MatrixOptions, build_targets, discover
    from todolint.render import RenderError, make_renderer

    reports = pair_reports(report_order)
    try:
        config = resolve_config(config_file, disabled=no_config)
    except ConfigError as exc:
        fail(str(exc))
    # The command line wins over the config file, which wins over the built-in defaults.
    contract_path = contract_file or config.contract
    policies = policy_dirs or config.policies or ()
    for folder in policies:
        if not Path(folder).is_dir():
            fail(f"{folder}: policy folder not found")
    try:
        contract = load_contract(contract_path)
    except (ContractError, ValueError) as exc:
        fail(str(exc))
    relint = _relints_everything(paths, policies, contract_path, config.file)
    try:
        inputs = discover(relint or paths or (".",))
    except DiscoveryError as exc:
        fail(str(exc))
    for values_file in values_files:
        if not Path(values_file).is_file():
            fail(f"{values_file}: values file not found")
    wanted_kube = kube_version or config.kube_version
    try:
        kube = schema.resolve_version(wanted_kube) if wanted_kube else schema.newest_version()
    except ValueError as exc:
        fail(str(exc))
    envs = environments or config.environments or ()
    matrix = MatrixOptions(
        environments=envs,
        release=release,
        namespace=namespace,
        values=values_files,
        set_values=set_values,
        kube_version=kube,
    )
    targets = build_targets(inputs.charts, contract, matrix)
    # Renders and the schema verdicts of every object, rendered here or piped in.
    cache = None if no_cache else RenderCache()
    chosen = None
    if targets:
        try:
            chosen = make_renderer(renderer or config.renderer or "auto", worker=early_worker, max_memory=max_memory)
        except RenderError as exc:
            fail(exc.message)
        if cache is not None:
            chosen = CachingRenderer(chosen, cache)
        # The embedded SDK's worker loads the Go library while the rules load below; and what
        # is rendered anew will need the Kubernetes definitions, which load meanwhile too.
        if chosen.prepare(targets):
            schema.warm_up(kube, chosen)
    if early_worker is not None and (chosen is None or chosen.name != "embedded"):
        stop_worker(early_worker, wait=False)  # todolint.start guessed wrong: nothing to render, or helm CLI
    from todolint.models import Severity
    from todolint.report import ReportOptions, reporters

    fail_level = Severity.parse(fail_on) if fail_on else (config.fail_on or Severity.ERROR)
    # A run of charts whose every input is unchanged answers from the result cache (todolint.results):
    # then neither the rules nor the engine load.
    from todolint import results

    started = time.perf_counter()
    store_at = _result_store(chosen, targets, inputs.manifests, contract_path, policies, config, (select, ignore))
    stored = results.load(*store_at) if store_at else None
    if stored is not None:
        result, codes = stored
        if any(output_format in RULES_DOCUMENTED for output_format, _ in reports):
            wanted = set(codes)
            rules = tuple(r for r in _load_rules(contract, policies) if r.code in wanted)
            result = dataclasses.replace(result, rules=rules)
        result = dataclasses.replace(result, elapsed=time.perf_counter() - started)
    else:
        result = _run_engine(
            contract=contract,
            rules=_load_rules(contract, policies),
            config=config,
            targets=targets,
            inputs=inputs.manifests,
            stream=(chart, envs[0] if envs else None, release, namespace),
            renderer=chosen,
            kube=kube,
            timeout=timeout,
            fail_level=fail_level,
            select=select,
            ignore=ignore,
            cache=cache,
            quiet=quiet,
        )
        if store_at:
            results.store(*store_at, result)
    baseline = None
    baseline_path = baseline_file or config.baseline
    if baseline_path or write_baseline:
        from todolint import baseline as baselines
    if baseline_path and not write_baseline:
        try:
            baseline = baselines.load(baseline_path)
        except baselines.BaselineError as exc:
            fail(str(exc))
    if write_baseline:
        _write_atomic(Path(write_baseline), lambda stream: baselines.write(result, stream))
        if not quiet:
            count = len(result.active)
            click.echo(f"todolint: recorded {count} finding{'s' if count != 1 else ''} in {write_baseline}", err=True)
    if baseline is not None:
        result = baselines.apply_to_result(result, baseline)
    for line in result.errors:
        click.echo(f"todolint: error: {line}", err=True)
    options = ReportOptions(
        color={"auto": None, "always": True, "never": False}[color], quiet=quiet, statistics=statistics
    )
    available = reporters()
    for output_format, output in reports:
        report = available[output_format]
        if output:
            _write_atomic(Path(output), lambda stream, report=report: report(result, stream, options))
        else:
            _to_stdout(lambda stream, report=report: report(result, stream, options))
    if result.errors:
        return EXIT_ERROR
    if write_baseline:
        return EXIT_OK  # recording today's findings is the point of the run, not a failure
    worst = max((f.severity for f in result.active), default=None)
    return EXIT_FINDINGS if worst is not None and worst >= fail_level else EXIT_OK


def _result_store(
    renderer: Renderer | None,
    targets: Sequence[Target],
    inputs: tuple[ManifestInput, ...],
    contract: str | None,
    policies: Sequence[str],
    config: Config,
    options: tuple[Any, ...],
) -> tuple[RenderCache, str] | None:
    """Where this run's result is kept: the cache and the key; None with --no-cache or pre-rendered input."""
    from todolint import results
    from todolint.cache import CachingRenderer
    from todolint.contract import default_contract_path, policies_dir

    if not isinstance(renderer, CachingRenderer) or inputs:
        return None
    key = results.result_key(
        renderer,
        targets,
        contract=Path(contract) if contract else default_contract_path(),
        policy_dirs=[policies_dir(), *(Path(p) for p in policies)],
        config=config,
        options=options,
    )
    return (renderer.cache, key) if key else None


#: Report formats that document every rule in force (SARIF's rule list, JUnit's test cases).
RULES_DOCUMENTED = frozenset({"sarif", "junit"})


def _load_rules(contract: Contract, policies: Sequence[str]) -> tuple[Rule, ...]:
    from todolint.contract import ContractError
    from todolint.rules import all_rules

    try:
        return all_rules(contract, tuple(Path(p) for p in policies))
    except (ContractError, ValueError) as exc:
        fail(str(exc))


def _run_engine(
    *,
    contract: Contract,
    rules: tuple[Rule, ...],
    config: Config,
    targets: Sequence[Target],
    inputs: tuple[ManifestInput, ...],
    stream: tuple[str | None, str | None, str | None, str | None],
    renderer: Renderer | None,
    kube: str,
    timeout: float,
    fail_level: Severity,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    cache: RenderCache | None,
    quiet: bool,
) -> Result:
    """Render, validate and check: the engine's run, with severities and selection from config and flags."""
    from todolint.config import ConfigError, check_rule_names, severities_for
    from todolint.engine import Plan, Settings, StreamContext, run

    try:
        check_rule_names(config, rules)
        severities = severities_for(rules, config.severities)
    except ConfigError as exc:
        fail(str(exc))
    progress = _Progress(len(targets)) if _show_progress(len(targets), quiet) else None
    plan = Plan(
        contract=contract,
        rules=rules,
        targets=tuple(targets),
        inputs=inputs,
        stream=StreamContext(*stream),
        renderer=renderer,
        kube_version=kube,
        timeout=timeout,
        settings=Settings(
            fail_on=fail_level,
            severities=severities,
            select=_split(select) if select else (config.select or ()),
            ignore=_split(ignore) if ignore else (config.ignore or ()),
            exemptions=config.exemptions,
        ),
        on_render=progress.advance if progress else None,
        cache=cache,
    )
    try:
        return run(plan)
    finally:
        if progress:
            progress.close()


def _to_stdout(write: Any) -> None:
    """`write(sys.stdout)`. A reader that stops early (`todolint charts | head`) has what it wanted: no
    error, and the run's exit code stands; stdout then points at /dev/null, so that nothing more (nor
    the flush at exit) fails on the closed pipe."""
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


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


def _show_progress(renders: int, quiet: bool) -> bool:
    """A progress line on a terminal only, and only when the renders take long enough to wonder about."""
    return renders > 4 and not quiet and sys.stderr.isatty() and not os.environ.get("CI")


class _Progress:
    """`[3/6] rendered todo-backend (prod)` on one stderr line, erased when done; called from render threads."""

    def __init__(self, total: int) -> None:
        import threading

        self.total = total
        self.done = 0
        self.lock = threading.Lock()

    def advance(self, target: Any) -> None:
        with self.lock:
            self.done += 1
            sys.stderr.write(f"\r\x1b[K[{self.done}/{self.total}] rendered {target.label}")
            sys.stderr.flush()

    def close(self) -> None:
        with self.lock:
            if self.done:
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()


def _write_atomic(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename: readers never see half a report."""
    import tempfile

    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            "w", encoding="utf-8", dir=directory, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        fail(f"{path}: cannot write report: {exc.strerror or exc}")
    try:
        with handle:
            write(handle)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@main.command("rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
@click.option("--contract", "contract_file", type=click.Path(), help="Contract file (default: the built-in one).")
def rules_command(output_format: str, contract_file: str | None) -> None:
    """List every rule: code, name, category, default severity, summary."""
    sys.exit(_guard(lambda: _rules(output_format, contract_file)))


def _rules(output_format: str, contract_file: str | None) -> int:
    from todolint.contract import ContractError, load_contract
    from todolint.rules import all_rules
    from todolint.rules.docs import rules_json, rules_markdown, rules_text

    try:
        contract = load_contract(contract_file)
        rules = all_rules(contract)
    except ContractError as exc:
        fail(str(exc))
    render = {"text": rules_text, "markdown": rules_markdown, "json": rules_json}[output_format]
    _to_stdout(lambda stream: click.echo(render(rules), file=stream, nl=False))
    return EXIT_OK


@main.command()
@click.argument("code")
@click.option("--contract", "contract_file", type=click.Path(), help="Contract file (default: the built-in one).")
def explain(code: str, contract_file: str | None) -> None:
    """Print one rule's rationale, remediation and example (by code or name)."""
    sys.exit(_guard(lambda: _explain(code, contract_file)))


def _explain(code: str, contract_file: str | None) -> int:
    from todolint.contract import ContractError, load_contract
    from todolint.rules import all_rules
    from todolint.rules.docs import explain_text

    try:
        contract = load_contract(contract_file)
        rules = all_rules(contract)
    except ContractError as exc:
        fail(str(exc))
    for rule in rules:
        if code.upper() == rule.code or code == rule.name:
            _to_stdout(lambda stream, rule=rule: click.echo(explain_text(rule), file=stream, nl=False))
            return EXIT_OK
    fail(f"no rule {code!r} (see `todolint rules`)")
