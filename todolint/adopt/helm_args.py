"""A `helm install`/`helm upgrade`/`helm template` command line's words → what it installs: release,
chart, namespace, values files and `--set` keys. Words the reader could not resolve are None."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from todolint.adopt.model import ENV, ROOT_ANCHOR, UNKNOWN_PART
from todolint.helm_values import split_set

#: The names a helm binary goes by on a command line.
HELM_NAMES = frozenset({"helm", "helm3", "helm4", "helm.exe", "helm3.exe"})
_SUBCOMMANDS = frozenset({"install", "upgrade", "template"})
#: Flags that take a value (the next word, or after `=`); any other flag is a switch.
_WITH_VALUE = frozenset(
    {
        "-n", "--namespace", "-f", "--values", "--set", "--set-string", "--set-file", "--set-json",
        "--set-literal", "--version", "--repo", "--timeout", "--kube-context", "--kubeconfig",
        "--kube-apiserver", "--kube-as-user", "--kube-as-group", "--kube-ca-file", "--kube-token",
        "--kube-tls-server-name", "--post-renderer", "--post-renderer-args", "--description",
        "--name-template", "-o", "--output", "-a", "--api-versions", "--kube-version", "-s", "--show-only",
        "--output-dir", "--history-max", "--username", "--password", "--ca-file", "--cert-file",
        "--key-file", "--registry-config", "--repository-config", "--repository-cache", "--burst-limit",
        "--qps", "-l", "--labels", "--wait-retries", "--dry-run-mode",
    }
)  # fmt: skip
_SETS = frozenset({"--set", "--set-string"})


def is_helm(command: str | None) -> bool:
    """Whether a command word runs helm (`helm`, `/usr/local/bin/helm`, `helm3`, `helm.exe`)."""
    return command is not None and PurePosixPath(command.replace("\\", "/")).name.lower() in HELM_NAMES


@dataclass(frozen=True)
class HelmCall:
    """What one helm command line says; see `todolint.adopt.model.Install` for the meaning of None."""

    release: str | None
    chart: str | None
    namespace: str | None
    values: tuple[str | None, ...]
    sets: tuple[tuple[str, str | None], ...]


def _clean(text: str | None, *, path: bool = False) -> str | None:
    """A name or path as a setting may take it: None when it holds braces of its own or a control character."""
    if text is None:
        return None
    rest = text[len(ROOT_ANCHOR) :] if path and text.startswith(ROOT_ANCHOR) else text
    bare = rest.replace(ENV, "")
    if not rest or not bare.isprintable() or "{" in bare or "}" in bare:
        return None
    return text


def _sets(value: str | None) -> list[tuple[str, str | None]]:
    """The keys of a `--set` expression and their values; a value with an unresolved part is None, and
    so is everything after an unresolved key (its commas cannot be told from the value's)."""
    if value is None:
        return []
    out: list[tuple[str, str | None]] = []
    for part in split_set(value):
        if UNKNOWN_PART in part.name:
            break
        known = part.value is not None and UNKNOWN_PART not in part.value
        out.append((part.name, _clean(part.value) if known else None))
    return out


def _known(word: str | None) -> str | None:
    return None if word is None or UNKNOWN_PART in word else word


def read_helm(words: Sequence[str | None]) -> HelmCall | None:
    """The words after the helm command word → a HelmCall, or None when it installs nothing
    (`helm repo add`, `helm lint`, `helm upgrade` whose chart is not said)."""
    subcommand: str | None = None
    positionals: list[str | None] = []
    namespace: str | None = None
    values: list[str | None] = []
    sets: list[tuple[str, str | None]] = []
    generate = False
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word is not None and word.startswith("-") and word != "-" and UNKNOWN_PART not in word.partition("=")[0]:
            flag, eq, inline = word.partition("=")
            value: str | None = inline if eq else None
            if flag in _WITH_VALUE and not eq:
                value = words[i] if i < len(words) else None
                i += 1
            if flag not in _SETS:
                value = _known(value)
            if flag in ("-n", "--namespace"):
                namespace = _clean(value)
            elif flag in ("-f", "--values"):
                values.extend(_clean(v, path=True) for v in (value.split(",") if value is not None else [None]))
            elif flag in _SETS:
                sets.extend(_sets(value))
            elif flag in ("-g", "--generate-name"):
                generate = True
            continue
        word = _known(word)
        if subcommand is None:
            if word not in _SUBCOMMANDS:
                return None
            subcommand = word
            continue
        positionals.append(word)
    if subcommand is None:
        return None
    wanted = 1 if generate or (subcommand == "template" and len(positionals) == 1) else 2
    if len(positionals) < wanted:
        return None
    release = None if wanted == 1 else _clean(positionals[0])
    return HelmCall(
        release=release,
        chart=_clean(positionals[wanted - 1], path=True),
        namespace=namespace,
        values=tuple(values),
        sets=tuple((key, value) for key, value in sets if key),
    )
