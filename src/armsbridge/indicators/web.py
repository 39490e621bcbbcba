"""What the indicators pages and API share: reading the period and jurisdiction of a request."""

from __future__ import annotations

from datetime import date

from armsbridge.errors import ValidationFailed
from armsbridge.vocab.service import check_code
from armsbridge.vocab.values import parse_date


def period_of(
    date_from: str | None, date_to: str | None, jurisdiction: str | None
) -> tuple[date, date, str | None]:
    """Return (from, to, jurisdiction); defaults: the current calendar year, both jurisdictions."""
    today = date.today()
    start = parse_date(date_from, field="from") if date_from else date(today.year, 1, 1)
    end = parse_date(date_to, field="to") if date_to else date(today.year, 12, 31)
    if start > end:
        raise ValidationFailed(
            f"from {start} is after to {end}",
            [{"field": "from", "value": str(start), "expected": f"a day on or before {end}"}],
        )
    code = (
        check_code("jurisdictions", jurisdiction.upper(), field="jurisdiction")
        if (jurisdiction)
        else None
    )
    return start, end, code
