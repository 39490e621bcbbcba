"""Write evidence as WARC/1.1 (ISO 28500) with warcio: SHA-256 digests, one gzip member a record.

Every record gets a WARC-Block-Digest (and a WARC-Payload-Digest where it has a payload) in
SHA-256, and its gzip member's offset, length and SHA-256 are returned so the store can keep
them: `monitoring.verify` then names the exact record that changed.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

WARC_VERSION = "WARC/1.1"
# Headers a browser saw but which no longer describe the stored body: it is kept decoded.
_DROPPED = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class _Sha256Writer(WARCWriter):
    """warcio's writer with SHA-256 digests instead of its default SHA-1."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass
class WarcRecordInfo:
    """Where one record sits in the WARC file, and the SHA-256 of its gzip member."""

    id: str
    type: str
    uri: str
    offset: int
    length: int
    sha256: str
    content_type: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the record's entry as stored in the capture row and the WACZ index."""
        return {
            "id": self.id,
            "type": self.type,
            "uri": self.uri,
            "offset": self.offset,
            "length": self.length,
            "sha256": self.sha256,
            "content_type": self.content_type,
        }


@dataclass
class WarcBuilder:
    """Collects records in one gzip WARC in memory (captures are bounded by the size limit)."""

    out: io.BytesIO = field(default_factory=io.BytesIO)
    records: list[WarcRecordInfo] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.writer = _Sha256Writer(self.out, gzip=True, warc_version=WARC_VERSION)

    def _write(self, record: Any, uri: str) -> WarcRecordInfo:
        start = self.out.tell()
        self.writer.write_record(record)
        end = self.out.tell()
        member = self.out.getbuffer()[start:end]
        info = WarcRecordInfo(
            id=record.rec_headers.get_header("WARC-Record-ID"),
            type=record.rec_headers.get_header("WARC-Type"),
            uri=uri,
            offset=start,
            length=end - start,
            sha256=hashlib.sha256(member).hexdigest(),
            content_type=record.rec_headers.get_header("Content-Type") or "",
        )
        del member
        self.records.append(info)
        return info

    def warcinfo(self, filename: str, info: dict[str, str]) -> WarcRecordInfo:
        """Write the warcinfo record: software, format, operator, the capture's conditions."""
        record = self.writer.create_warcinfo_record(filename, info)
        return self._write(record, "")

    def exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes | None,
        status: int,
        reason: str,
        response_headers: list[tuple[str, str]],
        body: bytes,
        date: str,
        ip: str | None = None,
    ) -> WarcRecordInfo:
        """Write one HTTP response and its request (WARC-Concurrent-To links them)."""
        kept = [(k, v) for k, v in response_headers if k.lower() not in _DROPPED]
        kept.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason or 'OK'}", kept, protocol="HTTP/1.1")
        headers = {"WARC-Date": date}
        if ip:
            headers["WARC-IP-Address"] = ip
        response = self.writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=headers,
        )
        sent = [(k, v) for k, v in request_headers if not k.startswith(":")]
        if not any(k.lower() == "host" for k, _v in sent):
            sent.insert(0, ("Host", urlsplit(url).netloc))
        req_http = StatusAndHeaders(
            f"{method} {_request_target(url)} HTTP/1.1", sent, protocol="", is_http_request=True
        )
        payload = request_body or b""
        request = self.writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=req_http,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        info = self._write(response, url)
        self._write(request, url)
        return info

    def resource(
        self, *, uri: str, content_type: str, data: bytes, date: str, extra: dict[str, str]
    ) -> WarcRecordInfo:
        """Write a resource record: a screenshot, the rendered DOM or an imported file as is."""
        record = self.writer.create_warc_record(
            uri,
            "resource",
            payload=io.BytesIO(data),
            length=len(data),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": date, **extra},
        )
        return self._write(record, uri)

    def metadata(self, *, uri: str, values: dict[str, Any], date: str, refers_to: str) -> None:
        """Write the metadata record: who captured what, when, how (JSON)."""
        data = json.dumps(values, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        record = self.writer.create_warc_record(
            uri,
            "metadata",
            payload=io.BytesIO(data),
            length=len(data),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": refers_to},
        )
        self._write(record, uri)

    def getvalue(self) -> bytes:
        """Return the whole gzip WARC file."""
        return self.out.getvalue()


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def warc_date(moment: Any) -> str:
    """Return a WARC/1.1 date (UTC, microseconds) for an aware datetime."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
