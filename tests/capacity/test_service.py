"""Capacity records: one participant-list row at a time, re-recording never duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.capacity import service
from armsbridge.capacity.models import Attendance, Participant, Training, TrainingSession
from armsbridge.errors import ValidationFailed
from principals import as_actor


def _row(session: Session, **over: str) -> Attendance:
    values = {
        "jurisdiction": "XK",
        "training_code": "T-1",
        "training_title": "Converted firearms",
        "topic": "converted_firearms",
        "kind": "training",
        "session_code": "S-1",
        "session_date": "04.10.2022",
        "participant_ref": "P-1",
        "sex": "F",
        "institution": "Kosovo Police",
        **over,
    }
    return service.record_participation(session, user=as_actor("test"), **values)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_row_creates_training_session_participant_and_attendance(session: Session) -> None:
    att = _row(session)
    sitting = session.get(TrainingSession, att.session_id)
    assert sitting.held_on == date(2022, 10, 4)
    assert session.get(Training, sitting.training_id).topic == "converted_firearms"
    assert session.get(Participant, att.participant_id).sex == "F"


def test_recording_the_same_row_twice_does_not_duplicate(session: Session) -> None:
    _row(session)
    _row(session, institution="Kosovo Police - Border")
    assert [_count(session, m) for m in (Training, TrainingSession, Participant, Attendance)] == [
        1,
        1,
        1,
        1,
    ]
    assert session.scalar(select(Participant.institution)) == "Kosovo Police - Border"


def test_a_joint_session_is_one_session_per_jurisdiction_and_one_code(session: Session) -> None:
    _row(session)
    _row(session, jurisdiction="MK", participant_ref="P-9", sex="M")
    summary = service.training_summary(session)
    assert summary == [
        {
            "code": "T-1",
            "title": "Converted firearms",
            "topic": "converted_firearms",
            "kind": "training",
            "sessions": 1,
            "participants": 2,
        }
    ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("kind", "seminar", "one of training, workshop"),
        ("sex", "W", "one of F, M, X"),
        ("session_date", "31.02.2022", "a real calendar date"),
        ("jurisdiction", "AL", "one of XK, MK"),
    ],
)
def test_bad_values_name_the_field_and_what_was_expected(
    session: Session, field: str, value: str, expected: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        _row(session, **{field: value})
    problem = info.value.problems[0]
    assert problem["value"] == value and expected in problem["expected"]


def test_campaign_channels_sum_into_their_campaign(session: Session) -> None:
    for channel, views in (("facebook", 100), ("instagram", 50)):
        service.record_campaign_channel(
            session,
            user=as_actor("test"),
            jurisdiction="MK",
            campaign_code="C-1",
            kind="targeted",
            channel=channel,
            views=views,
            impressions=views * 10,
            start_date="01.12.2022",
            end_date="31.12.2022",
        )
    (row,) = service.campaign_summary(session)
    assert (row["channels"], row["views"], row["impressions"]) == (2, 150, 1500)


def test_operations_and_products_keep_their_lists(session: Session) -> None:
    op = service.record_joint_operation(
        session,
        user=as_actor("test"),
        jurisdiction="XK",
        code="JIO-1",
        title="Joint operation",
        started_on="01.11.2022",
        ended_on="20.12.2022",
        agencies="Kosovo Police|MoI North Macedonia",
    )
    product = service.record_knowledge_product(
        session,
        user=as_actor("test"),
        jurisdiction="MK",
        code="KP-1",
        title="Manual",
        languages=["mk", "sq"],
    )
    assert op.agencies == ["Kosovo Police", "MoI North Macedonia"]
    assert product.languages == ["mk", "sq"] and product.kind == "manual"
