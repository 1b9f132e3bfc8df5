"""The command line: click options → a Request → `todolint.app.run` → an exit code.

Exit codes: 0 nothing at or above the fail level; 1 findings; 2 usage error, or any chart ×
environment that could not be rendered or parsed. No Python traceback ever reaches the user
(set TODOLINT_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from todolint import lsp as language_server
from todolint.app import EXIT_ERROR, EXIT_OK, Request, UsageError
from todolint.report import FORMATS


class DefaultCommandGroup(click.Group):
    """`todolint PATH...` means `todolint check PATH...`, as with ruff and yamllint."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """`check` in front of arguments that name no command."""
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from todolint.version_report import version_text

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
        """Click's parse, after noting the order of `--format` and `--output` in `ctx.meta`."""
        ctx.meta["todolint.report_order"] = report_order(args)
        return super().parse_args(ctx, args)


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


_path = click.Path()
_file = click.Path(dir_okay=False)
_contract = click.option("--contract", "contract_file", type=_path, help="Contract file (default: the built-in one).")
#: What decides the chart × environment matrix: `check` and `config` take the same options.
_MATRIX = (
    click.option(
        "--config", "config_file", type=_file, help="Config file (default: .todolint.yaml or pyproject.toml)."
    ),
    click.option("--no-config", is_flag=True, help="Ignore every config file."),
    click.option("--env", "environments", multiple=True, metavar="ENV", help="Environment to lint (repeatable)."),
    click.option("--release", metavar="PATTERN", help="Release name or pattern ({chart}, {env})."),
    click.option("--namespace", metavar="PATTERN", help="Namespace or pattern ({chart}, {env})."),
    click.option("-f", "--values", "values_files", multiple=True, type=_path, help="Extra values file (repeatable)."),
    click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE", help="Helm --set expression (repeatable)."),
    _contract,
    click.option("--kube-version", metavar="X.Y", help="Kubernetes schema version (default: newest bundled)."),
)


def _matrix_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_MATRIX):
        command = option(command)
    return command


@main.command(cls=CheckCommand)
@click.argument("paths", nargs=-1, type=_path)
@_matrix_options
@click.option("--chart", metavar="NAME", help="Chart name for pre-rendered input (default: from # Source:).")
@click.option(
    "--policies", "policy_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra folder of rules."
)
@click.option("--renderer", type=click.Choice(["auto", "helm", "embedded"]), help="auto: helm on PATH, else embedded.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds per render.")
@click.option(
    "--max-memory", type=click.IntRange(min=64), default=2048, show_default=True, metavar="MIB", help="MiB per render."
)
@click.option("--format", "output_formats", multiple=True, type=click.Choice(list(FORMATS)), help="Report format.")
@click.option("-o", "--output", "outputs", multiple=True, type=_file, help="Write the --format before it to FILE.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest severity that exits 1.")
@click.option("--baseline", "baseline_file", type=_file, help="Report only findings not in FILE.")
@click.option("--write-baseline", type=_file, help="Record the findings of this run in FILE.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these codes, prefixes, names or categories.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these codes, prefixes, names or categories.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only.")
@click.option("--statistics", is_flag=True, help="Print one line per rule with its count instead of the findings.")
@click.option("--no-cache", is_flag=True, help="Render and check everything again; reuse no cached render or result.")
@click.option("--only-charts", is_flag=True, help="Skip paths that belong to no chart (the pre-commit hook).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes to values files and templates.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: the fixes that need review too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.pass_context
def check(ctx: click.Context, /, **options: Any) -> None:
    """Render every chart for every environment and lint what Helm produced."""
    from todolint import app

    def act() -> int:
        options.pop("output_formats")
        options.pop("outputs")
        reports = app.pair_reports(ctx.meta.get("todolint.report_order", []))
        progress = not options["quiet"] and sys.stderr.isatty() and not os.environ.get("CI")
        outcome = app.run(Request(reports=tuple(reports), progress=progress, **options))
        for note in outcome.notes:
            click.echo(f"todolint: {note}", err=True)
        return outcome.exit_code

    sys.exit(_guard(act))


def _guard(action: Callable[[], int]) -> int:
    try:
        return action()
    except UsageError as exc:
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


def run(args: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code; a usage error prints click's message."""
    try:
        # Not click's standalone mode, whose Ctrl-C while reading the command line says "Aborted!" and
        # exits 1: an interrupt says the same and exits 2 at any moment.
        code: Any = main(args=args, prog_name="todolint", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    except (click.Abort, KeyboardInterrupt):
        click.echo("todolint: interrupted", err=True)
        code = EXIT_ERROR
    except click.ClickException as exc:  # a usage error: click's message, click's exit code
        exc.show()
        code = exc.exit_code
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)  # what sys.exit("message") prints
        code = 1
    return code or EXIT_OK


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text")
@_contract
def rules_command(output_format: str, contract_file: str | None) -> None:
    """List every rule: code, name, category, default severity, summary."""
    from todolint import app

    sys.exit(_guard(lambda: _print(app.rules_listing(output_format, contract_file))))


@main.command()
@click.argument("code")
@_contract
def explain(code: str, contract_file: str | None) -> None:
    """Print one rule's rationale, remediation and example (by code or name)."""
    from todolint import app

    sys.exit(_guard(lambda: _print(app.explain(code, contract_file))))


def _print(text: str) -> int:
    from todolint.output import to_stdout

    to_stdout(lambda stream: click.echo(text, file=stream, nl=False))
    return EXIT_OK


main.command("lsp", help="Serve editors the findings as they type: LSP on stdio (docs/editors.md).")(
    lambda: sys.exit(_guard(language_server.serve))
)


@main.command("config")
@click.argument("paths", nargs=-1, type=_path)
@_matrix_options
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--schema", "print_schema", is_flag=True, help="Print the config file's JSON Schema instead.")
def config_command(output_format: str, print_schema: bool, **options: Any) -> None:
    """Print the matrix the settings give: chart × environment → release, namespace, values files, --set,
    and where each setting comes from. Nothing is rendered."""
    from todolint import app

    if print_schema:
        sys.exit(_guard(lambda: _print(app.config_schema())))
    sys.exit(_guard(lambda: _print(app.show_matrix(Request(**options), output_format))))


@main.command()
@click.argument("root", default=".", type=click.Path(file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@_contract
def init(root: str, force: bool, contract_file: str | None) -> None:
    """Write .todolint.yaml for the charts below ROOT: environments, values files, release and namespace
    patterns, guessed from the files. Check it with `todolint config`."""
    from todolint import app

    sys.exit(_guard(lambda: _print(app.init(root, force=force, contract_file=contract_file))))
