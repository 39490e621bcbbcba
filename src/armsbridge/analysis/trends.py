"""Monthly trends with change detection, and the hour by weekday matrix.

Change detection compares each month with a rolling baseline: the mean of the `window` months
before it (at least `min_history` of them). Counts of events are modelled as Poisson with that
mean; a month is a rise when P(X >= count) < alpha and a fall when P(X <= count) < alpha. This
is the core of the EARS / Farrington family of surveillance methods, chosen because an analyst
can check it by hand ("12 seizures where the last year averaged 4: p = 0.0009") and because it
needs no model fitted on years the store may not have. A baseline of zero is raised to half an
event a month so that a first event is not an infinite surprise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scipy.stats import poisson

WEEKDAYS = 7
HOURS = 24
MIN_BASELINE = 0.5


def month_keys(start: date, end: date) -> list[str]:
    """Return "YYYY-MM" for every month from start to end, both included."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def monthly_counts(days: Iterable[str], start: date, end: date) -> list[tuple[str, int]]:
    """Return (month, count) of every month from start to end; `days` are ISO (partial) dates."""
    keys = month_keys(start, end)
    tally = dict.fromkeys(keys, 0)
    for day in days:
        key = (day or "")[:7]
        if key in tally:
            tally[key] += 1
    return [(k, tally[k]) for k in keys]


@dataclass(frozen=True)
class MonthTrend:
    """One month: its count, the baseline it was compared with, the p-value and the verdict."""

    month: str
    count: int
    baseline: float | None  # None: not enough history to judge
    p_value: float | None
    change: str | None  # "rise", "fall" or None


def detect_changes(
    series: list[tuple[str, int]], *, window: int = 12, min_history: int = 6, alpha: float = 0.01
) -> list[MonthTrend]:
    """Flag the months whose count is improbable under the rolling Poisson baseline."""
    out: list[MonthTrend] = []
    values = [count for _, count in series]
    for i, (month, count) in enumerate(series):
        history = values[max(0, i - window) : i]
        if len(history) < min_history:
            out.append(MonthTrend(month, count, None, None, None))
            continue
        baseline = sum(history) / len(history)
        rate = max(baseline, MIN_BASELINE)
        p_up = float(poisson.sf(count - 1, rate))
        p_down = float(poisson.cdf(count, rate))
        change, p_value = None, min(p_up, p_down)
        if p_up < alpha:
            change = "rise"
        elif p_down < alpha:
            change = "fall"
        out.append(MonthTrend(month, count, round(baseline, 2), p_value, change))
    return out


@dataclass(frozen=True)
class HeatMatrix:
    """Counts by weekday (0 = Monday) and hour, and how many events lacked a date or time."""

    cells: list[list[int]]  # [weekday][hour]
    undated: int

    @property
    def total(self) -> int:
        """Return how many events the matrix counts."""
        return sum(map(sum, self.cells))

    @property
    def peak(self) -> int:
        """Return the largest cell count."""
        return max(max(row) for row in self.cells)


def heat_matrix(moments: Iterable[tuple[str | None, str | None]]) -> HeatMatrix:
    """Count (ISO date, "HH:MM") moments by weekday and hour; partial dates or no time: undated."""
    cells = [[0] * HOURS for _ in range(WEEKDAYS)]
    undated = 0
    for day, time in moments:
        try:
            weekday = date.fromisoformat(day or "").weekday()
            hour = int((time or "").split(":")[0])
        except ValueError:
            undated += 1
            continue
        if not 0 <= hour < HOURS:
            undated += 1
            continue
        cells[weekday][hour] += 1
    return HeatMatrix(cells, undated)
