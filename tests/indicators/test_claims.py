"""Claims check: contradicted figures and claim sets whose parts do not sum to their total."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from armsbridge.capacity import service as capacity
from armsbridge.errors import ValidationFailed
from armsbridge.indicators.claims import check_claims, read_claims
from principals import as_actor


def _claims(tmp_path: Path, body: str) -> list:
    path = tmp_path / "claims.csv"
    path.write_text("indicator,breakdown,value,note\n" + body, encoding="utf-8")
    return read_claims(path)


@pytest.fixture
def people(session: Session) -> Session:
    for n, (jur, sex) in enumerate([("XK", "F"), ("XK", "M"), ("MK", "M"), ("MK", "M")]):
        capacity.record_participation(
            session,
            user=as_actor("test"),
            jurisdiction=jur,
            training_code="T-9",
            session_code="S",
            kind="workshop",
            participant_ref=f"P{n}",
            sex=sex,
            session_date="01.03.2022",
        )
    return session


def test_true_claims_pass(people: Session, tmp_path: Path) -> None:
    claims = _claims(
        tmp_path,
        "trained_persons,,4,\ntrained_persons,sex=F,1,\n"
        "trained_persons,sex=M,3,\nT-9,jurisdiction=MK;sex=M,2,\n"
        "trained_persons,,>3,\ntrained_persons,,<=4,\n",
    )
    assert check_claims(people, claims=claims) == []


def test_a_contradicted_claim_shows_both_figures(people: Session, tmp_path: Path) -> None:
    claims = _claims(tmp_path, 'trained_persons,sex=M,2,"two men"\n')
    (finding,) = check_claims(people, claims=claims)
    assert finding.kind == "contradicted" and finding.rows == [2]
    assert (finding.claimed, finding.computed) == ("2", "3")
    assert finding.notes == ["two men"]


def test_parts_that_do_not_sum_are_flagged_even_if_each_is_unknown(
    people: Session, tmp_path: Path
) -> None:
    claims = _claims(
        tmp_path,
        "trained_persons,jurisdiction=XK,2,\n"
        "trained_persons,jurisdiction=MK,2,\ntrained_persons,,5,\n",
    )
    kinds = sorted(f.kind for f in check_claims(people, claims=claims))
    assert kinds == ["contradicted", "parts_do_not_sum"]  # the total 5 is wrong, and 2+2 != 5


def test_overlapping_breakdowns_are_not_summed(people: Session, tmp_path: Path) -> None:
    # a person may attend several topics: the topic parts need not add up to the total
    capacity.record_participation(
        people,
        user=as_actor("test"),
        jurisdiction="XK",
        training_code="T-8",
        topic="b",
        session_code="S8",
        participant_ref="P0",
        sex="F",
        session_date="02.03.2022",
    )
    claims = _claims(
        tmp_path,
        "trained_persons,,4,\ntrained_persons,training=T-9,4,\ntrained_persons,training=T-8,1,\n",
    )
    assert check_claims(people, claims=claims) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,300,000", 1_300_000),
        ("1 300 000", 1_300_000),
        ("0,25", 0.25),
        ("25%", 0.25),
        (">8000000", 8_000_000),
    ],
)
def test_values_as_people_write_them(tmp_path: Path, value: str, expected: float) -> None:
    (claim,) = _claims(tmp_path, f'campaign_views,,"{value}",\n')
    assert claim.value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("trained_persons,sex,3,\n", "row 2: column breakdown"),
        ("trained_persons,,many,\n", "row 2: column value"),
    ],
)
def test_a_bad_claims_file_names_row_and_column(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        _claims(tmp_path, body)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("indicator,figure\nx,1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="breakdown, value"):
        read_claims(path)
