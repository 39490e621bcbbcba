"""Each service's auditors read only their service's entries; one export function logs itself."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from armsbridge.audit import service
from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import Principal
from armsbridge.errors import PermissionDenied
from armsbridge.settings import get_settings

AUDITORS = {
    code: Principal(id=i, username=f"auditor_{code.lower()}", role="auditor", jurisdiction=code)
    for i, code in ((1, "XK"), (2, "MK"))
}
OTHER = {"XK": "MK", "MK": "XK"}


def _searches(session) -> None:  # noqa: ANN001
    """A person search by an analyst of each service, as records.search logs it."""
    for code, name in (("XK", "Krasniqi"), ("MK", "Петровски")):
        service.log_event(
            session,
            actor=f"analyst_{code.lower()}",
            action="search",
            record_type="person",
            jurisdiction=code,
            why=f"{code} secret justification",
            details={"query": name, "results": 1, "ids": [7]},
        )


def _whys(session, user: Principal) -> set[str | None]:  # noqa: ANN001
    return {e.why for e in service.query_entries(session, user=user)}


def test_the_acting_accounts_service_is_recorded(session) -> None:  # noqa: ANN001
    by_default = service.log_event(session, actor="ana", action="consult", jurisdiction="XK")
    explicit = service.log_event(
        session, actor="goran", action="disclose", jurisdiction="XK", actor_jurisdiction="MK"
    )
    assert (by_default.actor_jurisdiction, explicit.actor_jurisdiction) == ("XK", "MK")
    assert service.verify_chain(session).ok


@pytest.mark.parametrize("code", ["XK", "MK"])
def test_an_auditor_sees_only_their_services_searches(session, code: str) -> None:  # noqa: ANN001
    _searches(session)
    assert _whys(session, AUDITORS[code]) == {f"{code} secret justification"}


def test_an_entry_about_a_record_of_the_service_is_seen_by_its_auditor(session) -> None:  # noqa: ANN001
    # an MK account acting on an XK record: both services' auditors see it
    service.log_event(
        session,
        actor="goran",
        actor_jurisdiction="MK",
        action="consult",
        record_type="person",
        record_id=3,
        jurisdiction="XK",
        why="joint case",
    )
    service.log_event(session, actor="ana", action="consult", jurisdiction="XK", why="own")
    assert _whys(session, AUDITORS["XK"]) == {"joint case", "own"}
    assert _whys(session, AUDITORS["MK"]) == {"joint case"}


def test_entries_of_no_service_belong_to_the_nodes_auditors(session) -> None:  # noqa: ANN001
    service.log_event(session, actor="nobody", action="login_failed", details={"reason": "x"})
    node = get_settings().jurisdiction
    assert [e.actor for e in service.query_entries(session, user=AUDITORS[node])] == ["nobody"]
    assert service.query_entries(session, user=AUDITORS[OTHER[node]]) == []


def test_accounts_that_are_not_auditors_read_nothing(session) -> None:  # noqa: ANN001
    _searches(session)
    analyst = Principal(id=3, username="analyst_xk", role="analyst", jurisdiction="XK")
    with pytest.raises(PermissionDenied, match="may not read the audit log"):
        service.query_entries(session, user=analyst)
    stmt = service.restrict_entries(select(AuditEntry), analyst)
    assert session.scalars(stmt).all() == []


def test_export_writes_the_services_entries_with_details_and_logs_itself(session) -> None:  # noqa: ANN001
    _searches(session)
    service.log_event(
        session,
        actor="ana",
        action="change",
        record_type="firearm",
        record_id=4,
        jurisdiction="XK",
        before={"model": "M70"},
        after={"model": "M70AB2"},
    )
    out = io.StringIO()
    user = AUDITORS["XK"]
    count = service.export_csv(session, user=user, out=out, filters=service.EntryFilters())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(rows) == 2
    assert "MK secret justification" not in out.getvalue()
    change = next(row for row in rows if row["action"] == "change")
    # The changed field is named; its values, and the searched name, are not exported.
    assert json.loads(change["before"]) == {"model": "***"}
    assert json.loads(change["after"]) == {"model": "***"}
    search = next(row for row in rows if row["action"] == "search")
    assert json.loads(search["details"])["query"] == "***"
    assert "Krasniqi" not in out.getvalue() and "M70" not in out.getvalue()
    assert search["actor_jurisdiction"] == "XK"
    (logged,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert (logged.actor, logged.actor_jurisdiction, logged.record_type) == (
        "auditor_xk",
        "XK",
        "audit_entry",
    )
    assert logged.details == {"filters": {"limit": 500}, "rows": 2, "via": "session"}


def test_export_names_its_filters_and_is_refused_to_other_roles(session) -> None:  # noqa: ANN001
    _searches(session)
    filters = service.EntryFilters(by="analyst_mk", action="search", limit=10)
    user = AUDITORS["MK"]
    assert service.export_csv(session, user=user, out=io.StringIO(), filters=filters) == 1
    logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert logged.details["filters"] == {"by": "analyst_mk", "action": "search", "limit": 10}
    officer = Principal(id=4, username="po_mk", role="programme_officer", jurisdiction="MK")
    with pytest.raises(PermissionDenied, match="may not export the audit log"):
        service.export_csv(session, user=officer, out=io.StringIO())


def test_log_access_records_the_principals_service_beside_the_records(session) -> None:  # noqa: ANN001
    from armsbridge.auth.access import log_access

    goran = Principal(id=5, username="goran", role="analyst", jurisdiction="MK", via="cli")
    log_access(session, user=goran, action="consult", record_type="person", jurisdiction="XK")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.actor == "goran")).one()
    assert (entry.actor_jurisdiction, entry.jurisdiction) == ("MK", "XK")


def test_sign_ins_belong_to_the_accounts_service(session, monkeypatch) -> None:  # noqa: ANN001
    from argon2 import PasswordHasher

    from armsbridge.auth import service as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    password = "a long enough password"
    auth.create_user(
        session, username="goran", password=password, role="analyst", jurisdiction="MK", actor="cli"
    )
    auth.authenticate(session, username="goran", password=password)
    with pytest.raises(auth.LoginFailed):
        auth.authenticate(session, username="goran", password="wrong password here")
    mk = {(e.actor, e.action) for e in service.query_entries(session, user=AUDITORS["MK"])}
    assert {("goran", "login"), ("goran", "login_failed")} <= mk
    xk = {(e.actor, e.action) for e in service.query_entries(session, user=AUDITORS["XK"])}
    assert not {a for a in xk if a[0] == "goran"}
