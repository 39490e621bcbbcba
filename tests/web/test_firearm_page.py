"""The firearm page as a new user reads it: the category and its reasons once and in plain words,
the facts still missing asked right there and saved to the record, the reference facts with their
sources, in every language of the interface."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import User
from armsbridge.auth.principal import Principal
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import NotFound, PermissionDenied
from armsbridge.firearms.answers import answer_facts
from armsbridge.records import service as records
from armsbridge.records.models import Firearm
from principals import as_actor

from .conftest import csrf_of, sign_in

INTERNAL = ("barrel_length_cm", "DOMAIN.md", "_cm", ".yaml", "not_a_firearm")


def _firearm(node, **data: object) -> int:  # noqa: ANN001
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        gun = records.create_record(
            s, record_type="firearm", data={"jurisdiction": "XK", **data}, user=as_actor("seed")
        )
        s.flush()
        return gun.id


def _stored(node, firearm_id: int) -> Firearm:  # noqa: ANN001
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        gun = s.get(Firearm, firearm_id)
        s.expunge(gun)
        return gun


def _changes(node, firearm_id: int) -> list[AuditEntry]:  # noqa: ANN001
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        stmt = select(AuditEntry).where(
            AuditEntry.record_type == "firearm",
            AuditEntry.record_id == firearm_id,
            AuditEntry.action == "change",
        )
        found = list(s.scalars(stmt))
        for entry in found:
            s.expunge(entry)
        return found


def _panel(html: str, ident: str) -> str:
    match = re.search(rf'<section class="panel"[^>]*id="{ident}".*?</section>', html, re.S)
    assert match, f"page has no {ident} panel"
    return match.group(0)


def _items(html: str, cls: str) -> list[str]:
    match = re.search(rf'<ul class="{cls}">(.*?)</ul>', html, re.S)
    return [re.sub(r"\s+", " ", i).strip() for i in re.findall(r"<li>(.*?)</li>", match.group(1))]


@pytest.fixture
def border(node) -> Iterator[TestClient]:  # noqa: ANN001
    """A client signed in as an XK border officer (reads firearms, may not change them)."""
    with TestClient(node.app) as client:
        yield sign_in(client, "border")


def test_the_category_its_meaning_and_the_reasons_are_shown_once_in_plain_words(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    gun = _firearm(node, make="Zastava", model="M70", serial_raw="70-1")
    page = analyst.get(f"/records/firearms/{gun}").text
    assert page.count('id="category"') == 1
    panel = _panel(page, "category")
    assert 'data-category="A"' in panel and "A · A2" in panel
    meaning = "automatic firearm (fires more than one round per trigger pull)"
    assert page.count(meaning) == 1  # the point's meaning once, not again among the reasons
    reasons = _items(panel, "reasons")
    assert len(reasons) == len(set(reasons))
    assert "action: automatic" in reasons
    assert any(r.startswith("from the reference: SEESAC") for r in reasons)
    # The facts panel does not repeat the category, its reasons or the rules version.
    facts = re.search(r'<dl class="facts">.*?</dl>', page, re.S).group(0)
    assert "Legal category" not in facts and "Rules version" not in facts
    for internal in INTERNAL:
        assert internal not in page, internal


def test_no_internal_name_shows_on_an_undetermined_firearm_or_its_questions(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    gun = _firearm(node, kind="rifle", action="semi_automatic", serial_raw="R-1")
    page = analyst.get(f"/records/firearms/{gun}").text
    panel = _panel(page, "category")
    assert "Barrel length (cm)?" in panel and 'name="barrel_length"' in panel
    for internal in INTERNAL:
        assert internal not in page, internal


def test_a_missing_fact_answered_inline_is_saved_audited_and_changes_the_category(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    gun = _firearm(node, make="Ekol", model="Tuna", serial_raw="T-1")
    page = analyst.get(f"/records/firearms/{gun}").text
    assert _stored(node, gun).category == "undetermined"
    assert f'action="/records/firearms/{gun}/facts#category"' in page
    answer = analyst.post(
        f"/records/firearms/{gun}/facts",
        data={"meets_alarm_signal_specs": "true", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/records/firearms/{gun}?saved=facts#category"
    saved = analyst.get(answer.headers["location"]).text
    assert 'id="facts-saved"' in saved and "Saved." in saved
    stored = _stored(node, gun)
    assert stored.facts["meets_alarm_signal_specs"] is True
    assert stored.category == "not_a_firearm"  # a compliant alarm weapon
    panel = _panel(saved, "category")
    assert "not a firearm" in panel and "meets Implementing Directive 2019/69: yes" in panel
    entry = _changes(node, gun)[-1]
    assert entry.actor == "analyst"
    assert entry.after["facts"]["meets_alarm_signal_specs"] is True
    assert entry.after["category"] == "not_a_firearm"


def test_the_kind_action_and_a_length_answered_inline_go_to_the_record(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    gun = _firearm(node, serial_raw="P-1")
    page = analyst.get(f"/records/firearms/{gun}").text
    assert 'name="action"' in page  # asked: the category depends on it
    answers = {"kind": "pistol", "action": "semi_automatic", "ignition": "centre_fire"}
    answer = analyst.post(
        f"/records/firearms/{gun}/facts",
        data={**answers, "magazine_capacity": "25", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    stored = _stored(node, gun)
    assert (stored.kind, stored.action) == ("pistol", "semi_automatic")
    assert (stored.category, stored.category_point) == ("A", "A7(a)")
    changes = _changes(node, gun)
    assert {"kind", "action"} <= set(changes[0].after)  # the columns, through the records writer
    assert changes[-1].after["facts"]["magazine_capacity"] == 25


def test_an_answer_not_understood_is_shown_next_to_the_questions_and_nothing_is_saved(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    gun = _firearm(node, kind="rifle", action="semi_automatic", serial_raw="R-2")
    page = analyst.get(f"/records/firearms/{gun}").text
    answer = analyst.post(
        f"/records/firearms/{gun}/facts",
        data={"barrel_length": "long", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    problems = re.search(r'id="answers-problems".*?</div>', answer.text, re.S).group(0)
    assert "barrel length" in problems and "a number, such as 30 or 30.5" in problems
    assert 'value="long"' in answer.text  # what was typed is kept
    assert not (_stored(node, gun).facts or {})
    assert "barrel_length_cm" not in answer.text


def test_a_reader_without_write_rights_gets_the_questions_as_text_and_no_form(
    node,  # noqa: ANN001
    border: TestClient,
) -> None:
    gun = _firearm(node, make="Ekol", model="Tuna", serial_raw="T-2")
    page = border.get(f"/records/firearms/{gun}").text
    panel = _panel(page, "category")
    assert "Does it meet Implementing Directive 2019/69" in panel
    assert "<form" not in panel and "<select" not in panel
    forged = border.post(
        f"/records/firearms/{gun}/facts",
        data={"meets_alarm_signal_specs": "true", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "Traceback" not in forged.text
    assert not (_stored(node, gun).facts or {})
    assert _changes(node, gun) == []


def test_the_service_refuses_a_reader_and_another_services_account(node) -> None:  # noqa: ANN001
    gun = _firearm(node, make="Ekol", model="Tuna", serial_raw="T-3")
    reader = Principal(id=4, username="border", role="border_officer", jurisdiction="XK")
    other = Principal(id=3, username="mk_analyst", role="analyst", jurisdiction="MK")
    answers = {"meets_alarm_signal_specs": "true"}
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        with pytest.raises(PermissionDenied):
            answer_facts(s, firearm_id=gun, answers=answers, user=reader)
        with pytest.raises(NotFound):
            answer_facts(s, firearm_id=gun, answers=answers, user=other)
    assert not (_stored(node, gun).facts or {})


def test_reference_facts_are_shown_each_with_its_source_and_unverified_where_so(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    m57 = _firearm(node, make="Zastava", model="M57", serial_raw="57-1")
    panel = _panel(analyst.get(f"/records/firearms/{m57}").text, "reference-facts")
    assert "Reference entry: Zastava M57" in panel
    row = re.search(r"<th scope=\"row\">magazine capacity</th>.*?</tr>", panel, re.S).group(0)
    assert "9 rounds" in row and "signal-zero.blogspot.com" in row and "unverified" not in row
    assert "C.I.P. TDCC 7.62x25 (primer type)" in panel  # the ignition's own source
    zoraki = _firearm(node, make="Zoraki", model="917", serial_raw="Z-1")
    panel = _panel(analyst.get(f"/records/firearms/{zoraki}").text, "reference-facts")
    row = re.search(r"<th scope=\"row\">alarm or signal device</th>.*?</tr>", panel, re.S)
    assert "unverified" in row.group(0)


@pytest.mark.parametrize(
    ("lang", "phrase", "english"),
    [
        ("mk", "се претпоставува дека отсуствува (не е наведено)", "assumed absent (not stated)"),
        ("sq", "supozohet se mungon (nuk është shënuar)", "assumed absent (not stated)"),
        ("sr", "pretpostavlja se da nije prisutno (nije navedeno)", "assumed absent (not stated)"),
    ],
)
def test_the_reasons_and_questions_are_in_the_readers_language(
    node,  # noqa: ANN001
    analyst: TestClient,
    lang: str,
    phrase: str,
    english: str,
) -> None:
    gun = _firearm(node, make="Ekol", model="Tuna", serial_raw="T-4")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.execute(update(User).where(User.username == "analyst").values(language=lang))
    page = analyst.get(f"/records/firearms/{gun}").text
    panel = _panel(page, "category")
    assert phrase in panel
    assert english not in panel
    assert "Does it meet Implementing Directive 2019/69" not in panel  # the question too
    for internal in INTERNAL:
        assert internal not in page, internal


def test_the_identification_opened_for_a_firearm_saves_to_it(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    gun = _firearm(node, make="Ekol", model="Tuna", serial_raw="T-5")
    page = analyst.get(
        "/firearms/identify", params={"firearm": gun, "meets_alarm_signal_specs": "true"}
    ).text
    assert 'id="for-firearm"' in page and "Ekol Tuna" in page  # the record's make and model
    form = re.search(r'<form[^>]*id="save-to-firearm".*?</form>', page, re.S).group(0)
    assert "Save to this firearm" in form
    assert 'name="meets_alarm_signal_specs" value="true"' in form
    saved = analyst.post(
        f"/records/firearms/{gun}/facts",
        data={"meets_alarm_signal_specs": "true", "csrf_token": csrf_of(page)},
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    assert _stored(node, gun).category == "not_a_firearm"


def test_the_identification_offers_no_save_to_a_reader(
    node,  # noqa: ANN001
    border: TestClient,
) -> None:
    gun = _firearm(node, make="Ekol", model="Tuna", serial_raw="T-6")
    page = border.get(
        "/firearms/identify", params={"firearm": gun, "meets_alarm_signal_specs": "true"}
    ).text
    assert 'id="for-firearm"' in page and 'id="save-to-firearm"' not in page
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        consulted = s.scalars(
            select(AuditEntry.actor).where(
                AuditEntry.action == "consult",
                AuditEntry.record_type == "firearm",
                AuditEntry.record_id == gun,
            )
        ).all()
    assert "border" in consulted  # reading the firearm here is logged like its page


def test_the_identification_names_an_answer_it_cannot_use_in_words(analyst: TestClient) -> None:
    page = analyst.get("/firearms/identify", params={"kind": "rifle", "barrel_length": "zz"})
    assert page.status_code == 200
    problems = re.search(r'<div class="notice error" role="alert">.*?</div>', page.text, re.S)
    assert "barrel length" in problems.group(0) and "a number, such as 30" in problems.group(0)
    assert 'id="q-barrel_length"' in page.text  # asked again
    for internal in INTERNAL:
        assert internal not in page.text, internal
