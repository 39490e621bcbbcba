"""ORM events that keep a firearm's derived columns current: serial keys, category, conversion.

Nothing is attached at import time: `install_listeners()` attaches them, called by the store
(`db.registry.install_listeners`, from `db.session.make_sessionmaker` and the test fixtures).
Rows written in bulk (imports) pass no ORM event; `service.refresh_firearms` brings them up to date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from armsbridge.firearms.derive import apply_derived, write_grams
from armsbridge.firearms.service import check_conversions
from armsbridge.records.models import AmmunitionLot, Firearm


def _before_write(_mapper: Any, _conn: Connection, target: Firearm) -> None:
    apply_derived(target)


def _after_insert(_mapper: Any, conn: Connection, target: Firearm) -> None:
    write_grams(conn, target.id, target.serial_key)


def _after_update(_mapper: Any, conn: Connection, target: Firearm) -> None:
    if inspect(target).attrs.serial_key.history.has_changes():
        write_grams(conn, target.id, target.serial_key)


# Conversion signs depend on other rows (live ammunition in the same event or case), so they are
# checked after each flush for firearms whose identifying facts changed and for firearms sharing
# an event or case with ammunition that was written.
_CONVERSION_INPUTS = (
    "make",
    "model",
    "calibre",
    "markings",
    "facts",
    "event_id",
    "case_id",
    "converted",
    "conversion_kind",
)


def _collect_conversion_work(session: Session, _ctx: Any) -> None:
    firearm_ids: set[int] = set(session.info.get("firearms_conversion_ids", set()))
    scopes: set[tuple[str, int]] = set(session.info.get("firearms_conversion_scopes", set()))
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Firearm):
            state = inspect(obj)
            if obj in session.new or any(
                state.attrs[name].history.has_changes() for name in _CONVERSION_INPUTS
            ):
                firearm_ids.add(obj.id)
        elif isinstance(obj, AmmunitionLot):
            if obj.event_id is not None:
                scopes.add(("event_id", obj.event_id))
            if obj.case_id is not None:
                scopes.add(("case_id", obj.case_id))
    if firearm_ids or scopes:
        session.info["firearms_conversion_ids"] = firearm_ids
        session.info["firearms_conversion_scopes"] = scopes


def _run_conversion_work(session: Session, _ctx: Any) -> None:
    firearm_ids = session.info.pop("firearms_conversion_ids", set())
    scopes = session.info.pop("firearms_conversion_scopes", set())
    if not firearm_ids and not scopes:
        return
    with session.no_autoflush:
        ids = set(firearm_ids)
        for column, value in scopes:
            ids |= set(session.scalars(select(Firearm.id).where(getattr(Firearm, column) == value)))
        wanted = sorted(i for i in ids if i is not None)
        firearms = [f for fid in wanted if (f := session.get(Firearm, fid)) is not None]
        check_conversions(session, firearms)


# (target, event, function): mapper events on Firearm, session events on every Session.
LISTENERS: tuple[tuple[Any, str, Callable[..., None]], ...] = (
    (Firearm, "before_insert", _before_write),
    (Firearm, "before_update", _before_write),
    (Firearm, "after_insert", _after_insert),
    (Firearm, "after_update", _after_update),
    (Session, "after_flush", _collect_conversion_work),
    (Session, "after_flush_postexec", _run_conversion_work),
)


def install_listeners() -> None:
    """Attach the firearm ORM events; a second call attaches nothing more."""
    for target, name, function in LISTENERS:
        if not event.contains(target, name, function):
            event.listen(target, name, function)


def listeners_installed() -> bool:
    """True when every firearm ORM event is attached."""
    return all(event.contains(target, name, fn) for target, name, fn in LISTENERS)
