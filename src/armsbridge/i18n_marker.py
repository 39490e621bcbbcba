"""The translation marker `N_`: a leaf module any layer may import (records, auth, web)."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction without translating it now."""
    return message
