"""One notice: a count of things waiting for the user, and where to see them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    """One thing waiting for the user: what (a msgid with %(num)s), how many, and where to go."""

    kind: str
    singular: str
    plural: str
    count: int
    href: str
    urgent: bool = False
