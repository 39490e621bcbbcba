"""REST API of the indicators: the same report as `armsbridge report indicators`, as JSON.

Indicators are aggregates without personal data (permission `aggregate.read`); a user may ask for
either jurisdiction or both (the regional figure), as programme staff report both.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from armsbridge.audit.service import log_event
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.indicators.service import compute_report
from armsbridge.indicators.web import period_of

router = APIRouter(prefix="/api/indicators", tags=["indicators"])
Aggregates = Annotated[Principal, Depends(require("aggregate.read"))]
DateText = Annotated[str | None, Query(max_length=10, pattern=r"^[0-9.\-]+$")]
Jurisdiction = Annotated[str | None, Query(max_length=2, pattern=r"^[A-Za-z]{2}$")]


@router.get("")
def indicators(
    db: DB,
    user: Aggregates,
    date_from: Annotated[DateText, Query(alias="from")] = None,
    date_to: Annotated[DateText, Query(alias="to")] = None,
    jurisdiction: Jurisdiction = None,
) -> dict[str, Any]:
    """Every indicator for the period (default: this calendar year) computed from the records."""
    start, end, code = period_of(date_from, date_to, jurisdiction)
    report = compute_report(db, date_from=start, date_to=end, jurisdiction=code)
    log_event(
        db,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action="export",
        jurisdiction=code,
        details={"report": "indicators", "from": str(start), "to": str(end)},
    )
    return report
