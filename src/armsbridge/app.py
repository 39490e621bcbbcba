"""The web application: `create_app(settings)` builds it; nothing is opened at import time."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute, APIRouter
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from armsbridge.auth.dependencies import LoginRequired, route_permission
from armsbridge.auth.sessions import PreSessionMiddleware
from armsbridge.db import keys
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker
from armsbridge.domains import DOMAINS, Domain, DomainImportError, parts
from armsbridge.errors import Fault, NotFound, UserError, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.settings import Settings, get_settings
from armsbridge.web.errors import render_error
from armsbridge.web.faults import describe
from armsbridge.web.routing import iter_routes

log = logging.getLogger("armsbridge.web")

STATIC_DIR = Path(__file__).parent / "web" / "static"

# Paths FastAPI itself serves; they carry no data, so they need no permission.
OPENAPI_URL = "/api/openapi.json"
FRAMEWORK_PATHS = frozenset({OPENAPI_URL})
# A page asked for without a value it needs (a form field left out): the field names of the
# request are codes, so browsers get what to do; API clients get each problem.
INCOMPLETE_REQUEST = N_(
    "This page needs a value the request did not carry, or one it cannot use. Go back, fill in "
    "the form and send it again."
)


def load_secret_key(settings: Settings) -> str:
    """Return settings.secret_key, or the key in var_dir/secret.key (created 0600 if missing)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.var_dir) / "secret.key"
    if path.exists():
        keys.secure_file(path)  # a key file written before file modes were enforced
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    keys.secure_dir(path.parent)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, keys.FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    keys.secure_file(path)
    return key


def include_domain_routers(app: FastAPI, domains: tuple[Domain, ...] = DOMAINS) -> list[str]:
    """Include the `router` of every module the domains name; return the modules' names."""
    included = []
    for module in parts("routers", domains):
        if not isinstance(getattr(module, "router", None), APIRouter):
            raise DomainImportError(f"{module.__name__} is named as a router but has no `router`")
        app.include_router(module.router)
        included.append(module.__name__)
    return included


def check_route_permissions(app: FastAPI) -> None:
    """Refuse to start if any route serves without a declared permission (default deny)."""
    missing = []
    for route in iter_routes(app):
        if isinstance(route.original_route, APIRoute):
            if route_permission(route) is None:
                missing.append(f"{sorted(route.methods or ())} {route.path}")
        elif route.path in FRAMEWORK_PATHS or isinstance(route.original_route, Mount):
            continue
        else:
            missing.append(f"{route.path} (a bare route: declare it on an APIRouter)")
    if missing:
        raise Fault(
            "routes without a declared permission (use require(action) or public): "
            + "; ".join(missing)
        )


def _wants_json(request: Request) -> bool:
    """True for the API, for scripts (bearer token) and for clients that ask for JSON first."""
    if request.url.path.startswith("/api/") or "authorization" in request.headers:
        return True
    return "application/json" in request.headers.get("accept", "").split(",")[0]


def render_error_page(
    request: Request,
    status: int,
    message: str,
    reference: str | None,
    problems: list[dict[str, object]] | None = None,
    values: dict[str, object] | None = None,
) -> Response:
    """Render an error for a browser: the web layer's template when present, else plain HTML."""
    try:
        return render_error(request, status, message, reference, problems, values)
    except Exception as exc:  # noqa: BLE001 - fall back to the plain page below
        log.error("error template failed: %s", describe(exc))
    ref = f"<p>Reference: <code>{escape(reference)}</code></p>" if reference else ""
    text = escape(message % values if values else message)
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>armsbridge</title></head>"
        f"<body><h1>{status}</h1><p>{text}</p>{ref}<p><a href='/'>Home</a></p>"
        "</body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _user_error(request: Request, exc: UserError) -> Response:
    if isinstance(exc, LoginRequired) and not _wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # Encoded, so the page's own query string (`&to=...`) survives as part of `next`.
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    if _wants_json(request):
        content: dict[str, object] = {"error": str(exc)}
        if exc.problems:
            content["problems"] = exc.problems
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, LoginRequired) else None
        return JSONResponse(content, status_code=exc.status_code, headers=headers)
    problems = exc.problems if isinstance(exc, ValidationFailed) else None
    return render_error_page(request, exc.status_code, exc.template, None, problems, exc.values)


def _fault(request: Request, exc: Exception) -> Response:
    reference = secrets.token_hex(4).upper()
    # Type and place only: a message or a traceback can carry what the request held.
    log.error("fault %s on %s %s: %s", reference, request.method, request.url.path, describe(exc))
    message = "The node failed to answer. Give this reference to your administrator."
    if _wants_json(request):
        return JSONResponse({"error": message, "reference": reference}, status_code=500)
    return render_error_page(request, 500, message, reference)


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if _wants_json(request):
        return JSONResponse(
            {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )
    return render_error_page(request, exc.status_code, str(exc.detail), None)


def _request_invalid(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if errors and all(err.get("loc", ("",))[0] == "path" for err in errors):
        # A path names a resource: one that cannot be parsed (an id too large) names none.
        named = "/".join(str(request.path_params.get(e["loc"][-1], "")) for e in errors)
        return _user_error(request, NotFound(f"nothing is found at {named!r}: no such record"))
    problems = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query")),
            "value": str(err.get("input", ""))[:200],
            "expected": str(err.get("msg", "")),
        }
        for err in exc.errors()
    ]
    message = "; ".join(f"{p['field']}: {p['expected']}" for p in problems) or "invalid request"
    if _wants_json(request):
        return JSONResponse({"error": message, "problems": problems}, status_code=422)
    return render_error_page(request, 422, INCOMPLETE_REQUEST, None)


# Record ids are INTEGER columns: 32 bits on PostgreSQL, which refuses any larger number.
LARGEST_ID = 2**31 - 1
# SQLSTATE numeric_value_out_of_range (PostgreSQL).
OUT_OF_RANGE = "22003"


def _too_large(value: object) -> bool:
    digits = str(value).strip().lstrip("+-")
    # Compared by length first: int() refuses strings of thousands of digits.
    return digits.isdigit() and (len(digits) > 10 or int(digits) > LARGEST_ID)


def _is_out_of_range(exc: Exception) -> bool:
    """True for the store refusing a number: SQLite beyond 64 bits, PostgreSQL beyond a column."""
    if isinstance(exc, OverflowError):
        return True
    if isinstance(exc, DBAPIError):
        return getattr(exc.orig, "sqlstate", None) == OUT_OF_RANGE
    return isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError)


def _number_out_of_range(request: Request, exc: Exception) -> Response:
    """A number too large for the store: in the path no record has it (404), in a query 422."""
    if not _is_out_of_range(exc):
        return _fault(request, exc)
    for name, value in request.path_params.items():
        if _too_large(value):
            message = f"{name} {value}: no record has this number (none exceeds {LARGEST_ID})"
            return _user_error(request, NotFound(message))
    for name, value in request.query_params.multi_items():
        if _too_large(value):
            expected = f"a whole number of at most {LARGEST_ID}"
            return _user_error(
                request,
                ValidationFailed(
                    f"{name}: {value[:40]} is too large ({expected})",
                    [{"field": name, "value": value[:40], "expected": expected}],
                ),
            )
    return _fault(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    """User errors answer with their status and message; anything else is a 500 with a reference."""
    app.add_exception_handler(UserError, _user_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _request_invalid)  # type: ignore[arg-type]
    for overflow in (OverflowError, StatementError):
        app.add_exception_handler(overflow, _number_out_of_range)
    app.add_exception_handler(Exception, _fault)


# Scripts and styles come only from the node's own static files: no inline <script>, no on*=
# handlers, no style= attributes (docs/dev/web.md), so injected markup cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
# Static files hold no data and may be cached; every other answer may hold personal data.
CACHEABLE_PREFIX = "/static/"


class SecurityHeadersMiddleware:
    """Add CSP and headers that stop framing, sniffing and referrers; data answers never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and add the headers to its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(SECURITY_HEADERS)
        if not scope.get("path", "").startswith(CACHEABLE_PREFIX):
            extra.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in present]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class FaultMiddleware:
    """Answer an error no handler took with a 500 and a reference; the log gets no values.

    Starlette's outermost handler re-raises after answering, so the server logs the traceback
    with the exception's message (SQL parameters, names); this one answers and stops there.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; answer a fault that escapes it, once, if nothing was sent."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # noqa: BLE001 - every fault answers the same way
            request = Request(scope, receive)
            if started:
                log.error("fault after answering %s: %s", request.url.path, describe(exc))
                return
            await _fault(request, exc)(scope, receive, send)


class RequestTooLarge(StarletteHTTPException):
    """A request body over its limit (413); raised inside the app so the error handlers answer."""

    def __init__(self, limit: int, kind: str, setting: str) -> None:
        super().__init__(
            413,
            f"the {kind} is larger than this node accepts ({limit} bytes, setting "
            f"ARMSBRIDGE_{setting.upper()}): send a smaller one or ask the administrator",
        )


class BodyLimitMiddleware:
    """Refuse a request body over its limit before reading it: Content-Length, then a count.

    Multipart bodies (attachments, import files) have their own, larger, limit. A body sent
    without a length (chunked) is counted as it arrives and refused as soon as it passes.
    """

    def __init__(self, app: ASGIApp, *, max_request_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.limits = {
            False: (max_request_bytes, "request body", "max_request_bytes"),
            True: (max_upload_bytes, "upload", "max_upload_bytes"),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a receive() that stops at the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit, kind, setting = self.limits[upload]
        declared = headers.get(b"content-length", b"").strip()
        too_large = declared.isdigit() and int(declared) > limit
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if too_large:
                raise RequestTooLarge(limit, kind, setting)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit, kind, setting)
            return message

        await self.app(scope, limited_receive, send)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Routes added after create_app (plug-ins, tests) are checked again before serving.
    check_route_permissions(app)
    yield


def create_app(settings: Settings | None = None, *, engine=None) -> FastAPI:  # noqa: ANN001
    """Build the node's web application: store, error handlers, every domain's routers."""
    settings = settings or get_settings()
    app = FastAPI(
        title="armsbridge",
        version="0.1.0",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    keys.secure_process()  # every file the node writes from here on: 0600, folders 0700
    keys.secure_var_dir(settings)
    keys.use_node(settings)  # the audit key, checkpoints and TOTP secrets of this node
    app.state.secret_key = load_secret_key(settings)
    app.state.engine = engine if engine is not None else engine_from_settings(settings)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    install_error_handlers(app)
    app.add_middleware(FaultMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_request_bytes=settings.max_request_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(PreSessionMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.state.routers = include_domain_routers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    check_route_permissions(app)
    return app
