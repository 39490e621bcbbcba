"""A joint operation with a reported joint patrol, stored directly: for page crawls and the
browser, where no second node runs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from armsbridge.db.session import session_scope
from armsbridge.exchange.operation_models import LiveOperation, OperationItem


def seed_patrol(factory: Any) -> tuple[str, str]:
    """Store a joint operation with MK holding a patrol at Blace and both sides' reports, as
    received; return (operation id, patrol id)."""
    with session_scope(factory) as s:
        return add_patrol(s, starts=datetime.now(UTC))


def add_patrol(
    s: Any, *, starts: datetime, place: str = "HANI-ELEZIT-BLACE", code: str = "JP-CRAWL"
) -> tuple[str, str]:
    """Add (not commit) an operation with one 6-hour patrol at `place` from `starts`, reported
    by both sides (12 persons and 7 vehicles checked, 1 hit, 1 seizure each)."""
    op_id = str(uuid.uuid4())
    op = LiveOperation(
        op_id=op_id,
        code=code,
        title="Night patrols at Blace",
        purpose="converted pistols crossing at night",
        handling_code="H1",
        initiator="XK",
        partner="MK",
        peer_id=1,
        state="active",
        invited_by="analyst",
    )
    s.add(op)
    s.flush()
    plan = {"place": place, "area": None, "basis": None, "status": "planned",
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
            "officers": {"XK": ["Arben Krasniqi"], "MK": ["Марко Петровски"]}}  # fmt: skip
    patrol = OperationItem(operation_id=op.id, item_id=str(uuid.uuid4()), kind="patrol",
                           side="XK", author="analyst", at=starts, body=plan)  # fmt: skip
    s.add(patrol)
    for side in ("XK", "MK"):
        report = {"patrol": patrol.item_id, "started_at": plan["starts_at"],
                  "ended_at": plan["ends_at"], "route": None, "notes": None,
                  "persons_checked": 12, "vehicles_checked": 7, "hits": 1, "seizures": 1,
                  "firearms_seized": 1}  # fmt: skip
        s.add(OperationItem(operation_id=op.id, item_id=str(uuid.uuid4()), kind="report",
                            side=side, author=side.lower(), at=starts, body=report))  # fmt: skip
    s.flush()
    return op_id, patrol.item_id
