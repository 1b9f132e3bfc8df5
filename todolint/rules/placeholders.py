"""Placeholders: `{{ contract.a.b }}`, `{{ app.port }}`, `{{ release }}` and the like, and their values.

Policy schemas and messages name contract values this way, so that a team edits the contract and not the
rule. `substitute` fills them in; a string that is only a placeholder takes the value's own type
(`{{ app.port }}` → 8000).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from todolint.contract import Contract

#: One placeholder: `{{ expr }}`, where expr is `contract.<key path>`, `app.<key path>` or a parameter name.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
#: What `lookup` returns for an expression with no value (None in the contract counts as none).
MISSING: Any = object()


def placeholders(value: Any) -> Iterator[re.Match[str]]:
    """Every placeholder in a string, or in the strings of nested mappings and lists."""
    if isinstance(value, str):
        yield from PLACEHOLDER.finditer(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from placeholders(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from placeholders(item)


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def _dig(value: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def lookup(expr: str, params: Mapping[str, Any], contract: Contract) -> Any:
    """The value of one placeholder expression, or MISSING.

    `contract.a.b` reads the contract; `app.a.b` reads the entry of `params["app"]` under the contract's
    `apps`; anything else is a parameter (`release`, `namespace`, `env`, `chart`, `app`).
    """
    head, _, rest = expr.partition(".")
    if head == "contract":
        value = _dig(contract.data, rest.split(".")) if rest else MISSING
    elif head == "app" and rest:
        app = params.get("app")
        value = _dig(contract.apps, [app, *rest.split(".")]) if isinstance(app, str) else None
    else:
        value = params.get(expr, MISSING)
    return MISSING if value is None else value


def substitute(value: Any, params: Mapping[str, Any], contract: Contract) -> Any:
    """Replace placeholders; raises KeyError(expr) when one has no value."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole:
            found = lookup(whole.group(1), params, contract)
            if found is MISSING:
                raise KeyError(whole.group(1))
            return _thaw(found)

        def text(match: re.Match[str]) -> str:
            found = lookup(match.group(1), params, contract)
            if found is MISSING:
                raise KeyError(match.group(1))
            return str(found)

        return PLACEHOLDER.sub(text, value)
    if isinstance(value, Mapping):
        return {k: substitute(v, params, contract) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, params, contract) for v in value]
    return value
