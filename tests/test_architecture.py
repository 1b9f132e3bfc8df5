"""The house rules, checked: layers import downward only (import-linter's contract in pyproject.toml),
no module graph circle, no import of another module's private names, no function over 80 lines, and the
rooms' rules: no module over 500 lines, no rule module that reads the disk, every Rule by keyword, a
docstring on every public name.

The contract is also run by .ci/run; here it is shown to fail when an upward import or a circle is
planted in a copy of the package.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "todolint"
MAX_FUNCTION_LINES = 80


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the package in `root`, with the contract of this repository's pyproject.toml."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _planted(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package with `line` added at the end of `module` (a path below todolint/)."""
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "todolint", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "todolint" / module
    target.write_text(target.read_text() + line)
    return copy


#: An import deferred into a function, where a glance at the module's head would not see it.
_PLANT = "\n\ndef _planted() -> None:\n    {}  # noqa: F401\n"


def test_the_import_contract_holds() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


#: An import deferred into a function, where a glance at the module's head would not see it.
_PLANT = "\n\ndef _planted() -> None:\n    {}  # noqa: F401\n"


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # An upward import and nothing more: the floor (version) reaching up to the rules' docs.
        ("version.py", _PLANT.format("from todolint.rules import docs"), ["Layers"]),
        # A circle inside one layer's package: the worker importing the renderer that imports it.
        ("render/worker.py", _PLANT.format("from todolint.render import helm_sdk"), ["No import circles"]),
        # Both at once: models is imported by the engine, which it now imports.
        ("models.py", _PLANT.format("from todolint import engine"), ["Layers", "No import circles"]),
    ],
)
def test_the_import_contract_fails_on_a_planted_import(
    tmp_path: Path, module: str, line: str, broken: list[str]
) -> None:
    done = _lint_imports(_planted(tmp_path, module, line))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"Contracts: {2 - len(broken)} kept, {len(broken)} broken." in done.stdout
    named = [x for x in done.stdout.splitlines() if x.endswith(" BROKEN")]
    assert [next(b for b in broken if x.startswith(b)) for x in named] == broken


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_module_graph_has_no_circle() -> None:
    assert _cycles(grimp.build_graph("todolint")) == []


def test_a_planted_circle_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _planted(tmp_path, "models.py", _PLANT.format("from todolint import engine"))
    monkeypatch.syspath_prepend(str(copy))
    for name in [m for m in sys.modules if m == "todolint" or m.startswith("todolint.")]:
        monkeypatch.delitem(sys.modules, name)
    cycles = _cycles(grimp.build_graph("todolint", cache_dir=None))
    assert len(cycles) == 1 and {"todolint.models", "todolint.engine"} <= set(cycles[0])


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_imports_another_modules_private_names() -> None:
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("todolint"):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.endswith("__")]
                offenders += [f"{path.name}: {node.module}.{name}" for name in private]
    assert offenders == []


def test_no_function_is_longer_than_the_budget() -> None:
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def test_the_command_line_stays_thin() -> None:
    """cli.py parses flags and calls the application; anything more belongs in app.py and below."""
    assert len((PACKAGE / "cli.py").read_text(encoding="utf-8").splitlines()) <= 250


# --- house rules of the rooms: size, rules that never read the disk, keyword rules, docstrings -------

MAX_MODULE_LINES = 500
#: Calls that reach the file system. A rule sees what discovery read, through its context: a rule that
#: reads a file itself escapes the render and result caches' keys, and is slow at 10,000 objects.
_DISK_CALLS = frozenset(
    {
        "open",
        "read_text",
        "read_bytes",
        "write_text",
        "exists",
        "is_file",
        "is_dir",
        "iterdir",
        "glob",
        "rglob",
        "stat",
        "lstat",
        "listdir",
        "scandir",
        "walk",
        "isfile",
        "isdir",
        "getsize",
        "realpath",
    }
)
#: The modules under rules/ whose job is reading files: the loaders of policy files.
_RULE_LOADERS = "load"


def long_modules(package: Path) -> list[str]:
    """Modules of `package` over the line budget."""
    found = []
    for path in sorted(package.rglob("*.py")):
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(package.parent)} ({count} lines)")
    return found


def disk_reads_in_rules(package: Path) -> list[str]:
    """Calls that reach the file system in the rule modules (the policy loaders aside)."""
    found = []
    for path in sorted((package / "rules").glob("*.py")):
        if path.stem.startswith(_RULE_LOADERS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in _DISK_CALLS:
                    found.append(f"{path.relative_to(package.parent)}:{node.lineno} {name}()")
    return found


def positional_rules(package: Path) -> list[str]:
    """`Rule(...)` and `Fix(...)` calls that pass an argument by position."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"Rule", "Fix"} and node.args:
                found.append(f"{path.relative_to(package.parent)}:{node.lineno} {node.func.id}(...)")  # type: ignore[attr-defined]
    return found


def undocumented(package: Path) -> list[str]:
    """Public modules, classes, functions and methods without a docstring, as ruff's pydocstyle sees them."""
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ruff"),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "D100,D101,D102,D103,D104,D106",
            "--output-format",
            "concise",
            str(package),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    root = str(package.parent) + os.sep
    return [line.removeprefix(root) for line in done.stdout.splitlines() if ": D1" in line]


HOUSE_RULES = {
    "module-size": long_modules,
    "rules-never-read-the-disk": disk_reads_in_rules,
    "rules-by-keyword": positional_rules,
    "docstrings": undocumented,
}

#: One violation of each house rule, planted at the end of a module of a copy of the package.
_VIOLATIONS = {
    "module-size": ("version.py", "\n" + "#\n" * MAX_MODULE_LINES),
    "rules-never-read-the-disk": (
        "rules/probes.py",
        '\n\ndef check_planted(ctx: object) -> None:\n    """Planted."""\n    open("Chart.yaml")\n',
    ),
    "rules-by-keyword": (
        "rules/probes.py",
        '\n\ndef planted() -> object:\n    """Planted."""\n    return Rule("TL999", "planted")\n',
    ),
    "docstrings": ("version.py", "\n\ndef planted() -> None:\n    pass\n"),
}


@pytest.mark.parametrize("rule", sorted(HOUSE_RULES))
def test_the_house_rule_holds(rule: str) -> None:
    assert HOUSE_RULES[rule](PACKAGE) == []


@pytest.mark.parametrize("rule", sorted(HOUSE_RULES))
def test_the_house_rule_fails_on_a_planted_violation(tmp_path: Path, rule: str) -> None:
    module, line = _VIOLATIONS[rule]
    copy = _planted(tmp_path, module, line) / "todolint"
    # Only what the planted line adds: the rule is shown to see it whatever else it finds.
    new = sorted(set(HOUSE_RULES[rule](copy)) - set(HOUSE_RULES[rule](PACKAGE)))
    assert len(new) == 1 and new[0].startswith(f"todolint/{module}"), new
