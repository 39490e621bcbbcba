"""The translation marker `N_`: a leaf module any layer may import (records, auth, web)."""

from __future__ import annotations


class Label(str):
    """A value filled into a message that is itself a catalog string (a role's label, say).

    Where the message is translated, such a value is translated too; other values (what a
    user typed, numbers) are filled in as they are.
    """

    __slots__ = ()


class Phrase(str):
    """A part of a message that is a catalog template with values of its own.

    str() is the English phrase; where the message is translated, the phrase is translated and
    filled in too (its values may be Labels or Phrases again).
    """

    __slots__ = ("template", "values")

    def __new__(cls, template: str, values: dict[str, object] | None = None) -> Phrase:
        """Hold `template` and its `values`; the str is the English phrase, filled in."""
        self = super().__new__(cls, template % values if values else template)
        self.template = template
        self.values = values or {}
        return self


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction without translating it now."""
    return message
