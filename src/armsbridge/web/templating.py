"""Jinja2 environment shared by every domain's pages, and `render()` that fills the layout.

Template names carry their domain: "records/person.html" is
src/armsbridge/records/templates/person.html, "web/layout.html" is web/templates/layout.html.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, PrefixLoader, select_autoescape

from armsbridge.web.i18n import LANGUAGES, Formatter, language_from_header, normalise_language
from armsbridge.web.navigation import nav_items
from armsbridge.web.notice import clear_notice, notice_text, pending_notice

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LANGUAGE_COOKIE = "armsbridge_lang"
# Set when a language is picked before signing in (the sign-in page's menu): the sign-in then
# keeps that choice on the account, so the pages after it stay in the language picked.
LANGUAGE_PICKED_COOKIE = "armsbridge_lang_picked"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Return the Jinja2 environment whose loader knows every domain's templates/ folder."""
    loaders = {
        folder.parent.name: FileSystemLoader(folder)
        for folder in sorted(PACKAGE_DIR.glob("*/templates"))
        if folder.is_dir()
    }
    env = Environment(
        loader=PrefixLoader(loaders),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package and change only with a new release (and a restart):
        # no stat() of each template file and its parents on every page.
        auto_reload=False,
    )
    return env


def compile_templates() -> int:
    """Compile every page template now (a server does it at start); return how many."""
    env = environment()
    names = [name for name in env.list_templates() if name.endswith((".html", ".xml"))]
    for name in names:
        env.get_template(name)
    return len(names)


def current_principal(request: Request) -> Any:
    """Return the signed-in principal the auth dependencies put on the request, or None."""
    return request.scope.get("armsbridge_principal")


def request_language(request: Request) -> str:
    """Return the UI language: the user's choice, else the cookie, else the browser's."""
    user = current_principal(request)
    if user is not None and getattr(user, "language", None):
        return normalise_language(user.language)
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie:
        return normalise_language(cookie)
    return language_from_header(request.headers.get("accept-language"))


def formatter(request: Request) -> Formatter:
    """Return the request's Formatter (gettext and localised formats), made once per request."""
    fmt = request.scope.get("armsbridge_formatter")
    if fmt is None:
        fmt = Formatter(request_language(request))
        request.scope["armsbridge_formatter"] = fmt
    return fmt


def csrf_token(request: Request) -> str:
    """Return the CSRF token forms of this session must carry ("" when auth is not available)."""
    try:
        from armsbridge.auth import service
    except ImportError:  # pragma: no cover - auth is part of every node
        return ""
    try:
        return service.csrf_token(request)
    except Exception:  # noqa: BLE001 - no session yet (login page): forms get a fresh token there
        return ""


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render template `name` with the layout's context (user, language, nav, CSRF token)."""
    fmt = formatter(request)
    user = current_principal(request)
    values: dict[str, Any] = {
        "request": request,
        "user": user,
        "fmt": fmt,
        "_": fmt.gettext,
        "ngettext": fmt.ngettext,
        "lang": fmt.language,
        "languages": {code: label for code, (_loc, label) in LANGUAGES.items()},
        "nav": nav_items(request, user),
        "csrf_token": csrf_token(request),
        "settings": getattr(request.app.state, "settings", None),
    }
    notice = pending_notice(request)
    if notice is not None:
        values["page_notice"] = notice_text(fmt, *notice)
    values.update(context or {})
    html = environment().get_template(name).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    clear_notice(request, response)
    return response
