"""Consultation entries: committed at once, or in the request's transaction when it writes."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select, update

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import User
from armsbridge.web.access_log import log_now
from principals import as_actor


def _request(node):
    return SimpleNamespace(app=SimpleNamespace(state=node.app.state))


def test_entry_is_committed_even_if_the_request_rolls_back(node) -> None:
    factory = node.app.state.sessionmaker
    with factory() as db:
        db.scalar(select(User.id))  # a read-only request so far
        log_now(
            _request(node),
            db,
            user=as_actor("analyst"),
            action="consult",
            record_type="person",
            record_id=1,
            jurisdiction="XK",
            why="case 1",
        )
        db.rollback()
    with factory() as check:
        entries = check.scalars(select(AuditEntry).where(AuditEntry.why == "case 1")).all()
        assert len(entries) == 1


def test_a_writing_request_logs_in_its_own_transaction_without_waiting(node) -> None:
    factory = node.app.state.sessionmaker
    with factory() as db:
        db.execute(update(User).where(User.username == "analyst").values(language="sq"))
        log_now(
            _request(node),
            db,
            user=as_actor("analyst"),
            action="consult",
            record_type="person",
            record_id=1,
            jurisdiction="XK",
            why="case 2",
        )  # must not wait for itself
        db.rollback()
    with factory() as check:
        assert check.scalars(select(AuditEntry).where(AuditEntry.why == "case 2")).all() == []
