"""Adopting todolint on a repository: `todolint init` writes `.todolint.yaml` from what the charts' files
and the repository's install commands say (`todolint.layout_guess`, `todolint.adopt`); `todolint config`
shows the matrix the settings give and where each setting comes from, down to the install command that
gives the same value (`deploy.sh:12`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from todolint.adopt import chart_installs
from todolint.adopt.envs import DEFAULT_ENV, ordered
from todolint.config import PYPROJECT, YAML_NAMES, has_todolint_table, schema_path
from todolint.contract import Contract
from todolint.discover import EVERY_ENV, ChartRef, Layout, MatrixRow, discover
from todolint.group import set_keys
from todolint.layout_guess import PER_ENV_RELEASE, ChartGuess, command_origins, guess_chart

#: Setting → origins of one chart × environment, by (chart path, env): what `todolint config` adds.
Commands = Mapping[tuple[str, str], Mapping[str, str]]


class LayoutError(Exception):
    """`todolint init` cannot write the file; the message is one line for the user."""


def _agreed(values: Sequence[str | None], default: str | None) -> str | None:
    """The value every chart agrees on; else the default (and each chart says its own under `charts:`)."""
    return values[0] if values and values[0] is not None and len(set(values)) == 1 else default


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML string, quoted wherever YAML would need it


#: Where `todolint config --schema` is kept for an editor, beside the config it describes.
SCHEMA_COPY = ".todolint.schema.json"


def _schema_line(folder: Path) -> str:
    """The editor's schema modeline, by a path relative to the repository: an absolute path into this
    machine's site-packages would be wrong on every other machine the file is committed to."""
    schema = schema_path()
    if (folder / SCHEMA_COPY).is_file():
        return f"# yaml-language-server: $schema={SCHEMA_COPY}"
    if schema.is_relative_to(folder):
        return f"# yaml-language-server: $schema={schema.relative_to(folder).as_posix()}"
    return (
        f"# For editor completion: `todolint config --schema > {SCHEMA_COPY}`, then make this line "
        f"`# yaml-language-server: $schema={SCHEMA_COPY}`."
    )


def _key(mapping: Mapping[str, tuple[object, ...]] | None) -> tuple[object, ...] | None:
    return None if mapping is None else tuple(sorted(mapping.items()))


def _note(origin: str | None) -> str:
    return f"  # {origin}" if origin else ""


def _values_lines(values: Mapping[str, tuple[str, ...]], indent: str, note: str) -> list[str]:
    if list(values) == [EVERY_ENV]:
        return [f"{indent}values: [{', '.join(_q(v) for v in values[EVERY_ENV])}]{note}"]
    return [f"{indent}values:{note}"] + [
        f"{indent}  {_q(env)}: [{', '.join(_q(v) for v in values[env])}]" for env in ordered(values)
    ]


def _set_lines(sets: Mapping[str, tuple[tuple[str, str], ...]], indent: str, note: str) -> list[str]:
    envs = [EVERY_ENV, *ordered(e for e in sets if e != EVERY_ENV)] if EVERY_ENV in sets else ordered(sets)
    pairs = {env: ", ".join(f"{_q(k)}: {_q(v)}" for k, v in sets[env]) for env in envs}
    return [f"{indent}set:{note}"] + [f"{indent}  {_q(env)}: {{{pairs[env]}}}" for env in envs]


def _all_said(guesses: Sequence[ChartGuess], setting: str) -> str | None:
    """The commands that give every chart this setting, or None when one chart's comes from elsewhere."""
    said = [g.said.get(setting) for g in guesses]
    if not said or None in said:
        return None
    return ", ".join(dict.fromkeys(o for s in said if s for o in s.split(", ")))


def _envs_from(guesses: Sequence[ChartGuess], envs: Sequence[str]) -> str:
    installed = any(g.installs for g in guesses)
    named = any(g.naming for g in guesses)
    if not installed:
        return "found in the values files' names" if named else "the contract's: no values-<env> file found"
    said = "found in the install commands" + (" and the values files' names" if named else "")
    if DEFAULT_ENV in envs:
        said += f"; {_q(DEFAULT_ENV)}: one that names no environment, with the chart's values.yaml alone"
    return said


def config_text(root: Path, guesses: Sequence[ChartGuess], contract: Contract) -> str:
    """The commented `.todolint.yaml` for these guesses."""
    envs = ordered({env for g in guesses for env in g.environments}) or list(contract.environments)
    values_keys = [_key(g.values) for g in guesses]
    values_key = values_keys[0] if values_keys and values_keys[0] is not None and len(set(values_keys)) == 1 else None
    values = guesses[0].values if values_key is not None else None
    set_keys = [_key(g.set_values) for g in guesses]
    sets = guesses[0].set_values if set_keys and set_keys[0] is not None and len(set(set_keys)) == 1 else None
    release = _agreed([g.release for g in guesses], PER_ENV_RELEASE) or PER_ENV_RELEASE
    namespace = _agreed([g.namespace for g in guesses], contract.namespace_pattern) or contract.namespace_pattern
    agreed_release = len({g.release for g in guesses}) == 1
    agreed_namespace = len({g.namespace for g in guesses}) == 1
    lines = [
        _schema_line(root),
        "# todolint's configuration, written by `todolint init` from the charts it found. Check the guesses,",
        "# run `todolint config` to see the chart × environment matrix they give, then commit this file.",
        "",
        f"# The environments to lint ({_envs_from(guesses, envs)}).",
        f"environments: [{', '.join(_q(env) for env in envs)}]",
        "",
        "# Helm release name and namespace of a chart in an environment; placeholders: {chart}, {env}.",
        f"release: {_q(release)}{_note(_all_said(guesses, 'release') if agreed_release else None)}",
        f"namespace: {_q(namespace)}{_note(_all_said(guesses, 'namespace') if agreed_namespace else None)}",
    ]
    if values:
        lines += [
            "",
            "# Values files read after the chart's values.yaml, relative to the chart folder ({chart}, {env}).",
            *_values_lines(values, "", _note(_all_said(guesses, "values"))),
        ]
    if sets:
        lines += [
            "",
            '# Helm --set values per environment ("*": every one); non-secret values only: this file is committed.',
            *_set_lines(sets, "", _note(_all_said(guesses, "set"))),
        ]
    lines += _chart_entries(guesses, release=release, namespace=namespace, values=values, sets=sets)
    lines += _secrets_left_out(guesses)
    return "\n".join(lines) + "\n"


def _chart_entries(
    guesses: Sequence[ChartGuess],
    *,
    release: str,
    namespace: str,
    values: Mapping[str, tuple[str, ...]] | None,
    sets: Mapping[str, tuple[tuple[str, str], ...]] | None,
) -> list[str]:
    """`charts:` entries for the charts that differ from the settings above."""
    entries: list[str] = []
    for guess in sorted(guesses, key=lambda g: (g.key, g.chart.path)):
        own: list[str] = []
        if guess.release != release:
            own.append(f"    release: {_q(guess.release)}{_note(guess.said.get('release') or guess.why_release)}")
        if guess.namespace is not None and guess.namespace != namespace:
            note = guess.said.get("namespace") or "from its values files"
            own.append(f"    namespace: {_q(guess.namespace)}{_note(note)}")
        if guess.values is not None and _key(guess.values) != _key(values):
            own += _values_lines(guess.values, "    ", _note(guess.said.get("values")))
        if guess.set_values is not None and _key(guess.set_values) != _key(sets):
            own += _set_lines(guess.set_values, "    ", _note(guess.said.get("set")))
        if own:
            where = guess.chart.name if guess.key != guess.chart.name else guess.chart.path
            entries += [f"  {_q(guess.key)}:  # {where}", *own]
    if not entries:
        return []
    by = "by the name in Chart.yaml"
    if any(g.key != g.chart.name for g in guesses):
        by += ", or by folder where two charts share one"
    return ["", f"# Charts that differ from the settings above ({by}).", "charts:", *entries]


def _secrets_left_out(guesses: Sequence[ChartGuess]) -> list[str]:
    left = [(key, origin) for g in guesses if g.installs for key, origin in g.installs.secrets]
    if not left:
        return []
    lines = ["", "# Left out, as this file is committed: --set keys that look like a secret's."]
    return lines + [f"#   {key} ({origin})" for key, origin in dict.fromkeys(left)]


def _folder_key(root: Path, chart: ChartRef) -> str:
    """A chart's folder as a `charts:` key: relative to the config's folder, with a `/` in it."""
    try:
        rel = Path(chart.path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = Path(chart.path).as_posix()
    return rel if "/" in rel else f"{rel}/" if rel != "." else "./"


def init(root: Path, contract: Contract, *, force: bool) -> tuple[Path, tuple[ChartGuess, ...]]:
    """Write `root/.todolint.yaml` from what the charts below `root` and the commands that install them
    say; refuse to overwrite a config (or to shadow `[tool.todolint]` in pyproject.toml) without `force`."""
    target = root / YAML_NAMES[0]
    if not force:
        for name in YAML_NAMES:
            if (root / name).is_file():
                raise LayoutError(f"{root / name}: exists; `todolint init --force` overwrites it")
        if (root / PYPROJECT).is_file() and has_todolint_table(root / PYPROJECT):
            raise LayoutError(
                f"{root / PYPROJECT}: holds [tool.todolint]; `todolint init --force` writes {target.name}, "
                "which wins over it"
            )
    charts = discover([str(root)]).charts
    installs = chart_installs(root, charts, contract)
    guesses = tuple(
        guess_chart(c, contract, installs.get(c.path), key=_folder_key(root, c) if c.label else c.name) for c in charts
    )
    text = config_text(root, guesses, contract)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LayoutError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return target, guesses


def install_origins(root: Path, rows: Sequence[MatrixRow], charts: Sequence[ChartRef], contract: Contract) -> Commands:
    """For `todolint config`: each row's settings that an install command below `root` gives alike."""
    return command_origins(rows, chart_installs(root, charts, contract)) if rows else {}


def unmatched_entries(layout: Layout, charts: Sequence[ChartRef]) -> list[str]:
    """One note per `charts:` entry that names none of the charts found: by name with the closest name,
    by folder with the folders found."""
    found = sorted({chart.name for chart in charts})
    notes = []
    for name in sorted(layout.charts):
        if name not in found:
            close = difflib.get_close_matches(name, found, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"found: {', '.join(found) or 'none'}"
            notes.append(f"charts.{name}: names no chart found here ({hint})")
    folders = {Path(chart.path).resolve().as_posix() for chart in charts}
    for key, (folder, _entry) in sorted(layout.folders.items()):
        if folder not in folders:
            shown = ", ".join(sorted(chart.path for chart in charts)) or "none"
            notes.append(f"charts.{key}: names no chart folder found here (found: {shown})")
    return notes


_SETTINGS = ("release", "namespace", "values", "set")


def _from(base: str, refs: Sequence[str]) -> str:
    """An origin with the install commands that give the same value: `.todolint.yaml (deploy.sh:12)`."""
    shown = ", ".join(dict.fromkeys(refs))
    return f"{base} ({shown})" if shown else base


def _row_origins(row: MatrixRow, commands: Commands) -> tuple[str, str, str, str]:
    said = commands.get((row.target.chart_path, row.target.env), {})
    o = row.origins
    bases = (o.release, o.namespace, o.values, o.set_values)
    release, namespace, values, sets = (
        _from(b, [said[s]] if s in said else []) for b, s in zip(bases, _SETTINGS, strict=True)
    )
    return release, namespace, values, sets


def matrix_text(
    rows: Sequence[MatrixRow],
    *,
    config_file: str | None,
    kube: str,
    unmatched: Sequence[str] = (),
    commands: Commands | None = None,
) -> str:
    """`todolint config`: the chart × environment table (`--set` keys, never their values), then where
    each chart's settings come from (with the install commands that give the same values, `commands`)."""
    header = ("chart", "env", "release", "namespace", "values files", "set")
    table = [header] + [
        (
            r.target.chart,
            r.target.env,
            r.target.release,
            r.target.namespace,
            " ".join(r.target.values_files) or "-",
            " ".join(set_keys(r.target.set_values)) or "-",
        )
        for r in rows
    ]
    bases: dict[str, tuple[str, ...]] = {}
    refs: dict[str, list[list[str]]] = {}
    for r in rows:
        o = r.origins
        bases.setdefault(r.target.chart_path, (o.release, o.namespace, o.values, o.set_values))
        said = (commands or {}).get((r.target.chart_path, r.target.env), {})
        found = refs.setdefault(r.target.chart_path, [[], [], [], []])
        for i, setting in enumerate(_SETTINGS):
            if setting in said:
                found[i].append(said[setting])
    sources: list[tuple[str, ...]] = [("chart folder", "release from", "namespace from", "values from", "set from")]
    for path, base in bases.items():
        sources.append((path, *(_from(b, refs[path][i]) for i, b in enumerate(base))))
    lines = [f"config: {config_file or '(none: the contract defaults)'}", f"Kubernetes schemas: {kube}", ""]
    notes = [f"note: {config_file}: {note}" for note in unmatched]
    return "\n".join([*lines, *_columns(table), "", *_columns(sources), *(["", *notes] if notes else [])]) + "\n"


def matrix_json(
    rows: Sequence[MatrixRow],
    *,
    config_file: str | None,
    kube: str,
    unmatched: Sequence[str] = (),
    commands: Commands | None = None,
) -> str:
    """`todolint config --format json`: each chart × environment with its release, namespace, values files
    and `--set` keys (never their values), and where each of them comes from (`from`, with the install
    command that gives the same value), with the config file, the Kubernetes version and the notes on
    unmatched `charts:` entries."""
    targets = []
    for r in rows:
        release, namespace, values, sets = _row_origins(r, commands or {})
        targets.append(
            {
                "chart": r.target.chart,
                "chart_path": r.target.chart_path,
                "env": r.target.env,
                "release": r.target.release,
                "namespace": r.target.namespace,
                "values": list(r.target.values_files),
                "set": list(set_keys(r.target.set_values)),
                "from": {"release": release, "namespace": namespace, "values": values, "set": sets},
            }
        )
    data = {"config": config_file, "kube_version": kube, "notes": list(unmatched), "targets": targets}
    return json.dumps(data, indent=2) + "\n"


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def summary(path: Path, guesses: Sequence[ChartGuess]) -> str:
    """What `todolint init` tells the user it did: each chart's values-file naming, and the files whose
    install commands it read."""
    described = []
    for g in guesses:
        files = ", ".join(dict.fromkeys(o.rsplit(":", 1)[0] for o in g.installs.origins)) if g.installs else ""
        described.append(
            f"{g.chart.shown} ({g.naming or 'values.yaml only'}{f'; installed by {files}' if files else ''})"
        )
    charts = ", ".join(described) or "no chart"
    return f"wrote {path}: {len(guesses)} chart{'s' if len(guesses) != 1 else ''}: {charts}\n"
