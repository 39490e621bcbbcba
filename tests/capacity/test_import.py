"""The shipped participants and campaigns profiles through the import engine."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.capacity.models import Attendance, CampaignChannel, Participant, TrainingSession
from armsbridge.imports.service import import_file
from principals import as_actor

HEADER = (
    "training_code,training_title,topic,kind,session_code,session_date,jurisdiction,"
    "participant_ref,sex,institution"
)
ROWS = [
    "T-CF-1,Converted firearms I,converted_firearms,training,CF-01,04.10.2022,XK,XK-1,F,KP",
    "T-CF-1,Converted firearms I,converted_firearms,training,CF-01,04.10.2022,MK,MK-1,M,MoI",
    "T-CF-1,Converted firearms I,converted_firearms,training,CF-02,05.10.2022,XK,XK-1,F,KP",
    "W-CF,Workshop,converted_firearms,seminar,CF-W1,21.02.2023,XK,XK-2,M,KP",
    "W-CF,Workshop,converted_firearms,workshop,CF-W1,31.02.2023,MK,MK-2,M,MoI",
]


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_participants_rows_become_linked_records(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    report = import_file(
        session,
        profile="participants",
        path=path,
        user=as_actor("test"),
        quarantine_path=tmp_path / "q.csv",
    )
    assert (report.rows_imported, report.rows_quarantined) == (3, 2)
    problems = {(e.row, e.column): e.expected for e in report.errors}
    assert "training, workshop" in problems[(5, "kind")]
    assert "calendar date" in problems[(6, "session_date")]
    assert (_count(session, Participant), _count(session, Attendance)) == (2, 3)
    attendance = session.scalars(
        select(Attendance).join(Participant).where(Participant.reference == "MK-1")
    ).one()
    assert session.get(TrainingSession, attendance.session_id).code == "CF-01"
    again = import_file(
        session,
        profile="participants",
        path=path,
        user=as_actor("test"),
        quarantine_path=tmp_path / "q2.csv",
    )
    assert sum(again.created.values()) == 0
    assert (_count(session, Participant), _count(session, Attendance)) == (2, 3)


def test_campaign_metrics_from_xlsx(session: Session, tmp_path: Path) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.append(
        [
            "campaign_code",
            "title",
            "kind",
            "jurisdiction",
            "start_date",
            "end_date",
            "channel",
            "views",
            "impressions",
        ]
    )
    sheet.append(
        [
            "MM-XK",
            "Mass media",
            "mass_media",
            "XK",
            "12.09.2022",
            "30.11.2022",
            "facebook",
            241560,
            1502310,
        ]
    )
    sheet.append(
        [
            "MM-XK",
            "Mass media",
            "mass_media",
            "XK",
            "12.09.2022",
            "30.11.2022",
            "youtube",
            96310,
            402770,
        ]
    )
    path = tmp_path / "campaigns.xlsx"
    wb.save(path)
    report = import_file(session, profile="campaigns", path=path, user=as_actor("test"))
    assert report.rows_imported == 2 and report.created["campaign"] == 1
    views = session.scalar(select(func.sum(CampaignChannel.views)))
    assert views == 241560 + 96310
