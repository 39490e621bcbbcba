"""The translation marker `N_`: a leaf module any layer may import (records, auth, web)."""

from __future__ import annotations


class Label(str):
    """A value filled into a message that is itself a catalog string (a role's label, say).

    Where the message is translated, such a value is translated too; other values (what a
    user typed, numbers) are filled in as they are.
    """

    __slots__ = ()


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction without translating it now."""
    return message
