"""Babel extractor: the texts of an indicator definitions file, for the UI catalogs.

Groups, dimension names, Roadmap goal labels, indicator titles, descriptions and units are
data (definitions.yaml); pages and exports translate them, so they must reach the catalogs.
Texts of a file a user supplies with --definitions are not extracted and show as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

INDICATOR_TEXTS = ("title", "description", "unit")


def one_line(text: str) -> str:
    """Return a text with its runs of white space made single spaces (as the catalogs hold it)."""
    return " ".join(text.split())


def _texts(node: yaml.Node, path: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """Yield (line, text) of the translatable scalars under `node`; `path` names where it is."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _texts(value, (*path, str(key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _texts(item, (*path, "[]"))
    elif isinstance(node, yaml.ScalarNode) and _translatable(path) and str(node.value).strip():
        yield node.start_mark.line + 1, one_line(str(node.value))


def _translatable(path: tuple[str, ...]) -> bool:
    if len(path) == 2 and path[0] in ("groups", "dimensions"):
        return True
    if path[:2] == ("roadmap", "goals") and path[-1] == "label":
        return True
    return len(path) == 3 and path[:2] == ("indicators", "[]") and path[2] in INDICATOR_TEXTS


def extract_definitions(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator:
    """Babel extractor: group, dimension, goal, title, description and unit texts of the file."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    if root is None:
        return
    for line, text in _texts(root, ()):
        yield line, "N_", text, []
