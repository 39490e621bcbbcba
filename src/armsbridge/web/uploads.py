"""Files uploaded through a page: read within the node's size limit, kept under a safe name."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import UploadFile

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
MAX_NAME_CHARS = 120


def safe_filename(name: str | None, default: str) -> str:
    """Return the upload's base name in letters, digits, '.', '-' and '_' (else `default`)."""
    # A name of dots ("..") would be the folder itself, and a leading dot hides the file.
    kept = _UNSAFE.sub("_", Path(name or "").name)[:MAX_NAME_CHARS].lstrip(".")
    return kept or default


async def read_within(file: UploadFile, limit: int) -> bytes | None:
    """Return the uploaded bytes, or None when the file is empty or over `limit` bytes."""
    data = await file.read(limit + 1)
    return data if data and len(data) <= limit else None
