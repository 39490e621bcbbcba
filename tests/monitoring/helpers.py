"""Test helpers: accounts and a browser capture built by hand (no browser needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from armsbridge.auth.models import User
from armsbridge.auth.principal import Principal, principal_of
from armsbridge.monitoring.capture import Exchange, PageCapture

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def account(session, name: str, role: str = "cyber_officer", jurisdiction: str = "XK") -> Principal:
    """Add an account row (no password: these tests never sign in); return it as signed in."""
    user = User(username=name, role=role, jurisdiction=jurisdiction, password_hash="!")
    session.add(user)
    session.flush()
    return principal_of(user, via="session")


def page_capture(text: str = "Zoraki 914 shitet 150 euro") -> PageCapture:
    """A capture as the browser would return it: one page, one script, a screenshot."""
    now = datetime.now(UTC)
    html = f"<html><head><title>Ad</title></head><body><h1>{text}</h1></body></html>"
    page = PageCapture(
        url="http://ads.example.test/item/1",
        final_url="http://ads.example.test/item/1",
        title="Ad",
        html=html,
        text=text,
        screenshot=PNG,
        user_agent="Mozilla/5.0 HeadlessChrome",
        proxy=None,
        started_at=now,
    )
    for url, body, kind in [
        (page.url, b"<html><body><script src='/a.js'></script></body></html>", "text/html"),
        ("http://ads.example.test/a.js", b"document.body.innerHTML = 'x';", "text/javascript"),
    ]:
        page.exchanges.append(
            Exchange(
                url=url,
                method="GET",
                request_headers=[("user-agent", page.user_agent)],
                request_body=None,
                status=200,
                reason="OK",
                response_headers=[("content-type", kind), ("content-encoding", "gzip")],
                body=body,
                ip="127.0.0.1",
                at=now,
            )
        )
    return page
