"""A list's counts are kept while the store does not change, and counted again when it does."""

from __future__ import annotations

from armsbridge.auth.principal import Principal
from armsbridge.db import changes
from armsbridge.records import list_rows, service
from armsbridge.records.listing import query_of
from armsbridge.records.models import RECORD_MODELS
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


def _page_ids(session, user: Principal = ANALYST, **params: str) -> list[int]:
    query = query_of("firearm", {"kind": "shotgun", "sort": "model", **params})
    return [r.id for r in list_rows.page_of(session, query, user)]


def test_paging_a_list_sorts_it_once_and_a_new_record_shows_at_once(session, monkeypatch) -> None:
    made = [_firearm(session, make="Kept", kind="shotgun", model=f"M{i:03}") for i in range(120)]
    calls: list[str] = []
    sorted_ids = list_rows._sorted_ids
    monkeypatch.setattr(
        list_rows, "_sorted_ids", lambda *a, **k: calls.append("sorted") or sorted_ids(*a, **k)
    )
    pages = [_page_ids(session, page=str(n)) for n in (1, 2, 3)]
    assert calls == ["sorted"]
    assert [i for page in pages for i in page] == made  # M000..M119, 50 + 50 + 20
    newest = _firearm(session, make="Kept", kind="shotgun", model="M000A")
    assert _page_ids(session)[:2] == [made[0], newest]
    assert calls == ["sorted", "sorted"]


def test_a_kept_order_never_shows_a_row_the_user_may_no_longer_read(session, monkeypatch) -> None:
    made = [_firearm(session, make="Kept", kind="shotgun", model=f"N{i}") for i in range(3)]
    assert _page_ids(session) == made
    # A write this process does not see (another server process): the kept order stays.
    monkeypatch.setattr(changes, "generation", lambda: -1)
    monkeypatch.setattr(list_rows._SORTED, "entries", {})
    assert _page_ids(session) == made
    hidden = session.get(RECORD_MODELS["firearm"], made[1])
    hidden.handling_code = "H3"
    session.flush()
    assert _page_ids(session) == [made[0], made[2]]


def test_a_list_too_long_to_keep_is_sorted_in_the_store(session, monkeypatch) -> None:
    made = [_firearm(session, make="Kept", kind="shotgun", model=f"P{i}") for i in range(4)]
    monkeypatch.setattr(list_rows, "KEPT_IDS_MAX", 2)
    assert _page_ids(session, dir="desc") == made[::-1]
