"""Problem and subject profiles: what they count, who may make and open them, their marking."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from armsbridge.analysis import products
from armsbridge.analysis.problem import Problem
from armsbridge.analysis.profile_pdf import product_pdf
from armsbridge.audit.models import AuditEntry
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.web.i18n import Formatter
from profile_world import CROSSING, build

WHY = "XK-PP-1: converted pistols at Blace"
SPRING = Problem(start="2025-03-01", end="2025-04-30", crossing=CROSSING)


def _account(session, name: str, role: str = "analyst", jurisdiction: str = "XK"):  # noqa: ANN001
    from armsbridge.auth.models import User
    from armsbridge.auth.service import principal_of

    user = User(username=name, role=role, jurisdiction=jurisdiction, password_hash="!")
    session.add(user)
    session.flush()
    return principal_of(user, via="session")


def _ref(w, name: str, record_type: str) -> str:  # noqa: ANN001
    return f"{record_type}:{w.ids[name]}"


def test_a_problem_profile_counts_what_the_records_say(session) -> None:
    w = build(session)
    ana = _account(session, "ana-pp")
    row = products.create_problem(session, user=ana, problem=SPRING, title="Blace", why=WHY)
    c = row.content
    assert c["figures"]["events"] == 3  # not the shooting, the other place or 2023
    assert (c["figures"]["firearms"], c["figures"]["converted"]) == (3, 2)
    assert c["places"][0]["ref"] == _ref(w, "crossing", "place")
    assert sorted(c["places"][0]["evidence"]) == sorted(
        _ref(w, e, "event") for e in ("e1", "e2", "e3")
    )
    assert {m["month"]: m["count"] for m in c["trend"]} == {"2025-03": 2, "2025-04": 1}
    assert c["times"]["undated"] == 1 and c["times"]["cells"][1][21] == 1  # Tuesday 21:30
    kinds = {k["value"]: k["count"] for k in c["weapons"]["kinds"]}
    assert kinds == {"pistol": 2, "rifle": 1}
    assert (
        c["weapons"]["conversions"][0]
        == {
            "value": "blank_to_live",
            "count": 2,
            "evidence": sorted([_ref(w, "f1", "firearm"), _ref(w, "f3", "firearm")]),
        }
        or c["weapons"]["conversions"][0]["count"] == 2
    )
    people = {p["ref"]: p for p in c["people"]}
    assert set(people) == {_ref(w, n, "person") for n in ("arben", "drita", "besnik")}
    assert people[_ref(w, "arben", "person")]["roles"] == ["suspect"]
    assert people[_ref(w, "arben", "person")]["count"] == 2  # the two events of case C1
    assert people[_ref(w, "besnik", "person")]["evidence"] == [_ref(w, "e3", "event")]
    assert [v["ref"] for v in c["vehicles"]] == [_ref(w, "golf", "vehicle")]
    assert c["methods"]["with_vehicle"] == 1
    assert {k["value"] for k in c["methods"]["case_kinds"]} == {"trafficking", "online_sale"}
    # The strictest code it draws on (event e2, H1) is the product's.
    assert row.handling_code == "H1" and c["marking"]["handling_code"] == "H1"
    logged = session.scalars(
        select(AuditEntry).where(AuditEntry.record_type == "person", AuditEntry.actor == "ana-pp")
    ).all()
    assert logged and logged[-1].why == WHY
    assert set(logged[-1].details["ids"]) == {w.ids["arben"], w.ids["drita"], w.ids["besnik"]}


def test_the_problem_narrows_to_converted_weapons_and_refuses_bad_values(session) -> None:
    build(session)
    ana = _account(session, "ana-pp2")
    converted = Problem(start=SPRING.start, end=SPRING.end, crossing=CROSSING, converted_only=True)
    row = products.create_problem(session, user=ana, problem=converted, title="c", why=WHY)
    assert row.content["figures"]["events"] == 2 and row.content["figures"]["firearms"] == 2
    with pytest.raises(ValidationFailed) as bad:
        products.create_problem(
            session,
            user=ana,
            problem=Problem(start="2025-13-01", end="2025-04-30"),
            title="x",
            why=WHY,
        )
    assert bad.value.problems[0]["field"] == "start"
    with pytest.raises(ValidationFailed) as bad:
        products.create_problem(
            session,
            user=ana,
            problem=Problem(start="2025-05-01", end="2025-04-30"),
            title="x",
            why=WHY,
        )
    assert bad.value.problems[0]["field"] == "end"
    with pytest.raises(ValidationFailed, match="justification"):
        products.create_problem(session, user=ana, problem=SPRING, title="x", why="")


def test_who_may_make_and_open_a_profile(session) -> None:
    build(session)
    ana = _account(session, "ana-pp3")
    inv = _account(session, "inv-pp3", role="investigator")
    border = _account(session, "border-pp3", role="border_officer")
    mk = _account(session, "mk-pp3", jurisdiction="MK")
    row = products.create_problem(session, user=ana, problem=SPRING, title="Blace", why=WHY)
    assert products.get_product(session, user=inv, product_id=row.id).id == row.id
    with pytest.raises(PermissionDenied):
        products.create_problem(session, user=inv, problem=SPRING, title="x", why=WHY)
    with pytest.raises(PermissionDenied):
        products.list_products(session, user=border)
    with pytest.raises(NotFound):
        products.get_product(session, user=mk, product_id=row.id)
    # MK's analyst reads only MK's records: the same problem is empty there.
    empty = products.create_problem(session, user=mk, problem=SPRING, title="Blace", why=WHY)
    assert empty.content["figures"]["events"] == 0 and empty.handling_code == "H0"


def test_an_h2_product_is_seen_by_its_author_only(session) -> None:
    build(session)
    ana = _account(session, "ana-pp4")
    other = _account(session, "ana-pp4b")
    row = products.create_problem(session, user=ana, problem=SPRING, title="Blace", why=WHY)
    assert products.get_product(session, user=other, product_id=row.id).id == row.id
    products.update_product(
        session,
        user=ana,
        product_id=row.id,
        sections={},
        source_grade=None,
        information_grade=None,
        handling_code="H2",
        handling_restriction=None,
    )
    session.flush()
    assert products.get_product(session, user=ana, product_id=row.id).id == row.id
    with pytest.raises(NotFound):
        products.get_product(session, user=other, product_id=row.id)
    assert row.id not in [r.id for r in products.list_products(session, user=other)]


def test_sections_grades_and_marking_are_saved_never_weaker_and_final_stays(session) -> None:
    build(session)
    ana = _account(session, "ana-pp5")
    row = products.create_problem(session, user=ana, problem=SPRING, title="Blace", why=WHY)
    keep = {
        "sections": {"summary": "Two converted pistols in five weeks."},
        "source_grade": "B",
        "information_grade": "2",
        "handling_restriction": None,
    }
    with pytest.raises(ValidationFailed) as weaker:
        products.update_product(session, user=ana, product_id=row.id, handling_code="H0", **keep)
    assert weaker.value.problems[0]["field"] == "handling_code"
    with pytest.raises(ValidationFailed) as h3:
        products.update_product(session, user=ana, product_id=row.id, handling_code="H3", **keep)
    assert h3.value.problems[0]["field"] == "handling_restriction"
    with pytest.raises(ValidationFailed):
        products.update_product(
            session,
            user=ana,
            product_id=row.id,
            handling_code="H1",
            **{**keep, "source_grade": "E"},
        )
    products.update_product(
        session, user=ana, product_id=row.id, handling_code="H1", final=True, **keep
    )
    assert (row.status, row.source_grade, row.sections["summary"]) == (
        "final",
        "B",
        "Two converted pistols in five weeks.",
    )
    with pytest.raises(ValidationFailed, match="final"):
        products.update_product(session, user=ana, product_id=row.id, handling_code="H1", **keep)
    change = session.scalars(
        select(AuditEntry).where(AuditEntry.record_type == "product", AuditEntry.action == "change")
    ).all()
    assert change[-1].after["status"] == "final"


def test_opening_a_profile_logs_the_persons_it_names(session) -> None:
    w = build(session)
    ana = _account(session, "ana-pp6")
    inv = _account(session, "inv-pp6", role="investigator")
    row = products.create_problem(session, user=ana, problem=SPRING, title="Blace", why=WHY)
    products.open_product(session, user=inv, product_id=row.id, why="XK-PP-1 review")
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.actor == "inv-pp6", AuditEntry.record_type == "person")
    ).one()
    assert entry.why == "XK-PP-1 review" and w.ids["arben"] in entry.details["ids"]


def test_a_subject_profile_gathers_the_person(session) -> None:
    w = build(session)
    ana = _account(session, "ana-pp7")
    row = products.create_subject(
        session, user=ana, record_type="person", record_id=w.ids["arben"], title="", why=WHY
    )
    c = row.content
    assert row.title == "Arben Hoxha"
    assert c["identity"][0]["variants"] == ["Арбен Хоџа"]
    assert [(k["ref"], k["roles"]) for k in c["cases"]] == [(_ref(w, "C1", "case"), ["suspect"])]
    assert [s["ref"] for s in c["same_as"]] == [_ref(w, "arben-mk", "person")]
    assert c["same_as"][0]["provider"] == "MK"
    assert [(a["ref"], a["why"]) for a in c["associates"]] == [
        (_ref(w, "drita", "person"), ["shared_case"])
    ]
    assert [h["ref"] for h in c["held"]["phone"]] == [_ref(w, "phone", "phone")]
    assert [h["ref"] for h in c["held"]["vehicle"]] == [_ref(w, "golf", "vehicle")]
    assert {e["ref"] for e in c["timeline"]} == {_ref(w, e, "event") for e in ("e1", "e2")}
    assert row.handling_code == "H1" and c["marking"]["providers"] == ["MK"]
    with pytest.raises(ValidationFailed):
        products.create_subject(
            session, user=ana, record_type="firearm", record_id=w.ids["f1"], title="", why=WHY
        )


@pytest.mark.parametrize("language", ["en", "mk"])
def test_the_pdf_reads_back_with_its_marking_and_figures(session, language: str) -> None:
    w = build(session)
    ana = _account(session, f"ana-pp8{language}")
    row = products.create_problem(session, user=ana, problem=SPRING, title="Blace Zoraki", why=WHY)
    products.update_product(
        session,
        user=ana,
        product_id=row.id,
        handling_code="H1",
        sections={"recommendations": "Joint patrol at Blace, 20-23 h."},
        source_grade="B",
        information_grade="2",
        handling_restriction=None,
    )
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(product_pdf(row, Formatter(language)))).pages
    )
    assert "Blace Zoraki" in text and "Joint patrol at Blace, 20-23 h." in text
    assert "Zoraki 914" in text and "Arben Hoxha" in text and "H1" in text
    assert _ref(w, "e1", "event") in text
    if language == "mk":
        assert "Препораки" in text or "Препорак" in text
