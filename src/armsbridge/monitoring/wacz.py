"""Package a WARC as WACZ 1.1.1 (a zip) and sign it with the node's Ed25519 signing key.

Layout (specs.webrecorder.net/wacz/1.1.1): archive/data.warc.gz, indexes/index.cdxj,
pages/pages.jsonl, datapackage.json (SHA-256 and size of every file) and
datapackage-digest.json (the SHA-256 of datapackage.json, signed). The signature is Ed25519
(the key that signs the node's audit checkpoints, db.keys.signer) over the canonical JSON
(RFC 8785) of {hash, created, software, publicKey}; the WACZ signing profile's ECDSA keys are
not used, since the node already has one long-lived key that a court can be given
(docs/dev/decisions.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import rfc8785

from armsbridge import __version__
from armsbridge.db import keys
from armsbridge.monitoring.warc import WarcRecordInfo

WACZ_VERSION = "1.1.1"
WARC_PATH = "archive/data.warc.gz"
INDEX_PATH = "indexes/index.cdxj"
PAGES_PATH = "pages/pages.jsonl"
PACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
SOFTWARE = f"armsbridge {__version__}"


@dataclass(frozen=True)
class Page:
    """One entry of pages.jsonl: the page (or file) a viewer opens first."""

    url: str
    ts: str
    title: str
    text: str


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of `data` as hex."""
    return hashlib.sha256(data).hexdigest()


def surt(uri: str) -> str:
    """Return the sort key of a URI for the CDXJ index (host reversed, as SURT does)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return uri
    host = ",".join(reversed(parts.hostname.lower().split(".")))
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port})" + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def cdxj(records: list[WarcRecordInfo], timestamp: str) -> bytes:
    """Return the CDXJ index of the response and resource records, sorted by key."""
    lines = []
    for rec in records:
        if rec.type not in ("response", "resource"):
            continue
        entry = {
            "url": rec.uri,
            "mime": rec.content_type,
            "offset": rec.offset,
            "length": rec.length,
            "filename": WARC_PATH.rsplit("/", 1)[-1],
            "recordDigest": f"sha256:{rec.sha256}",
        }
        lines.append(f"{surt(rec.uri)} {timestamp} {json.dumps(entry, sort_keys=True)}")
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8") if lines else b""


def signed_payload(signed: dict[str, Any]) -> bytes:
    """Return the bytes the signature covers: canonical JSON of hash, created, software, key."""
    return rfc8785.dumps({k: signed.get(k) for k in ("hash", "created", "software", "publicKey")})


def package(
    *, warc: bytes, records: list[WarcRecordInfo], page: Page, created: datetime, title: str
) -> bytes:
    """Return the signed WACZ file holding `warc`, its index and its page."""
    stamp = created.strftime("%Y%m%d%H%M%S")
    iso = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    page_line = {"id": "main", "url": page.url, "ts": page.ts, "title": page.title}
    page_line["text"] = page.text
    pages = (json.dumps(header) + "\n" + json.dumps(page_line, ensure_ascii=False) + "\n").encode()
    files = {WARC_PATH: warc, INDEX_PATH: cdxj(records, stamp), PAGES_PATH: pages}
    datapackage = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "software": SOFTWARE,
        "created": iso,
        "modified": iso,
        "mainPageUrl": page.url,
        "mainPageDate": iso,
        "resources": [
            {
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "hash": f"sha256:{sha256_hex(data)}",
                "bytes": len(data),
            }
            for path, data in files.items()
        ],
    }
    package_bytes = json.dumps(datapackage, indent=2, ensure_ascii=False).encode("utf-8")
    signer = keys.signer(keys.node_settings())
    signed: dict[str, Any] = {
        "hash": f"sha256:{sha256_hex(package_bytes)}",
        "created": iso,
        "software": SOFTWARE,
        "publicKey": keys.public_key_b64(signer.public),
    }
    signed["signature"] = signer.sign(signed_payload(signed))
    signed["signatureAlgorithm"] = "Ed25519"
    digest = {"path": PACKAGE, "hash": signed["hash"], "signedData": signed}
    files[PACKAGE] = package_bytes
    files[DIGEST] = json.dumps(digest, indent=2).encode("utf-8")
    out = io.BytesIO()
    moment = created.timetuple()[:6]
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=moment)  # type: ignore[arg-type]
            # The WARC is already gzip: storing it keeps its records' offsets readable in place.
            info.compress_type = zipfile.ZIP_STORED if path == WARC_PATH else zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return out.getvalue()


def node_public_key() -> str:
    """Return the base64 public key of the node's signing key (what verify trusts by default)."""
    return keys.public_key_b64(keys.signer(keys.node_settings()).public)
