"""Attachments are served so that an uploaded file can never run as a page of the node."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import csrf_of

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake pixels"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/api/persons")</script>'
    b'<circle r="4"/></svg>'
)


def _upload(analyst, node, name: str, content: bytes, declared: str):
    url = f"/records/firearms/{node.ids['firearm']}"
    page = analyst.get(url)
    answer = analyst.post(
        f"{url}/attachments",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": (name, content, declared)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    link = analyst.get(url).text.split('href="/attachments/')[1].split('"')[0]
    return analyst.get(f"/attachments/{link}")


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("evil.svg", SVG, "image/svg+xml"),
        ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("page.html", b"<html><body onload='alert(1)'></body></html>", "text/html"),
    ],
)
def test_a_file_that_is_not_a_checked_raster_image_is_downloaded(
    node, analyst, name, content, declared
) -> None:
    download = _upload(analyst, node, name, content, declared)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    policy = download.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF fake", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00 fake", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 fake", "image/webp"),
    ],
)
def test_a_raster_image_is_shown_inline_with_the_type_its_bytes_show(
    node, analyst, content, media_type
) -> None:
    # Declared as something else, and named .txt: only the bytes count.
    download = _upload(analyst, node, "scan.txt", content, "application/octet-stream")
    assert download.headers["content-disposition"].startswith("inline;")
    assert download.headers["content-type"] == media_type


def test_a_file_name_in_cyrillic_is_served_with_its_name(node, analyst) -> None:
    download = _upload(analyst, node, "фотографија.png", PNG, "image/png")
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert f"filename*=UTF-8''{quote('фотографија.png')}" in disposition
