"""Error pages in the layout, in the user's language; never a stack trace."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from armsbridge.i18n_marker import N_
from armsbridge.web.templating import render

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


def render_error(request: Request, status: int, message: str, reference: str | None) -> Response:
    """Render an error page with a heading for its status, the message and any reference."""
    from armsbridge.web.templating import formatter

    fmt = formatter(request)
    heading = fmt.gettext(HEADINGS.get(status, HEADINGS[400 if status < 500 else 500]))
    text = fmt.gettext(message) if status >= 500 else message
    return render(
        request,
        "web/error.html",
        {"status": status, "heading": heading, "message": text, "reference": reference},
        status_code=status,
    )
