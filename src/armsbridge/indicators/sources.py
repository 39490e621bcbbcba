"""The record sets indicators count over: one flat row per record, with its dimensions and dates.

Each source returns dicts whose keys are the dimensions a definition may filter, count or break
down by, plus `_from` and `_to`: the dates the row covers (equal for a dated fact, a range for a
campaign or an operation). A row falls in a period when its range overlaps the period.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.capacity.models import (
    Attendance,
    Campaign,
    CampaignChannel,
    JointOperation,
    KnowledgeProduct,
    Participant,
    Training,
    TrainingSession,
)
from armsbridge.records.models import (
    AmmunitionLot,
    Case,
    CaseStatusChange,
    Component,
    Event,
    Explosive,
    Firearm,
)

Row = dict[str, Any]
Source = Callable[[Session, str | None], list[Row]]

ANTIQUE_BEFORE = 1900  # DOMAIN.md §8: arms made before 1900 are out of SDG 16.4.2
VERDICTS = ("convicted", "acquitted", "dismissed")
# Event kinds that say how an item came into police hands (the "context" of a seizure).
CONTEXT_OF_EVENT = {"seizure": "seized", "found": "found", "voluntary_surrender": "surrendered"}


def partial_to_date(value: str | None) -> date | None:
    """Return the first day a partial ISO date (yyyy, yyyy-mm, yyyy-mm-dd) can mean."""
    if not value:
        return None
    parts = value.split("-")
    try:
        return date(
            int(parts[0]),
            int(parts[1]) if len(parts) > 1 else 1,
            int(parts[2]) if len(parts) > 2 else 1,
        )
    except (ValueError, IndexError):
        return None


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def _yes(flag: bool | None) -> str | None:
    return None if flag is None else ("yes" if flag else "no")


def _where_jurisdiction(stmt: Any, model: Any, jurisdiction: str | None) -> Any:
    return stmt.where(model.jurisdiction == jurisdiction) if jurisdiction else stmt


def attendance(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per attendance: the person, their sex and institution, the session and training."""
    stmt = (
        select(
            Attendance.pre_score,
            Attendance.post_score,
            Attendance.created_at,
            Participant.jurisdiction,
            Participant.reference,
            Participant.sex,
            Participant.institution,
            Participant.unit,
            Participant.rank,
            TrainingSession.code.label("session"),
            TrainingSession.held_on,
            TrainingSession.ended_on,
            Training.code.label("training"),
            Training.topic,
            Training.kind,
        )
        .join(Participant, Participant.id == Attendance.participant_id)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(Training, Training.id == TrainingSession.training_id)
    )
    rows = []
    for r in session.execute(_where_jurisdiction(stmt, Attendance, jurisdiction)).mappings():
        when = r["held_on"] or _day(r["created_at"])
        pre, post = r["pre_score"], r["post_score"]
        rows.append(
            {
                "person": f"{r['jurisdiction']}:{r['reference']}",
                "participant_ref": r["reference"],
                "sex": r["sex"],
                "jurisdiction": r["jurisdiction"],
                "institution": r["institution"],
                "unit": r["unit"],
                "rank": r["rank"],
                "session": r["session"],
                "training": r["training"],
                "topic": r["topic"],
                "kind": r["kind"],
                "pre_score": pre,
                "post_score": post,
                "gain": post - pre if pre is not None and post is not None else None,
                "_from": when,
                "_to": r["ended_on"] or when,
            }
        )
    return rows


def training_sessions(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per session record (a joint session has one record per jurisdiction)."""
    stmt = select(TrainingSession, Training).join(
        Training, Training.id == TrainingSession.training_id
    )
    rows = []
    for sitting, training in session.execute(
        _where_jurisdiction(stmt, TrainingSession, jurisdiction)
    ):
        when = sitting.held_on or _day(sitting.created_at)
        rows.append(
            {
                "session": sitting.code,
                "training": training.code,
                "topic": training.topic,
                "kind": training.kind,
                "jurisdiction": sitting.jurisdiction,
                "place": sitting.place,
                "_from": when,
                "_to": sitting.ended_on or when,
            }
        )
    return rows


def knowledge_products(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per language version of each knowledge product (one row if it has none)."""
    rows = []
    stmt = _where_jurisdiction(select(KnowledgeProduct), KnowledgeProduct, jurisdiction)
    for product in session.scalars(stmt):
        when = product.published_on or _day(product.created_at)
        for language in product.languages or [None]:
            rows.append(
                {
                    "product": product.code,
                    "kind": product.kind,
                    "topic": product.topic,
                    "language": language,
                    "jurisdiction": product.jurisdiction,
                    "_from": when,
                    "_to": when,
                }
            )
    return rows


def _campaign_row(campaign: Campaign) -> Row:
    start = campaign.start_date or _day(campaign.created_at)
    return {
        "campaign": campaign.code,
        "kind": campaign.kind,
        "jurisdiction": campaign.jurisdiction,
        "_from": start,
        "_to": campaign.end_date or start,
    }


def campaigns(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per campaign, covering its start to end date."""
    stmt = _where_jurisdiction(select(Campaign), Campaign, jurisdiction)
    return [_campaign_row(c) for c in session.scalars(stmt)]


def campaign_channels(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per campaign channel with its views, impressions and reach."""
    stmt = select(CampaignChannel, Campaign).join(
        Campaign, Campaign.id == CampaignChannel.campaign_id
    )
    rows = []
    for channel, campaign in session.execute(
        _where_jurisdiction(stmt, CampaignChannel, jurisdiction)
    ):
        row = _campaign_row(campaign)
        row.update(
            channel=channel.channel,
            views=channel.views,
            impressions=channel.impressions,
            reach=channel.reach,
        )
        rows.append(row)
    return rows


def joint_operations(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per joint operation record, covering its start to end date."""
    stmt = _where_jurisdiction(select(JointOperation), JointOperation, jurisdiction)
    rows = []
    for op in session.scalars(stmt):
        start = op.started_on or _day(op.created_at)
        rows.append(
            {
                "operation": op.code,
                "kind": op.kind,
                "jurisdiction": op.jurisdiction,
                "_from": start,
                "_to": op.ended_on or start,
            }
        )
    return rows


def _item_rows(
    session: Session, model: Any, columns: tuple[str, ...], jurisdiction: str | None
) -> list[Row]:
    """Rows of an item table (firearms, ammunition, ...) dated by their event or case."""
    stmt = (
        select(
            model.id,
            model.event_id,
            model.jurisdiction,
            model.created_at,
            Event.occurred_on,
            Event.kind.label("event_kind"),
            Case.opened_on,
            *(getattr(model, c) for c in columns),
        )
        .outerjoin(Event, Event.id == model.event_id)
        .outerjoin(Case, Case.id == model.case_id)
    )
    rows = []
    for r in session.execute(_where_jurisdiction(stmt, model, jurisdiction)).mappings():
        when = partial_to_date(r["occurred_on"]) or r["opened_on"] or _day(r["created_at"])
        row = {
            "item": r["id"],
            "event": r["event_id"],
            "jurisdiction": r["jurisdiction"],
            "context": CONTEXT_OF_EVENT.get(r["event_kind"] or "", r["event_kind"]),
            "_from": when,
            "_to": when,
        }
        row.update((c, r[c]) for c in columns)
        rows.append(row)
    return rows


def firearms(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per firearm: status, tracing status, category, kind, conversion, antique."""
    columns = (
        "status",
        "trace_status",
        "category",
        "kind",
        "converted",
        "conversion_kind",
        "year_of_manufacture",
    )
    rows = _item_rows(session, Firearm, columns, jurisdiction)
    for row in rows:
        year = row["year_of_manufacture"]
        row["context"] = row["status"] or row["context"]
        row["trace_status"] = row["trace_status"] or "not_attempted"
        row["converted"] = _yes(bool(row["converted"]))
        row["antique"] = _yes(year is not None and year < ANTIQUE_BEFORE)
    return rows


def ammunition(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per ammunition lot with its calibre and quantity."""
    return _item_rows(session, AmmunitionLot, ("calibre", "quantity", "projectile"), jurisdiction)


def explosives(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per explosive record with its kind and quantity."""
    return _item_rows(session, Explosive, ("kind", "quantity", "model"), jurisdiction)


def components(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per essential-component record with its kind and quantity."""
    return _item_rows(session, Component, ("kind", "quantity"), jurisdiction)


def cases(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per case, dated by when it was opened, with its current stage."""
    rows = []
    for case in session.scalars(_where_jurisdiction(select(Case), Case, jurisdiction)):
        when = case.opened_on or _day(case.created_at)
        rows.append(
            {
                "case": case.id,
                "kind": case.kind,
                "status": case.status,
                "jurisdiction": case.jurisdiction,
                "_from": when,
                "_to": when,
            }
        )
    return rows


def verdicts(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per case that reached a verdict, dated by the verdict (its status change)."""
    stmt = _where_jurisdiction(select(Case).where(Case.status.in_(VERDICTS)), Case, jurisdiction)
    rows = []
    for case in session.scalars(stmt):
        changed = session.scalar(
            select(CaseStatusChange.changed_on)
            .where(CaseStatusChange.case_id == case.id, CaseStatusChange.status == case.status)
            .order_by(CaseStatusChange.changed_on.desc())
            .limit(1)
        )
        when = changed or case.opened_on or _day(case.created_at)
        rows.append(
            {
                "case": case.id,
                "kind": case.kind,
                "outcome": case.status,
                "jurisdiction": case.jurisdiction,
                "_from": when,
                "_to": when,
            }
        )
    return rows


def exchanges(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per exchange message, when the exchange domain provides `indicator_rows`."""
    try:
        module = importlib.import_module("armsbridge.exchange.service")
    except ModuleNotFoundError:
        return []
    provider = getattr(module, "indicator_rows", None)
    return list(provider(session, jurisdiction=jurisdiction)) if provider else []


def joint_patrols(session: Session, jurisdiction: str | None) -> list[Row]:
    """One row per joint patrol, when the exchange domain provides `patrols.indicator_rows`."""
    try:
        module = importlib.import_module("armsbridge.exchange.patrols")
    except ModuleNotFoundError:
        return []
    return list(module.indicator_rows(session, jurisdiction=jurisdiction))


SOURCES: dict[str, Source] = {
    "attendance": attendance,
    "training_sessions": training_sessions,
    "knowledge_products": knowledge_products,
    "campaigns": campaigns,
    "campaign_channels": campaign_channels,
    "joint_operations": joint_operations,
    "firearms": firearms,
    "ammunition": ammunition,
    "explosives": explosives,
    "components": components,
    "cases": cases,
    "verdicts": verdicts,
    "exchanges": exchanges,
    "joint_patrols": joint_patrols,
}
