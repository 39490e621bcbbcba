"""Turn what was captured (a browser's page, an imported file) into one signed WACZ.

The WARC holds, in order: warcinfo, every response with its request, the screenshot and the
rendered DOM (or the imported file, byte for byte) as resource records, and a metadata record
naming who captured what, when (UTC), from where, through which proxy and under which case and
handling code.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from armsbridge.db import keys
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.monitoring import wacz
from armsbridge.monitoring.capture import PageCapture
from armsbridge.monitoring.files import FileEvidence
from armsbridge.monitoring.warc import WarcBuilder, warc_date

node_public_key = wacz.node_public_key
sha256_hex = wacz.sha256_hex


@dataclass(frozen=True)
class Built:
    """A finished WACZ with what the store keeps of it."""

    wacz: bytes
    sha256: str
    records: list[dict[str, Any]]
    created: datetime
    public_key: str
    original_sha256: str | None = None


def _info(meta: dict[str, Any]) -> dict[str, str]:
    return {
        "software": wacz.SOFTWARE,
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "operator": f"{meta['captured_by']} ({meta['jurisdiction']}, node {meta['node']})",
        "isPartOf": f"case {meta['case_id']}" if meta.get("case_id") else "no case",
        "description": f"handling code {meta['handling_code']}",
    }


def _finish(
    builder: WarcBuilder, *, page: wacz.Page, created: datetime, title: str, **extra: Any
) -> Built:
    data = wacz.package(
        warc=builder.getvalue(), records=builder.records, page=page, created=created, title=title
    )
    return Built(
        wacz=data,
        sha256=wacz.sha256_hex(data),
        records=[r.as_dict() for r in builder.records],
        created=created,
        public_key=wacz.node_public_key(),
        **extra,
    )


def from_page(page: PageCapture, meta: dict[str, Any]) -> Built:
    """Return the signed WACZ of a browser capture."""
    created = datetime.now(UTC).replace(microsecond=0)
    builder = WarcBuilder()
    builder.warcinfo("data.warc.gz", _info(meta))
    for ex in page.exchanges:
        builder.exchange(
            url=ex.url,
            method=ex.method,
            request_headers=ex.request_headers,
            request_body=ex.request_body,
            status=ex.status,
            reason=ex.reason,
            response_headers=ex.response_headers,
            body=ex.body,
            date=warc_date(ex.at),
            ip=ex.ip,
        )
    at = warc_date(created)
    shot = builder.resource(
        uri=f"urn:armsbridge:screenshot:{page.final_url}",
        content_type="image/png",
        data=page.screenshot,
        date=at,
        extra={"WARC-Refers-To-Target-URI": page.final_url},
    )
    dom = page.html.encode("utf-8")
    builder.resource(
        uri=f"urn:armsbridge:dom:{page.final_url}",
        content_type="text/html; charset=utf-8",
        data=dom,
        date=at,
        extra={"WARC-Refers-To-Target-URI": page.final_url},
    )
    values = {
        **meta,
        "captured_at": created.isoformat(),
        "started_at": page.started_at.isoformat(),
        "url": page.url,
        "final_url": page.final_url,
        "title": page.title,
        "proxy": page.proxy,
        "user_agent": page.user_agent,
        "responses": len(page.exchanges),
        "screenshot_sha256": hashlib.sha256(page.screenshot).hexdigest(),
        "dom_sha256": hashlib.sha256(dom).hexdigest(),
    }
    builder.metadata(uri=f"metadata:{page.url}", values=values, date=at, refers_to=shot.id)
    entry = wacz.Page(url=page.final_url, ts=at, title=page.title, text=page.text)
    return _finish(builder, page=entry, created=created, title=page.title or page.url)


def from_file(name: str, data: bytes, found: FileEvidence, meta: dict[str, Any]) -> Built:
    """Return the signed WACZ of an imported file, kept byte for byte as a resource record."""
    created = datetime.now(UTC).replace(microsecond=0)
    original = hashlib.sha256(data).hexdigest()
    uri = f"urn:armsbridge:file:{original}/{quote(name)}"
    at = warc_date(created)
    builder = WarcBuilder()
    builder.warcinfo("data.warc.gz", _info(meta))
    rec = builder.resource(
        uri=uri,
        content_type=found.content_type,
        data=data,
        date=at,
        extra={"WARC-Source-URI": quote(name)},
    )
    values = {
        **meta,
        "captured_at": created.isoformat(),
        "imported_file": name,
        "kind": found.kind,
        "original_sha256": original,
        "original_bytes": len(data),
    }
    builder.metadata(uri=f"metadata:{uri}", values=values, date=at, refers_to=rec.id)
    entry = wacz.Page(url=uri, ts=at, title=found.title, text=found.text)
    return _finish(
        builder, page=entry, created=created, title=found.title, original_sha256=original
    )


def fingerprint(public_b64: str) -> str:
    """Return the readable fingerprint of a signing key (what a court compares)."""
    return keys.fingerprint_of(public_b64)


def read_resource(wacz_data: bytes, rec: dict[str, Any]) -> bytes:
    """Return the payload of one record of a WACZ's WARC, checked against its stored SHA-256."""
    with zipfile.ZipFile(io.BytesIO(wacz_data)) as archive:
        warc = archive.read(wacz.WARC_PATH)
    start, length = int(rec["offset"]), int(rec["length"])
    member = warc[start : start + length]
    if hashlib.sha256(member).hexdigest() != rec["sha256"]:
        raise ValidationFailed(
            N_("record %(record)s no longer matches its SHA-256; run `armsbridge evidence verify`"),
            [{"field": "record", "value": str(rec["id"]), "expected": N_("an unaltered record")}],
            values={"record": rec["id"]},
        )
    content = gzip.decompress(member)
    end = content.index(b"\r\n\r\n")
    length = 0
    for line in content[:end].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return content[end + 4 : end + 4 + length]
