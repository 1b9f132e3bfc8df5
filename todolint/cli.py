"""The command line: parse flags, build the objects, run, return an exit code.

Exit codes: 0 nothing at or above the fail level; 1 findings; 2 usage error, or any chart ×
environment that could not be rendered or parsed. No Python traceback ever reaches the user
(set TODOLINT_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from todolint import __version__

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


def _version_text() -> str:
    # Asking helm for its version starts a process and loading the embedded SDK costs ~50 ms: both
    # answers are remembered per executable/library (path, size, mtime) in the cache folder.
    from todolint import schema
    from todolint.cache import RenderCache
    from todolint.render import helm_on_path

    cache = RenderCache()
    lines = [f"todolint {__version__}"]
    try:
        from todolint.render.helm_sdk import EmbeddedRenderer, describe_sdk

        lines.append(f"embedded Helm {cache.remember(EmbeddedRenderer(), 'describe', describe_sdk)}")
    except Exception as exc:  # a broken native library must not break --version
        lines.append(f"embedded Helm: unavailable ({type(exc).__name__})")
    binary = helm_on_path()
    if binary:
        from todolint.render.helm_cli import HelmCliRenderer

        lines.append(f"helm CLI {cache.renderer_version(HelmCliRenderer(binary))} ({binary})")
    else:
        lines.append("helm CLI: not on PATH")
    versions = schema.bundled_versions()
    lines.append(f"Kubernetes schemas {versions[0]} to {versions[-1]} (kubernetes-validate)")
    return "\n".join(lines)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_text())
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


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--env",
    "environments",
    multiple=True,
    metavar="ENV",
    help="Environment to lint (repeatable; default: the contract's environments).",
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
    "--renderer",
    type=click.Choice(["auto", "helm", "embedded"]),
    default="auto",
    show_default=True,
    help="auto: helm on PATH, else the embedded Helm SDK.",
)
@click.option("--kube-version", default="", metavar="X.Y", help="Kubernetes schema version (default: newest bundled).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds one chart × environment may take to render.",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE instead of stdout.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option("--select", multiple=True, metavar="RULES", help="Only these codes, prefixes or names.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these codes, prefixes or names.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only.")
@click.option(
    "--no-cache", is_flag=True, help="Render every chart again instead of reusing renders from the cache folder."
)
def check(**options: Any) -> None:
    """Render every chart for every environment and lint what Helm produced."""
    sys.exit(_guard(lambda: _check(**options)))


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
    paths: tuple[str, ...],
    environments: tuple[str, ...],
    release: str | None,
    namespace: str | None,
    values_files: tuple[str, ...],
    set_values: tuple[str, ...],
    chart: str | None,
    contract_file: str | None,
    renderer: str,
    kube_version: str,
    timeout: float,
    output_format: str,
    output: str | None,
    fail_on: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    color: str,
    quiet: bool,
    no_cache: bool = False,
) -> int:
    from todolint import schema
    from todolint.contract import ContractError, load_contract
    from todolint.discover import DiscoveryError, MatrixOptions, build_targets, discover
    from todolint.engine import Plan, Settings, StreamContext, run
    from todolint.models import Severity
    from todolint.render import RenderError, make_renderer
    from todolint.report import ReportOptions, reporters
    from todolint.rules import all_rules

    try:
        contract = load_contract(contract_file)
        inputs = discover(paths or (".",))
    except (ContractError, DiscoveryError) as exc:
        fail(str(exc))
    for values_file in values_files:
        if not Path(values_file).is_file():
            fail(f"{values_file}: values file not found")
    try:
        kube = schema.resolve_version(kube_version) if kube_version else schema.newest_version()
    except ValueError as exc:
        fail(str(exc))
    matrix = MatrixOptions(
        environments=environments,
        release=release,
        namespace=namespace,
        values=values_files,
        set_values=set_values,
        kube_version=kube,
    )
    targets = build_targets(inputs.charts, contract, matrix)
    chosen = None
    if targets:
        try:
            chosen = make_renderer(renderer)
        except RenderError as exc:
            fail(exc.message)
    cache = None
    if not no_cache:
        from todolint.cache import CachingRenderer, RenderCache

        cache = RenderCache()
        if chosen is not None:
            chosen = CachingRenderer(chosen, cache)
    plan = Plan(
        contract=contract,
        rules=all_rules(contract),
        targets=tuple(targets),
        inputs=inputs.manifests,
        stream=StreamContext(
            chart=chart, env=environments[0] if environments else None, release=release, namespace=namespace
        ),
        renderer=chosen,
        kube_version=kube,
        timeout=timeout,
        cache=cache,
        settings=Settings(fail_on=Severity.parse(fail_on), select=_split(select), ignore=_split(ignore)),
    )
    result = run(plan)
    for line in result.errors:
        click.echo(f"todolint: error: {line}", err=True)
    report = reporters()[output_format]
    options = ReportOptions(color={"auto": None, "always": True, "never": False}[color], quiet=quiet)
    if output:
        _write_atomic(Path(output), lambda stream: report(result, stream, options))
    else:
        report(result, sys.stdout, options)
    if result.errors:
        return EXIT_ERROR
    worst = max((f.severity for f in result.active), default=None)
    return EXIT_FINDINGS if worst is not None and worst >= plan.settings.fail_on else EXIT_OK


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
    except ContractError as exc:
        fail(str(exc))
    rules = all_rules(contract)
    render = {"text": rules_text, "markdown": rules_markdown, "json": rules_json}[output_format]
    click.echo(render(rules), nl=False)
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
    except ContractError as exc:
        fail(str(exc))
    for rule in all_rules(contract):
        if code.upper() == rule.code or code == rule.name:
            click.echo(explain_text(rule), nl=False)
            return EXIT_OK
    fail(f"no rule {code!r} (see `todolint rules`)")
