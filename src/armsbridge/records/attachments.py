"""Attachments: files kept under var_dir by their SHA-256, listed per record."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_, Phrase
from armsbridge.records.models import Attachment

MAX_BYTES = 25 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
# Raster images a browser may show inline, known by their first bytes. SVG, HTML, PDF and any
# other type can carry scripts or active content: those are always downloaded.
_RASTER_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# An attachment is never a page: were it opened as one, it could not run a script or a form.
ATTACHMENT_POLICY = "default-src 'none'; img-src 'self'; sandbox"


def attachment_path(var_dir: Path, sha256: str) -> Path:
    """Return where the file with this SHA-256 is kept (content-addressed, stored once)."""
    return Path(var_dir) / "attachments" / sha256[:2] / sha256


def add_attachment(
    session: Session,
    *,
    var_dir: Path,
    record_type: str,
    record: Any,
    filename: str,
    content_type: str | None,
    data: bytes,
    user: Principal,
    description: str | None = None,
) -> Attachment:
    """Store a file for a record, log the change and return the attachment row."""
    if not data:
        raise ValidationFailed(
            "the file is empty", [{"field": "file", "value": filename, "expected": "a file"}]
        )
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            N_("%(filename)s: %(count_data)s bytes is over the limit"),
            [
                {
                    "field": "file",
                    "value": filename,
                    "expected": Phrase(N_("at most %(count)s bytes"), {"count": MAX_BYTES}),
                }
            ],
            values={"filename": filename, "count_data": len(data)},
        )
    digest = hashlib.sha256(data).hexdigest()
    path = attachment_path(var_dir, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    safe = _SAFE_NAME.sub("_", Path(filename or "file").name)[:200] or "file"
    row = Attachment(
        record_type=record_type,
        record_id=record.id,
        jurisdiction=record.jurisdiction,
        filename=safe,
        content_type=(content_type or "application/octet-stream")[:120],
        size=len(data),
        sha256=digest,
        description=description,
        uploaded_by=user.username,
    )
    session.add(row)
    session.flush()
    log_access(
        session,
        user=user,
        action="change",
        record_type=record_type,
        record_id=record.id,
        jurisdiction=record.jurisdiction,
        after={"attachment": safe, "sha256": digest, "size": len(data)},
    )
    return row


# Built once: every record page runs it, and a reused statement keeps its SQL cache key.
_ATTACHMENTS_OF = (
    select(Attachment)
    .where(
        Attachment.record_type == bindparam("record_type"),
        Attachment.record_id == bindparam("record_id"),
    )
    .order_by(Attachment.uploaded_at.desc())
)


def attachments_of(session: Session, *, record_type: str, record_id: int) -> list[Attachment]:
    """Return the attachments of one record, newest first."""
    return list(
        session.scalars(_ATTACHMENTS_OF, {"record_type": record_type, "record_id": record_id})
    )


def read_attachment(var_dir: Path, attachment: Attachment) -> bytes:
    """Return a stored file's bytes after checking they still have their SHA-256."""
    data = attachment_path(var_dir, attachment.sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise ValidationFailed(
            N_("%(filename)s: stored file no longer matches its SHA-256"),
            [{"field": "file", "value": attachment.sha256, "expected": "an unaltered file"}],
            values={"filename": attachment.filename},
        )
    return data


def raster_image_type(data: bytes) -> str | None:
    """Return the type of a PNG, JPEG, GIF or WebP file judged by its bytes (else None)."""
    for magic, media_type in _RASTER_MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def download_headers(attachment: Attachment, data: bytes) -> tuple[str, dict[str, str]]:
    """Return (media type, headers) to serve a stored file: inline only for a checked raster image.

    The declared type and the file name are the uploader's word; only the bytes decide.
    """
    image = raster_image_type(data)
    disposition = "inline" if image else "attachment"
    # Header values are Latin-1: an ASCII fallback name, and the real one encoded (RFC 6266).
    fallback = attachment.filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    encoded = quote(attachment.filename, safe="")
    names = f"filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    return image or attachment.content_type, {
        "Content-Disposition": f"{disposition}; {names}",
        "Content-Security-Policy": ATTACHMENT_POLICY,
        "X-Content-SHA256": attachment.sha256,
        "X-Content-Type-Options": "nosniff",
    }
