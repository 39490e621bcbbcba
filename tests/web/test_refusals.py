"""Refused accesses to records are logged for the data-protection supervisor (not anonymous)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records.models import Person

from .conftest import sign_in


def _refusals(node) -> list[tuple[str, str, int | None, str, int]]:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        return [
            (e.actor, e.record_type, e.record_id, e.details["reason"], e.details["status"])
            for e in rows
        ]


def test_wrong_role_and_other_jurisdiction_are_logged_as_refused(node, analyst) -> None:
    xk_person = node.ids["person"]
    with TestClient(node.app) as officer:
        sign_in(officer, "officer")  # programme officer: aggregates only
        assert officer.get(f"/records/persons/{xk_person}").status_code == 403
    with TestClient(node.app) as mk:
        sign_in(mk, "mk_analyst")
        assert mk.get(f"/records/persons/{xk_person}").status_code == 404
        assert mk.get("/records/persons/999999").status_code == 404  # nothing there to refuse
    assert sorted(_refusals(node)) == [
        ("mk_analyst", "person", xk_person, "other_jurisdiction", 404),
        ("officer", "person", xk_person, "role", 403),
    ]


def test_handling_code_refusal_is_logged_and_anonymous_is_not(node, analyst) -> None:
    mk_person = node.ids["mk_person"]
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.get(Person, node.ids["other"]).handling_code = "H3"
    assert analyst.get(f"/records/persons/{node.ids['other']}").status_code == 404
    with TestClient(node.app) as anonymous:
        page = anonymous.get(f"/records/persons/{mk_person}", follow_redirects=False)
        assert page.status_code == 303
    assert _refusals(node) == [("analyst", "person", node.ids["other"], "handling_code", 404)]
