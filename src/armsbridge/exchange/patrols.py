"""Joint border patrols: planned in a joint operation, reported by either side, counted back.

A patrol is an item of a joint operation (kind "patrol", sent to the other node like a task):
where (a crossing point of the gazetteer, or a stretch of green border described in words),
when (start and end, at most one shift), the officers of both services and the basis it was
planned on (a risk profile's indicator, a problem profile). Each side reports its part of a
patrol once (kind "report"; a corrected report is sent again and replaces the first): route,
actual times, persons and vehicles checked, hits, seizures. `patrol_results` sums the reports
per place and hour for the risk profile and the indicators (`indicator_rows`), so what the
patrols found feeds the next plan.

Planning and cancelling need `operation.manage`; seeing patrols and reporting one `patrol.work`
(border officers have it without seeing the rest of the operation), checked here, not only by
the pages. Only the planning side changes or cancels a patrol (the receiving handler refuses
the other side's copy, as for notes); a received patrol or report is checked field by field
(`check_body`) before it is stored, so a malformed one from the peer is refused, not shown.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.exchange.operation_models import LiveOperation, OperationItem
from armsbridge.exchange.operation_work import WORK_HIDDEN, may_see_work, open_here, send_item
from armsbridge.exchange.operations import audit, event, put_item
from armsbridge.i18n_marker import N_
from armsbridge.names.places import gazetteer

PATROL, REPORT = "patrol", "report"
STATUSES = ("planned", "cancelled")
LONGEST_SHIFT = timedelta(hours=24)
MOST_OFFICERS = 20  # per service and patrol
MOST_COUNT = 100_000  # persons or vehicles checked in one patrol
GREEN_BORDER = "green-border"  # the place of a patrol between crossing points
# Both services keep Central European time (Europe/Belgrade in Kosovo has the same rules): a
# patrol's times are wall-clock times at the border, stored with their offset.
BORDER_TIME = ZoneInfo("Europe/Skopje")


@dataclass
class PatrolView:
    """A patrol as a page shows it: the plan and each side's report."""

    item: OperationItem
    reports: dict[str, OperationItem] = field(default_factory=dict)

    @property
    def body(self) -> dict[str, Any]:
        """The plan: place, area, times, officers, basis, status."""
        return self.item.body


def moment_of(text: str | None) -> datetime | None:
    """Return a stored ISO date and time as a datetime (None when empty), for display."""
    return datetime.fromisoformat(text) if text else None


def crossing_points() -> dict[str, dict[str, Any]]:
    """Return the crossing points of the gazetteer by code (names in sq, sr, mk)."""
    return {c["code"]: c for c in gazetteer()["crossings"]}


def place_label(code: str, language: str) -> str:
    """Return the name of a crossing point in `language` (its code if unknown)."""
    point = crossing_points().get(code)
    if point is None:
        return code
    return str(point.get("sr" if language == "en" else language) or point["sr"])


def _require(user: Principal, action: str) -> None:
    if not role_allows(user.role, action):
        raise PermissionDenied(
            N_("your role may not do this: it needs %(action)s"), values={"action": action}
        )


def _problem(name: str, value: object, expected: str) -> dict[str, str]:
    return {"field": name, "value": str(value)[:60], "expected": expected}


def _moment(raw: object, name: str, problems: list[dict[str, str]]) -> datetime | None:
    """A date and time (YYYY-MM-DDTHH:MM, as a browser's datetime-local sends it) at the border:
    without an offset it is the border's time (BORDER_TIME)."""
    if isinstance(raw, datetime):
        moment = raw
    else:
        text = str(raw or "").strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            problems.append(_problem(name, text, N_("a date and time, YYYY-MM-DD HH:MM")))
            return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=BORDER_TIME)
    return moment.astimezone(BORDER_TIME)


def _officers(raw: object, name: str, problems: list[dict[str, str]]) -> list[str]:
    """Names or call signs, one per line or separated by commas."""
    if isinstance(raw, list):
        names = [str(n).strip() for n in raw]
    else:
        names = [n.strip() for n in str(raw or "").replace("\n", ",").split(",")]
    names = [n for n in names if n]
    if not names:
        problems.append(_problem(name, "", N_("at least one officer of this service")))
    elif len(names) > MOST_OFFICERS or any(len(n) > 80 for n in names):
        expected = N_("at most 20 officers, each name at most 80 characters")
        problems.append(_problem(name, ", ".join(names), expected))
    return names


def _count(raw: object, name: str, problems: list[dict[str, str]]) -> int:
    text = str(raw if raw is not None else "").strip() or "0"
    if not text.isdigit() or int(text) > MOST_COUNT:
        problems.append(_problem(name, text, N_("a whole number from 0 to 100000")))
        return 0
    return int(text)


LIMITS = {  # longest text of a field, with the message that names the limit
    300: N_("at most 300 characters"),
    1000: N_("at most 1000 characters"),
    4000: N_("at most 4000 characters"),
}


def _text(raw: object, name: str, limit: int, problems: list[dict[str, str]]) -> str | None:
    text = str(raw or "").strip()
    if len(text) > limit:
        problems.append(_problem(name, text, LIMITS[limit]))
    return text or None


def _refuse(problems: list[dict[str, str]]) -> None:
    if problems:
        names = ", ".join(p["field"] for p in problems)
        raise ValidationFailed(
            N_("the patrol was not saved: check %(fields)s"), problems, values={"fields": names}
        )


def plan_body(op: LiveOperation, data: dict[str, Any]) -> dict[str, Any]:
    """Return a checked plan (ValidationFailed naming every field at fault)."""
    problems: list[dict[str, str]] = []
    place = str(data.get("place") or "").strip()
    area = _text(data.get("area"), "area", 300, problems)
    if place != GREEN_BORDER and place not in crossing_points():
        expected = N_("a crossing point of the list, or the green border")
        problems.append(_problem("place", place, expected))
    if place == GREEN_BORDER and not area:
        problems.append(_problem("area", "", N_("where on the green border, in words")))
    starts = _moment(data.get("starts_at"), "starts_at", problems)
    ends = _moment(data.get("ends_at"), "ends_at", problems)
    if starts and ends and not starts < ends <= starts + LONGEST_SHIFT:
        problems.append(
            _problem("ends_at", ends.isoformat(), N_("after the start, within 24 hours"))
        )
    officers = {
        side: _officers((data.get("officers") or {}).get(side), f"officers_{side}", problems)
        for side in (op.initiator, op.partner)
    }
    basis = _text(data.get("basis"), "basis", 1000, problems)
    status = str(data.get("status") or "planned")
    if status not in STATUSES:
        problems.append(_problem("status", status, N_("planned or cancelled")))
    _refuse(problems)
    assert starts is not None and ends is not None  # _refuse raised otherwise
    return {
        "place": place,
        "area": area,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "officers": officers,
        "basis": basis,
        "status": status,
    }


def report_body(patrol: OperationItem, data: dict[str, Any]) -> dict[str, Any]:
    """Return a checked report of one side's part of `patrol` (ValidationFailed if not)."""
    problems: list[dict[str, str]] = []
    plan = patrol.body
    started = _moment(data.get("started_at") or plan.get("starts_at"), "started_at", problems)
    ended = _moment(data.get("ended_at") or plan.get("ends_at"), "ended_at", problems)
    if started and ended and not started < ended <= started + LONGEST_SHIFT:
        problems.append(
            _problem("ended_at", ended.isoformat(), N_("after the start, within 24 hours"))
        )
    counts = {
        name: _count(data.get(name), name, problems)
        for name in ("persons_checked", "vehicles_checked", "hits", "seizures", "firearms_seized")
    }
    if counts["hits"] > counts["persons_checked"] + counts["vehicles_checked"]:
        expected = N_("no more hits than persons and vehicles checked")
        problems.append(_problem("hits", counts["hits"], expected))
    body = {
        "patrol": patrol.item_id,
        "started_at": started.isoformat() if started else None,
        "ended_at": ended.isoformat() if ended else None,
        "route": _text(data.get("route"), "route", 1000, problems),
        "notes": _text(data.get("notes"), "notes", 4000, problems),
        **counts,
    }
    _refuse(problems)
    return body


def check_body(session: Session, op: LiveOperation, kind: str, body: dict[str, Any]) -> None:
    """Check a patrol or report the peer sent as this node checks its own (ValidationFailed)."""
    if kind == PATROL:
        plan_body(op, body)
    elif kind == REPORT:
        report_body(_patrol(session, op, str(body.get("patrol") or "")), body)


def _patrol(session: Session, op: LiveOperation, item_id: str) -> OperationItem:
    row = session.scalar(
        select(OperationItem).where(
            OperationItem.operation_id == op.id,
            OperationItem.item_id == item_id,
            OperationItem.kind == PATROL,
        )
    )
    if row is None:
        raise NotFound(
            N_("operation %(code)s has no patrol %(item_id)r"),
            values={"code": op.code, "item_id": item_id[:40]},
        )
    return row


def _new_item(kind: str, side: str, user: Principal, at: datetime, body: dict) -> dict[str, Any]:
    return {
        "item_id": str(uuid.uuid4()),
        "kind": kind,
        "side": side,
        "author": user.username,
        "at": at,
        "body": body,
        "version": 1,
    }


def plan_patrol(
    session: Session,
    *,
    user: Principal,
    op_id: str,
    data: dict[str, Any],
    now: datetime | None = None,
) -> OperationItem:
    """Plan a joint patrol in an active operation and send it to the other side.

    `data`: place (crossing code or "green-border"), area, starts_at, ends_at, officers
    ({jurisdiction: names}), basis.
    """
    _require(user, "operation.manage")
    moment = now or datetime.now(UTC)
    op, me = open_here(session, op_id, user)
    body = plan_body(op, {**data, "status": "planned"})
    patrol = put_item(session, op, _new_item(PATROL, me, user, moment, body))
    send_item(session, op, patrol, moment)
    entry = put_item(
        session, op, event(me, user.username, "patrol planned", moment, place=body["place"])
    )
    send_item(session, op, entry, moment)
    audit(session, op, actor=user.username, action="create", step="patrol", item=patrol.item_id)
    return patrol


def cancel_patrol(
    session: Session, *, user: Principal, op_id: str, item_id: str, now: datetime | None = None
) -> OperationItem:
    """Cancel a patrol this side planned; the cancelled plan replaces the other side's copy."""
    _require(user, "operation.manage")
    moment = now or datetime.now(UTC)
    op, me = open_here(session, op_id, user)
    patrol = _patrol(session, op, item_id)
    if patrol.side != me:
        raise PermissionDenied(
            N_("only %(side)s, which planned this patrol, may cancel it"),
            values={"side": patrol.side},
        )
    patrol.body = {**patrol.body, "status": "cancelled"}
    patrol.version += 1
    session.flush()
    send_item(session, op, patrol, moment)
    audit(session, op, actor=user.username, action="change", step="patrol", item=patrol.item_id)
    return patrol


def report_patrol(
    session: Session,
    *,
    user: Principal,
    op_id: str,
    item_id: str,
    data: dict[str, Any],
    now: datetime | None = None,
) -> OperationItem:
    """Report this side's part of a patrol (again: the new report replaces the first)."""
    _require(user, "patrol.work")
    moment = now or datetime.now(UTC)
    op, me = open_here(session, op_id, user)
    patrol = _patrol(session, op, item_id)
    if patrol.body.get("status") == "cancelled":
        raise ValidationFailed(
            N_("the patrol was cancelled: there is nothing to report"),
            [_problem("patrol", item_id, N_("a planned patrol"))],
        )
    body = report_body(patrol, data)
    known = _report_of(session, op, patrol.item_id, me)
    if known is None:
        row = put_item(session, op, _new_item(REPORT, me, user, moment, body))
    else:
        data = {**_new_item(REPORT, me, user, moment, body), "item_id": known.item_id}
        row = put_item(session, op, {**data, "version": known.version + 1})
    send_item(session, op, row, moment)
    entry = put_item(session, op, event(me, user.username, "patrol reported", moment))
    send_item(session, op, entry, moment)
    audit(session, op, actor=user.username, action="create", step="patrol report", item=row.item_id)
    return row


def _report_of(
    session: Session, op: LiveOperation, patrol_id: str, side: str
) -> OperationItem | None:
    for row in session.scalars(
        select(OperationItem).where(
            OperationItem.operation_id == op.id,
            OperationItem.kind == REPORT,
            OperationItem.side == side,
        )
    ):
        if row.body.get("patrol") == patrol_id:
            return row
    return None


def patrols_of(session: Session, op: LiveOperation, *, user: Principal) -> list[PatrolView]:
    """Return the operation's patrols with their reports, soonest start first (none when the
    operation's case is restricted and `user` is not one of its members)."""
    _require(user, "patrol.work")
    if not may_see_work(session, op, user=user):
        return []
    rows = session.scalars(
        select(OperationItem).where(
            OperationItem.operation_id == op.id, OperationItem.kind.in_((PATROL, REPORT))
        )
    )
    patrols: dict[str, PatrolView] = {}
    reports: list[OperationItem] = []
    for row in rows:
        if row.kind == PATROL:
            patrols[row.item_id] = PatrolView(row)
        else:
            reports.append(row)
    for row in reports:
        view = patrols.get(str(row.body.get("patrol")))
        if view is not None:
            view.reports[row.side] = row
    return sorted(patrols.values(), key=lambda v: str(v.body.get("starts_at")))


def patrol_view(
    session: Session, op: LiveOperation, item_id: str, *, user: Principal
) -> PatrolView:
    """Return one patrol of `op` with its reports; refused when the operation's work is hidden
    from `user`, NotFound when the operation has no such patrol."""
    _require(user, "patrol.work")
    if not may_see_work(session, op, user=user):
        raise PermissionDenied(WORK_HIDDEN)
    view = PatrolView(_patrol(session, op, item_id))
    for side in (op.initiator, op.partner):
        report = _report_of(session, op, item_id, side)
        if report is not None:
            view.reports[side] = report
    return view


def _visible_patrols(session: Session, user: Principal) -> list[tuple[LiveOperation, PatrolView]]:
    out = []
    for op in session.scalars(select(LiveOperation).order_by(LiveOperation.id)):
        out.extend((op, view) for view in patrols_of(session, op, user=user))
    return out


@dataclass
class PlaceResults:
    """What the patrols of one place found in a period."""

    place: str
    patrols: int = 0
    reported: int = 0
    hours: float = 0.0
    persons_checked: int = 0
    vehicles_checked: int = 0
    hits: int = 0
    seizures: int = 0
    firearms_seized: int = 0
    by_hour: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # hits by hour

    @property
    def hit_rate(self) -> float | None:
        """Hits per person or vehicle checked (None before anything was checked)."""
        checked = self.persons_checked + self.vehicles_checked
        return self.hits / checked if checked else None


def patrol_results(
    session: Session,
    *,
    user: Principal,
    since: date | None = None,
    until: date | None = None,
) -> list[PlaceResults]:
    """Sum the reports of the patrols `user` may see that started in [since, until], per place.

    Both sides' reports count (each side checks its own travellers); a patrol not yet reported
    counts as planned only. Places with the most hits come first.
    """
    places: dict[str, PlaceResults] = {}
    for _op, view in _visible_patrols(session, user):
        plan = view.body
        if plan.get("status") == "cancelled":
            continue
        start = datetime.fromisoformat(str(plan["starts_at"]))
        if (since and start.date() < since) or (until and start.date() > until):
            continue
        place = places.setdefault(str(plan["place"]), PlaceResults(str(plan["place"])))
        place.patrols += 1
        place.reported += bool(view.reports)
        for report in view.reports.values():
            body = report.body
            begun = datetime.fromisoformat(str(body["started_at"]))
            ended = datetime.fromisoformat(str(body["ended_at"]))
            place.hours += (ended - begun).total_seconds() / 3600
            for name in ("persons_checked", "vehicles_checked", "hits", "seizures"):
                setattr(place, name, getattr(place, name) + int(body.get(name) or 0))
            place.firearms_seized += int(body.get("firearms_seized") or 0)
            place.by_hour[begun.hour] += int(body.get("hits") or 0)
    return sorted(places.values(), key=lambda p: (-p.hits, -p.patrols, p.place))


def indicator_rows(session: Session, *, jurisdiction: str | None) -> list[dict[str, Any]]:
    """One row per joint patrol not cancelled (indicators.sources "joint_patrols")."""
    rows = []
    stmt = (
        select(OperationItem, LiveOperation)
        .join(LiveOperation, LiveOperation.id == OperationItem.operation_id)
        .where(OperationItem.kind == PATROL)
    )
    reports: dict[str, int] = defaultdict(int)
    for report in session.scalars(select(OperationItem).where(OperationItem.kind == REPORT)):
        reports[str(report.body.get("patrol"))] += int(report.body.get("hits") or 0)
    for item, op in session.execute(stmt):
        if item.body.get("status") == "cancelled":
            continue
        if jurisdiction and jurisdiction not in (op.initiator, op.partner):
            continue
        day = datetime.fromisoformat(str(item.body["starts_at"])).date()
        rows.append(
            {
                "patrol": item.item_id,
                "operation": op.code,
                "place": item.body.get("place"),
                "planned_by": item.side,
                "jurisdiction": jurisdiction or item.side,
                "with_hits": "yes" if reports[item.item_id] else "no",
                "_from": day,
                "_to": day,
            }
        )
    return rows
