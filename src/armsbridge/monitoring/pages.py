"""Pages of online evidence: the captures list with a capture form, one capture, its files.

Every view, screenshot, download and transfer is written to the capture's chain of custody
by the service; the page only parses the form and renders.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.monitoring import evidence, service
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("capture.read"))]
Capturer = Annotated[Principal, Depends(require("capture.create"))]
NO_STORE = {"Cache-Control": "no-store"}
CUSTODY_LABELS = {
    "captured": N_("captured"),
    "imported": N_("imported"),
    "viewed": N_("viewed"),
    "verified": N_("verified"),
    "downloaded": N_("downloaded"),
    "transferred": N_("transferred"),
    "reviewed": N_("reviewed"),
}
# What the capture form's problems expect (monitoring.capture, .service), for the catalogs.
EXPECTED = (
    N_("an http:// or https:// address"),
    N_("http://host:port, https://host:port or socks5://host:port"),
    N_("a page the node can reach"),
    N_("the id of a case you may read"),
    N_("H0, H1, H2 or H3"),
)
KIND_LABELS = {
    "web": N_("web page"),
    "html": N_("saved page (HTML)"),
    "mhtml": N_("saved page (MHTML)"),
    "image": N_("screenshot or image"),
    "telegram": N_("Telegram chat export"),
    "whatsapp": N_("WhatsApp chat export"),
}


def _list(
    request: Request,
    db: DB,
    user: Principal,
    *,
    form: dict[str, str] | None = None,
    error: UserError | None = None,
) -> Response:
    context = {
        "captures": service.list_captures(db, user=user),
        "can_capture": role_allows(user.role, "capture.create"),
        "form": form or {"url": "", "case": "", "handling_code": "H0"},
        "codes": service.HANDLING_CODES,
        "error": error,
        "kinds": KIND_LABELS,
    }
    status = error.status_code if error is not None else 200
    return render(
        request, "monitoring/captures.html", context, status_code=status, headers=NO_STORE
    )


@router.get("/captures")
def captures_page(request: Request, db: DB, user: Reader) -> Response:
    """The captures the user may see, newest first, and the capture form."""
    return _list(request, db, user)


@router.post("/captures")
def capture_url(
    request: Request,
    db: DB,
    user: Capturer,
    url: Annotated[str, Form(max_length=2000)] = "",
    case: Annotated[str, Form(max_length=12)] = "",
    handling_code: Annotated[str, Form(max_length=2)] = "H0",
) -> Response:
    """Capture a URL with the node's browser and proxy; show the new capture."""
    settings = request.app.state.settings
    form = {"url": url, "case": case, "handling_code": handling_code}
    try:
        row = service.capture_url(
            db,
            settings=settings,
            user=user,
            url=url,
            handling_code=handling_code,
            case_id=_case_id(case),
        )
    except UserError as exc:
        return _list(request, db, user, form=form, error=exc)
    return RedirectResponse(f"/captures/{row.id}", status_code=303)


def _case_id(raw: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit():
        raise UserError(
            N_("case: %(case)r is not a case id"),
            [{"field": "case", "value": text, "expected": N_("the id of a case you may read")}],
            values={"case": text},
        )
    return int(text)


@router.get("/captures/{capture_id}")
def capture_page(
    request: Request,
    db: DB,
    user: Reader,
    capture_id: int,
    why: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """One capture: screenshot, metadata, hashes, the verification now, its chain of custody."""
    settings = request.app.state.settings
    row, report = service.view_capture(
        db, settings=settings, user=user, capture_id=capture_id, why=why
    )
    context = {
        "row": row,
        "report": report,
        "custody": service.custody_log(db, row=row),
        "labels": CUSTODY_LABELS,
        "kinds": KIND_LABELS,
        "fingerprint": evidence.fingerprint(row.public_key),
        "has_image": service.image_record(row) is not None,
    }
    return render(request, "monitoring/capture.html", context, headers=NO_STORE)


@router.get("/captures/{capture_id}/screenshot")
def capture_screenshot(request: Request, db: DB, user: Reader, capture_id: int) -> Response:
    """The capture's screenshot (or imported image), read from its WACZ (logged as a view)."""
    settings = request.app.state.settings
    media_type, data = service.read_image(db, settings=settings, user=user, capture_id=capture_id)
    headers = {
        **NO_STORE,
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=media_type, headers=headers)


@router.get("/captures/{capture_id}/download")
def capture_download(
    request: Request,
    db: DB,
    user: Reader,
    capture_id: int,
    why: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The signed WACZ file, through the audited export (custody: downloaded)."""
    settings = request.app.state.settings
    name, data = service.export_capture(
        db, settings=settings, user=user, capture_id=capture_id, why=why
    )
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    headers["X-Content-SHA256"] = evidence.sha256_hex(data)
    return Response(data, media_type="application/wacz", headers=headers)
