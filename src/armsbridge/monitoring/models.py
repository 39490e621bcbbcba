"""Tables of online investigation: captures of web pages and imported files kept as evidence.

A capture's evidence is one signed WACZ file under var_dir (monitoring.wacz); its row holds the
SHA-256 of the file and of every WARC record in it, so a changed file is found even when its
signature was remade with a stolen key. Rows pass restrict() as type "capture" (jurisdiction,
handling code, case), with the role actions capture.read / capture.create (auth/roles.yaml).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow

KINDS = ("web", "html", "mhtml", "image", "telegram", "whatsapp")


class Capture(Base):
    """One piece of online evidence: a captured URL or an imported file, packaged as WACZ."""

    __tablename__ = "captures"
    # restrict(): the row type named in audit entries and grants, and the actions it needs.
    __restrict_type__ = "capture"
    __restrict_actions__ = {"read": "capture.read", "write": "capture.create"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # one of KINDS
    url: Mapped[str | None] = mapped_column(Text, default=None)  # web: the URL asked for
    source_name: Mapped[str | None] = mapped_column(String(255), default=None)  # imported file
    title: Mapped[str | None] = mapped_column(String(500), default=None)
    text: Mapped[str | None] = mapped_column(Text, default=None)  # visible text, for triage
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    captured_by: Mapped[str] = mapped_column(String(80))
    jurisdiction: Mapped[str] = mapped_column(String(2), index=True)
    handling_code: Mapped[str] = mapped_column(String(2), default="H0")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, default=None)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the whole WACZ file
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))  # relative to var_dir
    public_key: Mapped[str] = mapped_column(String(64))  # base64 Ed25519 key that signed it
    # Every WARC record: {"id", "type", "uri", "offset", "length", "sha256"} (of its gzip member).
    records: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # proxy, user agent, ...
    status: Mapped[str] = mapped_column(String(20), default="captured")
