"""The review queue: triage kept with a capture, queue order, decisions audited, into the graph."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import AccessGrant
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.monitoring import review, service
from armsbridge.monitoring.models import Capture
from armsbridge.records import service as records
from armsbridge.records.models import Link, OnlineAccount, Phone

from .helpers import account, page_capture

OFFER = "Shes pistoletë TT, 350e, 044 123 456, telegram @armsdealer_xk"
WANTED = "Blej kallash urgjent, thirr 045 222 333"
OTHER = "Policia sekuestroi 3 armë në Prizren sot"


def _capture(session, settings, user, text, **kw):
    page = page_capture(text)
    return service.store_page(session, settings=settings, user=user, page=page, **kw)


def _all_kept(row) -> set[str]:
    return {it["key"] for it in review.items(row)}


def test_a_stored_capture_keeps_its_triage(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user, OFFER)
    triage = row.details["triage"]
    assert triage["label"] == "offer" and triage["language"] == "sq"
    assert triage["extractions"]["phones"] == ["+38344123456"]
    assert triage["extractions"]["handles"] == ["armsdealer_xk"]
    assert triage["words"], "the words that drove the score are kept"


def test_an_old_capture_is_triaged_when_the_queue_first_lists_it(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user, WANTED)
    row.details = {k: v for k, v in row.details.items() if k != "triage"}
    session.flush()
    assert [r.id for r in review.queue(session, user=user)] == [row.id]
    session.expire(row)
    assert session.get(Capture, row.id).details["triage"]["label"] == "wanted"


def test_queue_lists_offers_and_requests_first_by_score_and_drops_reviewed(
    session, node_keys
) -> None:
    user = account(session, "cyber")
    other = _capture(session, node_keys, user, OTHER)
    wanted = _capture(session, node_keys, user, WANTED)
    offer = _capture(session, node_keys, user, OFFER)
    rows = review.queue(session, user=user)
    assert rows[-1].id == other.id
    first = sorted([wanted, offer], key=lambda r: -r.details["triage"]["score"])
    assert [r.id for r in rows[:2]] == [r.id for r in first]
    decision = review.Decision("other", "sq", keep=set())
    review.decide(session, user=user, capture_id=other.id, decision=decision)
    assert other.id not in [r.id for r in review.queue(session, user=user)]


def test_a_correction_is_stored_audited_and_exported_as_a_corpus_line(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user, OFFER)
    keep = _all_kept(row) - {"handles:0"}
    added = {
        "phones": [review.parse_added("phones", "049 555 666", language="sq", jurisdiction="XK")]
    }
    decision = review.Decision("offer", "sq", keep=keep, added=added)
    stored = review.decide(session, user=user, capture_id=row.id, decision=decision)
    assert stored["by"] == "cyber" and stored["corrected"] is True
    assert stored["removed"] == {"handles": ["armsdealer_xk"]}
    assert stored["extractions"]["phones"] == ["+38344123456", "+38349555666"]
    assert row.status == "reviewed" and row.details["review"]["added"]["phones"] == ["+38349555666"]
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.record_type == "capture",
            AuditEntry.record_id == row.id,
            AuditEntry.action == "review",
        )
    ).one()
    assert entry.actor == "cyber" and entry.details["corrected"] is True
    assert entry.details["graph"]["skipped"] == "role"  # a cyber officer writes no records
    lines = review.corpus_lines(session, user=user)
    assert len(lines) == 1
    line = lines[0]
    assert {k: line[k] for k in ("id", "label", "language", "script", "split")} == {
        "id": f"capture-{row.id}",
        "label": "offer",
        "language": "sq",
        "script": "Latn",
        "split": "train",
    }
    assert line["extractions"]["handles"] == [] and line["text"] == OFFER
    json.dumps(line, ensure_ascii=False)
    exported = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert exported[-1].details["captures"] == [row.id]


def test_a_confirmation_without_change_is_not_a_correction(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user, OFFER)
    decision = review.Decision("offer", "sq", keep=_all_kept(row))
    assert (
        review.decide(session, user=user, capture_id=row.id, decision=decision)["corrected"]
        is False
    )
    assert review.corpus_lines(session, user=user) == []
    assert len(review.corpus_lines(session, user=user, include_confirmed=True)) == 1


def test_confirming_twice_makes_the_records_and_links_once(session, node_keys) -> None:
    analyst = account(session, "ana", role="analyst")
    case = records.create_record(
        session,
        record_type="case",
        data={"reference": "C-ONLINE-1", "kind": "trafficking"},
        user=analyst,
    )
    row = _capture(session, node_keys, analyst, OFFER, case_id=case.id)
    decision = review.Decision("offer", "sq", keep=_all_kept(row))
    first = review.decide(session, user=analyst, capture_id=row.id, decision=decision)["graph"]
    assert first["created"] == 4 and first["reused"] == 0  # listing, phone, account, firearm
    links_before = session.scalars(select(Link)).all()
    second = review.decide(session, user=analyst, capture_id=row.id, decision=decision)["graph"]
    assert second["created"] == 0 and second["reused"] == 4
    assert len(session.scalars(select(Link)).all()) == len(links_before) == 4
    phone = session.scalars(select(Phone).where(Phone.e164 == "+38344123456")).one()
    assert phone.source_ref == f"capture:{row.id}"
    account_row = session.scalars(select(OnlineAccount)).one()
    assert (account_row.platform, account_row.handle) == ("other", "armsdealer_xk")
    kinds = {(link.from_type, link.kind, link.to_type) for link in links_before}
    assert kinds == {
        ("phone", "mentioned_in", "intel_report"),
        ("online_account", "mentioned_in", "intel_report"),
        ("firearm", "mentioned_in", "intel_report"),
        ("intel_report", "part_of", "case"),
    }


def test_a_phone_already_known_is_reused(session, node_keys) -> None:
    analyst = account(session, "ana", role="analyst")
    known = records.create_record(
        session, record_type="phone", data={"number_raw": "044 123 456"}, user=analyst
    )
    row = _capture(session, node_keys, analyst, OFFER)
    decision = review.Decision("offer", "sq", keep=_all_kept(row))
    graph = review.decide(session, user=analyst, capture_id=row.id, decision=decision)["graph"]
    phones = [r for r in graph["records"] if r["type"] == "phone"]
    assert phones == [{"type": "phone", "id": known.id, "value": "+38344123456", "created": False}]


def test_another_jurisdiction_or_a_forbidden_role_sees_nothing_and_cannot_review(
    session, node_keys
) -> None:
    xk = account(session, "cyber")
    row = _capture(session, node_keys, xk, OFFER)
    mk = account(session, "mk-cyber", jurisdiction="MK")
    assert review.queue(session, user=mk) == []
    decision = review.Decision("offer", "sq", keep=set())
    with pytest.raises(NotFound):
        review.decide(session, user=mk, capture_id=row.id, decision=decision)
    border = account(session, "border", role="border_officer")
    with pytest.raises(PermissionDenied):
        review.queue(session, user=border)
    with pytest.raises(PermissionDenied):
        review.decide(session, user=border, capture_id=row.id, decision=decision)
    assert row.status != "reviewed"


def test_an_h2_capture_is_hidden_from_a_colleague_without_a_grant(session, node_keys) -> None:
    owner = account(session, "cyber")
    row = _capture(session, node_keys, owner, OFFER, handling_code="H2")
    colleague = account(session, "cyber2")
    assert [r.id for r in review.queue(session, user=owner)] == [row.id]
    assert review.queue(session, user=colleague) == []


def test_bad_decisions_and_added_values_are_refused(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user, OFFER)
    with pytest.raises(ValidationFailed, match="label"):
        review.decide(session, user=user, capture_id=row.id, decision=review.Decision("sale", "sq"))
    with pytest.raises(ValidationFailed):
        review.parse_added("phones", "12", language="sq", jurisdiction="XK")
    with pytest.raises(ValidationFailed, match="calibre"):
        review.parse_added("calibres", "big", language="sq", jurisdiction="XK")
    assert review.parse_added("prices", "20000 den", language="mk", jurisdiction="MK") == {
        "amount": 20000,
        "currency": "MKD",
    }
    assert (
        review.parse_added("handles", "https://t.me/Seller_1", language="sq", jurisdiction="XK")
        == "seller_1"
    )
    assert review.parse_added("calibres", "7,62x39", language="sq", jurisdiction="XK") == "7.62x39"
    with pytest.raises(ValidationFailed, match="weapon"):
        review.weapon("tank")


def test_segments_mark_each_extraction_in_the_text(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user, OFFER)
    parts = review.segments(row)
    assert "".join(p[0] for p in parts) == OFFER
    marked = {p[0]: p[1] for p in parts if p[1]}
    assert marked["044 123 456"] == "phones" and marked["@armsdealer_xk"] == "handles"


def test_an_h2_listing_goes_into_the_records_under_h2_and_stays_visible_to_its_reviewer(
    session, node_keys
) -> None:
    analyst = account(session, "ana", role="analyst")
    row = _capture(session, node_keys, analyst, OFFER, handling_code="H2")
    decision = review.Decision("offer", "sq", keep=_all_kept(row))
    graph = review.decide(session, user=analyst, capture_id=row.id, decision=decision)["graph"]
    again = review.decide(session, user=analyst, capture_id=row.id, decision=decision)["graph"]
    assert graph["created"] == 4 and again["reused"] == 4
    phone = session.scalars(select(Phone).where(Phone.e164 == "+38344123456")).one()
    assert phone.handling_code == "H2"
    colleague = account(session, "ana2", role="analyst")
    assert review.queue(session, user=colleague) == []


def _keys(row, *fields: str) -> set[str]:
    return {key for key in _all_kept(row) if key.split(":")[0] in fields}


def _erased(session, record_type: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(
        AuditEntry.action == "erase", AuditEntry.record_type == record_type
    )
    return session.scalars(stmt).all()


def test_reviewing_again_with_fewer_extractions_takes_back_what_is_no_longer_named(
    session, node_keys
) -> None:
    analyst = account(session, "ana", role="analyst")
    row = _capture(session, node_keys, analyst, OFFER)
    everything = review.Decision("offer", "sq", keep=_all_kept(row))
    first = review.decide(session, user=analyst, capture_id=row.id, decision=everything)["graph"]
    assert first["created"] == 4 and first["removed"] == []
    phone_only = review.Decision("offer", "sq", keep=_keys(row, "phones"))
    second = review.decide(session, user=analyst, capture_id=row.id, decision=phone_only)["graph"]
    assert (second["created"], second["reused"], second["links"]) == (0, 2, 1)
    assert sorted(r["type"] for r in second["removed"]) == [
        "firearm",
        "link",
        "link",
        "online_account",
    ]
    assert session.scalars(select(OnlineAccount)).all() == []
    [link] = session.scalars(select(Link)).all()
    assert (link.from_type, link.to_type) == ("phone", "intel_report")
    [erased] = _erased(session, "firearm")
    assert erased.why == f"no longer named by the review of capture {row.id}"
    # Naming the weapon again makes it anew, under a reference the store does not hold yet.
    third = review.decide(session, user=analyst, capture_id=row.id, decision=everything)["graph"]
    assert third["created"] == 2 and third["removed"] == []
    assert len(session.scalars(select(Link)).all()) == 3


def test_relabelled_other_takes_back_the_listing_but_keeps_what_is_known_used_or_changed(
    session, node_keys
) -> None:
    analyst = account(session, "ana", role="analyst")
    known = records.create_record(
        session, record_type="phone", data={"number_raw": "044 123 456"}, user=analyst
    )
    row = _capture(session, node_keys, analyst, OFFER)
    decision = review.Decision("offer", "sq", keep=_all_kept(row))
    graph = review.decide(session, user=analyst, capture_id=row.id, decision=decision)["graph"]
    made = {r["type"]: r["id"] for r in graph["records"]}
    records.update_record(  # the analyst completes the firearm: it is theirs now
        session,
        record_type="firearm",
        record_id=made["firearm"],
        data={"serial_raw": "TT-1234"},
        user=analyst,
    )
    person = records.create_record(
        session, record_type="person", data={"family_name": "Krasniqi"}, user=analyst
    )
    records.link_records(  # the account is linked to a person by hand: in use
        session,
        kind="user_of",
        from_type="person",
        from_id=person.id,
        to_type="online_account",
        to_id=made["online_account"],
        user=analyst,
    )
    other = review.Decision("other", "sq")
    done = review.decide(session, user=analyst, capture_id=row.id, decision=other)
    assert sorted(r["type"] for r in done["graph"]["removed"]) == ["intel_report"] + ["link"] * 3
    assert (
        records.find_by_ref(
            session, record_type="intel_report", jurisdiction="XK", external_ref=f"capture-{row.id}"
        )
        is None
    )
    assert session.get(Phone, known.id) is not None
    assert session.scalars(select(OnlineAccount)).one().id == made["online_account"]
    assert records.get_record(session, record_type="firearm", record_id=made["firearm"])
    links = [(lk.from_type, lk.kind) for lk in session.scalars(select(Link))]
    assert links == [("person", "user_of")]


def test_a_colleague_granted_an_h2_capture_reviews_it_again_and_is_granted_what_it_became(
    session, node_keys
) -> None:
    ana = account(session, "ana", role="analyst")
    row = _capture(session, node_keys, ana, OFFER, handling_code="H2")
    decision = review.Decision("offer", "sq", keep=_all_kept(row))
    first = review.decide(session, user=ana, capture_id=row.id, decision=decision)["graph"]
    colleague = account(session, "ana2", role="analyst")
    session.add(
        AccessGrant(
            record_type="capture",
            record_id=row.id,
            user_id=colleague.id,
            granted_by="ana",
            reason="second reader",
        )
    )
    session.flush()
    fewer = review.Decision("wanted", "sq", keep=_keys(row, "phones", "handles"))
    again = review.decide(session, user=colleague, capture_id=row.id, decision=fewer)["graph"]
    assert again["created"] == 0 and again["reused"] == 3  # listing, phone, account
    assert [r["type"] for r in again["removed"]] == ["link", "firearm"]
    kept = {(r["type"], r["id"]) for r in first["records"] if r["type"] != "firearm"}
    granted = session.scalars(select(AccessGrant).where(AccessGrant.user_id == colleague.id))
    assert {(g.record_type, g.record_id) for g in granted} >= kept
    grants = session.scalars(
        select(AuditEntry).where(AuditEntry.actor == "ana2", AuditEntry.action == "admin")
    ).all()
    assert all(e.details["op"] == "grant" and e.why for e in grants) and grants
    # Nothing of the erased firearm's grant is left to open a record that takes its id.
    firearm_id = next(r["id"] for r in first["records"] if r["type"] == "firearm")
    stale = select(AccessGrant).where(
        AccessGrant.record_type == "firearm", AccessGrant.record_id == firearm_id
    )
    assert session.scalars(stale).all() == []
    outsider = account(session, "ana3", role="analyst")
    with pytest.raises(NotFound):
        review.decide(session, user=outsider, capture_id=row.id, decision=fewer)
