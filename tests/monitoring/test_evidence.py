"""WACZ evidence: signed, verified offline, and every alteration named (record, file, key)."""

from __future__ import annotations

import base64
import gzip
import io
import json
import zipfile

from nacl.signing import SigningKey
from typer.testing import CliRunner

from armsbridge.cli import app as cli_app
from armsbridge.monitoring import evidence, service
from armsbridge.monitoring.files import read_file

from .helpers import PNG, account, page_capture


def _rezip(data: bytes, change) -> bytes:
    """Return the WACZ with its members passed through change(name, bytes) -> bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, change(name, src.read(name)))
    return out.getvalue()


def _stored(session, node_keys):
    user = account(session, "cyber")
    row = service.store_page(session, settings=node_keys, user=user, page=page_capture())
    return user, row, service.wacz_bytes(node_keys, row)


def test_a_capture_verifies_and_holds_every_record(session, node_keys) -> None:
    _user, row, data = _stored(session, node_keys)
    report = service.verify_file(data, row=row)
    assert report.ok, report.findings
    assert report.signed_by == evidence.fingerprint(evidence.node_public_key())
    types = [r["type"] for r in row.records]
    assert types[0] == "warcinfo" and types[-1] == "metadata"
    assert types.count("response") == 2 and types.count("request") == 2
    assert types.count("resource") == 2  # the screenshot and the rendered DOM
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        package = json.loads(archive.read("datapackage.json"))
        warc = gzip.decompress(archive.read("archive/data.warc.gz"))
    assert names == {
        "archive/data.warc.gz",
        "indexes/index.cdxj",
        "pages/pages.jsonl",
        "datapackage.json",
        "datapackage-digest.json",
    }
    assert package["wacz_version"] == "1.1.1"
    assert b"WARC/1.1" in warc and b"WARC-Payload-Digest: sha256:" in warc
    assert b"Content-Encoding" not in warc.split(b"WARC-Type: metadata")[0].split(b"a.js")[-1]
    meta = json.loads(warc.rsplit(b"\r\n\r\n", 2)[-2].split(b"\r\n\r\n")[-1] or b"{}")
    assert meta["captured_by"] == "cyber" and meta["handling_code"] == "H0"
    assert meta["user_agent"] == "Mozilla/5.0 HeadlessChrome"


def test_a_changed_byte_in_a_record_is_named(session, node_keys) -> None:
    _user, row, data = _stored(session, node_keys)
    script = next(r for r in row.records if r["uri"].endswith("a.js") and r["type"] == "response")

    def flip(name: str, content: bytes) -> bytes:
        if name != "archive/data.warc.gz":
            return content
        member = bytearray(gzip.decompress(content[script["offset"] :][: script["length"]]))
        member[-10] ^= 0x01  # one bit of the script's body
        rest = content[script["offset"] + script["length"] :]
        return content[: script["offset"]] + gzip.compress(bytes(member)) + rest

    report = service.verify_file(_rezip(data, flip), row=row)
    text = "\n".join(str(f) for f in report.findings)
    assert not report.ok
    assert f"record response http://ads.example.test/a.js ({script['id']})" in text
    assert "WARC-Payload-Digest differs" in text and "WARC-Block-Digest differs" in text
    assert "archive/data.warc.gz: SHA-256 differs from datapackage.json" in text
    assert "WACZ file: SHA-256 differs from the one stored" in text
    # Without the store's row (a file given to a court), the WARC digests still name it.
    alone = service.verify_file(_rezip(data, flip))
    assert any("a.js" in f.where and "Payload-Digest" in f.what for f in alone.findings)


def test_a_changed_file_in_the_wacz_is_named(session, node_keys) -> None:
    _user, _row, data = _stored(session, node_keys)

    def edit(name: str, content: bytes) -> bytes:
        return content.replace(b"Zoraki", b"Glock!") if name == "pages/pages.jsonl" else content

    report = service.verify_file(_rezip(data, edit))
    assert [(f.where, f.what) for f in report.findings] == [
        ("pages/pages.jsonl", "SHA-256 differs from datapackage.json")
    ]
    added = service.verify_file(_rezip(data, lambda n, c: c) + b"")
    assert added.ok


def test_a_forged_signature_or_another_key_is_named(session, node_keys) -> None:
    _user, _row, data = _stored(session, node_keys)

    def forge(name: str, content: bytes) -> bytes:
        if name != "datapackage-digest.json":
            return content
        digest = json.loads(content)
        sig = bytearray(base64.b64decode(digest["signedData"]["signature"]))
        sig[0] ^= 0xFF
        digest["signedData"]["signature"] = base64.b64encode(bytes(sig)).decode()
        return json.dumps(digest).encode()

    forged = service.verify_file(_rezip(data, forge))
    assert [f.where for f in forged.findings] == ["datapackage-digest.json"]
    assert "signature is not valid" in forged.findings[0].what
    other = base64.b64encode(bytes(SigningKey.generate().verify_key)).decode()
    untrusted = service.verify_file(data, public_key=other)
    assert [f.what for f in untrusted.findings] == ["signed by a key that is not trusted"]
    assert untrusted.findings[0].found == evidence.fingerprint(evidence.node_public_key())
    trusted = service.verify_file(data, public_key=evidence.node_public_key())
    assert trusted.ok


def test_verify_command_names_what_changed_and_exits_non_zero(session, node_keys, tmp_path) -> None:
    _user, _row, data = _stored(session, node_keys)
    good, bad = tmp_path / "good.wacz", tmp_path / "bad.wacz"
    good.write_bytes(data)
    bad.write_bytes(_rezip(data, lambda n, c: c + b"\n" if n == "indexes/index.cdxj" else c))
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["evidence", "verify", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "OK: nothing altered" in ok.output
    altered = runner.invoke(cli_app, ["evidence", "verify", str(bad)])
    assert altered.exit_code == 1
    assert "indexes/index.cdxj: SHA-256 differs from datapackage.json" in altered.output
    missing = runner.invoke(cli_app, ["evidence", "verify", str(tmp_path / "none.wacz")])
    assert missing.exit_code != 0 and "cannot be read" in str(missing.exception)


def test_an_imported_file_is_kept_byte_for_byte(session, node_keys) -> None:
    user = account(session, "cyber")
    found = read_file("ad.png", PNG)
    row = service.store_file(
        session, settings=node_keys, user=user, name="ad.png", data=PNG, found=found
    )
    assert row.kind == "image"
    assert row.details["original_sha256"] == evidence.sha256_hex(PNG)
    rec = service.image_record(row)
    assert evidence.read_resource(service.wacz_bytes(node_keys, row), rec) == PNG
    assert service.verify_file(service.wacz_bytes(node_keys, row), row=row).ok
