"""A cyber-crime officer captures an ad on a phone-sized screen and reads its evidence page."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import PHONE_WIDTH, assert_fits_phone, shot, sign_in

AD = """<!doctype html><html><head><meta charset="utf-8">
<title>Pistoletë Zoraki</title></head><body>
<h1 id="ad">…</h1><p>Kontakt: 044 123 456 · 160 euro · Prishtinë</p>
<script>document.getElementById("ad").textContent = "Shes Zoraki 914 të konvertuar";</script>
</body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # noqa: D102 - silence the test server
        return


@pytest.fixture(scope="module")
def ad_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local page whose headline is written by JavaScript."""
    root = tmp_path_factory.mktemp("ad")
    (root / "ad.html").write_text(AD, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ad.html"
    server.shutdown()


def test_a_capture_on_a_phone(phone: Any, node: dict[str, Any], ad_site: str) -> None:
    sign_in(phone, node, "xk-cyber-officer")
    phone.goto(f"{node['url']}/captures")
    assert_fits_phone(phone)
    phone.get_by_label("Address (URL)").fill(ad_site)
    phone.get_by_role("button", name="Capture").click()
    phone.wait_for_url(re.compile(r"/captures/\d+$"))
    assert phone.locator("h1").inner_text().startswith("Pistoletë Zoraki")
    expect(phone.locator("[data-verify=ok]")).to_be_visible()
    # The screenshot is the page as the browser saw it, JavaScript included, and fits.
    loaded = phone.locator("img.capture-shot").evaluate("i => i.complete && i.naturalWidth")
    assert loaded and phone.locator("img.capture-shot").bounding_box()["width"] <= PHONE_WIDTH
    custody = phone.locator("#custody li").evaluate_all(
        "items => items.map(i => i.dataset.custody)"
    )
    assert custody == ["captured", "viewed"]
    assert_fits_phone(phone)
    shot(phone, "capture-phone")
    with phone.expect_download() as wait:
        phone.locator("#download").click()
    assert wait.value.suggested_filename.endswith(".wacz")
    phone.reload()
    custody = phone.locator("#custody li").evaluate_all(
        "items => items.map(i => i.dataset.custody)"
    )
    assert custody[-2:] == ["downloaded", "viewed"]
