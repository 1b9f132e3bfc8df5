"""What `todolint init` reads from a repository besides its charts' values files: how the repository
installs them (the `helm install`/`helm upgrade --install`/`helm template` commands of its scripts,
Makefiles, docs and workflows, and the releases of its helmfile and skaffold config), and which apps a
chart's own templates render. Everything is read statically, within bounds; nothing is run.

Modules, each one job: `model` (an install command as data), `envs` (environments in names),
`shell_words` and `shell` (POSIX shell), `powershell`, `make`, `workflows`, `declared` (helmfile,
skaffold), `yaml_tree`, `helm_args` (a helm command line), `scan` (which files, within which bounds),
`installs` (commands → settings per chart and environment), `apps` (the apps a chart's templates render).
"""

from __future__ import annotations

from todolint.adopt.apps import renders_both_apps, template_apps
from todolint.adopt.installs import ChartInstalls, EnvInstall, Said, chart_installs, secret_key
from todolint.adopt.model import Install
from todolint.adopt.scan import find_installs

__all__ = [
    "ChartInstalls",
    "EnvInstall",
    "Install",
    "Said",
    "chart_installs",
    "find_installs",
    "renders_both_apps",
    "secret_key",
    "template_apps",
]
