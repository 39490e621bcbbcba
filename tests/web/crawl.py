"""Crawling a node's pages as a signed-in user: every same-origin link and GET form, one page per
route pattern (for tests/web/test_untranslated.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pyotp
from fastapi.testclient import TestClient

from .conftest import PASSWORD, csrf_of

WHY = "Case XK-2026-001 verification"  # the justification a `why` field gets
QUERY = "Bajrami"  # what a `q` field gets
MAX_PAGES = 120  # per user; one page per route pattern


_SKIP = re.compile(r"^/(static|api|health|logout)|format=(csv|xlsx)|\.(csv|xlsx|pdf|json)$")
_ID = re.compile(r"[^/]*\d[^/]*")


def route_pattern(url: str) -> str:
    """Return a page's route pattern: id-like path segments replaced, a few query keys kept."""
    parts = urlsplit(url)
    path = "/".join("{id}" if _ID.fullmatch(seg) else seg for seg in parts.path.split("/"))
    # Sorting, columns, filters and pages show the same template: only a justification (the
    # page behind it) and a query (results) make another page.
    keys = sorted({k for k, _v in parse_qsl(parts.query)} & {"why", "q"})
    return path + ("?" + "&".join(keys) if keys else "")


class _Links(HTMLParser):
    """Collects link targets and the URLs GET forms submit with their default values."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.urls: list[str] = []
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {k: v or "" for k, v in attrs}
        if tag == "a" and given.get("href"):
            self.urls.append(urljoin(self.base, given["href"]))
        elif tag == "form" and given.get("method", "get").lower() == "get":
            self._form = {"action": urljoin(self.base, given.get("action") or self.base), "f": []}
        elif tag in ("input", "select") and self._form is not None and given.get("name"):
            if given.get("type") in ("submit", "button", "checkbox", "radio"):
                return
            value = given.get("value", "")
            if given["name"] == "why" and not value:
                value = WHY
            elif given["name"] == "q" and not value:
                value = QUERY
            self._form["f"].append((given["name"], value))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            fields = [(k, v) for k, v in self._form["f"] if v]
            if fields:
                action = self._form["action"].split("?")[0]
                self.urls.append(action + "?" + urlencode(fields))
            self._form = None


def links(base: str, html: str) -> list[str]:
    parser = _Links(base)
    parser.feed(html)
    return parser.urls


def crawl(client: TestClient) -> Iterator[tuple[str, str, str]]:
    """Yield (pattern, url, html) of every page reached from the dashboard, one per pattern."""
    seen: set[str] = set()
    queue = ["http://testserver/"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0).split("#")[0]
        parts = urlsplit(url)
        if parts.netloc != "testserver" or _SKIP.search(parts.path + "?" + parts.query):
            continue
        key = route_pattern(url)
        if key in seen:
            continue
        seen.add(key)
        answer = client.get(url)
        assert answer.status_code < 500, f"{url}: {answer.status_code}"
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        yield key, url, answer.text
        queue.extend(links(str(answer.url), answer.text))


def sign_in_as(client: TestClient, username: str, secret: str | None) -> None:
    """Sign in through the form, with the TOTP code of `secret` when the account asks for one."""
    form = client.get("/login")
    step = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    pending = re.search(r'name="pending" value="([^"]+)"', step.text)
    if pending:
        assert secret, f"{username} needs a second factor"
        client.post(
            "/login",
            data={
                "pending": pending.group(1),
                "code": pyotp.TOTP(secret).now(),
                "csrf_token": csrf_of(step.text),
            },
        )
    assert client.get("/", follow_redirects=False).status_code == 200, username
