"""Re-check a WACZ offline and name exactly what was altered (file, record, expected vs found).

Checks, in order: the whole file's SHA-256 (when the store knows it), the signature of
datapackage-digest.json against the trusted keys, the digest of datapackage.json, the SHA-256
and size of every file it lists (and files it does not list), then every WARC record: its gzip
member's SHA-256 (when the store knows it) and its WARC-Block-Digest and WARC-Payload-Digest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from armsbridge.db import keys
from armsbridge.monitoring.wacz import DIGEST, PACKAGE, sha256_hex, signed_payload


@dataclass(frozen=True)
class Finding:
    """One thing that does not match: where, what, what was expected, what was found."""

    where: str
    what: str
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        tail = f" (expected {self.expected}, found {self.found})" if self.expected else ""
        return f"{self.where}: {self.what}{tail}"


@dataclass
class Report:
    """The result of one verification: what was checked and every finding."""

    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    signed_by: str = ""  # fingerprint of the key that signed, when the signature is valid
    signed_key: str = ""  # that key, base64

    @property
    def ok(self) -> bool:
        """True when nothing was found altered."""
        return not self.findings

    def add(self, where: str, what: str, expected: str = "", found: str = "") -> None:
        """Record one finding."""
        self.findings.append(Finding(where, what, expected, found))

    def count(self, what: str) -> None:
        """Count one item checked."""
        self.checked[what] = self.checked.get(what, 0) + 1


def verify_wacz(
    data: bytes,
    *,
    trusted_keys: list[str],
    expected_sha256: str | None = None,
    expected_records: list[dict[str, Any]] | None = None,
) -> Report:
    """Verify a WACZ file's bytes; the report lists every alteration found."""
    report = Report()
    if expected_sha256:
        report.count("file hash")
        found = sha256_hex(data)
        if found != expected_sha256:
            report.add("WACZ file", "SHA-256 differs from the one stored", expected_sha256, found)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        report.add("WACZ file", f"not a readable zip file ({exc})")
        return report
    with archive:
        listed = _check_package(archive, names, report, trusted_keys)
        for path in sorted(names - listed - {PACKAGE, DIGEST}):
            report.add(path, "file not listed in datapackage.json (added)")
        for path in sorted(p for p in listed & names if p.endswith((".warc.gz", ".warc"))):
            warc = _read(archive, path, report)
            if warc is not None:
                check_warc(warc, report, path=path, expected=expected_records)
    return report


def _read(archive: zipfile.ZipFile, path: str, report: Report) -> bytes | None:
    try:
        return archive.read(path)
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        report.add(path, f"cannot be read from the zip ({exc})")
        return None


def _check_package(
    archive: zipfile.ZipFile, names: set[str], report: Report, trusted_keys: list[str]
) -> set[str]:
    """Check the signature, the package digest and every listed file; return the listed paths."""
    raw_package = _read(archive, PACKAGE, report) if PACKAGE in names else None
    if raw_package is None:
        report.add(PACKAGE, "missing")
        return set()
    raw_digest = _read(archive, DIGEST, report) if DIGEST in names else None
    if raw_digest is None:
        report.add(DIGEST, "missing: the file is not signed")
    else:
        _check_signature(raw_digest, raw_package, report, trusted_keys)
    try:
        package = json.loads(raw_package)
        resources = list(package["resources"])
    except (ValueError, KeyError, TypeError) as exc:
        report.add(PACKAGE, f"not a valid data package ({exc})")
        return set()
    listed: set[str] = set()
    for resource in resources:
        path = str(resource.get("path", ""))
        listed.add(path)
        report.count("files")
        if path not in names:
            report.add(path, "listed in datapackage.json but missing from the file")
            continue
        content = _read(archive, path, report)
        if content is None:
            continue
        expected = str(resource.get("hash", "")).removeprefix("sha256:")
        found = sha256_hex(content)
        if found != expected:
            report.add(path, "SHA-256 differs from datapackage.json", expected, found)
        elif int(resource.get("bytes", -1)) != len(content):
            report.add(path, "size differs", str(resource.get("bytes")), str(len(content)))
    return listed


def _check_signature(
    raw_digest: bytes, raw_package: bytes, report: Report, trusted_keys: list[str]
) -> None:
    report.count("signature")
    try:
        digest = json.loads(raw_digest)
        signed = dict(digest["signedData"])
    except (ValueError, KeyError, TypeError) as exc:
        report.add(DIGEST, f"not readable ({exc})")
        return
    found = f"sha256:{sha256_hex(raw_package)}"
    if signed.get("hash") != found:
        report.add(
            PACKAGE, "SHA-256 differs from the signed digest", str(signed.get("hash")), found
        )
    public = str(signed.get("publicKey", ""))
    if not keys.verify_signature(public, signed_payload(signed), str(signed.get("signature", ""))):
        report.add(DIGEST, "signature is not valid for the signed data (altered or forged)")
        return
    signer = _fingerprint(public)
    if public not in trusted_keys:
        expected = ", ".join(_fingerprint(k) for k in trusted_keys) or "a trusted key"
        report.add(DIGEST, "signed by a key that is not trusted", expected, signer)
        return
    report.signed_by, report.signed_key = signer, public


def _fingerprint(public_b64: str) -> str:
    try:
        return keys.fingerprint_of(public_b64)
    except (ValueError, TypeError):
        return public_b64[:16] or "(none)"


def check_warc(
    warc: bytes, report: Report, *, path: str, expected: list[dict[str, Any]] | None = None
) -> None:
    """Check every record of a gzip WARC: its member's SHA-256 (if known) and its digests."""
    known = {int(r["offset"]): r for r in expected or []}
    for rec in expected or []:
        report.count("stored record hashes")
        start, length = int(rec["offset"]), int(rec["length"])
        found = sha256_hex(warc[start : start + length])
        if found != rec["sha256"]:
            report.add(
                _name(path, rec), "SHA-256 differs from the one stored", rec["sha256"], found
            )
    view = memoryview(warc)
    pos, number = 0, 0
    while pos < len(warc):
        number += 1
        inflater = zlib.decompressobj(wbits=31)
        try:
            content = inflater.decompress(view[pos:]) + inflater.flush()
            ok = inflater.eof
        except zlib.error as exc:
            content, ok = b"", False
            report.add(_name(path, known.get(pos), number, pos), f"not readable ({exc})")
        if not ok:
            if not content and known:
                later = [o for o in known if o > pos]
                if later:
                    pos = min(later)
                    continue
            if content:
                report.add(_name(path, known.get(pos), number, pos), "truncated record")
            return
        report.count("WARC records")
        _check_record(content, report, _name(path, known.get(pos), number, pos))
        pos = len(warc) - len(inflater.unused_data)


def _name(path: str, rec: dict[str, Any] | None, number: int = 0, offset: int = 0) -> str:
    if rec is not None:
        uri = f" {rec['uri']}" if rec.get("uri") else ""
        return f"{path} record {rec['type']}{uri} ({rec['id']})"
    return f"{path} record {number} at offset {offset}"


def _check_record(content: bytes, report: Report, where: str) -> None:
    end = content.find(b"\r\n\r\n")
    if end < 0:
        report.add(where, "no WARC header")
        return
    headers = {}
    for line in content[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    length = int(headers.get("content-length", "0") or 0)
    block = content[end + 4 : end + 4 + length]
    if len(block) != length:
        report.add(where, "block shorter than its Content-Length", str(length), str(len(block)))
    rid = headers.get("warc-record-id", "")
    if rid not in where:  # not known to the store: named by its own headers
        uri = headers.get("warc-target-uri", "")
        kind = headers.get("warc-type", "?")
        where = f"{where.split(' record ')[0]} record {kind}{' ' + uri if uri else ''} ({rid})"
    _compare(report, where, "WARC-Block-Digest", headers.get("warc-block-digest"), block)
    if "warc-payload-digest" in headers:
        payload = block  # a resource or metadata record's payload is its block
        if headers.get("content-type", "").startswith("application/http"):
            split = block.find(b"\r\n\r\n")
            payload = block[split + 4 :] if split >= 0 else b""
        _compare(report, where, "WARC-Payload-Digest", headers["warc-payload-digest"], payload)


def _compare(report: Report, where: str, header: str, declared: str | None, data: bytes) -> None:
    if not declared:
        report.add(where, f"{header} missing")
        return
    algorithm, _, value = declared.partition(":")
    if algorithm.lower() != "sha256":
        report.add(where, f"{header} is not SHA-256", "sha256", algorithm)
        return
    found = base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")
    report.count("digests")
    if found != value:
        report.add(where, f"{header} differs from the record's content", value, found)
