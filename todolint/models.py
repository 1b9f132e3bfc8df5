"""The values that flow through todolint: targets, manifests, locations, findings, results.

Everything here is a frozen dataclass so that a rule can never change what another rule sees,
and so that results can be sorted, hashed and compared for determinism.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

#: A field path inside an object: ("spec", "template", "spec", "containers", 0, "image").
FieldPath = tuple[str | int, ...]

#: The fixed category vocabulary (documented in docs/rules.md).
CATEGORIES: tuple[str, ...] = (
    "render",
    "parse",
    "schema",
    "labels",
    "selectors",
    "names",
    "probes",
    "ports",
    "services",
    "config",
    "secrets",
    "database",
    "scaling",
    "namespaces",
    "api-url",
    "references",
    "chart",
    # The generic checks (TL5xx), any workload's, not the contract's.
    "security",
    "resources",
    "images",
    "network",
    "workloads",
    "suppression",
)


def is_map(value: object) -> TypeGuard[Mapping[Any, Any]]:
    """`isinstance(value, Mapping)`, with the parser's own dict and a missing field (None) told apart
    first: the Mapping ABC's check costs ten times more, and rules ask millions of times on a large stream."""
    return type(value) is dict or (value is not None and isinstance(value, Mapping))


def printable(text: str) -> str:
    """One line with no control characters: rendered text and file names are anyone's, and must not drive
    a terminal (nor break an XML report: every character left is valid XML 1.0)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " if c in "\t\r\n" else repr(c)[1:-1] for c in text)


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that `>=` compares against the fail level."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """The name as config files and reports spell it: `error`, `warning` or `info`."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """The severity `error`, `warning` or `info` names, in any case; a ValueError naming the choices otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (choose error, warning or info)") from None


@dataclass(frozen=True)
class Target:
    """One chart rendered for one environment: everything a renderer needs, nothing it computes."""

    chart: str
    chart_path: str
    env: str
    release: str
    namespace: str
    #: Values files passed after the chart's own values.yaml, in order (later wins).
    values_files: tuple[str, ...] = ()
    #: `--set` expressions, applied after every values file.
    set_values: tuple[str, ...] = ()
    kube_version: str = ""

    @property
    def label(self) -> str:
        """`todo-backend (prod)`: how progress lines and messages name the target."""
        return f"{self.chart} ({self.env})"


# Location, Hit and Finding are built once per finding, tens of thousands of times on a large stream.
# A frozen dataclass's generated __init__ sets each field through object.__setattr__ (about 0.3 µs a
# field); their own __init__ fills the instance dict at once instead (init=False keeps it; the fields,
# their order and defaults stay the dataclass's: tests/test_models.py holds the two in step).


@dataclass(frozen=True, init=False)
class Location:
    """A place a person can open: `kind` is values, template or rendered (most editable first)."""

    kind: str
    file: str
    line: int | None = None
    column: int | None = None
    #: For a rendered location of a chart render, what `line` counts in: the object (`Deployment/x`), or ""
    #: for the template's whole rendered output. None: `line` is a line of `file` itself (a person can
    #: open it there), as for every values and template location and for pre-rendered input.
    object: str | None = None

    def __init__(
        self, kind: str, file: str, line: int | None = None, column: int | None = None, object: str | None = None
    ) -> None:
        self.__dict__.update(kind=kind, file=file, line=line, column=column, object=object)


@dataclass(frozen=True)
class Manifest:
    """One rendered Kubernetes object and where every one of its fields came from."""

    target: Target
    #: The template that produced it, as Helm names it (`todo-backend/templates/service.yaml`).
    source: str
    #: The file a person would open for the rendered location (template file, input file or `-`).
    file: str
    obj: Mapping[str, Any]
    #: Line of each field path in the parsed text (1-based); () is the object itself.
    lines: Mapping[FieldPath, int]
    #: Subtracted from a line in `lines` to give the line shown for the rendered location.
    line_offset: int = 0
    #: Index of the document within its source, for stable ordering.
    index: int = 0
    #: The object's YAML text as rendered ("" when unknown), for a rule's quick first look at every string
    #: (todolint.rules.namespaces); `obj` alone decides.
    text: str = field(default="", compare=False, repr=False)
    #: Facts the rules derive from `obj` alone (its containers, ...), each worked out once per object
    #: (todolint.rules.apps); not part of the value.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    # What every rule asks of every object, read from `obj` when the object is made (nothing changes `obj`
    # after parsing): a kind, apiVersion or name that is not a string is "", metadata, annotations or
    # labels that are not mappings are {}.
    kind: str = field(init=False, compare=False, repr=False)
    api_version: str = field(init=False, compare=False, repr=False)
    metadata: Mapping[str, Any] = field(init=False, compare=False, repr=False)
    name: str = field(init=False, compare=False, repr=False)
    annotations: Mapping[str, Any] = field(init=False, compare=False, repr=False)
    labels: Mapping[str, Any] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        kind, api_version, metadata = self.obj.get("kind"), self.obj.get("apiVersion"), self.obj.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        name, annotations, labels = metadata.get("name"), metadata.get("annotations"), metadata.get("labels")
        self.__dict__.update(  # frozen: set once, here
            kind=kind if isinstance(kind, str) else "",
            api_version=api_version if isinstance(api_version, str) else "",
            metadata=metadata,
            name=name if isinstance(name, str) else "",
            annotations=annotations if isinstance(annotations, Mapping) else {},
            labels=labels if isinstance(labels, Mapping) else {},
        )

    def line_of(self, path: FieldPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that exists (a missing field's parent)."""
        line = self.lines.get(path)  # the field itself, most often: no prefix to cut
        if line is not None:
            return line
        for end in range(len(path) - 1, -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def rendered_location(self, path: FieldPath = ()) -> Location:
        """Where `path` (or its nearest existing ancestor) is in the rendered output, at the line a person sees
        there (the parsed line less `line_offset`); no line when none is known."""
        line = self.line_of(path)
        return Location("rendered", self.file, None if line is None else line - self.line_offset)


@dataclass(frozen=True, init=False)
class Hit:
    """What a rule reports: the object and field at fault and a message (no severity, no code)."""

    message: str
    manifest: Manifest | None = None
    path: FieldPath = ()
    #: For findings with no object (a chart file, a missing object): which chart × environment.
    target: Target | None = None
    #: For findings with no object: where to point (a chart file such as Chart.yaml).
    location: Location | None = None
    #: The fields of other objects this hit follows from (a probe's named port, the container port it
    #: names): where a rule it `defers_to` reports every one of them, the engine drops it.
    follows: tuple[tuple[Manifest, FieldPath], ...] = ()

    def __init__(
        self,
        message: str,
        manifest: Manifest | None = None,
        path: FieldPath = (),
        target: Target | None = None,
        location: Location | None = None,
        follows: tuple[tuple[Manifest, FieldPath], ...] = (),
    ) -> None:
        self.__dict__.update(
            message=message, manifest=manifest, path=path, target=target, location=location, follows=follows
        )


@dataclass(frozen=True, init=False)
class Finding:
    """A rule's hit, stamped by the engine with code, severity and context."""

    code: str
    name: str
    category: str
    severity: Severity
    chart: str
    env: str
    release: str
    namespace: str
    kind: str
    object: str
    path: str
    message: str
    file: str
    line: int | None
    locations: tuple[Location, ...] = ()
    #: The justification when the finding is suppressed; None when it counts.
    suppressed: str | None = None
    #: The environments this one finding stands for, in the contract's order (todolint.group): `env`,
    #: `release` and `namespace` are the first one's. Empty: only `env`.
    environments: tuple[str, ...] = ()
    #: The other (kind, object, field) places the same line of source gives this finding in (todolint.group).
    also: tuple[tuple[str, str, str], ...] = ()
    #: The contract app the object was recognised as (docs/apps.md), "" for none: what a fix sets comes
    #: from this app's contract values, whatever the chart is called.
    app: str = ""

    def __init__(
        self,
        code: str,
        name: str,
        category: str,
        severity: Severity,
        chart: str,
        env: str,
        release: str,
        namespace: str,
        kind: str,
        object: str,
        path: str,
        message: str,
        file: str,
        line: int | None,
        locations: tuple[Location, ...] = (),
        suppressed: str | None = None,
        environments: tuple[str, ...] = (),
        also: tuple[tuple[str, str, str], ...] = (),
        app: str = "",
    ) -> None:
        self.__dict__.update(
            code=code,
            name=name,
            category=category,
            severity=severity,
            chart=chart,
            env=env,
            release=release,
            namespace=namespace,
            kind=kind,
            object=object,
            path=path,
            message=message,
            file=file,
            line=line,
            locations=locations,
            suppressed=suppressed,
            environments=environments,
            also=also,
            app=app,
        )

    def replaced(self, **changes: Any) -> Finding:
        """`dataclasses.replace(self, **changes)` without calling `__init__` again: grouping copies every
        finding of a run, and replace() costs ten times more. `changes` must name fields."""
        copy = object.__new__(Finding)
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    @property
    def envs(self) -> tuple[str, ...]:
        """Every environment the finding stands for."""
        return self.environments or (self.env,)

    def sort_key(self) -> tuple[Any, ...]:
        """The order of a run's findings: chart, environment, then file and line within it."""
        # Within a chart × environment, what broke the render or the parse comes first: it explains
        # the exit code 2 and why relational rules stayed silent there.
        return (
            self.chart,
            self.env,
            self.category not in ("render", "parse"),
            self.file,
            self.line or 0,
            self.kind,
            self.object,
            self.code,
            self.path,
            self.message,
        )


@dataclass(frozen=True)
class Edit:
    """A fix as an edit of one source file: the text from (line, column) to (end_line, end_column) becomes
    `text`. Lines and columns are 1-based and the end is exclusive, as in SARIF's `replacements`."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    #: "safe" (applied by --fix) or "unsafe" (needs review: --unsafe-fixes).
    safety: str


@dataclass(frozen=True)
class TargetResult:
    """How one chart × environment went: rendered and parsed, or where it broke."""

    target: Target
    objects: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Result:
    """Everything one run found, ready for a reporter."""

    renderer: str
    helm_version: str
    kube_version: str
    targets: tuple[TargetResult, ...]
    findings: tuple[Finding, ...]
    elapsed: float = 0.0
    #: One line per chart × environment (or input) that could not be rendered or parsed.
    errors: tuple[str, ...] = field(default=())
    #: The rules that were in force (reporters document them: SARIF rules, JUnit test cases).
    rules: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def active(self) -> tuple[Finding, ...]:
        """The findings that count: every one not suppressed (what the exit code and most reports look at)."""
        return tuple(f for f in self.findings if f.suppressed is None)

    def count(self, severity: Severity) -> int:
        """How many active findings have exactly `severity` (not that severity or worse)."""
        return sum(1 for f in self.active if f.severity == severity)
