"""The border risk profile as a product: its figures counted by hand from a small set of stored
passages, the seizures' weapons as impact, the joint patrols' results, who may make and open it,
its PDF."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from armsbridge.analysis import products
from armsbridge.analysis.profile_pdf import product_pdf
from armsbridge.analysis.risk_profile import RiskQuestion
from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import User
from armsbridge.auth.service import principal_of
from armsbridge.border.models import Passage
from armsbridge.border.passages import FILE_COLUMNS, import_passages
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.exchange.patrols import BORDER_TIME
from armsbridge.web.i18n import Formatter
from patrol_seed import add_patrol
from profile_world import CROSSING, build

OTHER = "JAZHINCE-JAZINCE"
FIRST_HALF = RiskQuestion(
    start="2025-01-01", end="2025-06-30", score_start="2025-07-01", score_end="2025-12-31"
)


def _row(crossing: str, day: str, hour: int, *, found: bool = False, known: bool = False) -> str:
    values = {
        "crossing": crossing,
        "passed_at": f"{day} {hour:02d}:15",
        "vehicle": "car",
        "plate": "XK",
        "occupants": 2,
        "age_band": "36-50",
        "male": 1,
        "known": int(known),
        "crossings_30d": 0,
        "checked": int(found or known),
        "weapons_found": int(found),
        "jurisdiction": "XK",
    }
    return ",".join(str(values.get(c, "")) for c in FILE_COLUMNS)


def _passages(tmp_path: Path) -> Path:
    """First half of 2025: 40 passages, 4 with weapons found.

    Blace: 10 at 23:15 (3 found, one of them a known driver), 10 at 12:15 (1 found);
    Jazhince: 20 at 12:15 (none found, one known driver). Second half: Blace 5 at night
    (1 found) and 5 by day, Jazhince 10 by day.
    """
    lines = [_row(CROSSING, "2025-02-05", 23, found=i < 3, known=i == 0) for i in range(10)]
    lines += [_row(CROSSING, "2025-02-05", 12, found=i == 0) for i in range(10)]
    lines += [_row(OTHER, "2025-02-05", 12, known=i == 0) for i in range(20)]
    lines += [_row(CROSSING, "2025-09-03", 23, found=i == 0) for i in range(5)]
    lines += [_row(CROSSING, "2025-09-03", 12) for i in range(5)]
    lines += [_row(OTHER, "2025-09-03", 12) for i in range(10)]
    path = tmp_path / "passages.csv"
    path.write_text("\n".join([",".join(FILE_COLUMNS), *lines]) + "\n", encoding="utf-8")
    return path


def _account(session, name: str, role: str = "analyst", jurisdiction: str = "XK"):  # noqa: ANN001
    user = User(username=name, role=role, jurisdiction=jurisdiction, password_hash="!")
    session.add(user)
    session.flush()
    return principal_of(user, via="session")


@pytest.fixture
def world(session, tmp_path):  # noqa: ANN001, ANN201
    """The profile world's seizures, the passages above, one MK passage, one joint patrol."""
    w = build(session)
    ana = _account(session, "ana-rp")
    import_passages(session, user=ana, path=_passages(tmp_path))
    session.add(  # another service's passage, with weapons found: never in XK's profile
        Passage(jurisdiction="MK", crossing=CROSSING, passed_at=datetime(2025, 2, 5, 23, 0),
                vehicle="van", known=True, checked=True, weapons_found=True, created_by="mk")
    )  # fmt: skip
    add_patrol(session, starts=datetime(2025, 3, 10, 22, 0, tzinfo=BORDER_TIME))
    session.flush()
    return w, ana


def _rows(content: dict, dimension: str) -> dict:
    return {r["indicator"]: r for r in content["dimensions"][dimension]}


def test_the_figures_are_those_counted_by_hand(session, world) -> None:
    w, ana = world
    row = products.create_risk(session, user=ana, question=FIRST_HALF, title="Blace", why="")
    c = row.content
    assert row.kind == "risk" and row.status == "draft"
    assert (c["figures"]["passages"], c["figures"]["seizures"]) == (40, 4)
    assert c["figures"]["base_rate"] == pytest.approx(0.1) and c["figures"]["model"]
    vulnerability = _rows(c, "vulnerability")
    night = vulnerability["night (22:00-04:59)"]
    assert (night["passages"], night["seizures"], night["rate"]) == (10, 3, 0.3)
    assert night["lift"] == pytest.approx(3.0)
    assert (night["rate_low"], night["rate_high"]) == pytest.approx((0.1078, 0.6032), abs=1e-4)
    assert not night["strong"]  # 3 seizures: fewer than the 5 evidence needs
    blace = vulnerability[f"crossing={CROSSING}"]
    assert (blace["passages"], blace["seizures"], blace["lift"]) == (20, 4, pytest.approx(2.0))
    assert vulnerability[f"crossing={OTHER}"]["seizures"] == 0
    known = _rows(c, "threat")["driver known to the police"]
    assert (known["passages"], known["seizures"], known["lift"]) == (2, 1, pytest.approx(5.0))
    # The later period: the same indicators counted again, the ranking scored.
    assert night["later"]["passages"] == 5 and night["later"]["seizures"] == 1
    later = c["later"]
    assert (later["passages"], later["seizures"]) == (20, 1)
    assert later["auc_profile"] is not None and 0 <= later["auc_profile"] <= 1
    # Where and when: Blace 22:00-02:00 first (3 of 10), then Blace 10:00-14:00 (1 of 10).
    first, second = c["suggestions"]
    assert (first["crossing"], first["start"], first["passages"], first["seizures"]) == (
        CROSSING,
        22,
        10,
        3,
    )
    assert (second["start"], second["seizures"]) == (10, 1)
    assert first["later"]["passages"] == 5 and first["later"]["seizures"] == 1


def test_impact_and_the_joint_patrols_reach_the_profile(session, world) -> None:
    w, ana = world
    row = products.create_risk(session, user=ana, question=FIRST_HALF, title="Blace", why="")
    impact = {i["crossing"]: i for i in row.content["impact"]}
    assert impact[CROSSING]["seizures"] == 3 and impact[CROSSING]["firearms"] == 3
    assert sorted(impact[CROSSING]["evidence"]) == sorted(
        f"event:{w.ids[e]}" for e in ("e1", "e2", "e3")
    )
    assert sum(k["count"] for k in impact[CROSSING]["categories"]) == 3
    assert row.handling_code == "H1"  # one of the seizures is H1: never weaker than its records
    crossings = {x["crossing"]: x for x in row.content["crossings"]}
    patrols = crossings[CROSSING]["patrols"]
    assert (patrols["patrols"], patrols["hours"], patrols["checks"]) == (1, 12.0, 38)
    assert (patrols["hits"], patrols["seizures"]) == (2, 2)
    assert patrols["hit_rate"] == pytest.approx(2 / 38)
    assert crossings[OTHER]["patrols"] is None


def test_who_may_make_and_open_a_risk_profile(session, world) -> None:
    _w, ana = world
    row = products.create_risk(session, user=ana, question=FIRST_HALF, title="Blace", why="")
    inv = _account(session, "inv-rp", role="investigator")
    border = _account(session, "border-rp", role="border_officer")
    mk = _account(session, "mk-rp", jurisdiction="MK")
    assert products.get_product(session, user=inv, product_id=row.id).id == row.id
    with pytest.raises(PermissionDenied):
        products.create_risk(session, user=inv, question=FIRST_HALF, title="x", why="")
    with pytest.raises(PermissionDenied):
        products.get_product(session, user=border, product_id=row.id)
    with pytest.raises(NotFound):
        products.get_product(session, user=mk, product_id=row.id)
    # MK's analyst learns from MK's passages only: the one MK passage, not XK's 40.
    theirs = products.create_risk(session, user=mk, question=FIRST_HALF, title="MK", why="")
    assert (theirs.content["figures"]["passages"], theirs.content["figures"]["seizures"]) == (1, 1)
    assert not theirs.content["figures"]["model"]  # only passages with weapons: nothing to learn
    products.open_product(session, user=inv, product_id=row.id, why=None)
    actions = [
        e.action
        for e in session.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_type == "product", AuditEntry.record_id == row.id)
            .order_by(AuditEntry.seq)  # PostgreSQL returns rows in no set order without it
        )
    ]
    assert actions == ["create", "consult"]


def test_bad_periods_are_refused_naming_the_field(session) -> None:
    ana = _account(session, "ana-rp2")
    for question, field in (
        (RiskQuestion(start="2025-02-30", end="2025-06-30"), "start"),
        (RiskQuestion(start="2025-06-01", end="2025-01-01"), "end"),
        (RiskQuestion(start="2025-01-01", end="2025-06-30", score_start="2025-07-01"), "score_end"),
        (
            RiskQuestion(
                start="2025-01-01",
                end="2025-06-30",
                score_start="2025-03-01",
                score_end="2025-12-31",
            ),
            "score_start",
        ),
    ):
        with pytest.raises(ValidationFailed) as refused:
            products.create_risk(session, user=ana, question=question, title="x", why="")
        assert refused.value.problems[0]["field"] == field


@pytest.mark.parametrize("language", ["en", "sq"])
def test_the_pdf_reads_back_with_its_marking_and_figures(session, world, language: str) -> None:
    _w, ana = world
    row = products.create_risk(session, user=ana, question=FIRST_HALF, title="Blace risk", why="")
    data = product_pdf(row, Formatter(language))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    assert "Blace risk" in text
    if language == "en":
        assert "Risk profile" in text and "At night (22:00 to 04:59)" in text
        assert "Where and when to patrol" in text and "22:00-02:00" in text
        assert "H1: not for judicial use without permission" in text
    else:
        assert "Profil i rrezikut" in text and "22:00-02:00" in text


RISK_FORM = {
    "title": "Blace first half",
    "start": "2025-01-01",
    "end": "2025-06-30",
    "score_start": "2025-07-01",
    "score_end": "2025-12-31",
}


def test_the_risk_profile_pages_for_each_kind_of_user(client, session, token, world) -> None:
    anonymous = client.post("/profiles/risk", data=RISK_FORM, follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    assert (
        client.post("/profiles/risk", data=RISK_FORM, headers=token("investigator")).status_code
        == 403
    )
    assert client.get("/profiles", headers=token("border_officer")).status_code == 403
    analyst = token("analyst")
    listing = client.get("/profiles", headers=analyst)
    assert listing.status_code == 200 and 'id="risk-form"' in listing.text
    bad = client.post(
        "/profiles/risk", data={**RISK_FORM, "score_start": "2025-03-01"}, headers=analyst
    )
    assert bad.status_code == 422 and 'id="risk-error"' in bad.text
    assert 'value="Blace first half"' in bad.text  # what was typed stays
    made = client.post("/profiles/risk", data=RISK_FORM, headers=analyst, follow_redirects=False)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = client.get(url, headers=analyst)
    assert page.status_code == 200 and "marking-h1" in page.text
    assert "At night (22:00 to 04:59)" in page.text and 'id="suggestion-table"' in page.text
    assert "/patrols?place=HANI-ELEZIT-BLACE&amp;starts_at=" in page.text  # plan a patrol there
    assert "T22%3A00" in page.text or "T22:00" in page.text
    assert "Risk profile" in client.get("/profiles", headers=analyst).text
    product_id = int(url.rsplit("/", 1)[1])
    assert client.get(url, headers=token("analyst", "MK")).status_code == 404
    consults = session.scalars(
        select(AuditEntry).where(
            AuditEntry.record_type == "product",
            AuditEntry.record_id == product_id,
            AuditEntry.action == "consult",
        )
    ).all()
    assert [e.actor for e in consults] == ["analyst_xk"]  # the refused MK read is not logged
    pdf = client.get(url + "/pdf", headers=analyst)
    assert pdf.status_code == 200 and pdf.headers["x-handling-code"] == "H1"
