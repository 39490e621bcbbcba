"""Into the graph: a confirmed listing becomes records linked to its phones, accounts and weapons.

The listing itself is an intelligence report (external_ref "capture-N", graded X4: an online ad
whose source cannot be assessed); each phone (E.164) and online account is found again by its
value among the records the reviewer may read, or created; each firearm or explosive offered is
a record of its own ("capture-N-w1", ...). Each is linked to the listing ("mentioned in"), and
the listing to the capture's case ("part of"). Every write goes through the records service
(restrict, validation, audit); every record and link says where it came from
(source_ref "capture:N"), so confirming twice finds them again instead of making new ones.
Ammunition, parts and calibres stay in the listing's text and the review (a lot needs a quantity
and a part its kind, which an ad rarely says).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.auth.models import AccessGrant
from armsbridge.auth.permissions import record_types_for, restrict, role_allows
from armsbridge.auth.principal import Principal
from armsbridge.monitoring.models import Capture
from armsbridge.records import service as records
from armsbridge.records.models import OnlineAccount, Phone

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


def _provenance(row: Capture) -> dict[str, Any]:
    return {"source_ref": f"capture:{row.id}", "handling_code": row.handling_code}


def _create(
    session: Session, user: Principal, row: Capture, record_type: str, data: dict[str, Any]
) -> Any:
    """Create a record through the records service; under H2/H3 its reviewer keeps sight of it
    (as a capturer does of a capture), so the links and a second review find it."""
    record = records.create_record(session, record_type=record_type, data=data, user=user)
    if row.handling_code in ("H2", "H3"):
        session.add(
            AccessGrant(
                record_type=record_type,
                record_id=record.id,
                user_id=user.id,
                granted_by=user.username,
                reason=f"made from capture {row.id} reviewed by this account",
            )
        )
        session.flush()
    return record


def _listing(session: Session, user: Principal, row: Capture, label: str) -> tuple[Any, bool]:
    ref = f"capture-{row.id}"
    found = records.find_by_ref(
        session, record_type="intel_report", jurisdiction=user.jurisdiction, external_ref=ref
    )
    if found is not None:
        return found, False
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


def _visible(session: Session, user: Principal, stmt: Any) -> Any:
    return session.scalar(restrict(stmt.order_by("id"), user, "record.read").limit(1))


def _phone(session: Session, user: Principal, row: Capture, e164: str) -> tuple[Any, bool]:
    stmt = select(Phone).where(Phone.e164 == e164, Phone.jurisdiction == user.jurisdiction)
    found = _visible(session, user, stmt)
    if found is not None:
        return found, False
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
    data = {"platform": platform, "handle": handle, **_provenance(row)}
    if platform == "telegram":
        data["url"] = f"https://t.me/{handle}"
    return _create(session, user, row, "online_account", data), True


def _weapon(
    session: Session, user: Principal, row: Capture, weapon: dict[str, Any], number: int
) -> tuple[str, Any, bool] | None:
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
    ref = f"capture-{row.id}-w{number}"
    found = records.find_by_ref(
        session, record_type=record_type, jurisdiction=user.jurisdiction, external_ref=ref
    )
    if found is not None:
        return record_type, found, False
    values = {k: v for k, v in data.items() if v}
    values.update(external_ref=ref, **_provenance(row))
    made = _create(session, user, row, record_type, values)
    return record_type, made, True


def into_graph(
    session: Session, *, user: Principal, row: Capture, review: dict[str, Any]
) -> dict[str, Any]:
    """Create or find the records of a confirmed listing and link them; return what was done.

    The result names each record (type, id, value, created or reused); `skipped` says why nothing
    was written (the reviewer's role may not create records: an analyst confirms it again).
    """
    out: dict[str, Any] = {"records": [], "created": 0, "reused": 0, "links": 0, "skipped": None}
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
    for number, weapon in enumerate(extractions.get("weapons", []), start=1):
        found = _weapon(session, user, row, weapon, number)
        if found is not None:
            ends.append((found[0], found[1], found[2], describe_weapon(weapon)))
    source_ref = f"capture:{row.id}"
    for record_type, record, _, _ in ends[1:]:
        records.link_records(
            session,
            kind="mentioned_in",
            from_type=record_type,
            from_id=record.id,
            to_type="intel_report",
            to_id=listing.id,
            user=user,
            source_ref=source_ref,
        )
        out["links"] += 1
    if row.case_id is not None:
        records.link_records(
            session,
            kind="part_of",
            from_type="intel_report",
            from_id=listing.id,
            to_type="case",
            to_id=row.case_id,
            user=user,
            source_ref=source_ref,
        )
        out["links"] += 1
    for record_type, record, created, value in ends:
        out["records"].append(
            {"type": record_type, "id": record.id, "value": value, "created": created}
        )
        out["created" if created else "reused"] += 1
    return out


def describe_weapon(weapon: dict[str, Any]) -> str:
    """Return a weapon extraction as text ('pistol Tokarev TT-33')."""
    return " ".join(str(weapon[k]) for k in ("kind", "make", "model") if weapon.get(k))
