"""A YAML file as plain dicts, lists and scalars that remember their line, for the readers of
workflows, helmfiles and skaffold configs; bounded, so that an alias-heavy file cannot cost much."""

from __future__ import annotations

from typing import Any

import yaml

#: Nodes read per file.
MAX_NODES = 50_000


class Text(str):
    """A scalar of the file, with the line its text starts on (after a block scalar's `|`)."""

    first_line: int


def plain_tree(node: yaml.Node | None) -> Any:
    """A composed YAML node as dicts, lists and `Text` scalars (tags unresolved: every scalar is text);
    ValueError past MAX_NODES nodes."""
    count = 0

    def walk(node: yaml.Node) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise ValueError("too many nodes")
        if isinstance(node, yaml.MappingNode):
            return {str(k.value): walk(v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        if isinstance(node, yaml.SequenceNode):
            return [walk(item) for item in node.value]
        text = Text(node.value)
        text.first_line = int(node.start_mark.line) + (2 if getattr(node, "style", None) in ("|", ">") else 1)
        return text

    return None if node is None else walk(node)
