"""The notification sources: each counts what waits for a user in one domain's existing records.

Every source reads through the domain's own service (matching.review.queue applies restrict())
or counts rows the user's role already sees on that domain's pages; none stores anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.exchange import requests
from armsbridge.exchange.request_models import InfoRequest
from armsbridge.matching import review
from armsbridge.notifications.notice import Notice

DEADLINE = timedelta(hours=24)  # an answer due within this is "near"
RECENT = timedelta(days=7)  # answers and imports this recent are shown


def matches_to_review(session: Session, user: Any, now: datetime) -> list[Notice]:
    """Open match suggestions whose two records the user may read, per record type."""
    found = []
    for entity_type in review.MATCH_TYPES:
        wanted = review.QueueFilter(entity_type=entity_type, status="open")
        count = len(review.queue(session, user=user, wanted=wanted))
        found.append(
            Notice(
                kind=f"matches:{entity_type}",
                count=count,
                href=f"/matches?type={entity_type}",
            )
        )
    return found


def requests_waiting(session: Session, user: Any, now: datetime) -> list[Notice]:
    """Peers' requests waiting for an answer, and those due within 24 hours (or overdue)."""
    rows = session.scalars(
        select(InfoRequest).where(
            InfoRequest.side == "owner", InfoRequest.kind == "request", InfoRequest.state == "open"
        )
    ).all()
    clocks = [requests.clock_of(row, now) for row in rows]
    near = sum(1 for c in clocks if c is not None and c.seconds_left <= DEADLINE.total_seconds())
    return [
        Notice(
            "requests:near",
            near,
            "/exchange/queue?state=open",
            urgent=True,
        ),
        Notice(
            "requests:waiting",
            len(rows),
            "/exchange/queue?state=open",
        ),
    ]


def answers_arrived(session: Session, user: Any, now: datetime) -> list[Notice]:
    """Answers to the user's own requests that arrived in the last 7 days."""
    count = session.scalar(
        select(func.count())
        .select_from(InfoRequest)
        .where(
            InfoRequest.side == "asker",
            InfoRequest.kind == "request",
            InfoRequest.requester == user.username,
            InfoRequest.state != "open",
            InfoRequest.answered_at >= now - RECENT,
        )
    )
    return [
        Notice(
            "answers",
            int(count or 0),
            "/exchange/requests",
        )
    ]


def imports_finished(session: Session, user: Any, now: datetime) -> list[Notice]:
    """The user's own imports finished in the last 7 days (their audit entries)."""
    count = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == "import",
            AuditEntry.actor == user.username,
            AuditEntry.at >= now - RECENT,
        )
    )
    return [
        Notice(
            "imports",
            int(count or 0),
            "/imports",
        )
    ]


# (action the role needs, source): the roles that may open the page a notice links to.
SOURCES: tuple[tuple[str, Any], ...] = (
    ("record.update", matches_to_review),
    (requests.ANSWER, requests_waiting),
    (requests.ASK, answers_arrived),
    ("import.run", imports_finished),
)
