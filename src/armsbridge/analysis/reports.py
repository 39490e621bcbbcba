"""Hot-spot and trend reports of the records a user may read (services behind the pages)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.analysis import geography, hotspots, trends
from armsbridge.analysis.map_data import ACTION, MapFilter, MapPoint, event_moments, map_points
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.records.models import Event

MAX_EVENTS = 200_000  # events one report reads
SHOWN_CELLS = 400  # hot cells drawn on the map at most


def event_span(session: Session, *, user: Principal) -> tuple[str | None, str | None]:
    """Return the first and last event date `user` may read (ISO, possibly partial)."""
    stmt = restrict(
        select(func.min(Event.occurred_on), func.max(Event.occurred_on)), user, ACTION, model=Event
    )
    first, last = session.execute(stmt).one()
    return first, last


def default_periods(last: str | None) -> tuple[MapFilter, MapFilter]:
    """Return (training, test) filters: the last year with events, and the years before it."""
    year = int(last[:4]) if last else date.today().year
    train = MapFilter(date_from=f"{year - 3}-01-01", date_to=f"{year - 1}-12-31")
    test = MapFilter(date_from=f"{year}-01-01", date_to=f"{year}-12-31")
    return train, test


def _xy(points: list[MapPoint]) -> tuple[np.ndarray, np.ndarray]:
    events = [p for p in points if p.record_type == "event"]
    return geography.project([p.lon for p in events], [p.lat for p in events])


@dataclass(frozen=True)
class HotCell:
    """One hot cell of the map: its reference-grid id, rank, outline and training count."""

    cell: str
    rank: int
    ring: list[list[float]]
    events: int


@dataclass(frozen=True)
class HotspotReport:
    """Hot cells learnt on the training period, and their accuracy on the test period."""

    train: MapFilter
    test: MapFilter
    cell_size: int
    bandwidth: int
    share: float
    evaluation: hotspots.Evaluation
    cells: list[HotCell]
    truncated: bool


def hotspot_report(
    session: Session,
    *,
    user: Principal,
    train: MapFilter,
    test: MapFilter,
    settings: geography.MapSettings,
) -> HotspotReport:
    """Learn hot cells on `train`, score them with PAI on `test` against count and random."""
    layers = tuple(layer for layer in train.layers if layer in ("seizure", "event")) or (
        "seizure",
        "event",
    )
    train, test = replace(train, layers=layers), replace(test, layers=layers)
    train_data = map_points(session, user=user, flt=train, limit=MAX_EVENTS, reference=False)
    test_data = map_points(session, user=user, flt=test, limit=MAX_EVENTS, reference=False)
    grid = geography.study_grid(settings.cell_size_m)
    mask = geography.study_mask(settings.cell_size_m)
    train_xy, test_xy = _xy(train_data.points), _xy(test_data.points)
    evaluation = hotspots.evaluate(
        grid, mask, train_xy, test_xy, bandwidth=settings.bandwidth_m, share=settings.hot_share
    )
    density = hotspots.quartic_density(grid, *train_xy, settings.bandwidth_m)
    hot = hotspots.hot_cells(density, mask, settings.hot_share)
    seen = hotspots.counts(grid, *train_xy)
    order = np.argsort(-np.where(hot, density, -1).ravel(), kind="stable")
    cells = []
    for rank, flat in enumerate(order[: min(SHOWN_CELLS, int(hot.sum()))], start=1):
        row, col = divmod(int(flat), grid.nx)
        if density[row, col] <= 0:
            break
        cells.append(
            HotCell(grid.cell_name(col, row), rank, grid.cell_ring(col, row), int(seen[row, col]))
        )
    return HotspotReport(
        train,
        test,
        settings.cell_size_m,
        settings.bandwidth_m,
        settings.hot_share,
        evaluation,
        cells,
        train_data.truncated or test_data.truncated,
    )


@dataclass(frozen=True)
class TrendReport:
    """Monthly counts with their verdicts, and the hour by weekday matrix, of one filter."""

    months: list[trends.MonthTrend]
    matrix: trends.HeatMatrix
    events: int


def trend_report(session: Session, *, user: Principal, flt: MapFilter) -> TrendReport:
    """Return the monthly trend (rolling Poisson baseline) and heat matrix of the events."""
    moments = event_moments(session, user=user, flt=flt, limit=MAX_EVENTS)
    days = [day for day, _ in moments if day and len(day) >= 7]
    if not days:
        return TrendReport([], trends.heat_matrix([]), 0)
    start = date.fromisoformat((flt.date_from or min(days)[:7] + "-01")[:7] + "-01")
    end = date.fromisoformat((flt.date_to or max(days)[:7] + "-01")[:7] + "-01")
    series = trends.monthly_counts(days, start, end)
    return TrendReport(trends.detect_changes(series), trends.heat_matrix(moments), len(moments))
