"""The firearm page and the guided identification: provisional answers, reference facts and why
the conversion flag is raised or not, the same for both services' records."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from armsbridge.firearms.service import check_conversion, explain_conversion
from armsbridge.records.models import Firearm


def _gun(session: Session, jurisdiction: str, **data: object) -> Firearm:
    gun = Firearm(jurisdiction=jurisdiction, **data)
    session.add(gun)
    session.flush()
    check_conversion(session, firearm_id=gun.id)
    session.flush()
    return gun


def _indicators(html: str) -> dict[str, str]:
    rows = re.findall(r'<tr data-present="(yes|no)"><th scope="row">([^<]+)</th>', html)
    return {label: present for present, label in rows}


def test_the_ekol_tuna_identification_agrees_with_its_reference_entry(
    client: TestClient,
    token,  # noqa: ANN001
) -> None:
    page = client.get(
        "/firearms/identify",
        params={"make": "Ekol", "model": "Tuna", "markings": "PTB 948"},
        headers=token("investigator"),
    ).text
    assert "Blank-firing" in page  # the reference entry shown
    assert not re.search(r"\bA2\b", page)  # not the A2 point (an icon's path may hold "9A2.5")
    assert (
        "from the reference: Small Arms Survey, From Legal to Lethal (2018); Flemish Peace "
        "Institute, Project SAFTE (2018): action: semi-automatic; alarm or signal device: yes"
    ) in page
    assert 'id="provisional"' in page and "not a firearm" in page
    assert 'id="q-meets_alarm_signal_specs"' in page  # what decides it is asked
    assert 'id="q-action"' not in page  # known from the reference


def test_a_changed_answer_is_asked_again_even_when_the_reference_knows_it(
    client: TestClient,
    token,  # noqa: ANN001
) -> None:
    page = client.get(
        "/firearms/identify",
        params={"make": "Zastava", "model": "M57", "ask": "action"},
        headers=token("investigator"),
    ).text
    assert 'id="q-action"' in page


def test_the_firearm_page_shows_the_provisional_answer_and_its_alternatives(
    client: TestClient,
    token,
    session: Session,  # noqa: ANN001
) -> None:
    gun = _gun(session, "XK", make="Ekol", model="Tuna", markings="PTB 948")
    page = client.get(f"/records/firearms/{gun.id}", headers=token("investigator", "XK")).text
    assert "provisionally" in page and "not a firearm" in page
    assert "B5 if meets Implementing Directive 2019/69: no" in page
    assert "Reference entry" in page and "Ekol Tuna" in page


def test_the_firearm_page_shows_each_conversion_indicator_present_or_absent(
    client: TestClient,
    token,
    session: Session,  # noqa: ANN001
) -> None:
    user = token("investigator", "XK")
    flagged = _gun(session, "XK", make="Ekol", model="Tuna", markings="PTB 948, barrel drilled")
    page = client.get(f"/records/firearms/{flagged.id}", headers=user).text
    shown = _indicators(page)
    assert shown["Blank or alarm marking (PTB, P.A.K., ...)"] == "yes"
    assert shown["Marking of a drilled, bored or replaced barrel"] == "yes"
    assert shown["Live ammunition seized with it (same event or case)"] == "no"
    assert "Raised: a blank-firing weapon with a sign of conversion." in page
    plain = _gun(session, "XK", make="Ekol", model="Tuna", markings="PTB 948")
    page = client.get(f"/records/firearms/{plain.id}", headers=user).text
    assert "Not raised: a blank-firing weapon, but no sign of conversion was found." in page
    assert _indicators(page)["Marking of a drilled, bored or replaced barrel"] == "no"


def test_both_services_records_are_evaluated_alike_across_scripts(session: Session) -> None:
    xk = _gun(session, "XK", make="Zoraki", model="914", calibre="9x17", markings="PTB 1010")
    mk = _gun(session, "MK", make="Зораки", model="914", calibre="9x17", markings="ПТБ 1010")
    one, two = explain_conversion(session, xk), explain_conversion(session, mk)
    assert one.suspected and two.suspected
    assert [i.present for i in one.indicators] == [i.present for i in two.indicators]
    assert xk.category == mk.category and xk.category_reasons == mk.category_reasons
    live_calibre = next(i for i in two.indicators if i.label.startswith("Live calibre"))
    assert live_calibre.present  # 9x17 (live) recorded on a 9 mm P.A.K. blank model


def test_the_identification_page_offers_to_state_each_assumed_feature(
    client: TestClient,
    token,  # noqa: ANN001
) -> None:
    user = token("investigator")
    facts = {"kind": "rifle", "action": "semi_automatic", "ignition": "centre_fire"}
    facts |= {"barrel_length_cm": "50", "overall_length_cm": "100", "magazine_capacity": "5"}
    page = client.get("/firearms/identify", params=facts, headers=user).text
    assert "B4" in page and 'id="assumed"' in page
    assert "ask=foldable_stock" in page
    asked = client.get(
        "/firearms/identify", params={**facts, "ask": "foldable_stock"}, headers=user
    )
    assert 'id="q-foldable_stock"' in asked.text
    stated = client.get(
        "/firearms/identify", params={**facts, "foldable_stock": "true"}, headers=user
    ).text
    assert "A8" in stated
