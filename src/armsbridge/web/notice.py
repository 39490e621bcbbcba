"""One-time confirmations ("Saved.") shown on the page a form redirects to.

The notice travels in a short-lived cookie, not in the address, so a copied or shared address never
says "Saved." again; only names from NOTICES are accepted, so the cookie cannot inject text.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.i18n_marker import N_
from armsbridge.web.i18n import Formatter

NOTICE_COOKIE = "armsbridge_notice"
NOTICES: dict[str, str] = {
    "saved": N_("Saved."),
    "status": N_("Status changed."),
    "linked": N_("Link added."),
    "unlinked": N_("Link removed."),
    "changed": "%(num)s records changed.",  # said with its count: notice_text
    "search_saved": N_("Search saved."),
    "search_removed": N_("Saved search removed."),
    "chart_saved": N_("Link chart saved to the case (see its attachments)."),
}


def redirect_with_notice(
    request: Request, url: str, notice: str, *, count: int = 1
) -> RedirectResponse:
    """Redirect (303) to `url`, which will confirm `notice` (a name of NOTICES) once."""
    if notice not in NOTICES:
        raise KeyError(f"no notice named {notice!r}")
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        NOTICE_COOKIE,
        f"{notice}:{int(count)}",
        max_age=60,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def pending_notice(request: Request) -> tuple[str, int] | None:
    """Return (name, count) of the notice the request carries, if a valid one."""
    name, _, count = request.cookies.get(NOTICE_COOKIE, "").partition(":")
    if name not in NOTICES or not count.isdigit() or len(count) > 9:
        return None
    return name, int(count)


def notice_text(fmt: Formatter, name: str, count: int) -> str:
    """The notice `name` in the user's language (with its count where it has one)."""
    if name == "changed":
        return fmt.ngettext(
            "%(num)s record changed.", "%(num)s records changed.", count, num=fmt.number(count)
        )
    return fmt.gettext(NOTICES[name])


def clear_notice(request: Request, response: Response) -> None:
    """Forget the notice once a page has shown it."""
    if NOTICE_COOKIE in request.cookies:
        response.delete_cookie(NOTICE_COOKIE, path="/")
