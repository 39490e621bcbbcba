"""Pruning the inbox: a received message's row is kept only as long as it can still arrive again.

The inbox remembers message ids (applied once) and nonces (never replayed). A sender resends a
message id until it is delivered or `exchange_give_up_hours` after it was queued; every attempt
is signed afresh, and the receiver refuses an envelope whose `sent_at` is more than
`exchange_max_skew_seconds` from its clock. So a copy of a message whose first accepted attempt
was sent at T carries a `sent_at` of at most T + give-up, and is refused as too old once the
receiver's clock is past T + give-up + skew; a replayed envelope (same nonce) carries its own
old `sent_at` and is refused as too old after T + skew. Rows whose `sent_at` is older than
give-up + 2 x skew (one skew spare for a sender's clock stepped back) protect nothing and are
deleted, by the indexed `sent_at` (docs/dev/decisions.md, "Inbox pruning").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from armsbridge.db.session import session_scope
from armsbridge.exchange import refusal_log
from armsbridge.exchange.models import InboxMessage, NodeIdentity
from armsbridge.settings import Settings

PRUNE_EVERY = timedelta(minutes=1)  # the worker prunes at most this often


def inbox_keep(settings: Settings) -> timedelta:
    """Return how long an inbox row is kept after its sent_at: give-up hours plus two skews."""
    return timedelta(hours=settings.exchange_give_up_hours) + 2 * timedelta(
        seconds=settings.exchange_max_skew_seconds
    )


def prune_inbox(session: Session, *, settings: Settings, now: datetime) -> int:
    """Delete inbox rows no copy or replay of their message can still reach; return how many."""
    cutoff = now - inbox_keep(settings)
    result = session.execute(delete(InboxMessage).where(InboxMessage.sent_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_last: dict[int, datetime] = {}


def housekeep(
    factory: sessionmaker[Session], *, settings: Settings, now: datetime, force: bool = False
) -> int | None:
    """Prune the inbox and write due refusal summaries, at most every PRUNE_EVERY per store.

    Called by the delivery worker after each pass; returns the rows pruned (None if not due).
    """
    last = _last.get(id(factory))
    if not force and last is not None and now - last < PRUNE_EVERY:
        return None
    _last[id(factory)] = now
    with session_scope(factory) as session:
        node = session.scalar(select(NodeIdentity.jurisdiction))
        pruned = prune_inbox(session, settings=settings, now=now)
    if node:
        refusal_log.flush(factory, jurisdiction=node, now=now)
    return pruned
