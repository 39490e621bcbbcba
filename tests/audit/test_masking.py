"""Auditors see who did what, when and why, never the personal values: API, page and CSV.

The data-protection officer (role `dpo`, action audit.reveal) may reveal one entry's values with
a reason, and the reveal is itself an entry of the log. (The command line: test_commands.py.)
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from armsbridge.audit import service
from armsbridge.audit.models import AuditEntry

PERSONAL = ("Krasniqi", "1986-04-02", "+38344123456", "Arben")


@pytest.fixture
def logged(session) -> dict[str, int]:  # noqa: ANN001
    """A change of a person's name, birth date and phone, and a search by name, in XK and MK."""
    change = service.log_event(
        session,
        actor="ana",
        action="change",
        record_type="person",
        record_id=7,
        jurisdiction="XK",
        why="case XK-2026-1",
        before={"family_name": "Krasnici", "birth_date": "1986-04-01", "phone": None},
        after={"family_name": "Krasniqi", "birth_date": "1986-04-02", "phone": "+38344123456"},
    )
    search = service.log_event(
        session,
        actor="ana",
        action="search",
        record_type="person",
        jurisdiction="XK",
        why="case XK-2026-1",
        details={"query": "Arben Krasniqi", "results": 1, "ids": [7]},
    )
    other = service.log_event(
        session,
        actor="marko",
        action="search",
        record_type="person",
        jurisdiction="MK",
        why="MK case",
        details={"query": "Петровски", "results": 0, "ids": []},
    )
    return {"change": change.seq, "search": search.seq, "other": other.seq}


def _no_personal_value(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, f"{value!r} shown to an auditor"


def test_the_api_names_the_changed_fields_but_not_their_values(client, token, logged) -> None:
    answer = client.get("/api/audit", params={"actor": "ana"}, headers=token("auditor"))
    assert answer.status_code == 200
    _no_personal_value(answer.text)
    entries = {e["seq"]: e for e in answer.json()}
    change = entries[logged["change"]]
    assert change["masked"] is True and change["why"] == "case XK-2026-1"
    assert change["after"] == {"family_name": "***", "birth_date": "***", "phone": "***"}
    assert sorted(change["before"]) == ["birth_date", "family_name", "phone"]
    search = entries[logged["search"]]
    assert search["details"]["query"] == "***" and search["details"]["ids"] == [7]


def test_the_csv_export_holds_no_personal_value(client, token, logged) -> None:
    answer = client.get("/api/audit/export.csv", headers=token("auditor"))
    assert answer.status_code == 200
    _no_personal_value(answer.text)
    rows = {int(r["seq"]): r for r in csv.DictReader(io.StringIO(answer.text))}
    assert json.loads(rows[logged["change"]]["after"])["family_name"] == "***"


def test_the_pages_show_no_personal_value_and_no_reveal_form_to_an_auditor(
    client, token, logged
) -> None:
    headers = token("auditor")
    listing = client.get("/audit", params={"actor": "ana"}, headers=headers)
    assert listing.status_code == 200 and "Family name, Date of birth" in listing.text  # by label
    _no_personal_value(listing.text)
    page = client.get(f"/audit/{logged['change']}", headers=headers)
    assert page.status_code == 200 and 'id="masked-note"' in page.text
    _no_personal_value(page.text)
    assert 'id="reveal-form"' not in page.text
    refused = client.post(
        f"/audit/{logged['change']}/reveal", data={"why": "I am curious, really"}, headers=headers
    )
    assert refused.status_code == 403
    _no_personal_value(refused.text)


def test_an_auditor_cannot_reveal_through_the_api(client, token, logged) -> None:
    answer = client.post(
        f"/api/audit/{logged['change']}/reveal",
        json={"why": "I would like to see it"},
        headers=token("auditor"),
    )
    assert answer.status_code == 403
    _no_personal_value(answer.text)


def test_the_officer_reveals_one_entry_with_a_reason_and_the_reveal_is_logged(
    client, token, logged, session
) -> None:
    headers = token("dpo")
    listing = client.get("/api/audit", params={"actor": "ana"}, headers=headers)
    _no_personal_value(listing.text)  # the officer's lists are masked too
    no_reason = client.post(
        f"/api/audit/{logged['change']}/reveal", json={"why": ""}, headers=headers
    )
    assert no_reason.status_code == 422 and "why" in no_reason.text
    answer = client.post(
        f"/api/audit/{logged['change']}/reveal",
        json={"why": "complaint of the data subject, ref DP-12"},
        headers=headers,
    )
    assert answer.status_code == 200
    entry = answer.json()
    assert entry["masked"] is False and entry["after"]["family_name"] == "Krasniqi"
    (reveal,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
    assert (reveal.actor, reveal.record_type, reveal.record_id) == (
        "dpo_xk",
        "audit_entry",
        logged["change"],
    )
    assert reveal.why == "complaint of the data subject, ref DP-12"
    assert "Krasniqi" not in json.dumps(reveal.details)  # the reveal does not copy the values


def test_the_officer_reveals_on_the_page_only_the_own_service(client, token, logged) -> None:
    headers = token("dpo")
    page = client.get(f"/audit/{logged['search']}", headers=headers)
    assert 'id="reveal-form"' in page.text
    _no_personal_value(page.text)
    shown = client.post(
        f"/audit/{logged['search']}/reveal",
        data={"why": "complaint of the data subject, ref DP-12"},
        headers=headers,
    )
    assert shown.status_code == 200 and "Arben Krasniqi" in shown.text
    assert 'id="revealed-note"' in shown.text
    other = client.post(
        f"/api/audit/{logged['other']}/reveal",
        json={"why": "complaint of the data subject, ref DP-12"},
        headers=headers,
    )
    assert other.status_code == 404 and "Петровски" not in other.text
