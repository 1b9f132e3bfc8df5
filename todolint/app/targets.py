"""What a run lints: chart × environment targets and pre-rendered inputs, found from the paths given."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from todolint.app.request import Request, fail
from todolint.app.settings import RunSettings, kube_version

if TYPE_CHECKING:
    from todolint.discover import ManifestInput
    from todolint.models import Target


@dataclass(frozen=True)
class LintInputs:
    """What is to be linted: chart × environment targets, pre-rendered inputs, the schema version."""

    targets: tuple[Target, ...]
    prerendered: tuple[ManifestInput, ...]
    kube_version: str
    #: The environments asked for (command line, else config); the first names pre-rendered input's.
    environments: tuple[str, ...]


def find_inputs(request: Request, settings: RunSettings) -> LintInputs:
    """The charts and manifest files below the request's paths, each chart × environment a target."""
    from todolint.discover import DiscoveryError, build_targets, discover

    relint = relints_everything(request.paths, settings.policies, settings.contract_path, settings.config.file)
    try:
        found = discover(relint or request.paths or (".",), only_charts=request.only_charts)
    except DiscoveryError as exc:
        fail(str(exc))
    for values_file in request.values_files:
        if not Path(values_file).is_file():
            fail(f"{values_file}: values file not found")
    kube = kube_version(request, settings)
    matrix = dataclasses.replace(settings.matrix, kube_version=kube)
    targets = build_targets(found.charts, settings.contract, matrix)
    envs = request.environments or settings.config.environments or ()
    return LintInputs(tuple(targets), found.manifests, kube, tuple(envs))


def relints_everything(
    paths: Sequence[str], policies: Sequence[str], contract: str | None, config: str | None
) -> tuple[str, ...] | None:
    """A changed policy, contract or config file (as pre-commit passes them) changes every chart's result:
    lint every chart below the working directory, plus the other paths given."""
    cwd = Path.cwd().resolve()
    folders = [Path(p).resolve() for p in policies] + [cwd / "policies"]
    files = {Path(f).resolve() for f in (contract, config) if f}
    hits, rest = [], []
    for raw in paths:
        path = Path(raw).resolve() if raw != "-" else None
        # Files only: `todolint policies/` names a folder to lint, and says plainly that it holds no chart.
        if path is not None and path.is_file() and (path in files or any(f in path.parents for f in folders)):
            hits.append(raw)
        else:
            rest.append(raw)
    return (".", *rest) if hits else None


__all__ = ["LintInputs", "find_inputs", "relints_everything"]
