"""Tables of analysis: the analytical products (problem, subject, risk profiles) an analyst keeps.

A product is a document: what the records said when it was generated (`content`, each figure
with the records behind it), the analyst's own sections, the 4x4 grades the analyst gives it,
and a handling code never weaker than the strictest code of the records it draws on. Rows pass
restrict() as type "product" (jurisdiction, handling code, case) with the role actions
product.read / product.write (auth/roles.yaml).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow

KINDS = ("problem", "subject", "risk")
STATUSES = ("draft", "final")


class AnalysisProduct(Base):
    """One problem, subject or risk profile: content, analyst sections, grades, marking."""

    __tablename__ = "analysis_products"
    __restrict_type__ = "product"
    __restrict_actions__ = {"read": "product.read", "write": "product.write"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # one of KINDS
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # one of STATUSES
    jurisdiction: Mapped[str] = mapped_column(String(2), index=True)
    handling_code: Mapped[str] = mapped_column(String(2), default="H0")
    handling_restriction: Mapped[str | None] = mapped_column(Text, default=None)  # H3's words
    source_grade: Mapped[str | None] = mapped_column(String(1), default=None)  # A, B, C, X
    information_grade: Mapped[str | None] = mapped_column(String(1), default=None)  # 1..4
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, default=None)
    # What was asked: the problem's filters, or the subject's record; and why (the justification).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    purpose: Mapped[str | None] = mapped_column(Text, default=None)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # the analyst's words
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80))
