"""How a case moves through the criminal procedure, from report to verdict."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

EXPORT_DATE = date(2025, 12, 31)
COURT_STEPS = {"indicted", "convicted", "acquitted", "dismissed"}


def status_history(opened: date, rng: Random) -> list[tuple[str, date]]:
    """Play a case forward from its report; stop at the export date or at a verdict."""
    steps = [("reported", opened)]
    day = opened
    plan = [
        ("under_investigation", 0.92, 1, 25),
        ("referred_to_prosecution", 0.8, 30, 240),
        ("indicted", 0.8, 20, 180),
    ]
    for status, p, lo, hi in plan:
        if rng.random() > p:
            if status != "under_investigation" and rng.random() < 0.3:
                day = day + timedelta(days=rng.randint(30, 300))
                if day <= EXPORT_DATE:
                    steps.append(("dismissed", day))
            return steps
        day = day + timedelta(days=rng.randint(lo, hi))
        if day > EXPORT_DATE:
            return steps
        steps.append((status, day))
    day = day + timedelta(days=rng.randint(90, 700))
    if day <= EXPORT_DATE and rng.random() < 0.9:
        verdict = rng.choices(("convicted", "acquitted", "dismissed"), (72, 14, 14))[0]
        steps.append((verdict, day))
    return steps
