"""What the maps, hot spots and time views read: events and places with coordinates.

Every query goes through restrict(): an event is shown only when the user may read it *and* the
place that gives its coordinates. Seizures are events of kind "seizure"; crossings are places
of kind "border_crossing" and the crossing points of the gazetteer (reference data, no record).
A record's handling code is the stricter of its own and, for a foreign record, the provider's;
the GeoJSON export carries the strictest code of what it holds, leaves out what was received
under H2 (it may not leave the node) and is one "export" entry of the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.names.places import gazetteer
from armsbridge.records.handling import NO_DISSEMINATION, markings
from armsbridge.records.models import Event, Place

LAYERS = ("seizure", "event", "crossing", "place")
LAYER_LABELS = {
    "seizure": N_("Seizures"),
    "event": N_("Other events"),
    "crossing": N_("Crossing points"),
    "place": N_("Places"),
}
HANDLING_ORDER = ("H0", "H1", "H2", "H3")  # weakest to strictest
ACTION = "record.read"


def strictest(codes: list[str]) -> str | None:
    """Return the strictest of handling codes (H3 > H2 > H1 > H0), None for none."""
    known = [c for c in codes if c in HANDLING_ORDER]
    return max(known, key=HANDLING_ORDER.index) if known else None


@dataclass(frozen=True)
class MapFilter:
    """What a map shows: a time window (ISO dates), layers, one jurisdiction, one code."""

    date_from: str | None = None
    date_to: str | None = None
    layers: tuple[str, ...] = LAYERS
    jurisdiction: str | None = None
    handling_code: str | None = None

    def check(self) -> MapFilter:
        """Return the filter when every value is valid; ValidationFailed naming the field."""
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value:
                try:
                    datetime.strptime(value, "%Y-%m-%d")
                except ValueError:
                    _refuse(name, value, N_("a date, YYYY-MM-DD"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            _refuse("date_to", self.date_to, N_("a date on or after the start date"))
        for layer in self.layers:
            if layer not in LAYERS:
                _refuse("layer", layer, N_("a layer of the map"), LAYERS)
        if self.handling_code and self.handling_code not in HANDLING_ORDER:
            _refuse("handling_code", self.handling_code, N_("a handling code"), HANDLING_ORDER)
        return self


def _refuse(name: str, value: str, expected: str, allowed: tuple[str, ...] = ()) -> None:
    problem: dict[str, Any] = {"field": name, "value": value, "expected": expected}
    if allowed:
        problem["allowed"] = list(allowed)
    raise ValidationFailed(
        N_("%(field)s: %(value)s is not valid."),
        [problem],
        values={"field": name, "value": value},
    )


@dataclass(frozen=True)
class MapPoint:
    """One marker: a record (or a gazetteer crossing) with its coordinates and marking."""

    layer: str
    record_type: str | None  # None for reference crossings
    record_id: int | None
    lat: float
    lon: float
    label: str
    kind: str | None
    day: str | None
    time: str | None
    jurisdiction: str | None
    handling_code: str | None
    provider: str | None = None  # foreign records: who sent them

    @property
    def url(self) -> str | None:
        """Return the record page of the marker, None for reference crossings."""
        if self.record_type is None:
            return None
        return f"/records/{self.record_type}s/{self.record_id}"


@dataclass
class MapData:
    """Markers of one filter, whether the limit cut them, and the strictest handling code."""

    points: list[MapPoint]
    truncated: bool
    withheld: int = 0  # foreign records under H2 left out of an export
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def marking(self) -> str | None:
        """Return the strictest handling code of the records shown."""
        return strictest([p.handling_code for p in self.points if p.handling_code])


def _valid(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180


def _narrow(stmt: Select, model: Any, flt: MapFilter) -> Select:
    if flt.jurisdiction:
        stmt = stmt.where(model.jurisdiction == flt.jurisdiction)
    if flt.handling_code:
        stmt = stmt.where(model.handling_code == flt.handling_code)
    return stmt


def _narrow_events(stmt: Select, flt: MapFilter, kinds: Sequence[str]) -> Select:
    if list(kinds) == ["seizure"]:
        stmt = stmt.where(Event.kind == "seizure")
    elif list(kinds) == ["event"]:
        stmt = stmt.where(Event.kind != "seizure")
    if flt.date_from:
        stmt = stmt.where(Event.occurred_on >= flt.date_from)
    if flt.date_to:
        stmt = stmt.where(Event.occurred_on <= flt.date_to + "~")  # partial dates sort before
    return _narrow(stmt, Event, flt)


def _event_rows(session: Session, user: Principal, flt: MapFilter, limit: int) -> list[Any]:
    kinds = [layer for layer in ("seizure", "event") if layer in flt.layers]
    if not kinds:
        return []
    places = restrict(select(Place.id), user, ACTION, model=Place)
    stmt = restrict(
        select(Event, Place.latitude, Place.longitude, Place.name).join(
            Place, Event.place_id == Place.id
        ),
        user,
        ACTION,
        model=Event,
    ).where(Place.id.in_(places), Place.latitude.is_not(None), Place.longitude.is_not(None))
    stmt = _narrow_events(stmt, flt, kinds).order_by(Event.occurred_on.desc(), Event.id.desc())
    return list(session.execute(stmt.limit(limit + 1)))


def _place_rows(session: Session, user: Principal, flt: MapFilter, limit: int) -> list[Place]:
    wanted = [layer for layer in ("crossing", "place") if layer in flt.layers]
    if not wanted:
        return []
    stmt = restrict(select(Place), user, ACTION).where(
        Place.latitude.is_not(None), Place.longitude.is_not(None)
    )
    if wanted == ["crossing"]:
        stmt = stmt.where(Place.kind == "border_crossing")
    elif wanted == ["place"]:
        stmt = stmt.where(Place.kind != "border_crossing")
    return list(session.scalars(_narrow(stmt, Place, flt).order_by(Place.id).limit(limit + 1)))


def _code(own: str | None, mark: Any) -> str | None:
    return strictest([c for c in (own, mark.handling_code if mark else None) if c])


def reference_crossings() -> list[MapPoint]:
    """Return the crossing points of the gazetteer (reference data, editable YAML)."""
    return [
        MapPoint(
            "crossing",
            None,
            None,
            c["lat"],
            c["lon"],
            f"{c['sq']} / {c['mk']}",
            "border_crossing",
            None,
            None,
            None,
            None,
        )
        for c in gazetteer()["crossings"]
    ]


def map_points(
    session: Session, *, user: Principal, flt: MapFilter, limit: int, reference: bool = True
) -> MapData:
    """Return the markers `user` may see under `flt`, at most `limit` records."""
    flt.check()
    events = _event_rows(session, user, flt, limit)
    places = _place_rows(session, user, flt, limit)
    event_marks = markings(session, "event", [row[0].id for row in events])
    place_marks = markings(session, "place", [p.id for p in places])
    points: list[MapPoint] = []
    for event, lat, lon, name in events:
        if not _valid(lat, lon):
            continue
        mark = event_marks.get(event.id)
        points.append(
            MapPoint(
                "seizure" if event.kind == "seizure" else "event",
                "event",
                event.id,
                lat,
                lon,
                name,
                event.kind,
                event.occurred_on,
                event.occurred_time,
                event.jurisdiction,
                _code(event.handling_code, mark),
                mark.provider if mark else None,
            )
        )
    for place in places:
        if not _valid(place.latitude, place.longitude):
            continue
        mark = place_marks.get(place.id)
        points.append(
            MapPoint(
                "crossing" if place.kind == "border_crossing" else "place",
                "place",
                place.id,
                float(place.latitude or 0),
                float(place.longitude or 0),
                place.name,
                place.kind,
                None,
                None,
                place.jurisdiction,
                _code(place.handling_code, mark),
                mark.provider if mark else None,
            )
        )
    truncated = len(points) > limit
    points = points[:limit]
    if reference and "crossing" in flt.layers:
        points.extend(reference_crossings())
    counts = {layer: sum(1 for p in points if p.layer == layer) for layer in LAYERS}
    return MapData(points, truncated, counts=counts)


def _feature(point: MapPoint) -> dict[str, Any]:
    props = {
        "layer": point.layer,
        "record_type": point.record_type,
        "record_id": point.record_id,
        "label": point.label,
        "kind": point.kind,
        "date": point.day,
        "time": point.time,
        "jurisdiction": point.jurisdiction,
        "handling_code": point.handling_code,
        "provider": point.provider,
        "url": point.url,
    }
    geometry = {"type": "Point", "coordinates": [round(point.lon, 6), round(point.lat, 6)]}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def export_geojson(
    session: Session, *, user: Principal, flt: MapFilter, limit: int
) -> dict[str, Any]:
    """Return the map as a GeoJSON FeatureCollection marked with its strictest code; log it."""
    data = map_points(session, user=user, flt=flt, limit=limit)
    kept, withheld = [], 0
    for point in data.points:
        if point.provider and point.handling_code == NO_DISSEMINATION:
            withheld += 1  # received under H2: not to be disseminated further
            continue
        kept.append(point)
    marking = strictest([p.handling_code for p in kept if p.handling_code])
    ids: dict[str, list[int]] = {}
    for point in kept:
        if point.record_type and point.record_id is not None:
            ids.setdefault(point.record_type, []).append(point.record_id)
    log_access(
        session,
        user=user,
        action="export",
        record_type="event",
        details={
            "format": "geojson",
            "view": "map",
            "filter": {k: v for k, v in flt.__dict__.items() if v},
            "count": len(kept),
            "ids": ids,
            "withheld_h2": {"records": withheld} if withheld else {},
            "handling_code": marking,
        },
    )
    return {
        "type": "FeatureCollection",
        "marking": {
            "handling_code": marking,
            "note": "strictest handling code of the records in this file",
            "withheld_h2": withheld,
            "truncated": data.truncated,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "exported_by": user.username,
            "node": user.jurisdiction,
        },
        "features": [_feature(p) for p in kept],
    }


def event_moments(
    session: Session, *, user: Principal, flt: MapFilter, limit: int
) -> list[tuple[str | None, str | None]]:
    """Return (date, time) of the events `user` may read under `flt` (any place or none)."""
    flt.check()
    kinds = [layer for layer in ("seizure", "event") if layer in flt.layers]
    if not kinds:
        return []
    stmt = restrict(select(Event.occurred_on, Event.occurred_time), user, ACTION, model=Event)
    stmt = _narrow_events(stmt, flt, kinds).where(Event.occurred_on.is_not(None)).limit(limit)
    return [(day, time) for day, time in session.execute(stmt)]
