"""Kernel-density hot spots on the shared grid, and their predictive accuracy index (PAI).

Density: the quartic (biweight) kernel, the one crime-mapping tools use by default,
K(d) = 3 / (pi h^2) * (1 - d^2 / h^2)^2 for a distance d below the bandwidth h, 0 beyond;
a cell's density is the sum over the points of K(distance from the point to the cell centre).

PAI (Chainey, Tompson and Uhlig 2008): (hits in the hot cells / all hits) divided by (area of
the hot cells / the whole study area). Hot cells are the top-scoring cells of the study area,
as many as the hot share of its cells; equal scores are ranked by cell order (row, then
column), so a method that scores many cells alike gets no help from the ranking. A random
choice of cells has an expected PAI of 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from armsbridge.analysis.geography import Grid


def counts(grid: Grid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the (ny, nx) number of points in each cell (points outside the block ignored)."""
    col, row, inside = grid.index(x, y)
    out = np.zeros((grid.ny, grid.nx), dtype=np.int64)
    np.add.at(out, (row[inside], col[inside]), 1)
    return out


def quartic_density(grid: Grid, x: np.ndarray, y: np.ndarray, bandwidth: float) -> np.ndarray:
    """Return the (ny, nx) quartic kernel density of the points, per square metre."""
    if bandwidth <= 0:
        raise ValueError(f"bandwidth must be positive (got {bandwidth})")
    density = np.zeros((grid.ny, grid.nx))
    reach = int(np.ceil(bandwidth / grid.size)) + 1
    norm = 3.0 / (np.pi * bandwidth**2)
    col, row, _ = grid.index(x, y)
    for px, py, c, r in zip(np.asarray(x), np.asarray(y), col, row, strict=True):
        c0, c1 = max(c - reach, 0), min(c + reach + 1, grid.nx)
        r0, r1 = max(r - reach, 0), min(r + reach + 1, grid.ny)
        if c0 >= c1 or r0 >= r1:
            continue
        cx = (grid.col0 + np.arange(c0, c1) + 0.5) * grid.size
        cy = (grid.row0 + np.arange(r0, r1) + 0.5) * grid.size
        d2 = (cx[None, :] - px) ** 2 + (cy[:, None] - py) ** 2
        u = np.clip(1.0 - d2 / bandwidth**2, 0.0, None)
        density[r0:r1, c0:c1] += norm * u**2
    return density


def hot_cells(scores: np.ndarray, mask: np.ndarray, share: float) -> np.ndarray:
    """Return a boolean (ny, nx) array: the top `share` of the mask's cells by score."""
    if not 0 < share < 1:
        raise ValueError(f"hot share must be between 0 and 1 (got {share})")
    flat_mask = mask.ravel()
    candidates = np.flatnonzero(flat_mask)
    n_hot = max(1, int(round(share * candidates.size)))
    # Stable sort on the negated score: equal scores keep cell order.
    order = candidates[np.argsort(-scores.ravel()[candidates], kind="stable")]
    hot = np.zeros(flat_mask.size, dtype=bool)
    hot[order[:n_hot]] = True
    return hot.reshape(mask.shape)


@dataclass(frozen=True)
class Accuracy:
    """How well a set of hot cells caught the hits of a later period."""

    hits: int  # hits of the later period inside the study area
    hits_in_hot: int
    hot_cells: int
    area_cells: int

    @property
    def hit_rate(self) -> float:
        """Return the share of the hits that fell in hot cells."""
        return self.hits_in_hot / self.hits if self.hits else 0.0

    @property
    def area_share(self) -> float:
        """Return the share of the study area the hot cells cover."""
        return self.hot_cells / self.area_cells if self.area_cells else 0.0

    @property
    def pai(self) -> float:
        """Return the predictive accuracy index (0 when there were no hits)."""
        return self.hit_rate / self.area_share if self.area_share else 0.0


def accuracy(hot: np.ndarray, later: np.ndarray, mask: np.ndarray) -> Accuracy:
    """Return the accuracy of `hot` cells against per-cell hit counts `later` in the mask."""
    return Accuracy(
        hits=int(later[mask].sum()),
        hits_in_hot=int(later[hot & mask].sum()),
        hot_cells=int((hot & mask).sum()),
        area_cells=int(mask.sum()),
    )


def random_pai(
    later: np.ndarray, mask: np.ndarray, share: float, *, draws: int, seed: int
) -> float:
    """Return the mean PAI of `draws` random choices of hot cells of the same size."""
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(mask.ravel())
    n_hot = max(1, int(round(share * candidates.size)))
    flat = later.ravel()
    total = flat[candidates].sum()
    if total == 0:
        return 0.0
    values = []
    for _ in range(draws):
        chosen = rng.choice(candidates, size=n_hot, replace=False)
        values.append((flat[chosen].sum() / total) / (n_hot / candidates.size))
    return float(np.mean(values))


@dataclass(frozen=True)
class Evaluation:
    """Hot spots learnt on one period, scored on a later one, with the baselines."""

    kde: Accuracy
    count: Accuracy
    random: float
    train_points: int
    test_points: int


def evaluate(
    grid: Grid,
    mask: np.ndarray,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    bandwidth: float,
    share: float,
    draws: int = 200,
    seed: int = 1,
) -> Evaluation:
    """Learn KDE and count hot cells on `train` points, score both and random on `test`."""
    later = counts(grid, *test)
    kde_hot = hot_cells(quartic_density(grid, *train, bandwidth), mask, share)
    count_hot = hot_cells(counts(grid, *train).astype(float), mask, share)
    return Evaluation(
        kde=accuracy(kde_hot, later, mask),
        count=accuracy(count_hot, later, mask),
        random=random_pai(later, mask, share, draws=draws, seed=seed),
        train_points=len(train[0]),
        test_points=len(test[0]),
    )
