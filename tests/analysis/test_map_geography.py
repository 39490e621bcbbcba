"""The base layer and the grid shared by both jurisdictions."""

from __future__ import annotations

import json

import numpy as np

from armsbridge.analysis import geography
from armsbridge.analysis.data.prepare_boundaries import dissolve
from armsbridge.names.places import gazetteer, place_key

BLACE = (21.30, 42.15)  # the busiest crossing point, on the border


def test_base_layer_has_both_countries_neighbours_and_municipalities() -> None:
    data = geography.boundaries()
    layers = {(f["properties"]["layer"], f["properties"]["country"]) for f in data["features"]}
    for code in ("XK", "MK", "AL", "RS", "ME", "GR", "BG"):
        assert ("country", code) in layers
    assert {("municipality", "XK"), ("municipality", "MK"), ("region", "MK")} <= layers
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


def _km_outside(feature: dict, lon: float, lat: float) -> float:
    """Return 0 when the point is inside the feature, else its distance to the outline in km."""
    rings = [np.asarray(polygon[0], dtype=float) for polygon in feature["geometry"]["coordinates"]]
    if geography.inside_rings(np.array([lon]), np.array([lat]), rings)[0]:
        return 0.0
    px, py = geography.project(lon, lat)
    best = np.inf
    for ring in rings:
        x, y = geography.project(ring[:, 0], ring[:, 1])
        dx, dy = np.diff(x), np.diff(y)
        t = np.clip(((px - x[:-1]) * dx + (py - y[:-1]) * dy) / (dx * dx + dy * dy + 1e-9), 0, 1)
        best = min(best, float(np.hypot(x[:-1] + t * dx - px, y[:-1] + t * dy - py).min()))
    return best / 1000


def test_north_macedonia_has_its_80_municipalities_where_the_gazetteer_puts_them() -> None:
    features = [
        f
        for f in geography.boundaries()["features"]
        if f["properties"]["layer"] == "municipality" and f["properties"]["country"] == "MK"
    ]
    by_key = {place_key(f["properties"]["name"]): f for f in features}
    assert len(features) == len(by_key) == 80
    # Merged in 2013 into Kičevo; Natural Earth's "Skopje" is Petrovec (the city is ten of them).
    names = {f["properties"]["name"] for f in features}
    assert not names & {"Drugovo", "Oslomej", "Vraneštica", "Zajas", "Skopje"}
    assert {"Kičevo", "Petrovec", "Čair", "Kavadarci", "Makedonski Brod"} <= names
    (kicevo,) = [f for f in features if f["properties"]["name"] == "Kičevo"]
    assert len(kicevo["geometry"]["coordinates"]) == 1  # one outline, no inner borders
    checked = 0
    for place in gazetteer()["mk"]:
        if place["sr"] == "Skoplje":
            continue
        feature = by_key[place_key(place["sr"])]
        assert _km_outside(feature, place["lon"], place["lat"]) < 1.5, place["sr"]
        checked += 1
    assert checked == len(gazetteer()["mk"]) - 1


def test_dissolve_drops_the_shared_border_of_two_squares() -> None:
    left = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
    right = [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]
    (merged,) = dissolve([left, right])
    ring = merged[0]
    assert ring[0] == ring[-1] and len(ring) == 7  # six corners, closed
    assert {tuple(p) for p in ring} == {(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)}
    far = [[[5, 5], [6, 5], [6, 6], [5, 5]]]
    assert len(dissolve([left, far])) == 2  # apart, both kept
