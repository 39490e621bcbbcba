"""What the import preview says of a row error, in the user's language."""

from __future__ import annotations

import re
from typing import Any

from armsbridge.records.labels import field_label
from armsbridge.vocab.values import translate_expected

# The import names the field a value was for after what it expected: "... (case.opened_on)".
_TARGET = re.compile(r"^(?P<head>.+) \((?P<type>\w+)\.(?P<field>\w+)\)$")


def shown_expected(fmt: Any, expected: str) -> str:
    """Return a row error's `expected` in `fmt`'s language (a Formatter), its target by labels."""
    match = _TARGET.fullmatch(expected)
    if match is None:
        return translate_expected(expected, fmt.gettext)
    head = translate_expected(match["head"], fmt.gettext)
    target = f"{fmt.record_type(match['type'])}: {fmt.gettext(field_label(match['field']))}"
    return f"{head} ({target})"
