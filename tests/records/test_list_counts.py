"""A list's counts are kept while the store does not change, and counted again when it does."""

from __future__ import annotations

from armsbridge.auth.principal import Principal
from armsbridge.db import changes
from armsbridge.records import list_rows, service
from armsbridge.records.listing import query_of
from principals import as_actor

ANALYST = Principal(id=995, username="counts", role="analyst", jurisdiction="XK")


def _firearm(session, **data) -> int:
    made = service.create_record(
        session, record_type="firearm", data={"jurisdiction": "XK", **data}, user=as_actor("a")
    )
    session.flush()
    return made.id


def _total(session, **filters: str) -> int:
    return list_rows.summary(session, query_of("firearm", filters), ANALYST)[0]


def test_a_new_or_erased_record_changes_the_counts_at_once(session) -> None:
    _firearm(session, make="Glock", kind="pistol")
    before = _total(session, kind="pistol")
    made = _firearm(session, make="CZ", kind="pistol")
    assert _total(session, kind="pistol") == before + 1
    service.delete_record(session, record_type="firearm", record_id=made, user=as_actor("a"))
    session.flush()
    assert _total(session, kind="pistol") == before


def test_paging_and_sorting_reuse_the_counts_and_reading_writes_nothing_that_counts(
    session, monkeypatch
) -> None:
    _firearm(session, make="Glock", kind="pistol")
    calls: list[str] = []
    counted = list_rows._count_summary

    def spy(*args, **kwargs):
        calls.append("counted")
        return counted(*args, **kwargs)

    monkeypatch.setattr(list_rows, "_count_summary", spy)
    first = list_rows.summary(session, query_of("firearm", {"kind": "rifle"}), ANALYST)
    seen = changes.generation()
    for page in ("1", "2"):
        again = query_of("firearm", {"kind": "rifle", "page": page, "sort": "make"})
        assert list_rows.summary(session, again, ANALYST) == first
    assert calls == ["counted"] and changes.generation() == seen
    other_user = Principal(id=996, username="other", role="analyst", jurisdiction="XK")
    list_rows.summary(session, query_of("firearm", {"kind": "rifle"}), other_user)
    assert calls == ["counted", "counted"]  # kept per user: what each may read differs


def test_kept_counts_expire(session, monkeypatch) -> None:
    monkeypatch.setattr(list_rows, "SUMMARY_SECONDS", -1.0)
    calls: list[str] = []
    counted = list_rows._count_summary
    monkeypatch.setattr(
        list_rows, "_count_summary", lambda *a, **k: calls.append("c") or counted(*a, **k)
    )
    for _ in range(2):
        _total(session, kind="revolver")
    assert calls == ["c", "c"]
