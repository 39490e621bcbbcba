"""One notification service: what needs the user, counted from the records that already exist.

A source is a function (session, user, now) -> list[Notice]. The sources of notifications.sources
read each domain's own service or tables, so no domain stores notifications of its own; a domain
may add one with register(). A source is asked only when the user's role has its action
(default deny), and its counts pass through the domain's own restrictions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.auth.permissions import role_allows
from armsbridge.notifications.notice import Notice
from armsbridge.notifications.sources import SOURCES

Source = Callable[[Session, Any, datetime], list[Notice]]
_SOURCES: list[tuple[str, Source]] = list(SOURCES)


def register(action: str, source: Source) -> None:
    """Add a source, asked only for users whose role has `action`."""
    if (action, source) not in _SOURCES:
        _SOURCES.append((action, source))


def notices_for(session: Session, *, user: Any, now: datetime | None = None) -> list[Notice]:
    """Return what needs this user, urgent first; only sources the role may see are asked."""
    moment = now or datetime.now(UTC)
    found: list[Notice] = []
    for action, source in _SOURCES:
        if user is not None and role_allows(user.role, action):
            found += [n for n in source(session, user, moment) if n.count > 0]
    return sorted(found, key=lambda n: not n.urgent)


def total(notices: list[Notice]) -> int:
    """Return the number of things waiting across every notice."""
    return sum(n.count for n in notices)
