"""The audit chain records every act and detects altered, removed and reordered entries."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from armsbridge.audit import service
from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import Principal

AUDITOR_XK = Principal(id=1, username="auditor_xk", role="auditor", jurisdiction="XK")


def _fill(session, n: int = 5) -> None:  # noqa: ANN001
    for i in range(n):
        service.log_event(
            session,
            actor="ana",
            action="consult",
            record_type="person",
            record_id=i + 1,
            jurisdiction="XK",
            why="case 12/2024",
        )


def test_intact_chain_verifies(session) -> None:  # noqa: ANN001
    _fill(session)
    result = service.verify_chain(session)
    assert result.ok and result.checked == 5
    by_ana = service.query_entries(session, user=AUDITOR_XK, filters=service.EntryFilters(by="ana"))
    assert [e.record_id for e in by_ana] == [5, 4, 3, 2, 1]


def test_altered_entry_is_detected(session) -> None:  # noqa: ANN001
    _fill(session)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="mallory"))
    session.expire_all()
    assert "entry 3 was altered after it was written" in service.verify_chain(session).problems


def test_altered_actor_jurisdiction_is_detected(session) -> None:  # noqa: ANN001
    _fill(session)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor_jurisdiction="MK"))
    session.expire_all()
    assert service.verify_chain(session).problems == ["entry 2 was altered after it was written"]


def test_removed_entry_is_detected(session) -> None:  # noqa: ANN001
    _fill(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    problems = service.verify_chain(session).problems
    assert any("entry 2 is missing" in p for p in problems)


def test_removed_tail_is_detected(session) -> None:  # noqa: ANN001
    _fill(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
    assert any("removed from the end" in p for p in service.verify_chain(session).problems)


def test_reordered_entries_are_detected(session) -> None:  # noqa: ANN001
    _fill(session, 3)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=99))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=2))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 99).values(seq=3))
    session.expire_all()
    assert not service.verify_chain(session).ok


def test_unknown_action_is_refused(session) -> None:  # noqa: ANN001
    with pytest.raises(ValueError):
        service.log_event(session, actor="ana", action="peek")
