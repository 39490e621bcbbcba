"""The base layer and the grid shared by both jurisdictions."""

from __future__ import annotations

import json

import numpy as np

from armsbridge.analysis import geography

BLACE = (21.30, 42.15)  # the busiest crossing point, on the border


def test_base_layer_has_both_countries_neighbours_and_municipalities() -> None:
    data = geography.boundaries()
    layers = {(f["properties"]["layer"], f["properties"]["country"]) for f in data["features"]}
    for code in ("XK", "MK", "AL", "RS", "ME", "GR", "BG"):
        assert ("country", code) in layers
    assert ("municipality", "XK") in layers and ("region", "MK") in layers
    assert geography.BOUNDARIES_FILE.stat().st_size < 2_000_000
    for feature in data["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            lon, lat = np.asarray(polygon[0]).T
            assert lon.min() > 18 and lon.max() < 30 and lat.min() > 34 and lat.max() < 47


def test_a_cell_id_depends_on_the_point_only() -> None:
    x, y = geography.project(*BLACE)
    ident = geography.cell_id(float(x), float(y), 1000)
    assert ident == "1kmE5254N2186"
    # Computed by either node, with the study block of either extent, the id is the same:
    block = geography.study_grid(1000)
    col, row, inside = block.index(np.array([x]), np.array([y]))
    assert inside[0] and block.cell_name(int(col[0]), int(row[0])) == ident
    other = geography.Grid(1000, block.col0 - 7, block.row0 + 3, 400, 300)
    col, row, _ = other.index(np.array([x]), np.array([y]))
    assert other.cell_name(int(col[0]), int(row[0])) == ident
    assert geography.cell_id(float(x), float(y), 500).startswith("500mE")


def test_the_study_grid_covers_both_jurisdictions() -> None:
    grid = geography.study_grid(1000)
    mask = geography.study_mask(1000)
    assert 33_000 < mask.sum() < 39_000  # about 10,900 + 25,700 km²
    for lon, lat in [(21.166, 42.663), (21.425, 41.998), BLACE]:  # Prishtinë, Skopje
        x, y = geography.project(lon, lat)
        col, row, inside = grid.index(np.array([x]), np.array([y]))
        assert inside[0] and mask[row[0], col[0]]
    x, y = geography.project(19.82, 41.33)  # Tirana: outside the study area
    col, row, inside = grid.index(np.array([x]), np.array([y]))
    assert not (inside[0] and mask[row[0], col[0]])


def test_cell_ring_is_closed_lon_lat() -> None:
    grid = geography.study_grid(1000)
    ring = grid.cell_ring(10, 10)
    assert ring[0] == ring[-1] and len(ring) == 5
    assert 19 < ring[0][0] < 24 and 40 < ring[0][1] < 44  # (lon, lat)
    json.dumps(ring)
