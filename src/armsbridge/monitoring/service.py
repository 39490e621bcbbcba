"""Online evidence: capture a URL or import a file as a signed WACZ, read, verify and export it.

Every act on a capture is a chain-of-custody entry in the hash-chained audit log (record type
"capture", `details.custody`: captured, imported, viewed, verified, downloaded, transferred),
written in the same transaction as the act. Rows are read through restrict() only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.models import AccessGrant
from armsbridge.auth.permissions import restrict, role_allows, role_label
from armsbridge.auth.principal import Principal
from armsbridge.db import keys
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.i18n_marker import N_, Label, Phrase
from armsbridge.monitoring import capture as browser
from armsbridge.monitoring import custody, evidence
from armsbridge.monitoring.capture import PageCapture
from armsbridge.monitoring.files import FileEvidence
from armsbridge.monitoring.models import Capture
from armsbridge.monitoring.triage import triage_text
from armsbridge.monitoring.verify import Report, verify_wacz
from armsbridge.records.models import Case
from armsbridge.settings import Settings

HANDLING_CODES = ("H0", "H1", "H2", "H3")
MIN_WHY = 3


VERBS = {
    "capture.create": N_("capture or import evidence"),
    "capture.read": N_("see captures"),
    "capture.review": N_("review captures"),
}


def check_may(user: Principal, action: str) -> None:
    """Refuse `user` unless their role allows the capture action (read, create, review)."""
    if not role_allows(user.role, action):
        verb = VERBS.get(action, N_("see captures"))
        raise PermissionDenied(
            N_("the account %(user)r (role %(role)s) may not %(verb)s (%(action)s)"),
            values={
                "user": user.username,
                "role": Label(role_label(user.role)),
                "verb": Label(verb),
                "action": action,
            },
        )


def check_target(
    session: Session, *, user: Principal, handling_code: str, case_id: int | None
) -> None:
    """Refuse a handling code not in H0..H3, or a case the user cannot read."""
    if handling_code not in HANDLING_CODES:
        raise ValidationFailed(
            N_("handling code: %(code)r is not a handling code"),
            [{"field": "handling_code", "value": handling_code, "expected": "H0, H1, H2, H3"}],
            values={"code": handling_code},
        )
    if case_id is None:
        return
    found = session.scalar(
        restrict(select(Case.id).where(Case.id == case_id), user, "record.read", model=Case)
    )
    if found is None:
        raise ValidationFailed(
            N_("case: no case %(case)s that you may read"),
            [
                {
                    "field": "case",
                    "value": str(case_id),
                    "expected": N_("the id of a case you may read"),
                }
            ],
            values={"case": case_id},
        )


def _store(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    built: evidence.Built,
    kind: str,
    url: str | None,
    source_name: str | None,
    title: str,
    text: str,
    handling_code: str,
    case_id: int | None,
    details: dict[str, Any],
    event: str,
) -> Capture:
    folder = keys.secure_dir(Path(settings.var_dir) / "evidence")
    relative = f"evidence/{built.sha256}.wacz"
    path = Path(settings.var_dir) / relative
    tmp = folder / f".{built.sha256}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, keys.FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(built.wacz)
    tmp.replace(path)
    keys.secure_file(path)
    row = Capture(
        kind=kind,
        url=url,
        source_name=source_name,
        title=title[:500] or None,
        text=text,
        captured_at=built.created,
        captured_by=user.username,
        jurisdiction=user.jurisdiction,
        handling_code=handling_code,
        case_id=case_id,
        sha256=built.sha256,
        size=len(built.wacz),
        path=relative,
        public_key=built.public_key,
        records=built.records,
        details={
            **details,
            "key_fingerprint": evidence.fingerprint(built.public_key),
            "triage": triage_text(text or ""),
        },
    )
    session.add(row)
    session.flush()
    if handling_code in ("H2", "H3"):  # the capturer keeps sight of what they captured
        session.add(
            AccessGrant(
                record_type="capture",
                record_id=row.id,
                user_id=user.id,
                granted_by=user.username,
                reason="captured by this account",
            )
        )
    custody.record(session, user=user, row=row, what=event, action="create", sha=built.sha256)
    return row


def store_page(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    page: PageCapture,
    handling_code: str = "H0",
    case_id: int | None = None,
) -> Capture:
    """Package a browser capture as signed WACZ, store it and log it (custody: captured)."""
    check_may(user, "capture.create")
    check_target(session, user=user, handling_code=handling_code, case_id=case_id)
    meta = _who(settings, user, handling_code, case_id)
    built = evidence.from_page(page, meta)
    details: dict[str, Any] = {"final_url": page.final_url, "proxy": page.proxy}
    details.update(user_agent=page.user_agent, responses=len(page.exchanges))
    return _store(
        session,
        settings=settings,
        user=user,
        built=built,
        kind="web",
        url=page.url,
        source_name=None,
        title=page.title,
        text=page.text,
        handling_code=handling_code,
        case_id=case_id,
        details=details,
        event="captured",
    )


def capture_url(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    url: str,
    proxy: str | None = None,
    handling_code: str = "H0",
    case_id: int | None = None,
) -> Capture:
    """Capture `url` in the node's browser (its proxy unless one is given) and store it."""
    check_may(user, "capture.create")
    check_target(session, user=user, handling_code=handling_code, case_id=case_id)
    page = browser.capture_page(
        url,
        proxy=proxy if proxy is not None else settings.capture_proxy,
        timeout_seconds=settings.capture_timeout_seconds,
        max_bytes=settings.capture_max_bytes,
        chromium=settings.capture_chromium,
    )
    return store_page(
        session,
        settings=settings,
        user=user,
        page=page,
        handling_code=handling_code,
        case_id=case_id,
    )


def store_file(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    name: str,
    data: bytes,
    found: FileEvidence,
    handling_code: str = "H0",
    case_id: int | None = None,
) -> Capture:
    """Keep an imported file byte for byte in a signed WACZ, store it and log it (imported)."""
    check_may(user, "capture.create")
    check_target(session, user=user, handling_code=handling_code, case_id=case_id)
    if len(data) > settings.capture_import_max_bytes:
        raise ValidationFailed(
            N_(
                "%(name)s: %(size)s bytes is over the limit of %(limit)s bytes "
                "(setting ARMSBRIDGE_CAPTURE_IMPORT_MAX_BYTES)"
            ),
            [
                {
                    "field": "file",
                    "value": name,
                    "expected": Phrase(
                        N_("at most %(limit)s bytes"),
                        {"limit": settings.capture_import_max_bytes},
                    ),
                }
            ],
            values={"name": name, "size": len(data), "limit": settings.capture_import_max_bytes},
        )
    built = evidence.from_file(name, data, found, _who(settings, user, handling_code, case_id))
    details = {"original_sha256": built.original_sha256, "original_bytes": len(data)}
    return _store(
        session,
        settings=settings,
        user=user,
        built=built,
        kind=found.kind,
        url=None,
        source_name=Path(name).name[:255],
        title=found.title,
        text=found.text,
        handling_code=handling_code,
        case_id=case_id,
        details=details,
        event="imported",
    )


def _who(settings: Settings, user: Principal, code: str, case_id: int | None) -> dict[str, Any]:
    return {
        "captured_by": user.username,
        "captured_by_role": user.role,
        "jurisdiction": user.jurisdiction,
        "node": settings.node_name,
        "handling_code": code,
        "case_id": case_id,
        "os_user": user.os_user,
    }


def visible(user: Principal) -> Any:
    """Return the statement of the captures `user` may see, newest first."""
    stmt = select(Capture).order_by(Capture.captured_at.desc(), Capture.id.desc())
    return restrict(stmt, user, "capture.read")


def list_captures(session: Session, *, user: Principal, limit: int = 200) -> list[Capture]:
    """Return the captures `user` may see, newest first (the list itself is logged)."""
    check_may(user, "capture.read")
    rows = list(session.scalars(visible(user).limit(limit)))
    log_access(
        session, user=user, action="consult", details={"list": "captures", "shown": len(rows)}
    )
    return rows


def get_capture(session: Session, *, user: Principal, capture_id: int) -> Capture:
    """Return one capture `user` may see (NotFound otherwise); nothing is logged."""
    check_may(user, "capture.read")
    row = session.scalar(visible(user).where(Capture.id == capture_id))
    if row is None:
        raise NotFound(
            N_("capture %(capture)s does not exist or you may not see it"),
            values={"capture": capture_id},
        )
    return row


def view_capture(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    capture_id: int,
    why: str | None = None,
) -> tuple[Capture, Report]:
    """Return a capture and its verification now; log the view (custody: viewed)."""
    row = get_capture(session, user=user, capture_id=capture_id)
    report = verify_file(wacz_bytes(settings, row), row=row)
    extra = {"ok": report.ok, "findings": len(report.findings)}
    custody.record(
        session, user=user, row=row, what="viewed", action="consult", why=why, extra=extra
    )
    return row, report


def image_record(row: Capture) -> dict[str, Any] | None:
    """Return the WARC record of the capture's screenshot or imported image, if it has one."""
    for rec in row.records:
        if rec["type"] == "resource" and str(rec.get("content_type", "")).startswith("image/"):
            return rec
    return None


def read_image(
    session: Session, *, settings: Settings, user: Principal, capture_id: int
) -> tuple[str, bytes]:
    """Return (media type, bytes) of a capture's image; log it (custody: viewed, screenshot)."""
    row = get_capture(session, user=user, capture_id=capture_id)
    rec = image_record(row)
    if rec is None:
        raise NotFound(
            N_("capture %(capture)s has no screenshot or image"), values={"capture": capture_id}
        )
    data = evidence.read_resource(wacz_bytes(settings, row), rec)
    custody.record(
        session, user=user, row=row, what="viewed", action="consult", extra={"part": "image"}
    )
    return str(rec["content_type"]), data


def wacz_bytes(settings: Settings, row: Capture) -> bytes:
    """Return the stored WACZ of a capture (NotFound when the file is gone)."""
    path = Path(settings.var_dir) / row.path
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NotFound(
            N_("capture %(capture)s: its evidence file %(path)s is missing"),
            values={"capture": row.id, "path": str(path)},
        ) from exc


def verify_capture(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    capture_id: int,
    public_key: str | None = None,
) -> Report:
    """Verify a stored capture against its row and the node's key; log it (custody: verified)."""
    row = get_capture(session, user=user, capture_id=capture_id)
    report = verify_file(wacz_bytes(settings, row), public_key=public_key, row=row)
    custody.record(
        session,
        user=user,
        row=row,
        what="verified",
        action="consult",
        extra={"ok": report.ok, "findings": len(report.findings)},
    )
    return report


def verify_file(
    data: bytes, *, public_key: str | None = None, row: Capture | None = None
) -> Report:
    """Verify WACZ bytes against a given key (else the node's) and, if known, its stored row."""
    trusted = [public_key] if public_key else [evidence.node_public_key()]
    report = verify_wacz(
        data,
        trusted_keys=trusted,
        expected_sha256=row.sha256 if row is not None else None,
        expected_records=row.records if row is not None else None,
    )
    if row is not None and row.public_key not in trusted:
        report.add(
            "capture row",
            "public key stored differs from the trusted key",
            trusted[0],
            row.public_key,
        )
    return report


def export_capture(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    capture_id: int,
    why: str | None = None,
    recipient: str | None = None,
) -> tuple[str, bytes]:
    """Return (file name, WACZ bytes) of a capture after checking its hash; log the export.

    With a recipient (a prosecutor, a court) it is a transfer: a `disclose` entry naming them.
    """
    row = get_capture(session, user=user, capture_id=capture_id)
    text = (why or "").strip()
    if recipient and len(text) < MIN_WHY:
        raise ValidationFailed(
            "why: a transfer of evidence needs its reason (the case, the court's request)",
            [{"field": "why", "value": text, "expected": "a reason of at least 3 characters"}],
        )
    data = wacz_bytes(settings, row)
    found = evidence.sha256_hex(data)
    if found != row.sha256:
        raise ValidationFailed(
            N_("capture %(capture)s: its file no longer matches the SHA-256 stored; run verify"),
            [{"field": "file", "value": found, "expected": row.sha256}],
        )
    what, action = ("transferred", "disclose") if recipient else ("downloaded", "export")
    custody.record(
        session, user=user, row=row, what=what, action=action, why=text or None, recipient=recipient
    )
    return f"capture-{row.id}-{row.sha256[:12]}.wacz", data


def custody_log(session: Session, *, row: Capture) -> list[dict[str, Any]]:
    """Return the chain-of-custody entries of a capture, oldest first: who, when, what, why."""
    return custody.entries(session, row=row)
