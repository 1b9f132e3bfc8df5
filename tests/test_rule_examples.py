"""Every rule's example is a fixture, run here: what `todolint explain` shows is what todolint finds.

An example is a whole file that starts with a `# todolint: key=value ...` header:

- a pre-rendered stream (`chart=... env=... release=... namespace=...`, the CLI flags, as in
  tests/rules/): linted as it is;
- a file of a chart (`file=<chart>/<path> env=...`): written at that path, beside a minimal Chart.yaml
  when it is not the Chart.yaml itself, and the chart folder rendered with the embedded Helm SDK.

`# expect: CODE[, CODE]` at the end of a line marks a finding of that code on that line. For every code the
markers name (the rule's own at least), the findings of that code are exactly the marked lines, one each.
Findings of other codes are the example's business only where it marks them: an example is the smallest
file that shows its rule, not a clean chart.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from todolint.cli import main
from todolint.contract import load_contract
from todolint.rules import Rule, all_rules

RULES = all_rules(load_contract())
HEADER = re.compile(r"\A#\s*todolint:(.*)$", re.MULTILINE)
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
#: The Chart.yaml beside a chart example that is not the Chart.yaml itself.
CHART_YAML = 'apiVersion: v2\nname: {name}\nversion: 0.1.0\nappVersion: "1.0.0"\n'
#: Rules whose example is not run, and why. Only engine rules may be here.
NOT_EXECUTABLE: dict[str, str] = {}


def marks(example: str) -> dict[str, list[int]]:
    """Each code the example's `# expect:` markers name, and the lines that name it."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(example.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for code in match.group(1).replace(",", " ").split():
                found.setdefault(code, []).append(number)
    return found


def lint_example(example: str, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Write the example under `folder` as its header says, lint it; the file and the JSON report."""
    header = HEADER.match(example)
    assert header, "an example starts with a '# todolint:' header"
    options = dict(pair.partition("=")[::2] for pair in header.group(1).split())
    text = example if example.endswith("\n") else example + "\n"
    if "file" in options:
        file = folder / options.pop("file")
        chart = folder / file.relative_to(folder).parts[0]
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        if not (chart / "Chart.yaml").exists():
            (chart / "Chart.yaml").write_text(CHART_YAML.format(name=chart.name), encoding="utf-8")
        args = [str(chart), "--renderer", "embedded"]
    else:
        file = folder / "example.yaml"
        file.write_text(text, encoding="utf-8")
        args = [str(file)]
    for key, value in options.items():
        args += [f"--{key}", value]
    result = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "info"], catch_exceptions=False)
    assert result.exit_code in (1, 2), result.output
    return file, json.loads(result.stdout)


def shown(rule: Rule) -> str:
    """The example as `todolint explain` prints it, without the two-space indent."""
    out = CliRunner().invoke(main, ["explain", rule.code], catch_exceptions=False).stdout
    _, _, example = out.partition("\nExample\n")
    return "\n".join(line[2:] for line in example.splitlines())


@pytest.mark.parametrize("rule", [r for r in RULES if r.code not in NOT_EXECUTABLE], ids=lambda r: r.code)
def test_example_finds_what_it_shows(rule: Rule, tmp_path: Path) -> None:
    """The example, linted, has the rule's finding on each line it marks, and no other of that code."""
    assert shown(rule) == rule.example.rstrip("\n")
    expected = marks(rule.example)
    assert rule.code in expected, f"{rule.code}: the example marks no finding of its own rule"
    file, report = lint_example(rule.example, tmp_path)
    for code, lines in expected.items():
        found = [(Path(f["file"]).resolve(), f["line"]) for f in report["findings"] if f["code"] == code]
        assert Counter(found) == Counter((file.resolve(), line) for line in lines), (code, report["findings"])


def test_only_engine_rules_have_examples_that_do_not_run() -> None:
    """An example that is not run is an engine rule's, with the reason written down."""
    for code, why in NOT_EXECUTABLE.items():
        assert code < "TL100" and why, code
