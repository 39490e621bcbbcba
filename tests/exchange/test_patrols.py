"""Joint border patrols (SQLite and PostgreSQL): planned and reported as items of a joint
operation, checked on both sides, summed per place for the risk profile and the indicators."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from test_operations import ANALYST, _accepted, _from_mk, _outbox

from armsbridge.audit.models import AuditEntry
from armsbridge.errors import PermissionDenied, ValidationFailed
from armsbridge.exchange import operations, patrols
from armsbridge.exchange.handlers import HandlerRefused
from armsbridge.exchange.operation_models import OperationItem
from armsbridge.indicators import sources
from armsbridge.indicators.service import compute_report

BLACE = "HANI-ELEZIT-BLACE"
PLAN = {
    "place": BLACE,
    "starts_at": "2023-05-12T20:00",
    "ends_at": "2023-05-13T04:00",
    "officers": {"XK": "Arben Krasniqi, Driton Berisha", "MK": "Марко Петровски\nИвана Јованова"},
    "basis": "risk profile 2023-Q2: night crossings of recently registered cars",
}


def _items(session, kind: str) -> int:  # noqa: ANN001
    stmt = select(func.count()).select_from(OperationItem).where(OperationItem.kind == kind)
    return session.scalar(stmt)


def _mk_item(kind: str, body: dict, *, item_id: str | None = None, version: int = 1) -> dict:
    return {
        "item_id": item_id or str(uuid.uuid4()),
        "kind": kind,
        "side": "MK",
        "author": "mk-border",
        "at": datetime.now(UTC).isoformat(),
        "body": body,
        "version": version,
    }


def test_a_planned_patrol_is_sent_audited_and_on_the_timeline(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    patrol = patrols.plan_patrol(session, user=ANALYST, op_id=op.op_id, data=PLAN)
    assert patrol.side == "XK" and patrol.body["status"] == "planned"
    assert patrol.body["officers"] == {
        "XK": ["Arben Krasniqi", "Driton Berisha"],
        "MK": ["Марко Петровски", "Ивана Јованова"],
    }
    assert patrol.body["starts_at"] == "2023-05-12T20:00:00+02:00"  # border time, summer
    sent = [m.body["item"] for m in _outbox(session, operations.ITEM)]
    assert [i["kind"] for i in sent] == ["patrol", "event"]
    assert sent[0]["item_id"] == patrol.item_id and sent[1]["body"]["action"] == "patrol planned"
    steps = session.scalars(select(AuditEntry.details).where(AuditEntry.action == "create"))
    assert any(d.get("step") == "patrol" and d.get("item") == patrol.item_id for d in steps)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"place": "NOWHERE"}, "place"),
        ({"place": patrols.GREEN_BORDER}, "area"),
        ({"starts_at": "12.05.2023 20:00"}, "starts_at"),
        ({"ends_at": "2023-05-12T19:00"}, "ends_at"),
        ({"ends_at": "2023-05-14T21:00"}, "ends_at"),  # longer than a shift
        ({"officers": {"XK": "Arben Krasniqi", "MK": " , "}}, "officers_MK"),
        ({"officers": {"XK": ",".join(f"o{i}" for i in range(21)), "MK": "m"}}, "officers_XK"),
        ({"basis": "x" * 1001}, "basis"),
    ],
)
def test_a_plan_with_a_bad_field_names_it_and_writes_nothing(session, xk, change, field) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    before = _items(session, "patrol"), len(_outbox(session, operations.ITEM))
    with pytest.raises(ValidationFailed) as refused:
        patrols.plan_patrol(session, user=ANALYST, op_id=op.op_id, data={**PLAN, **change})
    assert field in [p["field"] for p in refused.value.problems]
    assert (_items(session, "patrol"), len(_outbox(session, operations.ITEM))) == before


def test_a_report_sent_again_replaces_the_first_and_is_checked(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    patrol = patrols.plan_patrol(session, user=ANALYST, op_id=op.op_id, data=PLAN)
    counts = {"persons_checked": "40", "vehicles_checked": "25", "hits": "2", "seizures": "1"}
    first = patrols.report_patrol(
        session, user=ANALYST, op_id=op.op_id, item_id=patrol.item_id, data=counts
    )
    assert first.body["started_at"] == patrol.body["starts_at"]  # the plan's times by default
    again = patrols.report_patrol(
        session,
        user=ANALYST,
        op_id=op.op_id,
        item_id=patrol.item_id,
        data={**counts, "hits": "3", "firearms_seized": "2", "route": "Blace - Kaçanik road"},
    )
    assert again.item_id == first.item_id and again.version == 2 and _items(session, "report") == 1
    assert again.body["hits"] == 3 and again.body["route"] == "Blace - Kaçanik road"
    with pytest.raises(ValidationFailed) as refused:
        patrols.report_patrol(
            session,
            user=ANALYST,
            op_id=op.op_id,
            item_id=patrol.item_id,
            data={"persons_checked": "1", "hits": "5", "seizures": "-1"},
        )
    assert {p["field"] for p in refused.value.problems} == {"hits", "seizures"}
    assert session.get(OperationItem, again.id).body["hits"] == 3  # the refused one changed nothing
    patrols.cancel_patrol(session, user=ANALYST, op_id=op.op_id, item_id=patrol.item_id)
    with pytest.raises(ValidationFailed, match="cancelled"):
        patrols.report_patrol(
            session, user=ANALYST, op_id=op.op_id, item_id=patrol.item_id, data=counts
        )


def test_the_other_sides_patrols_and_reports_are_checked_before_they_are_kept(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    theirs = _mk_item("patrol", {**PLAN, "officers": {"XK": ["A"], "MK": ["B"]}})
    _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": theirs})
    view = patrols.patrol_view(session, op, theirs["item_id"], user=ANALYST)
    assert view.item.side == "MK" and view.body["place"] == BLACE
    # A plan without MK's officers, a report of hits nobody checked, a report of no patrol.
    malformed = [
        _mk_item("patrol", {**PLAN, "officers": {"XK": ["A"]}}),
        _mk_item("report", {"patrol": theirs["item_id"], "hits": 4}),
        _mk_item("report", {"patrol": "no-such-patrol"}),
        _mk_item("patrol", {**PLAN, "starts_at": "soon"}),
    ]
    for item in malformed:
        with pytest.raises(HandlerRefused) as refused:
            _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": item})
        assert refused.value.reason == "malformed_item"
    assert _items(session, "patrol") == 1 and _items(session, "report") == 0
    # MK may report XK's patrol, but not cancel it (only the planning side changes a plan).
    ours = patrols.plan_patrol(session, user=ANALYST, op_id=op.op_id, data=PLAN)
    report = _mk_item("report", {"patrol": ours.item_id, "vehicles_checked": 30, "hits": 1})
    _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": report})
    assert (
        patrols.patrol_view(session, op, ours.item_id, user=ANALYST).reports["MK"].body["hits"] == 1
    )
    forged = {**operations.item_dict(ours), "side": "MK", "version": 2}
    forged["body"] = {**forged["body"], "status": "cancelled"}
    with pytest.raises(HandlerRefused):
        _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": forged})
    with pytest.raises(PermissionDenied, match="only MK"):
        patrols.cancel_patrol(session, user=ANALYST, op_id=op.op_id, item_id=theirs["item_id"])


def test_results_per_place_and_the_indicator_leave_out_cancelled_patrols(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    night = patrols.plan_patrol(session, user=ANALYST, op_id=op.op_id, data=PLAN)
    day = {**PLAN, "starts_at": "2023-06-01T08:00", "ends_at": "2023-06-01T14:00"}
    later = patrols.plan_patrol(session, user=ANALYST, op_id=op.op_id, data=day)
    green = {**PLAN, "place": patrols.GREEN_BORDER, "area": "Lojan - Miratovac"}
    cancelled = patrols.plan_patrol(session, user=ANALYST, op_id=op.op_id, data=green)
    patrols.cancel_patrol(session, user=ANALYST, op_id=op.op_id, item_id=cancelled.item_id)
    ours = {"persons_checked": "40", "vehicles_checked": "20", "hits": "2", "firearms_seized": "1"}
    patrols.report_patrol(session, user=ANALYST, op_id=op.op_id, item_id=night.item_id, data=ours)
    times = {"started_at": "2023-05-12T22:00", "ended_at": "2023-05-13T02:00"}
    mk = _mk_item("report", {"patrol": night.item_id, "persons_checked": 10, "hits": 1, **times})
    _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": mk})
    (blace,) = patrols.patrol_results(session, user=ANALYST)
    assert (blace.place, blace.patrols, blace.reported) == (BLACE, 2, 1)
    assert (blace.persons_checked, blace.vehicles_checked, blace.hits) == (50, 20, 3)
    assert blace.hours == pytest.approx(8 + 4) and blace.firearms_seized == 1
    assert blace.by_hour == {20: 2, 22: 1} and blace.hit_rate == pytest.approx(3 / 70)
    (may,) = patrols.patrol_results(session, user=ANALYST, until=date(2023, 5, 31))
    assert may.patrols == 1
    rows = sources.joint_patrols(session, None)
    assert sorted((r["patrol"], r["with_hits"]) for r in rows) == sorted(
        [(night.item_id, "yes"), (later.item_id, "no")]
    )
    may_only = compute_report(
        session, date_from=date(2023, 5, 1), date_to=date(2023, 5, 31), only=["joint_patrols"]
    )
    (figure,) = may_only["indicators"]
    assert figure["value"] == 1 and figure["breakdown"]["with_hits"]["yes"] == 1
