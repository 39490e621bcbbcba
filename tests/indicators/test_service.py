"""Indicators computed from capacity records; definitions are data a user can edit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from armsbridge.capacity import service as capacity
from armsbridge.errors import UserError
from armsbridge.indicators.service import DEFINITIONS_FILE, compute_report, load_definitions
from principals import as_actor


def _attend(
    session: Session,
    jurisdiction: str,
    ref: str,
    sex: str,
    sess: str,
    day: str,
    training: str = "T-1",
    topic: str = "converted_firearms",
) -> None:
    capacity.record_participation(
        session,
        user=as_actor("test"),
        jurisdiction=jurisdiction,
        training_code=training,
        topic=topic,
        kind="training",
        session_code=sess,
        session_date=day,
        participant_ref=ref,
        sex=sex,
    )


def _by_id(session: Session, **kw: object) -> dict[str, dict]:
    report = compute_report(
        session, date_from=kw.pop("date_from", None), date_to=kw.pop("date_to", None), **kw
    )
    return {ind["id"]: ind for ind in report["indicators"]}


@pytest.fixture
def trainings(session: Session) -> Session:
    _attend(session, "XK", "A", "F", "S1", "10.01.2022")
    _attend(session, "XK", "A", "F", "S2", "10.02.2022")  # same person, second session
    _attend(session, "XK", "B", "M", "S1", "10.01.2022")
    _attend(session, "MK", "A", "M", "S1", "10.01.2022")  # another person: MK's own "A"
    _attend(session, "MK", "C", "M", "S3", "10.06.2023", training="T-2", topic="info")
    return session


def test_persons_are_distinct_and_participations_are_not(trainings: Session) -> None:
    ind = _by_id(trainings)
    assert ind["trained_persons"]["value"] == 4
    assert ind["trained_persons"]["breakdown"]["sex"] == {"F": 1, "M": 3}
    assert ind["trained_persons"]["breakdown"]["jurisdiction/sex"] == {
        "MK": {"M": 2},
        "XK": {"F": 1, "M": 1},
    }
    assert ind["trained_participations"]["value"] == 5
    assert ind["trained_participations"]["breakdown"]["sex"] == {"F": 2, "M": 3}


def test_joint_sessions_count_once(trainings: Session) -> None:
    ind = _by_id(trainings)
    assert ind["training_sessions"]["value"] == 3  # S1 (joint), S2, S3
    assert ind["training_sessions"]["breakdown"]["jurisdiction"] == {"MK": 2, "XK": 2}
    assert ind["trainings_held"]["value"] == 2


def test_period_and_jurisdiction_filter_the_records(trainings: Session) -> None:
    ind = _by_id(trainings, date_from=date(2022, 1, 1), date_to=date(2022, 1, 31))
    assert ind["trained_persons"]["value"] == 3
    assert ind["training_sessions"]["value"] == 1
    xk = _by_id(trainings, jurisdiction="XK")
    assert xk["trained_persons"]["value"] == 2
    assert xk["trained_persons"]["breakdown"]["jurisdiction"] == {"XK": 2}


def test_the_json_shape_users_rely_on(trainings: Session) -> None:
    report = compute_report(trainings, date_from=date(2022, 1, 1), date_to=date(2023, 12, 31))
    assert report["period"] == {"from": "2022-01-01", "to": "2023-12-31", "jurisdiction": None}
    ids = [ind["id"] for ind in report["indicators"]]
    assert {"trained_persons", "trained_participations", "sdg_16_4_2"} <= set(ids)
    for ind in report["indicators"]:
        assert {"id", "title", "value", "numerator", "denominator", "breakdown"} <= set(ind)


def test_a_fresh_store_reports_zeros_not_errors(session: Session) -> None:
    ind = _by_id(session)
    assert ind["trained_persons"]["value"] == 0
    assert ind["sdg_16_4_2"]["value"] is None and ind["sdg_16_4_2"]["denominator"] == 0


def test_an_edited_definition_changes_the_figure(trainings: Session, tmp_path: Path) -> None:
    data = yaml.safe_load(DEFINITIONS_FILE.read_text(encoding="utf-8"))
    data["indicators"].append(
        {
            "id": "women_trained_on_conversions",
            "group": "capacity",
            "title": "Women trained on converted firearms",
            "unit": "persons",
            "source": "attendance",
            "where": {"sex": "F", "topic": "converted_firearms"},
            "count": {"distinct": "person"},
            "baseline": 0,
            "target": 30,
        }
    )
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    report = compute_report(
        trainings, date_from=None, date_to=None, definitions=load_definitions(path)
    )
    (mine,) = [i for i in report["indicators"] if i["id"] == "women_trained_on_conversions"]
    assert (mine["value"], mine["target"]) == (1, 30)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": "nowhere"}, "unknown source 'nowhere'"),
        ({"group": "misc"}, "unknown group 'misc'"),
        ({"count": {"median": "x"}}, "count must be"),
    ],
)
def test_a_broken_definition_is_a_clear_error(tmp_path: Path, change: dict, message: str) -> None:
    data = yaml.safe_load(DEFINITIONS_FILE.read_text(encoding="utf-8"))
    data["indicators"][0].update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_definitions(path)


def test_roadmap_labels_are_marked_unverified() -> None:
    defs = load_definitions()
    assert defs.roadmap["goals"]["3"]["verified"] is True
    assert defs.roadmap["goals"]["4"]["verified"] is False
    assert all(not ind.reports_to.verified for ind in defs.indicators if ind.reports_to.kpis)
