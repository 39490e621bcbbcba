"""What the indicators pages and API share: reading the period and jurisdiction of a request."""

from __future__ import annotations

from datetime import date

from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.vocab.service import check_code
from armsbridge.vocab.values import parse_date

# Fixed sentences, so the error page shows them in the user's language.
REVERSED = N_(
    "The period starts after it ends: choose a first day on or before the last day, and show "
    "the indicators again."
)
ON_OR_BEFORE_END = N_("a day on or before the last day of the period")


def period_of(
    date_from: str | None, date_to: str | None, jurisdiction: str | None
) -> tuple[date, date, str | None]:
    """Return (from, to, jurisdiction); defaults: the current calendar year, both jurisdictions."""
    today = date.today()
    start = parse_date(date_from, field="from") if date_from else date(today.year, 1, 1)
    end = parse_date(date_to, field="to") if date_to else date(today.year, 12, 31)
    if start > end:
        raise ValidationFailed(
            REVERSED, [{"field": "from", "value": str(start), "expected": ON_OR_BEFORE_END}]
        )
    code = (
        check_code("jurisdictions", jurisdiction.upper(), field="jurisdiction")
        if (jurisdiction)
        else None
    )
    return start, end, code
