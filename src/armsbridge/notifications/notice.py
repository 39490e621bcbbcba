"""One notice: a count of things waiting for the user, and where to see them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    """One thing waiting for the user: what (its kind), how many, and where to go.

    The words of each kind are in notifications/templates/_notice.html (ngettext there, so
    Babel extracts singular and plural together).
    """

    kind: str
    count: int
    href: str
    urgent: bool = False
