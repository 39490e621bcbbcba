"""Error pages in the layout, in the user's language; never a stack trace."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from armsbridge.auth.sessions import resolve_principal
from armsbridge.i18n_marker import N_
from armsbridge.web.templating import formatter, render

NO_PAGE = N_("There is no page at this address. Use the menu, or go back to the dashboard.")
SERVER_FAULT = N_("The node failed to answer. Give this reference to your administrator.")
HEADINGS = {
    400: N_("The request could not be used"),
    401: N_("Sign in first"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Conflict"),
    413: N_("Too large"),
    422: N_("Some values are not valid"),
    500: N_("The node failed to answer"),
}


def _resolve_user(request: Request) -> None:
    # An address no route serves ran no auth dependency: find the signed-in user here, so the
    # page keeps the signed-in layout (menu, account). Read only: the session is rolled back.
    factory = getattr(request.app.state, "sessionmaker", None)
    if "armsbridge_principal" in request.scope or factory is None:
        return
    session = factory()
    try:
        request.scope["armsbridge_principal"] = resolve_principal(session, request=request)
    except Exception:  # noqa: BLE001 - the error page is then shown signed out
        request.scope["armsbridge_principal"] = None
    finally:
        session.rollback()
        session.close()


def render_error(
    request: Request,
    status: int,
    message: str,
    reference: str | None,
    problems: list[dict[str, object]] | None = None,
    values: dict[str, object] | None = None,
) -> Response:
    """Render an error page: a heading for its status, the message, each problem, a reference."""
    if status == 404:
        _resolve_user(request)
    fmt = formatter(request)
    heading = fmt.gettext(HEADINGS.get(status, HEADINGS[400 if status < 500 else 500]))
    # A user error's message is translated when it is one of the catalogue's (a fixed sentence).
    # Its values are filled in as given, except those that are catalog strings themselves.
    text = fmt.message(message, values)
    if status == 404 and message == "Not Found":  # Starlette's words for an address no route has
        text = fmt.gettext(NO_PAGE)
    return render(
        request,
        "web/error.html",
        {
            "status": status,
            "heading": heading,
            "message": text,
            "reference": reference,
            "problems": problems or [],
        },
        status_code=status,
    )
