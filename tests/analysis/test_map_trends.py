"""Monthly trends with change detection, and the hour by weekday matrix."""

from __future__ import annotations

from datetime import date

import pytest
from scipy.stats import poisson

from armsbridge.analysis import trends


def test_month_keys_and_counts_cover_every_month() -> None:
    series = trends.monthly_counts(
        ["2024-11-03", "2024-11", "2025-01-31", "2025-03-01", "2023-01-01", ""],
        date(2024, 11, 1),
        date(2025, 2, 1),
    )
    assert series == [("2024-11", 2), ("2024-12", 0), ("2025-01", 1), ("2025-02", 0)]


def test_a_known_step_is_flagged_where_it_happens() -> None:
    before = [5, 4, 6, 5, 5, 4, 6, 5, 4, 6, 5, 5] * 2  # two years at about 5 a month
    after = [15] * 6
    months = trends.month_keys(date(2023, 1, 1), date(2025, 6, 1))
    result = trends.detect_changes(list(zip(months, before + after, strict=True)))
    assert [m.change for m in result[:24]] == [None] * 24
    assert result[24].change == "rise" and result[24].month == "2025-01"
    assert result[24].baseline == pytest.approx(5.0)
    assert result[24].p_value == pytest.approx(poisson.sf(14, 5.0))
    assert all(m.baseline is None for m in result[:6])  # too little history to judge


def test_a_drop_is_a_fall() -> None:
    values = [10] * 12 + [1]
    months = trends.month_keys(date(2024, 1, 1), date(2025, 1, 1))
    result = trends.detect_changes(list(zip(months, values, strict=True)))
    assert result[-1].change == "fall"


def test_heat_matrix_counts_weekday_and_hour() -> None:
    matrix = trends.heat_matrix(
        [
            ("2025-12-01", "08:15"),  # a Monday
            ("2025-12-01", "08:59"),
            ("2025-12-07", "23:00"),  # a Sunday
            ("2025-12", "10:00"),  # partial date
            ("2025-12-02", None),  # no time
            ("2025-12-02", "25:00"),  # no such hour
        ]
    )
    assert matrix.cells[0][8] == 2
    assert matrix.cells[6][23] == 1
    assert matrix.total == 3 and matrix.undated == 3 and matrix.peak == 2
