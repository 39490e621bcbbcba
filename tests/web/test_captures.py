"""The captures pages: list and form, one capture with its verification and custody, download."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.auth.models import User
from armsbridge.auth.principal import principal_of
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.monitoring import files, service

from .conftest import csrf_of, sign_in

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def seed_capture(node, username: str = "analyst", name: str = "ad.png", data: bytes = PNG) -> int:
    """Import an image as `username`; return the capture's id."""
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        user = principal_of(s.scalar(select(User).where(User.username == username)), via="cli")
        row = service.store_file(
            s,
            settings=node.settings,
            user=user,
            name=name,
            data=data,
            found=files.read_file(name, data),
        )
        s.flush()
        return row.id


def test_the_capture_page_verifies_and_lists_its_custody(node, analyst) -> None:
    capture_id = seed_capture(node)
    listing = analyst.get("/captures")
    assert listing.status_code == 200
    assert 'id="capture-form"' in listing.text and f'href="/captures/{capture_id}"' in listing.text
    page = analyst.get(f"/captures/{capture_id}", params={"why": "case XK-2026-001"})
    assert page.status_code == 200
    assert 'data-verify="ok"' in page.text
    sha = service.evidence.sha256_hex(PNG)
    assert sha in page.text  # the original file's SHA-256
    shot = analyst.get(f"/captures/{capture_id}/screenshot")
    assert shot.status_code == 200 and shot.content == PNG
    assert shot.headers["content-type"] == "image/png"
    download = analyst.get(f"/captures/{capture_id}/download")
    assert download.status_code == 200 and download.content.startswith(b"PK")
    assert download.headers["x-content-sha256"] == service.evidence.sha256_hex(download.content)
    again = analyst.get(f"/captures/{capture_id}")
    custody = re.findall(r'data-custody="(\w+)"', again.text)
    assert custody == ["imported", "viewed", "viewed", "downloaded", "viewed"]
    assert "case XK-2026-001" in again.text  # the first view's reason


def test_an_altered_capture_shows_what_changed(node, analyst) -> None:
    capture_id = seed_capture(node)
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        path = node.settings.var_dir / s.get(service.Capture, capture_id).path
    data = bytearray(path.read_bytes())
    data[40] ^= 0x01
    path.write_bytes(bytes(data))
    page = analyst.get(f"/captures/{capture_id}")
    assert page.status_code == 200 and 'data-verify="altered"' in page.text
    assert "WACZ file: SHA-256 differs from the one stored" in page.text
    refused = analyst.get(f"/captures/{capture_id}/download")
    assert refused.status_code == 422 and "no longer matches" in refused.text


def test_other_roles_and_jurisdictions_do_not_see_captures(node) -> None:
    capture_id = seed_capture(node)
    for username, status in [("border", 403), ("officer", 403), ("mk_analyst", 404)]:
        with TestClient(node.app) as client:
            sign_in(client, username)
            listing = client.get("/captures")
            assert listing.status_code == (200 if status == 404 else 403), username
            assert f'href="/captures/{capture_id}"' not in listing.text
            assert client.get(f"/captures/{capture_id}").status_code == status, username
            answer = client.get(f"/captures/{capture_id}/download")
            assert answer.status_code == status, username


def test_the_capture_form_names_a_bad_address(node, analyst) -> None:
    form = analyst.get("/captures")
    answer = analyst.post(
        "/captures",
        data={
            "url": "file:///etc/passwd",
            "case": "",
            "handling_code": "H0",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert answer.status_code == 422
    assert "is not a web address" in answer.text and "file:///etc/passwd" in answer.text
