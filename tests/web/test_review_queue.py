"""The review queue pages: the queue, one review with its spans, the decision, corrections, hits."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.auth.models import User
from armsbridge.auth.principal import principal_of
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.exchange import hits
from armsbridge.monitoring import review
from armsbridge.monitoring.models import Capture
from armsbridge.records.models import Link, Phone

from .conftest import csrf_of, sign_in
from .test_captures import seed_capture

OFFER = "Shes pistoletë TT, 350e, 044 123 456, telegram @armsdealer_xk"
NEWS = "Policia sekuestroi 3 armë në Prizren sot"


def seed_post(node, text: str, username: str = "analyst", name: str = "post.html") -> int:
    """Import a saved page holding `text` as `username`; return the capture's id."""
    data = f"<html><head><title>Post</title></head><body><p>{text}</p></body></html>".encode()
    return seed_capture(node, username, name, data)


def seed_reviews(node) -> tuple[int, int]:
    """An offer waiting in the queue and one the analyst confirmed (into the records, a hit
    asked and one peer down); return their ids."""
    waiting = seed_post(node, OFFER.replace("044 123 456", "044 765 432"))
    done = seed_post(node, OFFER)
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        user = principal_of(s.scalar(select(User).where(User.username == "analyst")), via="cli")
        row = s.get(Capture, done)
        keep = {it["key"] for it in review.items(row)}
        decision = review.Decision("offer", "sq", keep=keep - {"prices:0"})
        review.decide(s, user=user, capture_id=done, decision=decision)
        asked = {"at": "2026-12-01T10:00:00+00:00", "by": "analyst", "problem": None}
        row.details = {
            **row.details,
            "hits": {
                "phone:+38344123456": [{**asked, "peer": "MK", "hit": True}],
                "handle:armsdealer_xk": [
                    {**asked, "peer": "MK", "hit": None, "problem": "unavailable"}
                ],
            },
        }
    return waiting, done


def capture_words(node) -> list[str]:
    """The pieces of each capture's text as the review page shows them between its marks
    (data, like the text they are cut from)."""
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        pieces = [p[0] for row in s.scalars(select(Capture)) for p in review.segments(row)]
    return [line.strip() for piece in pieces for line in piece.splitlines() if line.strip()]


def _rows(node, model, *where):
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        return [s.expunge(r) or r for r in s.scalars(select(model).where(*where))]


def test_the_queue_lists_offers_first_and_the_review_marks_each_span(node, analyst) -> None:
    news = seed_post(node, NEWS)
    offer = seed_post(node, OFFER)
    page = analyst.get("/captures/queue")
    assert page.status_code == 200
    order = [int(i) for i in re.findall(r'data-capture="(\d+)"', page.text)]
    assert order == [offer, news]
    assert "Words that drove the score" in page.text
    review = analyst.get(f"/captures/{offer}/review")
    assert review.status_code == 200
    assert 'data-verify="ok"' in review.text
    assert '<mark class="span-phones" data-item="phones:0"' in review.text
    assert ">044 123 456</mark>" in review.text and ">@armsdealer_xk</mark>" in review.text
    assert 'value="phones:0" checked' in review.text


def test_confirming_stores_the_review_and_puts_the_listing_into_the_records(node, analyst) -> None:
    offer = seed_post(node, OFFER)
    page = analyst.get(f"/captures/{offer}/review")
    form = {
        "csrf_token": csrf_of(page.text),
        "label": "offer",
        "language": "sq",
        "keep": ["phones:0", "prices:0", "weapons:0"],  # the handle is removed
        "add_phones": "049 555 666",
    }
    done = analyst.post(f"/captures/{offer}/review", data=form, follow_redirects=True)
    assert done.status_code == 200 and 'id="reviewed"' in done.text
    assert "training data" in done.text
    assert 'data-record="phone"' in done.text and "Link chart from here" in done.text
    new = {p.e164 for p in _rows(node, Phone, Phone.source_ref == f"capture:{offer}")}
    assert new == {"+38349555666"}  # 044 123 456 is the seed's phone of a person: found again
    assert "already known" in done.text
    again = analyst.post(f"/captures/{offer}/review", data=form, follow_redirects=True)
    assert again.status_code == 200
    links = _rows(node, Link, Link.source_ref == f"capture:{offer}")
    assert len(links) == 3  # two phones and the firearm, each in the listing; no case
    queue = analyst.get("/captures/queue")
    assert f'data-capture="{offer}"' not in queue.text
    download = analyst.get("/captures/queue/corrections.jsonl")
    assert download.status_code == 200
    lines = [json.loads(line) for line in download.text.splitlines()]
    assert [line["id"] for line in lines] == [f"capture-{offer}"]
    assert lines[0]["extractions"]["phones"] == ["+38344123456", "+38349555666"]
    assert lines[0]["extractions"]["handles"] == []
    capture = analyst.get(f"/captures/{offer}")
    assert 'data-custody="reviewed"' in capture.text
    # Not a sale after all: what the review put into the records is taken back, and said so.
    other = analyst.post(
        f"/captures/{offer}/review", data={**form, "label": "other"}, follow_redirects=True
    )
    assert other.status_code == 200 and 'id="graph-removed"' in other.text
    # three links, the listing, the phone it added and the firearm (the known phone stays)
    assert "6 records and links that an earlier review made" in other.text
    assert _rows(node, Link, Link.source_ref == f"capture:{offer}") == []
    assert _rows(node, Phone, Phone.source_ref == f"capture:{offer}") == []


def test_a_bad_added_value_is_explained_and_nothing_is_stored(node, analyst) -> None:
    offer = seed_post(node, OFFER)
    page = analyst.get(f"/captures/{offer}/review")
    form = {"csrf_token": csrf_of(page.text), "label": "offer", "language": "sq"}
    bad = analyst.post(f"/captures/{offer}/review", data={**form, "add_calibres": "huge"})
    assert bad.status_code == 422 and 'id="review-error"' in bad.text and "huge" in bad.text
    (row,) = _rows(node, Capture, Capture.id == offer)
    assert row.status != "reviewed"


def test_another_jurisdiction_and_a_role_without_review_are_refused(node, analyst) -> None:
    offer = seed_post(node, OFFER)
    with TestClient(node.app) as client:
        mk = sign_in(client, "mk_analyst")
        assert f'data-capture="{offer}"' not in mk.get("/captures/queue").text
        assert mk.get(f"/captures/{offer}/review").status_code == 404
        page = mk.get("/captures/queue")
        refused = mk.post(
            f"/captures/{offer}/review",
            data={"csrf_token": csrf_of(page.text), "label": "offer", "language": "sq"},
        )
        assert refused.status_code == 404
    with TestClient(node.app) as client:
        border = sign_in(client, "border")
        assert border.get("/captures/queue").status_code == 403
        assert border.get(f"/captures/{offer}/review").status_code == 403
    (row,) = _rows(node, Capture, Capture.id == offer)
    assert row.status != "reviewed"


def test_one_click_hit_asks_the_other_service_and_shows_the_answer(
    node, analyst, monkeypatch
) -> None:
    offer = seed_post(node, OFFER)
    asked = []

    def fake_ask(session, *, settings, user, peer_name, entries, why):
        asked.append((peer_name, [(e.kind, e.value) for e in entries], why))
        found = entries[0].kind == "phone"
        result = hits.ValueResult(entries[0].kind, entries[0].value, 1, 1, hit=found)
        return hits.HitAnswer(peer_name, "q", 1, int(found), [result])

    monkeypatch.setattr("armsbridge.monitoring.hit_checks.active_peers", lambda s: [_Peer()])
    monkeypatch.setattr(hits, "ask_peer", fake_ask)
    page = analyst.get(f"/captures/{offer}/review")
    token = csrf_of(page.text)
    why = f"Online listing, capture {offer}"
    analyst.post(
        f"/captures/{offer}/hit",
        data={"csrf_token": token, "item": "phone:+38344123456", "why": why},
    )
    done = analyst.post(
        f"/captures/{offer}/hit",
        data={"csrf_token": token, "item": "handle:armsdealer_xk", "why": why},
        follow_redirects=True,
    )
    assert asked == [
        ("MK", [("phone", "+38344123456")], why),
        ("MK", [("handle", "armsdealer_xk")], why),
    ]
    assert done.status_code == 200
    assert re.findall(r'data-hit="([\w-]+)"', done.text) == ["hit", "no-hit"]
    foreign = analyst.post(
        f"/captures/{offer}/hit",
        data={"csrf_token": token, "item": "phone:+38344999999", "why": why},
    )
    assert foreign.status_code == 422 and len(asked) == 2  # not a value of the capture


class _Peer:
    name = "MK"


def test_a_reviewed_capture_shows_its_records_and_answers(node, analyst) -> None:
    waiting, done = seed_reviews(node)
    queue = analyst.get("/captures/queue").text
    assert f'data-capture="{waiting}"' in queue and f'data-capture="{done}"' not in queue
    page = analyst.get(f"/captures/{done}/review")
    assert page.status_code == 200
    assert re.findall(r'data-hit="([\w-]+)"', page.text) == ["hit", "problem"]
    assert 'value="prices:0" checked' not in page.text and 'value="phones:0" checked' in page.text
    records = re.findall(r'data-record="(\w+)"', page.text)
    assert records == ["intel_report", "phone", "online_account", "firearm"]
