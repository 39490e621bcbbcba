"""Inbox pruning with a controlled clock: a resend within the bound is still a duplicate; rows
beyond it are gone, and a copy sent after them is refused as too old, never applied twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from armsbridge.db.session import session_scope
from armsbridge.exchange import envelope, inbox, pruning, refusal_log
from armsbridge.exchange.models import InboxMessage, Peer
from armsbridge.settings import Settings
from exchange_nodes import mk_store, pg_admin_url, pg_database

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ID = "6a1d1b4e-2f9c-4f3e-8d1a-5c0e9b7a3d21"


PG_ADMIN = pg_admin_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """A store of the test's own: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mk.db'}"
        return
    if not PG_ADMIN:
        pytest.skip("no PostgreSQL server reachable")
    with pg_database(PG_ADMIN, "prune") as url:
        yield url


@pytest.fixture
def mk(tmp_path, store_url) -> Iterator[tuple]:  # noqa: ANN001
    """Node MK (give-up 2 h, skew 600 s) with peer XK whose key the test holds."""
    settings = Settings(var_dir=tmp_path, exchange_give_up_hours=2, exchange_max_skew_seconds=600)
    with mk_store(settings, store_url) as (factory, xk):
        refusal_log.reset()
        yield settings, factory, xk


def _send(mk, at: datetime, message_id: str = ID) -> inbox.Answer:  # noqa: ANN001
    settings, factory, xk = mk
    data = {"sender": "XK", "recipient": "MK", "kind": "ping", "body": {}}
    raw = envelope.canonical(envelope.build(key=xk, now=at, message_id=message_id, **data))
    return inbox.receive(factory, raw, settings=settings, now=at)


def _rows(factory) -> int:  # noqa: ANN001
    with session_scope(factory) as session:
        return session.scalar(select(func.count()).select_from(InboxMessage))


def _pings(factory) -> int:  # noqa: ANN001
    with session_scope(factory) as session:
        return session.scalar(select(Peer.pings_received).where(Peer.name == "XK"))


def test_the_bound_is_give_up_plus_two_skews(mk) -> None:  # noqa: ANN001
    settings, _, _ = mk
    assert pruning.inbox_keep(settings) == timedelta(hours=2, minutes=20)


def test_resend_within_the_bound_is_a_duplicate_rows_beyond_it_are_pruned(mk) -> None:  # noqa: ANN001
    settings, factory, _ = mk
    assert _send(mk, T0).receipt["status"] == "accepted"
    assert _send(mk, T0, "0b7f3c2a-1111-4a5b-9c8d-7e6f5a4b3c2d").receipt["status"] == "accepted"
    # The sender's last resend: just under give-up hours after it was queued (at T0 or later).
    last_resend = T0 + timedelta(hours=2) - timedelta(seconds=1)
    with session_scope(factory) as session:  # pruning up to the moment that copy can arrive
        moment = last_resend + timedelta(seconds=settings.exchange_max_skew_seconds)
        assert pruning.prune_inbox(session, settings=settings, now=moment) == 0
    duplicate = _send(mk, last_resend)
    assert duplicate.status_code == 200 and duplicate.receipt["status"] == "duplicate"
    assert _pings(factory) == 2  # each applied once
    # Past the bound both rows go (the prune is a single indexed delete).
    later = T0 + pruning.inbox_keep(settings) + timedelta(seconds=1)
    assert pruning.housekeep(factory, settings=settings, now=later, force=True) == 2
    assert _rows(factory) == 0
    # A copy signed at the last moment the sender would still send it is too old by now.
    settings_, factory_, xk = mk
    data = {"sender": "XK", "recipient": "MK", "kind": "ping", "body": {}}
    raw = envelope.canonical(envelope.build(key=xk, now=last_resend, message_id=ID, **data))
    answer = inbox.receive(factory_, raw, settings=settings_, now=later)
    assert answer.status_code == 409 and answer.receipt["reason"].startswith("too_old")
    assert _pings(factory) == 2  # never applied twice


def test_housekeeping_runs_at_most_once_a_minute(mk) -> None:  # noqa: ANN001
    settings, factory, _ = mk
    assert pruning.housekeep(factory, settings=settings, now=T0, force=True) == 0
    assert pruning.housekeep(factory, settings=settings, now=T0 + timedelta(seconds=30)) is None
    assert pruning.housekeep(factory, settings=settings, now=T0 + timedelta(seconds=61)) == 0
