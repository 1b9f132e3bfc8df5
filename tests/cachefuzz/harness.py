"""A chart tree, a helm on PATH and a cache folder that random edits are made to, and the property
checked after every edit: a cached run reports exactly what `--no-cache` reports on the same inputs.

The edits are the kinds that once made the caches lie: files written, removed, or rewritten with
the same size and modification time, or replaced by rename; empty folders; symlinks to folders and
files inside the chart, and loops; values.schema.json `$ref`s inside the chart, to a file outside it
and to the network (a local server that must see no request); the helm binary swapped (Helm 3, Helm
4, or a version manager's shim that runs either); and edits made while Helm renders (by the shim,
just before it runs `helm template`).

Runs are in-process (click's runner) with the real helm CLI, so that a CI budget of a few hundred
sequences takes minutes, not hours; each run starts from nothing but the cache folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import strategies as st

from todolint.cli import main

CHART_YAML = "apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: '1.0'\n"
TEMPLATES = {
    "configmap": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny-{{ .Values.count }}\n"
        "data:\n  n: '{{ .Values.count }}'\n"
    ),
    "service": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: tiny\nspec:\n  ports:\n    - port: {{ .Values.count }}\n"
    ),
    "secret": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tiny\nstringData:\n  k: v\n",
    "fails": '{{ fail "stop here" }}\n',
    "not-yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n",
}
SCHEMAS: dict[str, Callable[[str, str], Any]] = {
    "none": lambda url, outside: None,
    "local": lambda url, outside: {"$defs": {"n": {"type": "integer"}}, "properties": {"count": {"$ref": "#/$defs/n"}}},
    "local-string": lambda url, outside: {"properties": {"count": {"type": "string"}}},
    "network": lambda url, outside: {"$ref": f"{url}/schema.json"},
    "outside-file": lambda url, outside: {"$ref": f"file://{outside}"},
    "relative": lambda url, outside: {"$ref": "../outside.json"},
    "metaschema": lambda url, outside: {"$schema": f"{url}/meta", "type": "object"},
}
#: Edits the shim can make while Helm renders (shell, run in the chart folder).
MID_RUN = {
    "value": "printf 'count: 7\\n' > values.yaml",
    "template": "printf 'apiVersion: v1\\nkind: Secret\\nmetadata:\\n  name: mid\\n' > templates/mid.yaml",
    "folder": "mkdir -p charts/todo-frontend",
    "loop": "ln -sfn .. templates/loop",
}
SHIM = """#!/bin/sh
if [ "$1" = template ] && [ -f "{bin}/pending.sh" ]; then
    (cd "{chart}" && sh "{bin}/pending.sh")
    rm -f "{bin}/pending.sh"
fi
exec "$(cat "{bin}/real")" "$@"
"""

Edit = tuple[str, tuple[Any, ...]]

#: One random edit: its name and arguments (data, so that hypothesis shows and shrinks it).
edits = st.one_of(
    st.tuples(st.just("value"), st.tuples(st.integers(0, 3))),
    st.tuples(
        st.just("template"), st.tuples(st.sampled_from(["a.yaml", "b.yaml"]), st.sampled_from(sorted(TEMPLATES)))
    ),
    st.tuples(st.just("remove"), st.tuples(st.sampled_from(["a.yaml", "b.yaml", "templates/cm.yaml"]))),
    st.tuples(st.just("same-size"), st.tuples()),
    st.tuples(st.just("replace"), st.tuples()),
    st.tuples(st.just("folder"), st.tuples(st.sampled_from(["charts/todo-frontend", "charts/x", "templates/empty"]))),
    st.tuples(
        st.just("dir-link"),
        st.tuples(
            st.sampled_from(["templates/link", "charts/link"]), st.sampled_from(["../files", "..", "../templates", ""])
        ),
    ),
    st.tuples(st.just("file-link"), st.tuples(st.sampled_from(["cm.yaml", "../files/f.yaml", ""]))),
    st.tuples(st.just("schema"), st.tuples(st.sampled_from(sorted(SCHEMAS)))),
    st.tuples(st.just("outside"), st.tuples(st.integers(0, 2))),
    st.tuples(st.just("helm"), st.tuples(st.sampled_from(["v3", "v4", "shim-v3", "shim-v4"]))),
    st.tuples(st.just("mid-run"), st.tuples(st.sampled_from(sorted(MID_RUN)))),
)


def sequences(max_edits: int) -> st.SearchStrategy[list[Edit]]:
    """Sequences of 1 to `max_edits` edits (the CI run keeps them short, the long run does not)."""
    return st.lists(edits, min_size=1, max_size=max_edits)


@dataclass
class World:
    """One chart tree with its helm and cache folder, made fresh for each sequence."""

    helm3: str
    helm4: str
    sentinel_url: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="todolint-cachefuzz-")))
    runs: int = 0

    def __post_init__(self) -> None:
        self.chart = self.root / "charts" / "tiny"
        self.bin = self.root / "bin"
        self.outside = self.root / "charts" / "outside.json"
        (self.chart / "templates").mkdir(parents=True)
        (self.chart / "files").mkdir()
        self.bin.mkdir()
        (self.chart / "Chart.yaml").write_text(CHART_YAML)
        (self.chart / "values.yaml").write_text("count: 1\n")
        (self.chart / "values-dev.yaml").write_text("extra: true\n")
        (self.chart / "templates" / "cm.yaml").write_text(TEMPLATES["configmap"])
        (self.chart / "files" / "f.yaml").write_text(TEMPLATES["service"])
        self.outside.write_text('{"type": "object"}')
        (self.bin / "real").write_text(self.helm4)
        (self.bin / "helm").symlink_to(self.helm4)
        self.version = "v4"

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # --- the property ------------------------------------------------------------------------------

    def run(self, *, cached: bool) -> tuple[int, str, Any]:
        self.runs += 1
        args = ["check", "--renderer", "helm", "--env", "dev", "--format", "json", str(self.chart)]
        env = {
            "PATH": f"{self.bin}{os.pathsep}{os.defpath}",
            "XDG_CACHE_HOME": str(self.root / "xdg"),
            "HOME": str(self.root),
        }
        result = CliRunner().invoke(main, [*args, *([] if cached else ["--no-cache"])], env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        data = json.loads(result.stdout) if result.stdout.strip() else None
        if isinstance(data, dict):
            data.pop("elapsed", None)
        return result.exit_code, result.stderr, data

    def check(self) -> None:
        """A cached run (maybe with an edit while Helm renders), then cached and uncached runs that agree."""
        armed = (self.bin / "pending.sh").exists()
        first = self.run(cached=True)
        if (self.bin / "pending.sh").exists():  # nothing was rendered: make the edit now
            self._mid_run_now()
        cached = self.run(cached=True) if armed else first
        fresh = self.run(cached=False)
        assert cached == fresh, f"cached run differs from --no-cache:\n{cached}\n!=\n{fresh}"

    # --- the edits ---------------------------------------------------------------------------------

    def apply(self, edit: Edit) -> None:
        name, args = edit
        getattr(self, "edit_" + name.replace("-", "_"))(*args)

    def edit_value(self, n: int) -> None:
        (self.chart / "values.yaml").write_text(f"count: {n}\n")

    def edit_template(self, name: str, kind: str) -> None:
        path = self.chart / "templates" / name
        _remove(path)
        path.write_text(TEMPLATES[kind])

    def edit_remove(self, name: str) -> None:
        _remove(self.chart / "templates" / name if "/" not in name else self.chart / name)

    def edit_same_size(self) -> None:
        # Same size, same modification time, other content: only the content tells.
        path = self.chart / "values.yaml"
        info = path.stat()
        text = path.read_text()
        path.write_text(text.translate(str.maketrans("0123", "1230")) if any(c in text for c in "0123") else text)
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    def edit_replace(self) -> None:
        # As a git checkout does: a new file renamed over the old, same content.
        path = self.chart / "templates" / "cm.yaml"
        if path.is_file() and not path.is_symlink():
            fresh = path.with_suffix(".tmp")
            fresh.write_bytes(path.read_bytes())
            os.replace(fresh, path)

    def edit_folder(self, name: str) -> None:
        path = self.chart / name
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
        else:
            _remove(path)
            path.mkdir(parents=True)

    def edit_dir_link(self, name: str, target: str) -> None:
        path = self.chart / name
        _remove(path)
        if target:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(target, target_is_directory=True)

    def edit_file_link(self, target: str) -> None:
        path = self.chart / "templates" / "alias.yaml"
        _remove(path)
        if target:
            path.symlink_to(target)

    def edit_schema(self, kind: str) -> None:
        path = self.chart / "values.schema.json"
        document = SCHEMAS[kind](self.sentinel_url, str(self.outside))
        _remove(path)
        if document is not None:
            path.write_text(json.dumps(document))

    def edit_outside(self, n: int) -> None:
        kinds = ['{"type": "object"}', '{"properties": {"count": {"type": "string"}}}', '{"required": ["zzz"]}']
        self.outside.write_text(kinds[n])

    def edit_helm(self, choice: str) -> None:
        helm = self.bin / "helm"
        real = self.helm3 if choice.endswith("v3") else self.helm4
        (self.bin / "real").write_text(real)
        _remove(helm)
        if choice.startswith("shim"):
            helm.write_text(SHIM.format(bin=self.bin, chart=self.chart))
            helm.chmod(0o755)
        else:
            helm.symlink_to(real)

    def edit_mid_run(self, kind: str) -> None:
        if not (self.bin / "helm").is_symlink():
            pass  # already a shim
        else:
            self.edit_helm(
                "shim-" + ("v3" if os.path.realpath(self.bin / "helm") == os.path.realpath(self.helm3) else "v4")
            )
        (self.bin / "pending.sh").write_text(MID_RUN[kind] + "\n")

    def _mid_run_now(self) -> None:
        import subprocess

        subprocess.run(["sh", str(self.bin / "pending.sh")], cwd=self.chart, check=True)
        (self.bin / "pending.sh").unlink()


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def check_sequence(world: World, sequence: list[Edit]) -> None:
    """Each edit, then the property."""
    for edit in sequence:
        world.apply(edit)
        world.check()
