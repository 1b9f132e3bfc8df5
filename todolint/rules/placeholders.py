"""Placeholders: `{{ contract.a.b }}`, `{{ app.port }}`, `{{ release }}` and the like, and their values.

Policy schemas and messages name contract values this way, so that a team edits the contract and not the
rule. `substitute` fills them in; a string that is only a placeholder takes the value's own type
(`{{ app.port }}` → 8000). Every rule's documentation names the values it states the same way
(`DOC_PLACEHOLDER`), and `fill_docs` writes them as prose with the contract in force.
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


# --- rule documentation ----------------------------------------------------------------------------

#: A placeholder in a rule's documentation. `{{ contract.<key path> }}` is that contract value as prose; one
#: step of the path may be `*`, every entry of the mapping there (`contract.apps.*.port`: each app's port).
#: `| and`, `| or` join a list's items (a mapping's keys) as a sentence does; `| first N` names N of them and
#: "..." for the rest. `{{ namespaces }}` is each environment's namespace.
DOC_PLACEHOLDER = re.compile(
    r"\{\{\s*(?P<expr>contract(?:\.(?:[A-Za-z0-9_\-]+|\*))+|namespaces)\s*"
    r"(?:\|\s*(?P<how>and|or|first\s+[0-9]+)\s*)?\}\}"
)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _listed(value: Any, how: str | None) -> str:
    """A value as prose: a scalar as written, a list's items (a mapping's keys with `| and` / `| or`) joined."""
    if isinstance(value, Mapping) and how is None:
        return ", ".join(f"{key}: {_listed(item, None)}" for key, item in value.items())
    if not isinstance(value, Mapping | list | tuple):
        return _scalar(value)
    items = [_scalar(item) for item in value]
    if not items:
        return "none"
    if how is not None and how.startswith("first"):
        count = int(how.split()[1])
        return ", ".join(items[:count]) + (", ..." if len(items) > count else "")
    if how in ("and", "or") and len(items) > 1:
        return f"{', '.join(items[:-1])} {how} {items[-1]}"
    return ", ".join(items)


def _in_contract(contract: Contract, keys: list[str]) -> Any:
    """The contract value at `keys`; a top-level key the file leaves out is the default the contract holds."""
    value = _dig(contract.data, keys)
    if value is None and len(keys) == 1 and keys[0] in _DEFAULTED:
        value = getattr(contract, keys[0], None)
    return value


#: Top-level contract keys a file may leave out, whose defaults `Contract` holds under the same name.
_DEFAULTED = frozenset({"secret_name_settings", "pod_template_labels"})


def _each(contract: Contract, expr: str, how: str | None) -> str | None:
    """`contract.<path>.*.<rest>`: the value of every entry that has one; one value when they all agree."""
    head, _, rest = expr.partition(".*")
    entries = _in_contract(contract, head.split(".")[1:])
    if not isinstance(entries, Mapping):
        return None
    values = {key: _dig(entry, rest.split(".")[1:]) for key, entry in entries.items()}
    found = {key: value for key, value in values.items() if value not in (None, (), [])}
    texts = {key: _listed(value, how) for key, value in found.items()}
    if len(set(texts.values())) <= 1:
        return next(iter(texts.values()), None)
    if any(isinstance(value, list | tuple) for value in found.values()):
        return "; ".join(f"{key}: {text}" for key, text in texts.items())
    return ", ".join(f"{key} {text}" for key, text in texts.items())


def _doc_value(contract: Contract, expr: str, how: str | None) -> str | None:
    if expr == "namespaces":
        pattern = contract.namespace_pattern
        return _listed([pattern.format(env=env, chart="{chart}") for env in contract.environments], how)
    if ".*" in expr:
        return _each(contract, expr, how)
    value = _in_contract(contract, expr.split(".")[1:])
    return None if value is None else _listed(value, how)


def fill_docs(text: str, contract: Contract) -> str:
    """A rule's documentation with the contract's values in place of its placeholders (DOC_PLACEHOLDER).

    A placeholder the contract has no value for stays as written, naming the key a reader looks up.
    """
    if "{{" not in text:
        return text

    def value(match: re.Match[str]) -> str:
        found = _doc_value(contract, match.group("expr"), match.group("how"))
        return match.group(0) if found is None else found

    return DOC_PLACEHOLDER.sub(value, text)
