"""Captures in the store: chain of custody, who may see what, and every kind of imported file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.monitoring import files, service
from armsbridge.records import service as records
from principals import as_actor

from .helpers import PNG, account, page_capture

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 32 + b"\xff\xd9"
HTML = (
    "<html><head><title>Shes kallash</title><script>var x=1;</script></head>"
    "<body><p>Kallash 7.62x39, 600 €</p></body></html>"
)
MHTML = (
    "From: <Saved by Blink>\r\nSubject: Ad\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/related; type="text/html"; boundary="----B"\r\n\r\n'
    "------B\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    "Content-Location: http://ads.example.test/1\r\n\r\n"
    "<html><head><title>Продавам ТТ</title></head>"
    "<body>Продавам ТТ пиштол, 070 123 456</body></html>\r\n"
    "------B--\r\n"
)
TELEGRAM = {
    "name": "Oruzje prodaja",
    "type": "public_channel",
    "messages": [
        {
            "id": 1,
            "type": "message",
            "date": "2026-03-01T10:00:00",
            "from": "seller",
            "text": "Prodajem M70",
        },
        {"id": 2, "type": "service", "action": "pin_message"},
        {
            "id": 3,
            "type": "message",
            "date": "2026-03-01T10:05:00",
            "from": "seller",
            "text": ["Zvati ", {"type": "phone", "text": "+381 64 123 4567"}],
        },
    ],
}
WHATSAPP = (
    "12/03/2026, 14:05 - Arben: Kam zoraki 914, 150 euro\n12/03/2026, 14:06 - Besnik: ku je?\n"
)


def _capture(session, settings, user, **kw):
    return service.store_page(session, settings=settings, user=user, page=page_capture(), **kw)


def test_capture_view_download_and_transfer_are_in_the_custody_log(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user)
    service.view_capture(session, settings=node_keys, user=user, capture_id=row.id, why="case 12")
    name, data = service.export_capture(session, settings=node_keys, user=user, capture_id=row.id)
    assert name.endswith(".wacz") and service.evidence.sha256_hex(data) == row.sha256
    with pytest.raises(ValidationFailed, match="needs its reason"):
        service.export_capture(
            session, settings=node_keys, user=user, capture_id=row.id, recipient="Prosecutor"
        )
    service.export_capture(
        session,
        settings=node_keys,
        user=user,
        capture_id=row.id,
        recipient="Basic Prosecution Office Prishtinë",
        why="court order 2026/44",
    )
    log = service.custody_log(session, row=row)
    assert [e["what"] for e in log] == ["captured", "viewed", "downloaded", "transferred"]
    assert {e["who"] for e in log} == {"cyber"}
    assert log[1]["why"] == "case 12"
    assert log[3]["recipient"] == "Basic Prosecution Office Prishtinë"
    assert log[3]["why"] == "court order 2026/44"
    entries = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.record_type == "capture", AuditEntry.record_id == row.id)
        .order_by(AuditEntry.seq)
    )
    assert list(entries) == ["create", "consult", "export", "disclose"]


def test_a_capture_altered_on_disk_is_not_exported(session, node_keys) -> None:
    user = account(session, "cyber")
    row = _capture(session, node_keys, user)
    path = node_keys.var_dir / row.path
    assert path.stat().st_mode & 0o777 == 0o600
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = service.verify_capture(session, settings=node_keys, user=user, capture_id=row.id)
    assert report.findings[0].where == "WACZ file"
    with pytest.raises(ValidationFailed, match="no longer matches"):
        service.export_capture(session, settings=node_keys, user=user, capture_id=row.id)
    assert [e["what"] for e in service.custody_log(session, row=row)] == ["captured", "verified"]


def test_roles_jurisdictions_and_handling_codes_decide_who_sees(session, node_keys) -> None:
    cyber = account(session, "cyber")
    other = account(session, "cyber2")
    investigator = account(session, "inv", role="investigator")
    border = account(session, "border", role="border_officer")
    mk = account(session, "mk-cyber", jurisdiction="MK")
    row = _capture(session, node_keys, cyber)
    with pytest.raises(PermissionDenied):
        _capture(session, node_keys, investigator)  # reads captures, does not make them
    assert service.get_capture(session, user=investigator, capture_id=row.id).id == row.id
    with pytest.raises(PermissionDenied):
        service.list_captures(session, user=border)
    with pytest.raises(NotFound):
        service.get_capture(session, user=mk, capture_id=row.id)
    assert [c.id for c in service.list_captures(session, user=mk)] == []
    secret = _capture(session, node_keys, cyber, handling_code="H2")
    assert service.get_capture(session, user=cyber, capture_id=secret.id).id == secret.id
    with pytest.raises(NotFound):
        service.get_capture(session, user=other, capture_id=secret.id)
    assert secret.id not in [c.id for c in service.list_captures(session, user=other)]
    with pytest.raises(ValidationFailed, match="not a handling code"):
        _capture(session, node_keys, cyber, handling_code="H9")


def test_a_capture_joins_only_a_case_its_author_may_read(session, node_keys) -> None:
    cyber = account(session, "cyber")
    mine = records.create_record(
        session,
        record_type="case",
        data={"jurisdiction": "XK", "reference": "XK-1", "kind": "trafficking"},
        user=as_actor("seed"),
    )
    theirs = records.create_record(
        session,
        record_type="case",
        data={"jurisdiction": "MK", "reference": "MK-1", "kind": "trafficking"},
        user=as_actor("seed", "MK"),
    )
    session.flush()
    assert _capture(session, node_keys, cyber, case_id=mine.id).case_id == mine.id
    with pytest.raises(ValidationFailed, match=f"no case {theirs.id}"):
        _capture(session, node_keys, cyber, case_id=theirs.id)


@pytest.mark.parametrize(
    ("name", "data", "kind", "title", "text"),
    [
        ("ad.html", HTML.encode(), "html", "Shes kallash", "Kallash 7.62x39, 600 €"),
        ("ad.mhtml", MHTML.encode(), "mhtml", "Продавам ТТ", "Продавам ТТ пиштол, 070 123 456"),
        ("shot.png", PNG, "image", "shot.png", ""),
        ("shot.jpg", JPEG, "image", "shot.jpg", ""),
        (
            "result.json",
            json.dumps(TELEGRAM).encode(),
            "telegram",
            "Oruzje prodaja",
            "+381 64 123 4567",
        ),
        ("chat.txt", WHATSAPP.encode(), "whatsapp", "chat.txt", "Kam zoraki 914"),
    ],
)
def test_each_kind_of_file_is_imported(session, node_keys, name, data, kind, title, text) -> None:
    user = account(session, "cyber")
    found = files.read_file(name, data)
    row = service.store_file(
        session, settings=node_keys, user=user, name=name, data=data, found=found
    )
    assert (row.kind, row.title, row.source_name) == (kind, title, name)
    assert text in (row.text or "")
    assert "var x" not in (row.text or "")
    stored = service.wacz_bytes(node_keys, row)
    resource = next(r for r in row.records if r["type"] == "resource")
    assert service.evidence.read_resource(stored, resource) == data
    assert service.verify_file(stored, row=row).ok
    assert [e["what"] for e in service.custody_log(session, row=row)] == ["imported"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("ad.exe", b"MZ", "a file ending in"),
        ("shot.png", b"GIF89a....", "a PNG or JPEG image"),
        ("result.json", b'{"chats": []}', "Telegram Desktop export"),
        ("result.json", b"{not json", "Telegram Desktop export"),
        ("chat.txt", b"hello there\nno dates here\n", "WhatsApp chat export"),
        ("ad.mhtml", b"<html>plain</html>", "MHTML"),
        ("empty.html", b"", "a file with content"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(name, data, expected) -> None:
    with pytest.raises(ValidationFailed) as caught:
        files.read_file(name, data)
    problem = caught.value.problems[0]
    assert problem["field"] == "file" and problem["value"] == name
    assert expected in problem["expected"]


def test_the_import_size_limit_is_named(session, node_keys) -> None:
    user = account(session, "cyber")
    small = node_keys.model_copy(update={"capture_import_max_bytes": 10})
    with pytest.raises(ValidationFailed, match="over the limit of 10 bytes"):
        service.store_file(
            session,
            settings=small,
            user=user,
            name="shot.png",
            data=PNG,
            found=files.read_file("shot.png", PNG),
        )
