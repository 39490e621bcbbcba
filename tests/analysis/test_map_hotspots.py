"""Kernel density, hot cells and PAI against hand-computed tiny cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from armsbridge.analysis import hotspots
from armsbridge.analysis.geography import Grid

GRID = Grid(size=1000, col0=0, row0=0, nx=5, ny=4)  # cells of 1 km from (0, 0)


def test_counts_put_points_in_their_cells_and_ignore_those_outside() -> None:
    x = np.array([500.0, 999.0, 1000.0, 4999.0, 5000.0, -1.0])
    y = np.array([500.0, 10.0, 0.0, 3999.0, 0.0, 0.0])
    grid = hotspots.counts(GRID, x, y)
    assert grid[0, 0] == 2  # (500, 500) and (999, 10)
    assert grid[0, 1] == 1  # x = 1000 starts the next cell
    assert grid[3, 4] == 1
    assert grid.sum() == 4  # x = 5000 and x = -1 lie outside the block


def test_quartic_density_matches_the_formula_by_hand() -> None:
    h = 1500.0
    density = hotspots.quartic_density(GRID, np.array([500.0]), np.array([500.0]), h)
    norm = 3 / (math.pi * h**2)
    assert density[0, 0] == pytest.approx(norm)  # at the point: d = 0
    assert density[0, 1] == pytest.approx(norm * (1 - 1000**2 / h**2) ** 2)  # d = 1 km
    assert density[1, 1] == pytest.approx(norm * (1 - 2 * 1000**2 / h**2) ** 2)  # d = 1.41 km
    assert density[0, 2] == 0  # d = 2 km, beyond the bandwidth
    # Two points add up.
    two = hotspots.quartic_density(GRID, np.array([500.0, 500.0]), np.array([500.0, 500.0]), h)
    assert two[0, 0] == pytest.approx(2 * norm)


def test_density_integrates_to_the_number_of_points() -> None:
    grid = Grid(size=100, col0=0, row0=0, nx=80, ny=80)
    density = hotspots.quartic_density(grid, np.array([4000.0]), np.array([4000.0]), 2000.0)
    assert density.sum() * 100 * 100 == pytest.approx(1.0, rel=0.01)


def test_hot_cells_take_the_top_share_and_break_ties_by_cell_order() -> None:
    scores = np.zeros((4, 5))
    scores[2, 3], scores[1, 1] = 5.0, 3.0
    mask = np.ones((4, 5), dtype=bool)
    hot = hotspots.hot_cells(scores, mask, 0.15)  # 3 cells of 20
    assert hot.sum() == 3
    assert hot[2, 3] and hot[1, 1] and hot[0, 0]  # the tie among zeros goes to cell order
    mask[2, 3] = False  # a cell outside the study area is never hot
    assert not hotspots.hot_cells(scores, mask, 0.15)[2, 3]


def test_pai_by_hand() -> None:
    mask = np.ones((4, 5), dtype=bool)  # 20 cells
    hot = np.zeros((4, 5), dtype=bool)
    hot[0, 0] = hot[0, 1] = True  # 2 hot cells: 10 % of the area
    later = np.zeros((4, 5), dtype=int)
    later[0, 0], later[0, 1], later[3, 4] = 3, 1, 4  # 4 of 8 hits in hot cells: 50 %
    acc = hotspots.accuracy(hot, later, mask)
    assert (acc.hits, acc.hits_in_hot, acc.hot_cells, acc.area_cells) == (8, 4, 2, 20)
    assert acc.pai == pytest.approx(0.5 / 0.1)
    assert hotspots.accuracy(hot, np.zeros((4, 5), dtype=int), mask).pai == 0


def test_random_cells_average_a_pai_near_one() -> None:
    rng = np.random.default_rng(3)
    later = rng.poisson(2.0, size=(20, 20))
    mask = np.ones((20, 20), dtype=bool)
    value = hotspots.random_pai(later, mask, 0.1, draws=400, seed=5)
    assert value == pytest.approx(1.0, abs=0.1)


def test_evaluate_kde_beats_count_on_a_drifting_cluster() -> None:
    grid = Grid(size=1000, col0=0, row0=0, nx=30, ny=30)
    mask = np.ones((30, 30), dtype=bool)
    rng = np.random.default_rng(7)
    train = (rng.normal(15000, 1500, 60), rng.normal(15000, 1500, 60))
    test = (rng.normal(15000, 1500, 200), rng.normal(15000, 1500, 200))
    result = hotspots.evaluate(grid, mask, train, test, bandwidth=3000, share=0.02, draws=50)
    assert result.kde.pai > result.count.pai > result.random
    assert result.train_points == 60 and result.test_points == 200
