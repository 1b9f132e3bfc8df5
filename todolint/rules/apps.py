"""What every contract rule needs to know about an object: which app (todo-frontend / todo-backend) it
belongs to, which containers are the app's, what the contract calls it, and which workloads a Service
selects.

Everything here tolerates any shape: a missing or ill-typed field is "not there", never an exception,
because third-party charts written for the same spec are linted too. Kinds and pods are
`todolint.rules.kinds` and `todolint.rules.pods`; reading fields is `todolint.rules.shape`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from todolint.chart_facts import ChartFacts
from todolint.contract import Contract
from todolint.models import Manifest, Target
from todolint.rules.base import EnvContext
from todolint.rules.kinds import LONG_RUNNING, WORKLOAD
from todolint.rules.pods import Container, all_containers, containers, pod_labels, pod_spec
from todolint.rules.shape import as_list, as_map, dig


@functools.lru_cache(maxsize=4096)
def image_repository(image: str) -> str:
    """`registry.io:5000/bitnami/postgresql:16@sha256:...` → `bitnami/postgresql` (registry, tag, digest dropped).

    Remembered: the same few images come back on every workload of a stream.
    """
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rfind(":")]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return "/".join(parts).lower()


def image_matches(image: str, names: Sequence[Any]) -> bool:
    """Whether the image's repository is one of `names` (`postgres`, `bitnami/postgresql`, ...)."""
    repo = image_repository(image)
    if not repo:
        return False
    last = repo.rsplit("/", 1)[-1]
    for name in names:
        if not isinstance(name, str):
            continue
        wanted = name.lower()
        if repo == wanted or last == wanted or repo.endswith("/" + wanted):
            return True
    return False


#: Not yet worked out (None is an answer: no app).
_UNKNOWN: Any = object()


# --- the contract, read defensively --------------------------------------------------------------


def contract_apps(contract: Contract) -> Mapping[str, Any]:
    """The contract's `apps:` as read: name → its mapping (`Contract.app` gives the typed one)."""
    return contract.apps


def app_spec(contract: Contract, app: str) -> Mapping[str, Any]:
    """The app's mapping as read; empty for a name that is no app of the contract."""
    return as_map(contract.apps.get(app))


def app_port(contract: Contract, app: str) -> int | None:
    """The app's port; None for a name that is no app of the contract."""
    spec = contract.app(app)
    return spec.port if spec is not None else None


def contract_list(contract: Contract, *path: str) -> list[Any]:
    """The list at a key path of the contract (`"database", "ports"`); empty when there is none."""
    return list(as_list(dig(contract.data, path)))


def name_for(contract: Contract, kind: str, release: str, app: str | None = None) -> str | None:
    """The contract's name for `kind` of `app` in `release` (`{release}-config`, `{release}-{app}`), or
    None when it has none (or it needs an app that is not known)."""
    pattern = as_map(contract.data.get("names")).get(kind)
    if not isinstance(pattern, str) or not release:
        return None
    try:
        return pattern.format_map({"release": release, **({"app": app} if app else {})})
    except (KeyError, IndexError, ValueError):
        return None


def name_names_app(contract: Contract, kind: str) -> bool:
    """Whether the contract's name for `kind` tells the apps apart (has `{app}`)."""
    pattern = as_map(contract.data.get("names")).get(kind)
    return isinstance(pattern, str) and "{app}" in pattern


def name_in(ctx: EnvContext, kind: str, release: str, app: str | None = None) -> str | None:
    """`name_for`, once per kind, release and app in an environment (every object of a kind asks)."""
    key = ("name-for", kind, release, app)
    if key not in ctx.memo:
        ctx.memo[key] = name_for(ctx.contract, kind, release, app)
    name: str | None = ctx.memo[key]
    return name


def database_images(contract: Contract) -> list[str]:
    """The images of a database in the cluster (`database.images`)."""
    return list(contract.database.images)


# --- app recognition -------------------------------------------------------------------------------


def subchart_of(manifest: Manifest) -> str:
    """`umbrella/charts/todo-backend/templates/x.yaml` → `todo-backend` (innermost subchart), else ""."""
    return _subchart(manifest.source)


@functools.lru_cache(maxsize=4096)
def _subchart(source: str) -> str:
    # Remembered: a chart has a few templates, and every object of each asks.
    parts = source.split("/")
    names = [parts[i + 1] for i in range(len(parts) - 2) if parts[i] == "charts"]
    return names[-1] if names else ""


def _contract_list(ctx: EnvContext, *path: str) -> list[Any]:
    """`contract_list`, read once per environment."""
    key = ("contract-list", path)
    found: list[Any] | None = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = contract_list(ctx.contract, *path)
    return found


def is_database_image(ctx: EnvContext, image: str) -> bool:
    """Whether `image` is one of the contract's database images; once per image and environment."""
    key = ("database-image", image)
    found: bool | None = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = image_matches(image, _contract_list(ctx, "database", "images"))
    return found


def is_database_workload(ctx: EnvContext, manifest: Manifest) -> bool:
    """Whether every container of the workload runs one of the contract's database images."""
    found = containers(manifest)
    return bool(found) and all(is_database_image(ctx, c.image) for c in found)


def is_database_service(ctx: EnvContext, manifest: Manifest) -> bool:
    """Whether every port of the Service is one of the contract's database ports."""
    ports = [as_map(p).get("port") for p in as_list(dig(manifest.obj, ("spec", "ports")))]
    wanted = _contract_list(ctx, "database", "ports")
    return bool(ports) and all(p in wanted for p in ports)


#: Where an app is recognised, in order: the first that names exactly one app wins.
RECOGNITION_ORDER: tuple[str, ...] = (
    "chart",
    "name-label",
    "component-label",
    "container-name",
    "image",
    "object-name",
)


def recognise_app(ctx: EnvContext, manifest: Manifest) -> str | None:
    """The app an object belongs to, or None (docs/apps.md): worked out once per object and environment.

    First by its own names, in RECOGNITION_ORDER (`_named_app`); an object that is no workload and that
    none of them names, by what it serves (`_served_app`), for charts whose name says nothing
    (`todo-app/charts/api`).
    """
    known = ctx.table("app")
    app: str | None = known.get(id(manifest), _UNKNOWN)
    if app is _UNKNOWN:
        app = _named_app(ctx, manifest)
        if app is None and manifest.kind not in WORKLOAD.kinds:
            app = _served_app(ctx, manifest)
        known[id(manifest)] = app
    return app


def _app_words(ctx: EnvContext) -> Mapping[str, str]:
    """Word (lower case) → app, from each app's `match`, `image` and name; built once per environment.

    A word two apps share identifies neither.
    """
    words: dict[str, str] | None = ctx.memo.get(("app-words",))
    if words is None:
        words = {}
        shared: set[str] = set()
        for app, spec in contract_apps(ctx.contract).items():
            spec = as_map(spec)
            for word in (app, spec.get("image"), *as_list(spec.get("match"))):
                if not isinstance(word, str) or not word:
                    continue
                word = word.lower()
                if words.get(word, app) != app:
                    shared.add(word)
                words[word] = str(app)
        for word in shared:
            del words[word]
        ctx.memo[("app-words",)] = words
    return words


def _app_named_by(words: Mapping[str, str], name: Any) -> str | None:
    """The app `name` names: one of its words, or ending in `-word` (`todo-chatbot-backend`)."""
    if not isinstance(name, str) or not name:
        return None
    name = name.lower()
    app = words.get(name)
    if app is not None:
        return app
    start = name.find("-")
    while start != -1:
        app = words.get(name[start + 1 :])
        if app is not None:
            return app
        start = name.find("-", start + 1)
    return None


def _is_test_hook(manifest: Manifest) -> bool:
    hook = manifest.annotations.get("helm.sh/hook")
    return isinstance(hook, str) and "test" in hook


def _named_app(ctx: EnvContext, manifest: Manifest) -> str | None:
    """The app the object's own names name, in RECOGNITION_ORDER (the words are each app's `match`).

    The chart name is the subchart's when the object comes from one (umbrella charts). A workload that
    runs only a database image, or a Service only on database ports, is never an app's (the database rules
    report them), nor is a `helm test` hook (the `helm create` scaffold's test-connection).
    """
    if manifest.kind in WORKLOAD.kinds and is_database_workload(ctx, manifest):
        return None
    if manifest.kind == "Service" and is_database_service(ctx, manifest):
        return None
    if _is_test_hook(manifest):
        return None
    words = _app_words(ctx)
    app = _app_named_by(words, subchart_of(manifest) or manifest.target.chart)
    if app is not None:
        return app
    # Pod labels and containers of the contract's workloads only: a DeploymentConfig is the generic rules'.
    workload = manifest.kind in WORKLOAD.kinds
    pod = pod_labels(manifest) if workload else {}
    for label in ("app.kubernetes.io/name", "app.kubernetes.io/component"):
        app = _app_named_by(words, manifest.labels.get(label)) or _app_named_by(words, pod.get(label))
        if app is not None:
            return app
    found = containers(manifest) if workload else ()
    for container in found:
        app = _app_named_by(words, container.name)
        if app is not None:
            return app
    for container in found:
        app = _app_named_by(words, image_repository(container.image).rsplit("/", 1)[-1])
        if app is not None:
            return app
    return _app_named_by(words, manifest.name)


def _served_app(ctx: EnvContext, manifest: Manifest) -> str | None:
    """The app of what an object serves: a Service belongs to the app of the workloads it selects, a
    ConfigMap to the app of the workloads that load it, anything else to the one app whose workloads the
    same (sub)chart renders."""
    if _is_test_hook(manifest):
        return None
    if manifest.kind == "Service" and is_database_service(ctx, manifest):
        return None
    app: str | None = None
    by_config, by_subchart = _workload_facts(ctx, manifest.target)
    if manifest.kind == "Service":
        app = _only(recognise_app(ctx, w) for w in selected_workloads(ctx, manifest))
    elif manifest.kind == "ConfigMap":
        app = _only(iter(by_config.get(manifest.name, ())))
    if app is None:
        app = _only(iter(by_subchart.get(subchart_of(manifest), ())))
    return app


def _only(apps: Iterator[str | None]) -> str | None:
    found = {a for a in apps if a is not None}
    return found.pop() if len(found) == 1 else None


def _workload_facts(ctx: EnvContext, target: Target) -> tuple[dict[str, set[str | None]], dict[str, set[str | None]]]:
    """For one chart × environment: ConfigMap name → apps of the workloads that load it, and
    subchart → apps of its workloads (built once, not once per object)."""
    key = ("workload-facts", target)
    facts = ctx.memo.get(key)
    if facts is None:
        by_config: dict[str, set[str | None]] = {}
        by_subchart: dict[str, set[str | None]] = {}
        for workload in ctx.of_kind(*WORKLOAD.kinds):
            if workload.target != target:
                continue
            app = recognise_app(ctx, workload)
            for name in _config_map_names(workload):
                by_config.setdefault(name, set()).add(app)
            by_subchart.setdefault(subchart_of(workload), set()).add(app)
        facts = ctx.memo[key] = (by_config, by_subchart)
    return facts


def _config_map_names(workload: Manifest) -> set[str]:
    names: set[str] = set()
    for container in all_containers(workload):
        for entry in as_list(container.spec.get("envFrom")):
            names.add(str(dig(entry, ("configMapRef", "name"))))
        for entry in as_list(container.spec.get("env")):
            names.add(str(dig(entry, ("valueFrom", "configMapKeyRef", "name"))))
    located = pod_spec(workload)
    for volume in as_list(located[1].get("volumes") if located else None):
        names.add(str(dig(volume, ("configMap", "name"))))
    return names


def app_containers(ctx: EnvContext, manifest: Manifest, app: str) -> tuple[Container, ...]:
    """The app's own containers: by name or image basename; else the first container (sidecars come later).

    Worked out once per object, app and environment: most rules ask.
    """
    known = ctx.table("app-containers")
    key = (id(manifest), app)
    own: tuple[Container, ...] | None = known.get(key)
    if own is None:
        found = containers(manifest)
        words = _app_words(ctx)
        own = (
            tuple(
                c
                for c in found
                if _app_named_by(words, c.name) == app
                or _app_named_by(words, image_repository(c.image).rsplit("/", 1)[-1]) == app
            )
            or found[:1]
        )
        known[key] = own
    return own


def app_workloads(ctx: EnvContext) -> Iterator[tuple[Manifest, str]]:
    """The long-running workloads of an app (never Jobs or hooks), with the app."""
    for manifest in ctx.of_kind(*LONG_RUNNING.kinds):
        if "helm.sh/hook" in manifest.annotations:
            continue
        app = recognise_app(ctx, manifest)
        if app is not None:
            yield manifest, app


def app_objects(ctx: EnvContext, *kinds: str) -> Iterator[tuple[Manifest, str]]:
    """The objects of these kinds that belong to an app, with the app, in the context's order."""
    for manifest in ctx.of_kind(*kinds):
        app = recognise_app(ctx, manifest)
        if app is not None:
            yield manifest, app


def release_apps(ctx: EnvContext, target: Target) -> tuple[str, ...]:
    """The apps whose long-running workloads one release (chart × environment) renders, sorted."""
    key = ("release-apps", target)
    found: tuple[str, ...] | None = ctx.memo.get(key)
    if found is None:
        if ("release-apps",) not in ctx.memo:
            by_target: dict[Target, set[str]] = {}
            for manifest, app in app_workloads(ctx):
                by_target.setdefault(manifest.target, set()).add(app)
            ctx.memo[("release-apps",)] = {t: tuple(sorted(a)) for t, a in by_target.items()}
        found = ctx.memo[key] = ctx.memo[("release-apps",)].get(target, ())
    return found


def config_map_loaders(ctx: EnvContext, config_map: Manifest) -> tuple[str, ...]:
    """The apps whose workloads (same release) load `config_map`, sorted."""
    by_config, _ = _workload_facts(ctx, config_map.target)
    return tuple(sorted(a for a in by_config.get(config_map.name, ()) if a is not None))


# --- labels and selectors ----------------------------------------------------------------------------


def selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """Whether an equality selector (non-empty) selects `labels`."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def same_namespace(a: Manifest, b: Manifest) -> bool:
    """Whether two objects may be in one namespace (an object without one goes where its release goes)."""
    ns_a = a.metadata.get("namespace") or a.target.namespace
    ns_b = b.metadata.get("namespace") or b.target.namespace
    return not ns_a or not ns_b or ns_a == ns_b


def selected_workloads(ctx: EnvContext, service: Manifest) -> list[Manifest]:
    """The workloads whose pods `service` selects (same namespace), in the context's order.

    Found through an index of pod labels, and remembered per (selector, namespace): Services that share
    a selector share the answer. Remembered per Service too: several rules ask.
    """
    known = ctx.table("selected")
    found: list[Manifest] | None = known.get(id(service))
    if found is None:
        found = known[id(service)] = _selected_workloads(ctx, service)
    return found


def _selected_workloads(ctx: EnvContext, service: Manifest) -> list[Manifest]:
    selector = as_map(dig(service.obj, ("spec", "selector")))
    if not selector:
        return []
    namespace = service.metadata.get("namespace") or service.target.namespace
    try:
        key: Any = ("selected", tuple(sorted(selector.items())), namespace)
        hash(key)
    except TypeError:  # a list or map as a label value: never selects, nothing to remember
        key = None
    if key is not None and key in ctx.memo:
        found: list[Manifest] = ctx.memo[key]
        return found
    # Every selected workload carries each label of the selector: the shortest of those lists is enough.
    index = _pods_by_label(ctx)
    candidates: list[Manifest] | None = None
    for item in selector.items():
        try:
            carrying = index.get(item, [])
        except TypeError:  # a list or map as the value: in no index
            continue
        if candidates is None or len(carrying) < len(candidates):
            candidates = carrying
    if candidates is None:
        candidates = list(ctx.of_kind(*WORKLOAD.kinds))
    found = [w for w in candidates if same_namespace(service, w) and selects(selector, pod_labels(w))]
    if key is not None:
        ctx.memo[key] = found
    return found


def _pods_by_label(ctx: EnvContext) -> dict[tuple[str, Any], list[Manifest]]:
    """(label, value) → workloads whose pods carry it, in the context's order; built once."""
    index: dict[tuple[str, Any], list[Manifest]] | None = ctx.memo.get(("pods-by-label",))
    if index is None:
        index = {}
        for workload in ctx.of_kind(*WORKLOAD.kinds):
            for label, value in pod_labels(workload).items():
                try:
                    index.setdefault((label, value), []).append(workload)
                except TypeError:
                    continue  # an unhashable value never equals a selector's string
        ctx.memo[("pods-by-label",)] = index
    return index


# --- the chart that rendered an object ---------------------------------------------------------------


def chart_of(ctx: EnvContext, manifest: Manifest) -> ChartFacts | None:
    """The chart (or unpacked subchart) that rendered `manifest`; None for pre-rendered input and for a
    subchart not unpacked under charts/."""
    facts = ctx.charts.get(manifest.target.chart_path) if manifest.target.chart_path else None
    sub = subchart_of(manifest)
    return facts.subchart(sub) if facts is not None and sub else facts
