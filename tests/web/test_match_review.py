"""The match review page: the queue, decide and undo, bulk decisions, clusters, who may decide."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import User
from armsbridge.auth.principal import Principal
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import NotFound, PermissionDenied
from armsbridge.matching.models import MatchDecision, MatchLink, MatchRun
from armsbridge.matching.review import QueueFilter, components, queue
from armsbridge.matching.service import decide, review_queue
from armsbridge.records import service as records
from armsbridge.records.models import Link, Provenance
from principals import as_actor

from .conftest import csrf_of, sign_in

WHY = "case XK-2026-001: duplicates of the suspect"


def _evidence(weight: float) -> list[dict]:
    return [
        {"comparison": "name", "level": "same name key", "match_weight": weight, "agrees": True},
        {"comparison": "birth_date", "level": "missing", "match_weight": 0.0, "agrees": False},
        {"blocking_rule": "l.name_key = r.name_key"},
    ]


@pytest.fixture
def queued(node):  # noqa: ANN001, ANN201
    """A store run with four suggestions: two XK pairs in one cluster of three, one pair with an
    MK record the XK analyst may not see, and a firearm pair; ids by name."""
    factory = make_sessionmaker(node.app.state.engine)
    ids = dict(node.ids)
    with session_scope(factory) as s:
        third = records.create_record(
            s,
            record_type="person",
            data={"jurisdiction": "XK", "given_name": "Xhafer", "family_name": "Bajrami"},
            user=as_actor("seed"),
        )
        gun = records.create_record(
            s,
            record_type="firearm",
            data={"jurisdiction": "XK", "make": "Zoraki", "serial_raw": "TK 7245-11"},
            user=as_actor("seed"),
        )
        ids.update(third=third.id, gun=gun.id)
        run = MatchRun(
            entity_type="person",
            model_version="t",
            model={},
            seed=1,
            auto_accept_threshold=0.999,
            review_threshold=0.3,
        )
        gun_run = MatchRun(
            entity_type="firearm",
            model_version="t",
            model={},
            seed=1,
            auto_accept_threshold=0.999,
            review_threshold=0.3,
        )
        s.add_all([run, gun_run])
        s.flush()

        def link(run_id: int, et: str, a: int, b: int, p: float, **kw: object) -> int:
            m = MatchLink(
                run_id=run_id,
                entity_type=et,
                left_id=min(a, b),
                right_id=max(a, b),
                probability=p,
                match_weight=p * 20,
                evidence=_evidence(p * 20),
                status="review",
                **kw,
            )
            s.add(m)
            s.flush()
            return m.id

        ids["sure"] = link(run.id, "person", ids["person"], ids["third"], 0.995)
        ids["maybe"] = link(run.id, "person", ids["third"], ids["other"], 0.62)
        ids["foreign"] = link(
            run.id, "person", ids["person"], ids["mk_person"], 0.97, cross_border=True
        )
        ids["guns"] = link(gun_run.id, "firearm", ids["firearm"], ids["gun"], 0.9)
    return ids


def test_persons_need_a_justification_then_show_side_by_side(node, analyst, queued) -> None:  # noqa: ANN001
    ask = analyst.get("/matches")
    assert ask.status_code == 200 and "Why do you need these records?" in ask.text
    page = analyst.get("/matches", params={"why": WHY})
    assert page.status_code == 200
    assert f'data-match="{queued["sure"]}"' in page.text
    assert f'data-match="{queued["maybe"]}"' in page.text
    # The MK person is not the XK analyst's to see: neither is the suggestion.
    assert f'data-match="{queued["foreign"]}"' not in page.text
    assert "2 suggestions" in page.text
    assert "l.name_key = r.name_key" in page.text  # the blocking rule the evidence names
    assert "Cluster of 3 records" in page.text
    assert "<meter" in page.text and "+19.9" in page.text
    # Firearms are not personal: no justification asked.
    guns = analyst.get("/matches", params={"type": "firearm"})
    assert f'data-match="{queued["guns"]}"' in guns.text
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        seen = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "consult", AuditEntry.why == WHY)
        ).all()
        shown = [e.details for e in seen if e.details and "matches" in e.details]
        assert shown and set(shown[-1]["matches"]) == {queued["sure"], queued["maybe"]}


def test_filters_narrow_the_queue(analyst, queued) -> None:  # noqa: ANN001
    high = analyst.get("/matches", params={"why": WHY, "min": "0.99"})
    assert f'data-match="{queued["sure"]}"' in high.text
    assert f'data-match="{queued["maybe"]}"' not in high.text
    cross = analyst.get("/matches", params={"why": WHY, "border": "cross"})
    assert "data-match=" not in cross.text
    wrong = analyst.get("/matches", params={"why": WHY, "status": "maybe"})
    assert wrong.status_code == 422 and "status" in wrong.text


def test_confirm_from_the_queue_then_undo(node, analyst, queued) -> None:  # noqa: ANN001
    page = analyst.get("/matches", params={"why": WHY})
    here = re.search(r'name="next" value="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    answer = analyst.post(
        f"/matches/{queued['sure']}/decide",
        data={"decision": "confirm", "next": here, "why": WHY, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/matches?")
    assert f"done={queued['sure']}" in answer.headers["location"]
    after = analyst.get(answer.headers["location"])
    assert 'id="undo-last"' in after.text and "now confirmed" in after.text
    assert f'data-match="{queued["sure"]}"' not in after.text  # decided: out of the queue
    factory = make_sessionmaker(node.app.state.engine)
    with session_scope(factory) as s:
        assert s.get(MatchLink, queued["sure"]).status == "confirmed"
        assert s.scalars(select(Link).where(Link.kind == "same_as")).all()
    undo = analyst.post(
        f"/matches/{queued['sure']}/decide",
        data={"decision": "undo", "next": here, "why": WHY, "csrf_token": csrf_of(after.text)},
        follow_redirects=False,
    )
    assert undo.status_code == 303
    back = analyst.get(undo.headers["location"])
    assert f'data-match="{queued["sure"]}"' in back.text  # undone: waits for a decision again
    with session_scope(factory) as s:
        assert s.get(MatchLink, queued["sure"]).status == "undone"
        assert not s.scalars(select(Link).where(Link.kind == "same_as")).all()


def test_a_foreign_next_address_is_not_followed(analyst, queued) -> None:  # noqa: ANN001
    page = analyst.get("/matches", params={"why": WHY})
    answer = analyst.post(
        f"/matches/{queued['maybe']}/decide",
        data={
            "decision": "unsure",
            "next": "https://evil.example/matches",
            "why": WHY,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/records/persons/")


def test_a_role_without_record_update_sees_but_cannot_decide(node, queued) -> None:  # noqa: ANN001
    with TestClient(node.app) as client:
        sign_in(client, "border")
        page = client.get("/matches", params={"why": WHY})
        assert page.status_code == 200 and f'data-match="{queued["sure"]}"' in page.text
        assert 'data-key="c"' not in page.text  # no decision buttons
        refused = client.post(
            f"/matches/{queued['sure']}/decide",
            data={"decision": "confirm", "why": WHY, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert refused.status_code == 403
        bulk = client.get("/matches/bulk", params={"why": WHY, "decision": "confirm"})
        assert bulk.status_code == 403
    border = Principal(id=0, username="border", role="border_officer", jurisdiction="XK")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        with pytest.raises(PermissionDenied, match="record.update"):
            decide(s, match_id=queued["sure"], decision="confirm", user=border)
        assert s.get(MatchLink, queued["sure"]).status == "review"


def test_the_service_hides_and_refuses_a_pair_with_an_unseen_record(node, queued) -> None:  # noqa: ANN001
    analyst = Principal(id=1, username="analyst", role="analyst", jurisdiction="XK")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        listed = {m.id for m in queue(s, user=analyst, wanted=QueueFilter("person"))}
        assert queued["foreign"] not in listed and queued["sure"] in listed
        with pytest.raises(NotFound):
            decide(s, match_id=queued["foreign"], decision="confirm", user=analyst)


def test_bulk_confirm_previews_a_count_and_audits_each_decision(node, analyst, queued) -> None:  # noqa: ANN001
    preview = analyst.get("/matches/bulk", params={"why": WHY, "decision": "confirm", "min": "0.5"})
    assert preview.status_code == 200
    assert "2 suggestions will be confirmed as the same" in preview.text
    ids = re.search(r'name="ids" value="([^"]+)"', preview.text).group(1)
    assert set(map(int, ids.split(","))) == {queued["sure"], queued["maybe"]}
    factory = make_sessionmaker(node.app.state.engine)
    with session_scope(factory) as s:
        assert s.get(MatchLink, queued["sure"]).status == "review"  # the preview changes nothing
    form = {
        "decision": "confirm",
        "ids": ids,
        "type": "person",
        "status": "open",
        "border": "any",
        "min": "0.5",
        "max": "1",
        "why": WHY,
        "csrf_token": csrf_of(preview.text),
    }
    done = analyst.post("/matches/bulk", data=form, follow_redirects=False)
    assert done.status_code == 303 and "bulk=2" in done.headers["location"]
    shown = analyst.get(done.headers["location"])
    assert "2 suggestions decided" in shown.text
    with session_scope(factory) as s:
        decisions = s.scalars(select(MatchDecision).where(MatchDecision.decided_by == "analyst"))
        assert sorted(d.match_link_id for d in decisions) == sorted(
            [queued["sure"], queued["maybe"]]
        )
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "review")).all()
        assert sorted(e.details["match_id"] for e in entries) == sorted(
            [queued["sure"], queued["maybe"]]
        )
        assert all(e.why == WHY for e in entries)
    # The same preview sent again decides nothing more: those pairs are no longer open.
    again = analyst.post("/matches/bulk", data=form, follow_redirects=False)
    assert "bulk=0" in again.headers["location"]


def test_the_cluster_page_lists_every_member_and_pair(analyst, queued) -> None:  # noqa: ANN001
    page = analyst.get(f"/matches/clusters/persons/{queued['person']}", params={"why": WHY})
    assert page.status_code == 200
    assert "Cluster of 3 records" in page.text
    for key in ("person", "third", "other"):
        assert f"#{queued[key]}<" in page.text or f"#{queued[key]}</a>" in page.text
    assert f'data-match="{queued["sure"]}"' in page.text
    assert f'data-match="{queued["maybe"]}"' in page.text
    assert f'data-match="{queued["foreign"]}"' not in page.text
    missing = analyst.get(f"/matches/clusters/persons/{queued['mk_person']}", params={"why": WHY})
    assert missing.status_code == 404


def test_a_received_record_in_a_pair_carries_its_marking(node, analyst, queued) -> None:  # noqa: ANN001
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.add(
            Provenance(
                record_type="person",
                record_id=queued["mk_person"],
                held_by="XK",
                provider="MK",
                remote_ref="review-test",
                message_id="m-review-test",
                handling_code="H1",
            )
        )
    page = analyst.get("/matches", params={"why": WHY, "border": "cross"})
    assert f'data-match="{queued["foreign"]}"' in page.text
    assert f'data-match="{queued["sure"]}"' not in page.text
    assert "Received from North Macedonia" in page.text and "marking-h1" in page.text
    assert "Cross-border" in page.text


def test_the_person_page_lists_confirmed_and_suggested_matches(analyst, queued) -> None:  # noqa: ANN001
    page = analyst.get("/matches", params={"why": WHY})
    analyst.post(
        f"/matches/{queued['sure']}/decide",
        data={"decision": "confirm", "why": WHY, "csrf_token": csrf_of(page.text)},
    )
    person = analyst.get(f"/records/persons/{queued['third']}", params={"why": WHY})
    body = person.text
    assert f'data-match="{queued["sure"]}"' in body and f'data-match="{queued["maybe"]}"' in body
    # The confirmed one comes first, with Undo; the suggestion with the three decisions.
    assert body.index(f'data-match="{queued["sure"]}"') < body.index(
        f'data-match="{queued["maybe"]}"'
    )
    sure = body.split(f'data-match="{queued["sure"]}"')[1].split("</form>")[0]
    assert 'value="undo"' in sure and 'value="confirm"' not in sure
    assert f'href="/matches/clusters/persons/{queued["third"]}?why=' in body


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("mk", "Преглед на совпаѓања"),
        ("sq", "Shqyrtimi i përputhjeve"),
        ("sr", "Pregled podudaranja"),
    ],
)
def test_the_review_page_speaks_the_users_language(node, analyst, queued, lang, words) -> None:  # noqa: ANN001
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.scalar(select(User).where(User.username == "analyst")).language = lang
    page = analyst.get("/matches", params={"why": WHY})
    assert page.status_code == 200 and words in page.text
    assert "%%" not in page.text and "%(" not in page.text


def test_an_undone_pair_waits_in_the_command_line_queue_too(node, queued) -> None:  # noqa: ANN001
    analyst = Principal(id=1, username="analyst", role="analyst", jurisdiction="XK")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        decide(s, match_id=queued["sure"], decision="confirm", user=analyst)
        assert queued["sure"] not in {m.id for m in review_queue(s, entity_type="person")}
        decide(s, match_id=queued["sure"], decision="undo", user=analyst)
        assert queued["sure"] in {m.id for m in review_queue(s, entity_type="person")}
        page = {m.id for m in queue(s, user=analyst, wanted=QueueFilter("person"))}
        assert queued["sure"] in page


def test_an_empty_queue_points_to_the_matches_the_engine_accepted(node, analyst, queued) -> None:  # noqa: ANN001
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.get(MatchLink, queued["sure"]).status = "auto_accepted"
        s.get(MatchLink, queued["maybe"]).status = "rejected"
    page = analyst.get("/matches", params={"why": WHY})
    assert "1 match was accepted by the engine without review" in page.text
    link = re.search(r'href="(/matches\?[^"]*status=auto_accepted[^"]*)"', page.text).group(1)
    accepted = analyst.get(link.replace("&amp;", "&"))
    assert f'data-match="{queued["sure"]}"' in accepted.text and 'value="undo"' in accepted.text


def test_anonymous_requests_are_sent_to_sign_in_and_decide_nothing(node, queued) -> None:  # noqa: ANN001
    with TestClient(node.app) as client:
        for path in ("/matches", "/matches/bulk?decision=confirm", "/matches/clusters/persons/1"):
            answer = client.get(path, follow_redirects=False)
            assert answer.status_code in (303, 401), path
            assert "Bajrami" not in answer.text
        posted = client.post(
            "/matches/bulk",
            data={"decision": "confirm", "ids": str(queued["sure"])},
            follow_redirects=False,
        )
        assert posted.status_code in (303, 401, 403)  # to sign in, or refused
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        assert s.get(MatchLink, queued["sure"]).status == "review"


def test_a_rejected_pair_leaves_the_cluster(node, queued) -> None:  # noqa: ANN001
    analyst = Principal(id=1, username="analyst", role="analyst", jurisdiction="XK")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        assert len(components(s, user=analyst, entity_type="person")[queued["person"]]) == 3
        decide(s, match_id=queued["maybe"], decision="reject", user=analyst)
        clusters = components(s, user=analyst, entity_type="person")
        assert clusters[queued["person"]] == {queued["person"], queued["third"]}
        assert queued["other"] not in clusters
