"""Capture with the system Chromium from a local site: JavaScript text kept, SOCKS5 proxy used."""

from __future__ import annotations

import gzip
import io
import os
import zipfile

import pytest

from armsbridge.monitoring import capture, service

from .conftest import JS_TEXT, SCRIPT, free_port
from .helpers import account

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("no system Chromium", allow_module_level=True)


def _capture(url: str, **kw) -> capture.PageCapture:
    options = {"proxy": None, "timeout_seconds": 30, "max_bytes": 10_000_000, "chromium": CHROMIUM}
    return capture.capture_page(url, **{**options, **kw})


@pytest.fixture(scope="module")
def direct(site: str) -> capture.PageCapture:
    """The local ad page captured without a proxy."""
    return _capture(site)


def _warc(settings, row) -> bytes:
    with zipfile.ZipFile(io.BytesIO(service.wacz_bytes(settings, row))) as archive:
        return gzip.decompress(archive.read("archive/data.warc.gz"))


def test_a_javascript_page_is_captured_as_seen(session, node_keys, direct, site) -> None:
    assert direct.title == "Shitet pistoleta"
    assert JS_TEXT in direct.text and JS_TEXT in direct.html
    assert direct.screenshot.startswith(b"\x89PNG")
    assert {e.url for e in direct.exchanges} >= {site, site.replace("index.html", "app.js")}
    row = service.store_page(session, settings=node_keys, user=account(session, "c"), page=direct)
    warc = _warc(node_keys, row)
    assert SCRIPT.encode() in warc  # the script the page ran, as served
    assert JS_TEXT.encode() in warc  # the DOM it made (resource record)
    assert b"WARC-Type: request" in warc and b"GET /app.js HTTP/1.1" in warc
    assert JS_TEXT in row.text
    assert row.details["proxy"] is None and "HeadlessChrome" in row.details["user_agent"]
    assert service.verify_file(service.wacz_bytes(node_keys, row), row=row).ok


@pytest.fixture(scope="module")
def proxied(site: str, socks_proxy) -> capture.PageCapture:
    """The local ad page captured through the local SOCKS5 proxy."""
    return _capture(site, proxy=socks_proxy[0])


def test_a_capture_goes_through_the_socks5_proxy(
    session, node_keys, site, socks_proxy, proxied
) -> None:
    proxy, log, _http = socks_proxy
    page = proxied
    assert JS_TEXT in page.text
    port = site.split(":")[2].split("/")[0]
    seen = log.read_text(encoding="utf-8", errors="replace")
    assert f"127.0.0.1:{port}" in seen, seen  # the proxy opened the connection to the site
    row = service.store_page(session, settings=node_keys, user=account(session, "c"), page=page)
    assert row.details["proxy"] == proxy
    assert f'"proxy": "{proxy}"'.encode() in _warc(node_keys, row)  # in the metadata record


def test_an_http_proxy_is_used_too(site, socks_proxy) -> None:
    _socks, log, http_proxy = socks_proxy
    port = site.split(":")[2].split("/")[0]
    before = log.read_text(encoding="utf-8", errors="replace").count(f"-> 127.0.0.1:{port}")
    page = _capture(site, proxy=http_proxy)
    assert JS_TEXT in page.text
    seen = log.read_text(encoding="utf-8", errors="replace")
    assert seen.count(f"-> 127.0.0.1:{port}") > before, seen


def test_a_proxy_that_does_not_answer_fails_the_capture(site) -> None:
    with pytest.raises(capture.CaptureFailed, match="could not be loaded"):
        _capture(site, proxy=f"socks5://127.0.0.1:{free_port()}")


def test_limits_are_named(site) -> None:
    with pytest.raises(capture.CaptureFailed, match="limit of 1000 bytes"):
        _capture(site.replace("index.html", "big.html"), max_bytes=1000)


@pytest.mark.parametrize(
    ("url", "field"),
    [("file:///etc/passwd", "url"), ("javascript:alert(1)", "url"), ("ftp://x.test/", "url")],
)
def test_only_web_addresses_are_captured(url, field) -> None:
    with pytest.raises(capture.ValidationFailed) as caught:
        _capture(url)
    assert caught.value.problems[0]["field"] == field


def test_a_bad_proxy_address_is_refused() -> None:
    with pytest.raises(capture.ValidationFailed) as caught:
        _capture("http://127.0.0.1/", proxy="tor://localhost")
    assert caught.value.problems[0]["expected"].startswith("http://host:port")
