"""What every reporter says the same way: a finding's subject, its places, its environments, a target's
inputs. Words only; nothing here decides what was found."""

from __future__ import annotations

import os
from collections.abc import Mapping

from todolint.group import env_label, set_keys
from todolint.models import Finding, Location, Target, printable


def subject(finding: Finding) -> str:
    """`Deployment/todo-backend-dev`, or `chart` for a finding about the chart itself."""
    return f"{finding.kind}/{finding.object}" if finding.kind else "chart"


def headline(finding: Finding, linted: Mapping[str, tuple[str, ...]]) -> str:
    """`[dev, prod] Deployment/x spec.replicas: message`: one finding in one line."""
    field = f" {finding.path}" if finding.path else ""
    return f"[{env_label(finding, linted)}] {subject(finding)}{field}: {finding.message}"


def where(location: Location) -> str:
    """`file:line`, or `file` when the line is unknown."""
    return f"{location.file}:{location.line}" if location.line else location.file


def describe(location: Location) -> str:
    """A location named as what it is: `template charts/x/templates/a.yaml:3`, `values x/values.yaml:2`,
    and for a line of a chart's rendered output `rendered Deployment/x line 31` (never `file:line`: that
    line is no line of the template file). A file inside a packaged chart says that nobody can edit it."""
    if location.object is None:
        archive = packaged(location)
        return f"{location.kind} {where(location)}" + (f" ({PACKAGED})" if archive else "")
    return f"rendered {shown_file(location)}" + (f" line {location.line}" if location.line else "")


#: What a location inside a packaged chart (`charts/x-1.0.0.tgz:x/values.yaml`) adds to its name.
PACKAGED = "in a packaged chart: nobody can edit it in place"


def shown_file(location: Location) -> str:
    """The file a report names for `location`: for a line of a chart's rendered output, the rendered object
    it counts in (`Deployment/x`, or `output of <template>` for a template's whole output), never the
    template whose line it is not; else the file itself."""
    if location.object is None or location.line is None:
        return location.file
    return location.object or f"output of {location.file}"


def packaged(location: Location) -> str | None:
    """The packaged chart (`charts/backend-0.1.0.tgz`) whose file `location` names, or None: such a file is
    a member of an archive, named `<archive>:<member>`, and exists in no folder."""
    if location.object is not None:
        return None
    ends = [at + len(mark) - 1 for mark in (".tgz:", ".tar.gz:") if (at := location.file.rfind(mark)) >= 0]
    return location.file[: max(ends)] if ends else None


def is_file_line(location: Location) -> bool:
    """Whether `location.line` is a line a person can open in `location.file`."""
    return location.object is None and location.file not in ("", "-", "<stdin>")


def repository_root(start: str) -> str:
    """The nearest folder at or above `start` holding `.git`, else `start` itself: what SARIF's
    %SRCROOT% and GitHub's annotations count paths from."""
    folder = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.abspath(start)
        folder = parent


def repository_path(file: str, root: str) -> str | None:
    """`file` (relative to the working directory, or absolute) relative to `root`, with `/`; None when it
    lies outside."""
    relative = os.path.relpath(os.path.normpath(os.path.join(os.getcwd(), file)), root)
    if relative == ".." or relative.startswith(".." + os.sep):
        return None
    return relative.replace(os.sep, "/")


def target_inputs(target: Target) -> str:
    """`values a.yaml, b.yaml · --set image.tag`: the files and `--set` keys (never values) of a target,
    after the chart's own values.yaml, which Helm always reads first."""
    parts = []
    if target.values_files:
        parts.append("values " + ", ".join(printable(f) for f in target.values_files))
    keys = set_keys(target.set_values)
    if keys:
        parts.append("--set " + ", ".join(keys))
    return " · ".join(parts)


__all__ = [
    "PACKAGED",
    "describe",
    "headline",
    "is_file_line",
    "packaged",
    "repository_path",
    "repository_root",
    "shown_file",
    "subject",
    "target_inputs",
    "where",
]


def also_list(finding: Finding) -> list[dict[str, str]]:
    """The other places one line of source gives `finding` in (JSON `also`, SARIF `properties.also`)."""
    return [{"kind": kind, "object": name, "path": path} for kind, name, path in finding.also]
