"""Into the graph: a confirmed listing becomes records linked to its phones, accounts and weapons.

The listing itself is an intelligence report (external_ref "capture-N", graded X4: an online ad
whose source cannot be assessed); each phone (E.164) and online account is found again by its
value among the records the reviewer may read, or created; each firearm or explosive offered is
a record of its own ("capture-N-w1", ...). Each is linked to the listing ("mentioned in"), and
the listing to the capture's case ("part of"). Every write goes through the records service
(restrict, validation, audit); every record and link says where it came from
(source_ref "capture:N"), so confirming twice finds them again instead of making new ones.
Reviewing again with fewer extractions, or as "other", takes back what the earlier review made
and this one no longer names: its links, and the records it created that nothing else links to
and nobody has changed since. A colleague who reviews an H2/H3 capture again is granted sight of
the records made from it (they read the capture those records came from), audited as any grant.
Ammunition, parts and calibres stay in the listing's text and the review (a lot needs a quantity
and a part its kind, which an ad rarely says).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.grants import grant_record
from armsbridge.auth.models import AccessGrant
from armsbridge.auth.permissions import record_types_for, restrict, role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, PermissionDenied
from armsbridge.monitoring.models import Capture
from armsbridge.records import service as records
from armsbridge.records.models import Explosive, Firearm, IntelReport, Link, OnlineAccount, Phone

NEEDED = ("intel_report", "phone", "online_account", "firearm", "explosive", "link")
FIREARM_KINDS = {
    "pistol": "pistol",
    "revolver": "revolver",
    "rifle": "rifle",
    "assault_rifle": "rifle",
    "shotgun": "shotgun",
    "submachine_gun": "submachine_gun",
    "launcher": "launcher",
    "alarm_pistol": "other",  # an alarm pistol offered may be converted: kept, kind unknown
}
EXPLOSIVE_KINDS = {"grenade": "hand_grenade", "explosive": "military_explosive"}
PLATFORMS = {
    "t.me": "telegram",
    "telegram.me": "telegram",
    "instagram.com": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "tiktok.com": "tiktok",
}
LISTING_TEXT = 4000


def may_write(user: Principal) -> bool:
    """True when `user` may create the records a listing becomes (role and record types)."""
    if not role_allows(user.role, "record.create"):
        return False
    allowed = set(record_types_for(user.role, "write"))
    return all(t in allowed for t in NEEDED)


def platform_of(row: Capture, handle: str) -> str:
    """Return the platform of a handle from the link it was read in (t.me/... is telegram)."""
    spans = (row.details.get("triage") or {}).get("spans", [])
    for span in spans:
        if span["field"] == "handles" and span["value"] == handle:
            text = span["text"].lower()
            for site, platform in PLATFORMS.items():
                if site in text:
                    return platform
    if row.url:
        for site, platform in PLATFORMS.items():
            if site in row.url.lower():
                return platform
    return "other"


def _source(row: Capture) -> str:
    return f"capture:{row.id}"


def _provenance(row: Capture) -> dict[str, Any]:
    return {"source_ref": _source(row), "handling_code": row.handling_code}


def _visible(session: Session, user: Principal, stmt: Any) -> Any:
    return session.scalar(restrict(stmt.order_by("id"), user, "record.read").limit(1))


def _in_sight(
    session: Session, user: Principal, row: Capture, record_type: str, record: Any
) -> Any:
    """Return `record`, first granting `user` sight of it when it was made from `row` under
    H2/H3 and the grant is missing (a reviewer reads the capture the record came from)."""
    model = type(record)
    if _visible(session, user, select(model).where(model.id == record.id)) is not None:
        return record
    if record.source_ref != _source(row) or record.handling_code not in ("H2", "H3"):
        return record  # not ours to open up: linking it says not found, as for any record
    granted = select(AccessGrant.id).where(
        AccessGrant.record_type == record_type,
        AccessGrant.record_id == record.id,
        AccessGrant.user_id == user.id,
    )
    if session.scalar(granted) is None:
        grant_record(
            session,
            record_type=record_type,
            record_id=record.id,
            username=user.username,
            reason=f"made from capture {row.id}, which this account reviews",
            actor=user.username,
        )
    return record


def _create(
    session: Session, user: Principal, row: Capture, record_type: str, data: dict[str, Any]
) -> Any:
    """Create a record through the records service; under H2/H3 its reviewer keeps sight of it
    (as a capturer does of a capture), so the links and a second review find it."""
    record = records.create_record(session, record_type=record_type, data=data, user=user)
    return _in_sight(session, user, row, record_type, record)


def _made_here(session: Session, user: Principal, row: Capture, model: type, *where: Any) -> Any:
    """Return the first record of `model` made from `row` in the user's service, or None."""
    stmt = select(model).where(
        model.jurisdiction == user.jurisdiction, model.source_ref == _source(row), *where
    )
    return session.scalar(stmt.order_by(model.id).limit(1))


def _listing(session: Session, user: Principal, row: Capture, label: str) -> tuple[Any, bool]:
    ref = f"capture-{row.id}"
    found = records.find_by_ref(
        session, record_type="intel_report", jurisdiction=user.jurisdiction, external_ref=ref
    )
    if found is not None:
        return _in_sight(session, user, row, "intel_report", found), False
    head = row.title or row.url or row.source_name or ""
    text = f"[{label}] {head}\n{row.text or ''}".strip()[:LISTING_TEXT]
    data = {
        "external_ref": ref,
        "text": text,
        "source_grade": "X",
        "information_grade": "4",
        "reported_on": row.captured_at.date().isoformat(),
        **_provenance(row),
    }
    return _create(session, user, row, "intel_report", data), True


def _phone(session: Session, user: Principal, row: Capture, e164: str) -> tuple[Any, bool]:
    stmt = select(Phone).where(Phone.e164 == e164, Phone.jurisdiction == user.jurisdiction)
    found = _visible(session, user, stmt)
    if found is not None:
        return found, False
    made = _made_here(session, user, row, Phone, Phone.e164 == e164)
    if made is not None:
        return _in_sight(session, user, row, "phone", made), False
    data = {"number_raw": e164, **_provenance(row)}
    return _create(session, user, row, "phone", data), True


def _account(session: Session, user: Principal, row: Capture, handle: str) -> tuple[Any, bool]:
    platform = platform_of(row, handle)
    stmt = select(OnlineAccount).where(
        func.lower(OnlineAccount.handle) == handle, OnlineAccount.jurisdiction == user.jurisdiction
    )
    found = _visible(session, user, stmt)
    if found is not None:
        return found, False
    made = _made_here(session, user, row, OnlineAccount, func.lower(OnlineAccount.handle) == handle)
    if made is not None:
        return _in_sight(session, user, row, "online_account", made), False
    data = {"platform": platform, "handle": handle, **_provenance(row)}
    if platform == "telegram":
        data["url"] = f"https://t.me/{handle}"
    return _create(session, user, row, "online_account", data), True


WEAPON_MODELS: dict[str, Any] = {"firearm": Firearm, "explosive": Explosive}
MADE_MODELS: dict[str, Any] = {
    "intel_report": IntelReport,
    "phone": Phone,
    "online_account": OnlineAccount,
    **WEAPON_MODELS,
}


def _weapon(
    session: Session, user: Principal, row: Capture, weapon: dict[str, Any], taken: set[int]
) -> tuple[str, Any, bool] | None:
    """Find the record made from `row` for this weapon (same kind, make and model, not yet
    `taken` by another weapon of the review), or create it as "capture-N-wK"."""
    kind = weapon.get("kind")
    if kind in FIREARM_KINDS:
        record_type = "firearm"
        data = {
            "kind": FIREARM_KINDS[kind],
            "make": weapon.get("make"),
            "model": weapon.get("model"),
        }
    elif kind in EXPLOSIVE_KINDS:
        record_type = "explosive"
        data = {"kind": EXPLOSIVE_KINDS[kind], "model": weapon.get("model")}
    else:
        return None
    model = WEAPON_MODELS[record_type]
    same = [
        getattr(model, k).is_(None) if v is None else getattr(model, k) == v
        for k, v in data.items()
    ]
    if taken:
        same.append(model.id.not_in(taken))
    found = _made_here(session, user, row, model, *same)
    if found is not None:
        taken.add(found.id)
        return record_type, _in_sight(session, user, row, record_type, found), False
    number = 1
    while records.find_by_ref(
        session,
        record_type=record_type,
        jurisdiction=user.jurisdiction,
        external_ref=f"capture-{row.id}-w{number}",
    ):
        number += 1
    values = {k: v for k, v in data.items() if v}
    values.update(external_ref=f"capture-{row.id}-w{number}", **_provenance(row))
    made = _create(session, user, row, record_type, values)
    taken.add(made.id)
    return record_type, made, True


def into_graph(
    session: Session, *, user: Principal, row: Capture, review: dict[str, Any]
) -> dict[str, Any]:
    """Create or find the records of a confirmed listing and link them; return what was done.

    The result names each record (type, id, value, created or reused) and what an earlier review
    made that this one takes back (`removed`); `skipped` says why nothing was written (the
    reviewer's role may not create records: an analyst confirms it again).
    """
    out: dict[str, Any] = {
        "records": [],
        "created": 0,
        "reused": 0,
        "links": 0,
        "removed": [],
        "skipped": None,
    }
    if not may_write(user):
        out["skipped"] = "role"
        return out
    listing, made = _listing(session, user, row, review["label"])
    out["listing"] = listing.id
    ends: list[tuple[str, Any, bool, str]] = [("intel_report", listing, made, f"capture {row.id}")]
    extractions = review["extractions"]
    for e164 in extractions.get("phones", []):
        ends.append(("phone", *_phone(session, user, row, e164), e164))
    for handle in extractions.get("handles", []):
        ends.append(("online_account", *_account(session, user, row, handle), handle))
    taken: set[int] = set()
    for weapon in extractions.get("weapons", []):
        found = _weapon(session, user, row, weapon, taken)
        if found is not None:
            ends.append((found[0], found[1], found[2], describe_weapon(weapon)))
    source_ref = _source(row)
    links: set[int] = set()
    for record_type, record, _, _ in ends[1:]:
        link = records.link_records(
            session,
            kind="mentioned_in",
            from_type=record_type,
            from_id=record.id,
            to_type="intel_report",
            to_id=listing.id,
            user=user,
            source_ref=source_ref,
        )
        links.add(link.id)
    if row.case_id is not None:
        link = records.link_records(
            session,
            kind="part_of",
            from_type="intel_report",
            from_id=listing.id,
            to_type="case",
            to_id=row.case_id,
            user=user,
            source_ref=source_ref,
        )
        links.add(link.id)
    out["links"] = len(links)
    for record_type, record, created, value in ends:
        out["records"].append(
            {"type": record_type, "id": record.id, "value": value, "created": created}
        )
        out["created" if created else "reused"] += 1
    kept = {(record_type, record.id) for record_type, record, _, _ in ends}
    out["removed"] = take_back(session, user=user, row=row, links=links, kept=kept)
    return out


def take_back(
    session: Session,
    *,
    user: Principal,
    row: Capture,
    links: set[int] | None = None,
    kept: set[tuple[str, int]] | None = None,
) -> list[dict[str, Any]]:
    """Erase what earlier reviews of `row` made that this one no longer names; return it.

    Its links go (all but `links`); a record it created goes when it is not in `kept`, nothing
    else links to it and nobody has changed it since. A record the user may not change stays.
    Called with nothing kept when a listing is reviewed again as "other".
    """
    if not may_write(user):
        return []
    links, kept = links or set(), kept or set()
    why = f"no longer named by the review of capture {row.id}"
    made: list[tuple[str, int]] = []
    for record_type, model in MADE_MODELS.items():
        for record in session.scalars(
            select(model)
            .where(model.jurisdiction == user.jurisdiction, model.source_ref == _source(row))
            .order_by(model.id)
        ).all():
            # A colleague reviewing again sees what the capture became, so its links can go.
            _in_sight(session, user, row, record_type, record)
            made.append((record_type, record.id))
    removed: list[dict[str, Any]] = []
    stale = select(Link.id).where(
        Link.jurisdiction == user.jurisdiction, Link.source_ref == _source(row)
    )
    for link_id in session.scalars(stale.order_by(Link.id)).all():
        if link_id not in links and _erase(session, user, "link", link_id, why):
            removed.append({"type": "link", "id": link_id})
    for record_type, record_id in made:
        if (record_type, record_id) in kept or _in_use(session, record_type, record_id):
            continue
        if _erase(session, user, record_type, record_id, why):
            removed.append({"type": record_type, "id": record_id})
    return removed


def _in_use(session: Session, record_type: str, record_id: int) -> bool:
    """True when a link touches the record or someone has changed it since it was made."""
    linked = exists().where(
        or_(
            and_(Link.from_type == record_type, Link.from_id == record_id),
            and_(Link.to_type == record_type, Link.to_id == record_id),
        )
    )
    changed = exists().where(
        AuditEntry.record_type == record_type,
        AuditEntry.record_id == record_id,
        AuditEntry.action == "change",
    )
    return bool(session.scalar(select(or_(linked, changed))))


def _erase(session: Session, user: Principal, record_type: str, record_id: int, why: str) -> bool:
    try:
        records.delete_record(
            session, record_type=record_type, record_id=record_id, user=user, why=why
        )
    except (NotFound, PermissionDenied):
        return False
    return True


def describe_weapon(weapon: dict[str, Any]) -> str:
    """Return a weapon extraction as text ('pistol Tokarev TT-33')."""
    return " ".join(str(weapon[k]) for k in ("kind", "make", "model") if weapon.get(k))
