"""Where a person edits a finding: the values-file line that supplied a field, the template line that wrote it.

Helm does not say which template line produced which rendered line, so this package reads the chart the
way a person would, in steps that each have a module:

- `actions`: the Go-template lexer; every `{{ ... }}` becomes a token that keeps line numbers.
- `skeletons`: each template (and each helper body) as YAML nodes carrying the template's own lines;
  a line that only emits a block (`include ... | nindent 4`) becomes a placeholder key.
- `terms`: what `.Values.a.b`, `.x`, `$` and `$var` stand for inside `with` and `range` blocks.
- `charts`: the charts of a render (subcharts in folders or `.tgz` archives, aliases, `import-values`)
  and which of them rendered a template.
- `values`: a target's values files and `--set`, composed as Helm composes them for the top chart and
  each subchart, with every key's line.
- `walk`: a rendered field path walked down a skeleton (into helpers from `_helpers.tpl`, into values for
  `toYaml` blocks) to its template line and the `.Values` path that fed it.
- `locator`: `Locator`, the entry point: a finding's field → its values, template and rendered lines.

Every answer is checked against what Helm rendered (literal siblings must match, the values value must
appear in the rendered value); anything ambiguous is left out, because a wrong line is worse than none.
All of this runs only for findings, and each file is read and analysed at most once per run.
"""

from __future__ import annotations

from todolint.helm_values import SET_FILE, parse_set
from todolint.locate.locator import KIND_ORDER, Locator

__all__ = ["KIND_ORDER", "SET_FILE", "Locator", "parse_set"]
