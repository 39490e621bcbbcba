"""Boundaries of the base layer, and the one analysis grid both nodes share.

The grid is the European reference grid: ETRS89 Lambert azimuthal equal-area (EPSG:3035) with
its origin at the projection's false origin (0, 0), so a cell is named by its lower-left corner
in cell units ("1kmE5231N2166", as the EEA and INSPIRE name grid cells). A point therefore
falls in the same cell, with the same id, whichever node computes it; the cell size is a
setting (ARMSBRIDGE_MAP_CELL_SIZE_M). Equal-area cells make "hot area / all area" a count of
cells.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from pyproj import Transformer

BOUNDARIES_FILE = Path(__file__).parent / "data" / "boundaries.geojson"
STUDY_COUNTRIES = ("XK", "MK")  # the grid covers both jurisdictions, the same on both nodes
GRID_CRS = "EPSG:3035"


class MapSettings(BaseSettings):
    """Settings of maps and hot spots, each one settable as ARMSBRIDGE_MAP_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ARMSBRIDGE_MAP_", env_file=None, extra="ignore")

    cell_size_m: int = Field(
        default=1000, ge=100, le=20000, description="Side of a hot-spot grid cell, in metres."
    )
    bandwidth_m: int = Field(
        default=3000, ge=100, le=50000, description="Kernel-density search radius, in metres."
    )
    hot_share: float = Field(
        default=0.02, gt=0, lt=1, description="Share of the study area marked as hot cells."
    )
    max_points: int = Field(
        default=5000, ge=1, description="Most records one map shows (and one export writes)."
    )


@lru_cache(maxsize=1)
def map_settings() -> MapSettings:
    """Return the map settings read from the environment (once per process)."""
    return MapSettings()


@lru_cache(maxsize=1)
def boundaries_text() -> str:
    """Return the base layer (countries, municipalities, regions) as GeoJSON text."""
    return BOUNDARIES_FILE.read_text(encoding="utf-8")


def boundaries() -> dict[str, Any]:
    """Return the base layer as a parsed FeatureCollection."""
    return json.loads(boundaries_text())


@lru_cache(maxsize=1)
def _to_grid() -> Transformer:
    return Transformer.from_crs("EPSG:4326", GRID_CRS, always_xy=True)


@lru_cache(maxsize=1)
def _from_grid() -> Transformer:
    return Transformer.from_crs(GRID_CRS, "EPSG:4326", always_xy=True)


def project(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return grid coordinates (x, y in metres, EPSG:3035) of WGS 84 longitudes and latitudes."""
    x, y = _to_grid().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def unproject(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (lon, lat) of grid coordinates."""
    lon, lat = _from_grid().transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def size_label(size: int) -> str:
    """Return the grid-cell size as the reference grid writes it: "1km", "500m"."""
    return f"{size // 1000}km" if size % 1000 == 0 else f"{size}m"


def cell_id(x: float, y: float, size: int) -> str:
    """Return the id of the cell holding grid point (x, y): "1kmE5231N2166"."""
    return f"{size_label(size)}E{int(np.floor(x / size))}N{int(np.floor(y / size))}"


@dataclass(frozen=True)
class Grid:
    """A block of reference-grid cells: lower-left cell (col0, row0) in cell units, nx by ny."""

    size: int
    col0: int
    row0: int
    nx: int
    ny: int

    @property
    def cells(self) -> int:
        """Return how many cells the block has."""
        return self.nx * self.ny

    def index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (column, row, inside) of grid points, relative to the block."""
        col = np.floor(np.asarray(x) / self.size).astype(np.int64) - self.col0
        row = np.floor(np.asarray(y) / self.size).astype(np.int64) - self.row0
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return col, row, inside

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the x and y of every cell centre, arrays of shape (ny, nx)."""
        xs = (self.col0 + np.arange(self.nx) + 0.5) * self.size
        ys = (self.row0 + np.arange(self.ny) + 0.5) * self.size
        return np.meshgrid(xs, ys)

    def cell_name(self, col: int, row: int) -> str:
        """Return the reference-grid id of a cell of the block."""
        return f"{size_label(self.size)}E{self.col0 + col}N{self.row0 + row}"

    def cell_ring(self, col: int, row: int) -> list[list[float]]:
        """Return the cell's outline as a closed (lon, lat) ring."""
        x0, y0 = (self.col0 + col) * self.size, (self.row0 + row) * self.size
        xs = [x0, x0 + self.size, x0 + self.size, x0, x0]
        ys = [y0, y0, y0 + self.size, y0 + self.size, y0]
        lon, lat = unproject(xs, ys)
        return [[round(float(a), 5), round(float(b), 5)] for a, b in zip(lon, lat, strict=True)]


def _study_polygons() -> list[np.ndarray]:
    rings = []
    for feature in boundaries()["features"]:
        props = feature["properties"]
        if props["layer"] == "country" and props["country"] in STUDY_COUNTRIES:
            for polygon in feature["geometry"]["coordinates"]:
                lon, lat = np.asarray(polygon[0], dtype=float).T
                x, y = project(lon, lat)
                rings.append(np.column_stack([x, y]))
    return rings


@lru_cache(maxsize=8)
def study_grid(size: int) -> Grid:
    """Return the block of cells covering Kosovo and North Macedonia (the same on every node)."""
    points = np.vstack(_study_polygons())
    col0, row0 = (int(v) for v in np.floor(points.min(axis=0) / size))
    col1, row1 = (int(v) for v in np.floor(points.max(axis=0) / size))
    return Grid(size, col0, row0, col1 - col0 + 1, row1 - row0 + 1)


def inside_rings(x: np.ndarray, y: np.ndarray, rings: list[np.ndarray]) -> np.ndarray:
    """True for each point inside any of the rings (even-odd rule)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    result = np.zeros(x.shape, dtype=bool)
    for ring in rings:
        inside = np.zeros(x.shape, dtype=bool)
        xa, ya = ring[:, 0], ring[:, 1]
        xb, yb = np.roll(xa, 1), np.roll(ya, 1)
        for x1, y1, x2, y2 in zip(xa, ya, xb, yb, strict=True):
            if y1 == y2:
                continue
            crosses = (y1 > y) != (y2 > y)
            at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (x < at)
        result |= inside
    return result


@lru_cache(maxsize=8)
def study_mask(size: int) -> np.ndarray:
    """Return the (ny, nx) mask of cells whose centre lies in Kosovo or North Macedonia."""
    grid = study_grid(size)
    cx, cy = grid.centres()
    mask = inside_rings(cx, cy, _study_polygons())
    mask.flags.writeable = False
    return mask
