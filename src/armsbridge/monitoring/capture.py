"""Capture a web page as seen: the system Chromium under Playwright, through an optional proxy.

The page is loaded with JavaScript; every HTTP response it loaded (with its request) is kept,
plus the rendered DOM, its visible text and a full-page PNG screenshot. A proxy (HTTP or
SOCKS5, e.g. Tor's socks5://127.0.0.1:9050) carries every request, loopback included, so
nothing leaves the node by another way. Playwright runs in a thread of its own: its sync API
refuses a thread that already runs an event loop (a web server, a test's browser).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from armsbridge.errors import UserError, ValidationFailed
from armsbridge.i18n_marker import N_, Phrase

PROXY_SCHEMES = ("http", "https", "socks5")
# No traffic of the browser's own (sign-in, updates, safe browsing) goes out with a capture.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-pings",
]


class CaptureFailed(UserError):
    """The page could not be captured: not reachable, too large or too slow (limit named)."""

    status_code = 422


@dataclass
class Exchange:
    """One HTTP request the page made and the response it got."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes | None
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    ip: str | None
    at: datetime


@dataclass
class PageCapture:
    """What the browser saw: DOM, visible text, screenshot and every exchange."""

    url: str
    final_url: str
    title: str
    html: str
    text: str
    screenshot: bytes
    user_agent: str
    proxy: str | None
    started_at: datetime
    exchanges: list[Exchange] = field(default_factory=list)


def check_url(url: str) -> str:
    """Return the URL if it is http(s) with a host; refuse anything else (file:, data:, ...)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            N_("url: %(url)r is not a web address"),
            [{"field": "url", "value": url, "expected": N_("an http:// or https:// address")}],
            values={"url": url},
        )
    return url.strip()


def check_proxy(proxy: str | None) -> str | None:
    """Return the proxy address, or None; refuse a scheme Chromium cannot use."""
    if not proxy or not proxy.strip():
        return None
    parts = urlsplit(proxy.strip())
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname or not parts.port:
        raise ValidationFailed(
            N_("proxy: %(proxy)r is not a proxy address"),
            [
                {
                    "field": "proxy",
                    "value": proxy,
                    "expected": N_("http://host:port, https://host:port or socks5://host:port"),
                }
            ],
            values={"proxy": proxy},
        )
    return proxy.strip()


def capture_page(
    url: str,
    *,
    proxy: str | None,
    timeout_seconds: float,
    max_bytes: int,
    chromium: str,
) -> PageCapture:
    """Load `url` in headless Chromium and return what it saw (run in a thread of its own)."""
    url, proxy = check_url(url), check_proxy(proxy)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(_capture, url, proxy, timeout_seconds, max_bytes, chromium)
        return job.result()


def _capture(
    url: str, proxy: str | None, timeout_seconds: float, max_bytes: int, chromium: str
) -> PageCapture:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    started = datetime.now(UTC)
    deadline = time.monotonic() + timeout_seconds
    args = list(CHROMIUM_ARGS)
    launch: dict[str, object] = {"executable_path": chromium, "headless": True, "args": args}
    if proxy:
        # Chromium sends loopback addresses around a proxy unless told not to.
        launch["proxy"] = {"server": proxy, "bypass": "<-loopback>"}
        args.append("--proxy-bypass-list=<-loopback>")
    seen: list[tuple[object, datetime]] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch)  # type: ignore[arg-type]
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.on("response", lambda response: seen.append((response, datetime.now(UTC))))
                page.goto(url, timeout=timeout_seconds * 1000, wait_until="load")
                left = max(0.0, deadline - time.monotonic())
                # A page that keeps polling is captured as it stands after a short wait.
                with contextlib.suppress(PlaywrightError):
                    page.wait_for_load_state("networkidle", timeout=min(3.0, left) * 1000)
                result = PageCapture(
                    url=url,
                    final_url=page.url,
                    title=page.title()[:500],
                    html=page.content(),
                    text=page.inner_text("body") if page.query_selector("body") else "",
                    screenshot=page.screenshot(full_page=True, type="png"),
                    user_agent=str(page.evaluate("navigator.userAgent")),
                    proxy=proxy,
                    started_at=started,
                )
                result.exchanges = _exchanges(seen, max_bytes)
                if time.monotonic() > deadline:
                    raise _too_slow(url, timeout_seconds)
            finally:
                browser.close()
    except PlaywrightError as exc:
        message = str(exc).splitlines()[0]
        if "Timeout" in message:
            raise _too_slow(url, timeout_seconds) from exc
        raise CaptureFailed(
            N_("%(url)s: the page could not be loaded (%(message)s)"),
            [{"field": "url", "value": url, "expected": N_("a page the node can reach")}],
            values={"url": url, "message": message},
        ) from exc
    return result


def _too_slow(url: str, timeout_seconds: float) -> CaptureFailed:
    seconds = f"{timeout_seconds:g}"
    return CaptureFailed(
        N_(
            "%(url)s: the page did not finish loading within the limit of %(limit)s s "
            "(setting ARMSBRIDGE_CAPTURE_TIMEOUT_SECONDS)"
        ),
        [
            {
                "field": "url",
                "value": url,
                "expected": Phrase(N_("a page that loads in %(limit)s s"), {"limit": seconds}),
            }
        ],
        values={"url": url, "limit": seconds},
    )


def _exchanges(seen: list[tuple[object, datetime]], max_bytes: int) -> list[Exchange]:
    """Read the body of every response seen; refuse the capture past `max_bytes` in total."""
    out: list[Exchange] = []
    total = 0
    for response, at in seen:
        request = response.request  # type: ignore[attr-defined]
        try:
            body = response.body()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - redirects and aborted loads have no body
            body = b""
        total += len(body)
        if total > max_bytes:
            raise CaptureFailed(
                N_(
                    "%(url)s: the page loaded more than the limit of %(limit)s bytes "
                    "(setting ARMSBRIDGE_CAPTURE_MAX_BYTES)"
                ),
                [
                    {
                        "field": "url",
                        "value": request.url,
                        "expected": Phrase(N_("at most %(limit)s bytes"), {"limit": max_bytes}),
                    }
                ],
                values={"url": request.url, "limit": max_bytes},
            )
        try:
            server = response.server_addr()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - not known for every response
            server = None
        out.append(
            Exchange(
                url=request.url,
                method=request.method,
                request_headers=[(h["name"], h["value"]) for h in request.headers_array()],
                request_body=request.post_data_buffer,
                status=response.status,  # type: ignore[attr-defined]
                reason=response.status_text,  # type: ignore[attr-defined]
                response_headers=[(h["name"], h["value"]) for h in response.headers_array()],  # type: ignore[attr-defined]
                body=body,
                ip=server["ipAddress"] if server else None,
                at=at,
            )
        )
    return out
