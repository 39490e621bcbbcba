"""What a node puts in its hit/no-hit set: match keys per kind, and a refresh that follows records.

Key formats (the text that is hashed into a PSI item; the same on every node):

    serial:<folded serial>               every fully read serial of >= MIN_ITEM_SERIAL characters
    serial:<make key>:<folded serial>    when the make is known (serials collide across makes)
    plate:<folded plate>   vin:<VIN>   phone:<E.164>   handle:<lower-case handle, no @ or URL>
    document:<NUMBER>   document:<kind>:<NUMBER>
    person:<name key>:<YYYY-MM-DD>       when the full birth date is known
    person:<name key>:<YYYY>             when the birth year is known

Names use the script-independent, order-independent key of `names/` (Xhafer Bajrami and
Џафер Бајрами share one), serials and plates fold look-alike and misread characters the way
the rest of the product compares them (firearms/serials.py, matching/prepare.py).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from armsbridge.db.keys import node_settings, read_key
from armsbridge.db.rows import insert_rows
from armsbridge.errors import ValidationFailed
from armsbridge.exchange.hit_models import HitKey, HitState
from armsbridge.exchange.psi import current_epoch, item_digest, seal_digests
from armsbridge.firearms.serial_search import parse_pattern
from armsbridge.i18n_marker import N_, Phrase
from armsbridge.matching.prepare import (
    MIN_ITEM_SERIAL,
    make_key,
    plate_key,
    serial_pattern,
    vin_key,
)
from armsbridge.names.keys import person_name_key
from armsbridge.records.identifiers import normalise_phone
from armsbridge.records.models import (
    Firearm,
    IdentityDocument,
    OnlineAccount,
    Person,
    Phone,
    Provenance,
    Vehicle,
)
from armsbridge.settings import Settings

HIT_REF_KEY = "hitref.key"  # keys the opaque references, so a reference never reveals an id
MIN_MADE_SERIAL = 3  # with its make, a short serial still points at few guns
# A transaction that commits after a refresh began carries an older updated_at: each refresh
# reads from a little before the previous one began.
OVERLAP = timedelta(minutes=2)
KINDS = ("serial", "plate", "vin", "phone", "document", "person", "handle")
# The characters a folded serial can hold: O, I, L, S, B, Z read as 0, 1, 1, 5, 8, 2.
SERIAL_ALPHABET = "".join(ch for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if ch not in "OILSBZ")
_DATE = re.compile(r"^(?:(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})(?:-(\d{2})-(\d{2}))?)$")


# --- keys of one value --------------------------------------------------------------------------


def serial_keys(serial: str | None, make: str | None = None) -> list[str]:
    """Return the keys of a fully read serial: serial-only, and with the make when known."""
    key = serial_pattern(serial)
    if not key or "?" in key:
        return []
    out = [f"serial:{key}"] if len(key) >= MIN_ITEM_SERIAL else []
    made = make_key(make) if make else ""
    if made and len(key) >= MIN_MADE_SERIAL:
        out.append(f"serial:{made}:{key}")
    return out


def plate_keys(plate: str | None) -> list[str]:
    """Return the key of a plate (look-alike Cyrillic as Latin, misread characters folded)."""
    key = plate_key(plate)
    return [f"plate:{key}"] if key else []


def vin_keys(vin: str | None) -> list[str]:
    """Return the key of a VIN (I, O, Q read as the digits a VIN holds instead)."""
    key = vin_key(vin)
    return [f"vin:{key}"] if len(key) >= 11 else []


def phone_keys(number: str | None, jurisdiction: str | None = None) -> list[str]:
    """Return the key of a phone number in E.164 (national numbers take the jurisdiction's code)."""
    if not number:
        return []
    e164, _ = normalise_phone(number, jurisdiction=jurisdiction)
    return [f"phone:{e164}"] if e164 else []


def handle_keys(handle: str | None) -> list[str]:
    """Return the key of an online handle: lower case, without @ or the link before it."""
    text = (handle or "").strip().rstrip("/").rsplit("/", 1)[-1].lstrip("@").lower()
    return [f"handle:{text}"] if len(text) >= 2 else []


def document_keys(number: str | None, kind: str | None = None) -> list[str]:
    """Return the keys of an identity document: number alone, and with its kind when known."""
    key = re.sub(r"[^0-9A-Z]", "", serial_pattern(number).replace("?", ""))
    if not key or (number and "?" in serial_pattern(number)):
        return []
    out = [f"document:{key}"]
    if kind:
        out.append(f"document:{kind.strip().lower()}:{key}")
    return out


def birth_parts(text: str | None) -> tuple[str | None, str | None]:
    """Return (YYYY-MM-DD or None, YYYY or None) of a partial or dd.mm.yyyy birth date."""
    value = (text or "").strip()
    if not value:
        return None, None
    match = _DATE.match(value) or re.match(r"^(\d{4})-(\d{2})$", value)
    if match is None:
        raise ValidationFailed(
            N_("birth date %(value)r is not a date: write dd.mm.yyyy, yyyy-mm-dd or yyyy"),
            [{"field": "birth_date", "value": value, "expected": "dd.mm.yyyy, yyyy-mm-dd, yyyy"}],
            values={"value": value},
        )
    groups = match.groups()
    if len(groups) == 2:  # yyyy-mm: only the year is a key
        return None, groups[0]
    day, month, year, year2, month2, day2 = groups
    if year:
        return f"{year}-{int(month):02d}-{int(day):02d}", year
    return (f"{year2}-{month2}-{day2}" if month2 else None), year2


def person_keys(name_key: str | None, birth_date: str | None) -> list[str]:
    """Return a person's keys: name key with the birth date, and with the birth year."""
    if not name_key:
        return []
    full, year = birth_parts(birth_date)
    out = [f"person:{name_key}:{full}"] if full else []
    if year:
        out.append(f"person:{name_key}:{year}")
    return out


# --- what an asker queries ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueryItem:
    """One key an asker sends, and what it came from (the value the user typed)."""

    kind: str
    value: str
    key: str


def partial_serial_keys(pattern: str, make: str | None, limit: int) -> list[str]:
    """Return the keys of every completion of a serial with `?` at unread positions."""
    parsed = parse_pattern(pattern)
    if "*" in parsed.folded:
        raise ValidationFailed(
            N_(
                "serial %(pattern)r: '*' (any run) cannot be asked of a peer; write one '?' "
                "per unread character"
            ),
            [{"field": "serial", "value": pattern, "expected": "letters/digits and '?'"}],
            values={"pattern": pattern},
        )
    holes = parsed.folded.count("?")
    count = len(SERIAL_ALPHABET) ** holes
    if count > limit:
        raise ValidationFailed(
            N_(
                "serial %(pattern)r has %(holes)s unread characters: %(count)s completions, "
                "more than the limit of %(limit)s (hit_partial_serial_max); read one more "
                "character"
            ),
            [
                {
                    "field": "serial",
                    "value": pattern,
                    "expected": Phrase(N_("at most %(count)s completions"), {"count": limit}),
                }
            ],
            values={"pattern": pattern, "holes": holes, "count": count, "limit": limit},
        )
    parts = parsed.folded.split("?")
    out: list[str] = []
    for fill in itertools.product(SERIAL_ALPHABET, repeat=holes):
        full = parts[0] + "".join(f + p for f, p in zip(fill, parts[1:], strict=True))
        out.extend(serial_keys(full, make))
    return out


def query_items(
    kind: str,
    value: str,
    *,
    make: str | None = None,
    document_kind: str | None = None,
    jurisdiction: str | None = None,
    settings: Settings | None = None,
) -> list[QueryItem]:
    """Return the keys to ask for one typed value (a person is 'names birth-date')."""
    limit = (settings or node_settings()).hit_partial_serial_max
    keys: list[str]
    if kind == "serial":
        has_hole = "?" in value or "*" in value
        keys = partial_serial_keys(value, make, limit) if has_hole else serial_keys(value, make)
    elif kind == "plate":
        keys = plate_keys(value)
    elif kind == "vin":
        keys = vin_keys(value)
    elif kind == "phone":
        keys = phone_keys(value, jurisdiction)
    elif kind == "document":
        keys = document_keys(value, document_kind)
    elif kind == "handle":
        keys = handle_keys(value)
    elif kind == "person":
        words = value.split()
        birth = words.pop() if words and re.search(r"\d", words[-1]) else None
        if not birth:
            raise ValidationFailed(
                N_(
                    "person %(value)r: add a birth date or year after the name (Xhafer Bajrami "
                    "14.03.1986, or Xhafer Bajrami 1986)"
                ),
                [{"field": "person", "value": value, "expected": "names then a birth date"}],
                values={"value": value},
            )
        keys = person_keys(person_name_key(" ".join(words), None), birth)
    else:
        raise ValidationFailed(
            N_("%(kind)r is not a kind of hit/no-hit item: use one of %(value)s"),
            [{"field": "type", "value": kind, "expected": ", ".join(KINDS)}],
            values={"kind": kind, "value": ", ".join(KINDS)},
        )
    if not keys:
        raise ValidationFailed(
            N_("%(kind)s %(value)r gives nothing to search for (too short or unreadable)"),
            [{"field": kind, "value": value, "expected": Phrase(N_("a %(kind)s"), {"kind": kind})}],
            values={"kind": kind, "value": value},
        )
    return [QueryItem(kind, value, key) for key in dict.fromkeys(keys)]


# --- the node's own set, kept current -----------------------------------------------------------


def opaque_ref(
    record_type: str, record_id: int, settings: Settings | None = None, *, key: bytes = b""
) -> str:
    """Return the reference a peer is given for a record: a keyed hash, not the database id."""
    key = key or read_key(settings or node_settings(), HIT_REF_KEY)
    mac = hashlib.blake2b(f"{record_type}:{record_id}".encode(), key=key, digest_size=10)
    return "h" + base64.b32encode(mac.digest()).decode("ascii").lower()


@dataclass(frozen=True)
class Source:
    """A record type whose keys join the set: its model, the columns read, the key function."""

    model: Any
    columns: tuple[str, ...]
    keys: Callable[[Any], list[str]]


def _person_keys(row: Any) -> list[str]:
    try:
        return person_keys(row.name_key, row.birth_date)
    except ValidationFailed:  # a stored birth date the writer accepted in another form
        return []


SOURCES: dict[str, Source] = {
    "firearm": Source(
        Firearm,
        ("serial_raw", "serial_normalised", "make"),
        lambda r: serial_keys(r.serial_raw or r.serial_normalised, r.make),
    ),
    "vehicle": Source(
        Vehicle,
        ("plate_raw", "plate_normalised", "vin"),
        lambda r: plate_keys(r.plate_raw or r.plate_normalised) + vin_keys(r.vin),
    ),
    "phone": Source(Phone, ("e164",), lambda r: [f"phone:{r.e164}"] if r.e164 else []),
    "person": Source(Person, ("name_key", "birth_date"), _person_keys),
    "online_account": Source(OnlineAccount, ("handle",), lambda r: handle_keys(r.handle)),
}


@dataclass
class RefreshReport:
    """What one refresh did: records looked at, keys added and removed."""

    records: int = 0
    added: int = 0
    removed: int = 0
    resealed: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def _state(session: Session, name: str) -> str | None:
    row = session.get(HitState, name)
    return row.value if row else None


def _set_state(session: Session, name: str, value: str) -> None:
    row = session.get(HitState, name)
    if row is None:
        session.add(HitState(name=name, value=value))
    else:
        row.value = value


def _documents(session: Session, person_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for chunk in _chunks(person_ids):
        stmt = select(
            IdentityDocument.person_id, IdentityDocument.number, IdentityDocument.kind
        ).where(IdentityDocument.person_id.in_(chunk))
        for pid, number, kind in session.execute(stmt):
            out.setdefault(pid, []).extend(document_keys(number, kind))
    return out


def _chunks(values: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _apply(
    session: Session,
    record_type: str,
    wanted: dict[int, list[str]],
    settings: Settings,
    report: RefreshReport,
) -> None:
    """Make the rows of these records hold exactly `wanted`; seal only the keys that are new."""
    ids = list(wanted)
    have: dict[tuple[int, str], int] = {}
    for chunk in _chunks(ids):
        stmt = select(HitKey.id, HitKey.record_id, HitKey.digest).where(
            HitKey.record_type == record_type, HitKey.record_id.in_(chunk)
        )
        have.update({(rid, dg): hid for hid, rid, dg in session.execute(stmt)})
    want: dict[tuple[int, str], str] = {}
    for rid, keys in wanted.items():
        for key in keys:
            want[(rid, item_digest(key))] = key.split(":", 1)[0]
    gone = [hid for pair, hid in have.items() if pair not in want]
    for chunk in _chunks(gone):
        session.execute(delete(HitKey).where(HitKey.id.in_(chunk)))
    new = [pair for pair in want if pair not in have]
    sealed = seal_digests(sorted({dg for _, dg in new}), settings)
    epoch, ref_key = current_epoch(settings), read_key(settings, HIT_REF_KEY)
    rows = [
        {
            "digest": dg,
            "kind": want[(rid, dg)],
            "record_type": record_type,
            "record_id": rid,
            "ref": opaque_ref(record_type, rid, key=ref_key),
            "enc": sealed[dg],
            "epoch": epoch,
        }
        for rid, dg in new
    ]
    insert_rows(session, HitKey.__table__, rows)
    report.added += len(rows)
    report.removed += len(gone)


def _own(model: Any, record_type: str, own: str) -> Any:
    """The node's own records: of its jurisdiction, and never one received from a peer."""
    received = select(Provenance.record_id).where(Provenance.record_type == record_type)
    return and_(model.jurisdiction == own, model.id.not_in(received))


def _sweep_erased(session: Session, record_type: str, model: Any, own: str) -> int:
    """Drop the keys of erased records; scan the set only when the count says one was erased."""
    mine = _own(model, record_type, own)
    count, top = session.execute(select(func.count(), func.max(model.id)).where(mine)).one()
    known = _state(session, f"count:{record_type}")
    _set_state(session, f"count:{record_type}", f"{top or 0}:{count}")
    if known is not None:
        before_top, before_count = (int(v) for v in known.split(":"))
        added = session.scalar(select(func.count()).where(mine, model.id > before_top)) or 0
        if count == before_count + added:  # ids only grow: a gap is what was erased
            return 0
    erased = delete(HitKey).where(
        HitKey.record_type == record_type, HitKey.record_id.not_in(select(model.id).where(mine))
    )
    return session.execute(erased).rowcount or 0  # type: ignore[attr-defined]


def _reseal(session: Session, settings: Settings, batch: int) -> int:
    """Seal again, as new rows, keys sealed under an earlier PSI key (after `psi.key` changed).

    New rows get new ids, so a peer that downloads the tags of the new epoch part-way through
    still receives the rest by its watermark.
    """
    epoch = current_epoch(settings)
    cols = (HitKey.id, HitKey.digest, HitKey.kind, HitKey.record_type, HitKey.record_id, HitKey.ref)
    old = session.execute(select(*cols).where(HitKey.epoch != epoch).limit(batch)).all()
    if not old:
        return 0
    sealed = seal_digests(sorted({r.digest for r in old}), settings)
    for chunk in _chunks([r.id for r in old]):
        session.execute(delete(HitKey).where(HitKey.id.in_(chunk)))
    rows = [
        {
            "digest": r.digest,
            "kind": r.kind,
            "record_type": r.record_type,
            "record_id": r.record_id,
            "ref": r.ref,
            "enc": sealed[r.digest],
            "epoch": epoch,
        }
        for r in old
    ]
    insert_rows(session, HitKey.__table__, rows)
    return len(rows)


def refresh_hitset(
    session: Session,
    *,
    jurisdiction: str | None = None,
    settings: Settings | None = None,
    batch: int = 20_000,
    now: datetime | None = None,
) -> RefreshReport:
    """Bring the set up to date with the node's own records changed since the last refresh.

    Reads records by `updated_at` (from a little before the last refresh began), persons whose
    documents were added, drops the keys of erased records and seals again up to `batch` keys
    of an earlier PSI key. `now` is when this refresh began (tests). Never commits.
    """
    settings = settings or node_settings()
    own = jurisdiction or settings.jurisdiction
    started = now or datetime.now(UTC)
    report = RefreshReport()
    for record_type, source in SOURCES.items():
        model = source.model
        mark_text = _state(session, f"updated:{record_type}")
        mark = datetime.fromisoformat(mark_text) - OVERLAP if mark_text else None
        cols = [model.id, model.updated_at, *(getattr(model, c) for c in source.columns)]
        stmt = select(*cols).where(_own(model, record_type, own))
        if mark is not None:
            stmt = stmt.where(model.updated_at >= mark)
        extra: set[int] = set()
        if record_type == "person":
            doc_mark = int(_state(session, "document:id") or 0)
            top = session.scalar(select(func.max(IdentityDocument.id))) or 0
            if mark is not None and top > doc_mark:
                found = select(IdentityDocument.person_id).where(IdentityDocument.id > doc_mark)
                extra = set(session.scalars(found))
            _set_state(session, "document:id", str(top))
        seen: set[int] = set()
        rows = list(session.execute(stmt.order_by(model.id)).all())
        for chunk in _chunks(sorted(extra - {r.id for r in rows})):
            more = select(*cols).where(_own(model, record_type, own), model.id.in_(chunk))
            rows.extend(session.execute(more).all())
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            wanted = {r.id: source.keys(r) for r in part}
            if record_type == "person":
                for pid, keys in _documents(session, list(wanted)).items():
                    wanted[pid] = wanted[pid] + keys
            _apply(session, record_type, wanted, settings, report)
            seen.update(wanted)
        _set_state(session, f"updated:{record_type}", started.isoformat())
        report.removed += _sweep_erased(session, record_type, model, own)
        report.records += len(seen)
        report.by_type[record_type] = len(seen)
    report.resealed = _reseal(session, settings, batch)
    session.flush()
    return report


def refresh_if_due(
    session: Session, *, settings: Settings | None = None, now: datetime | None = None
) -> RefreshReport | None:
    """Refresh the set when the last refresh is older than `hit_refresh_seconds`, else None."""
    settings = settings or node_settings()
    now = now or datetime.now(UTC)
    last = _state(session, "refreshed_at")
    every = timedelta(seconds=settings.hit_refresh_seconds)
    if last and now - datetime.fromisoformat(last) < every:
        return None
    report = refresh_hitset(session, settings=settings)
    _set_state(session, "refreshed_at", now.isoformat())
    return report
