"""Attachments: files kept under var_dir by their SHA-256, listed per record."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.records.models import Attachment

MAX_BYTES = 25 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


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
            f"{filename}: {len(data)} bytes is over the limit",
            [{"field": "file", "value": filename, "expected": f"at most {MAX_BYTES} bytes"}],
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
            f"{attachment.filename}: stored file no longer matches its SHA-256",
            [{"field": "file", "value": attachment.sha256, "expected": "an unaltered file"}],
        )
    return data
