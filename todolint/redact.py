"""What a shown line of source may say: values that can hold a secret become `***`.

Code frames in the text report and the lines a fix shows are read from values files, templates and
rendered objects, any of which can hold a secret. A value under a key or env name that looks like a
secret, and a URL with credentials, are always masked; in a values file every text value is, since any
values key may feed a secret. A value the finding's message states itself is shown: messages never
quote a secret (README "redaction"), so showing it tells nothing new.
"""

from __future__ import annotations

import re

_SENSITIVE = re.compile(
    r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL|AUTH|DSN|CONNECTION_STRING", re.I
)
_CREDENTIAL_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
#: Scalars a values frame may show: numbers, booleans, null, empty collections, block indicators.
_PLAIN = re.compile(
    r"""^(?:[-+]?(?:\d[\d_]*)(?:\.\d*)?(?:[eE][-+]?\d+)?|true|false|True|False|null|~|\{\}|\[\]|[|>][-+]?\d?|)$"""
)
_KEY = re.compile(r"^(\s*(?:- )?[^\s:#][^:]*?):(?:\s|$)")
_SENSITIVE_NAME = re.compile(r"^\s*(?:- )?name:\s*[\"']?[\w.-]*(?:" + _SENSITIVE.pattern + ")", re.I)
#: Top-level keys of an object whose values are no secret even in a Secret (`kind: Secret`, `type: Opaque`).
_STRUCTURE = re.compile(r"^(?:apiVersion|kind|type|immutable)$")


def names_a_secret(line: str) -> bool:
    """Whether `line` is an env entry's name that looks like a secret (`- name: API_KEY`): the `value:`
    on the line after it is as secret as the name says."""
    return _SENSITIVE_NAME.search(line) is not None


def masked_line(line: str, *, values_file: bool, previous: str = "") -> str:
    """`line` as a code frame shows it when no message names its value: in a values file strings are
    `***`; elsewhere values that look like secrets are (a key that names one, a credential URL, the
    `value:` after `- name: API_KEY`)."""
    if values_file:
        return mask_values_line(line)
    return mask_line(line, secret=names_a_secret(previous))


def mask_values_line(line: str, *, stated: str = "") -> str:
    """A values-file line with every text value as `***`, unless `stated` (the finding's message) names
    it and neither its key nor the value looks like a secret; numbers, booleans and nulls are shown."""
    body = line.split(" #", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
    if not body.strip():
        return line if not line.lstrip().startswith("#") else line[: len(line) - len(line.lstrip())] + "# ..."
    key = _KEY.match(body)
    if key is not None:
        value = body[key.end() :].strip()
        if _PLAIN.match(_unquote(value)):
            return body
        secret = _SENSITIVE.search(key.group(1)) or _CREDENTIAL_URL.search(value)
        return body if not secret and _stated(value, stated) else f"{key.group(1)}: ***"
    indent = body[: len(body) - len(body.lstrip())]
    item = body.strip()
    if item.startswith("- ") and _PLAIN.match(_unquote(item[2:].strip())):
        return body
    if item.startswith("- ") and not _CREDENTIAL_URL.search(item) and _stated(item[2:].strip(), stated):
        return body
    return indent + ("- ***" if item.startswith("-") else "***")


def mask_line(line: str, *, secret: bool = False, maybe: bool = False, stated: str = "") -> str:
    """A template or rendered line with a value that looks like a secret as `***`.

    `secret`: the value is one (by its env name); `maybe`: it may be one (a Secret's value, a secrets
    rule's line), so it is masked unless `stated` names it.
    """
    key = _KEY.match(line)
    if key is not None:
        value = line[key.end() :].strip()
        if not value:
            return line
        if secret or _SENSITIVE.search(key.group(1)) or _CREDENTIAL_URL.search(value):
            return f"{key.group(1)}: ***"
        if maybe and not _STRUCTURE.match(key.group(1)) and not _stated(value, stated):
            return f"{key.group(1)}: ***"
        return line
    if _CREDENTIAL_URL.search(line) or ((secret or maybe) and not _stated(line.strip().lstrip("- "), stated)):
        return line[: len(line) - len(line.lstrip())] + "***"
    return line


def _unquote(value: str) -> str:
    """`'5'` → `5`: a quoted number is still just a number (quoted text stays quoted, and masked)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" and _PLAIN.match(value[1:-1]):
        return value[1:-1]
    return value


def _stated(value: str, message: str) -> bool:
    """Whether the message names this value itself (`found "NodePort"`): showing it then tells nothing new."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if not value or not message or value[0] in "{[&*!|>":  # flow collections, anchors, tags: not one value
        return False
    return re.search(r"(?<![\w.-])" + re.escape(value) + r"(?![\w.-])", message) is not None


__all__ = ["mask_line", "mask_values_line", "masked_line", "names_a_secret"]
