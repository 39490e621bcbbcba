"""Tables of the border: the passages through the crossing points a service recorded.

A passage is one vehicle or traveller on foot through a crossing point, as the recording
service's checkpoint saw it: when (wall time at the border, like patrols), which way, the
vehicle's kind and registration country, who travelled (age band, sex, how many), whether the
driver was known to the police, how often the vehicle crossed in the last 30 days, whether it
was checked and whether the check found weapons. No names: a passage names no person. A node
holds only its own service's passages (`jurisdiction`); rows pass restrict() as type "passage",
read by those who make risk profiles (product.write), written by imports (import.run).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow


class Passage(Base):
    """One border-crossing passage recorded by this node's service."""

    __tablename__ = "border_passages"
    __restrict_type__ = "passage"
    __restrict_actions__ = {"read": "product.write", "write": "import.run"}
    __table_args__ = (
        Index("ix_border_passages_jurisdiction_passed_at", "jurisdiction", "passed_at"),
        # A file's row is stored once: two uploads of the same file at the same moment cannot
        # both pass the "imported before?" check and store it twice.
        UniqueConstraint("file_sha256", "file_row", name="uq_border_passages_file_row"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(2))  # the recording service
    handling_code: Mapped[str] = mapped_column(String(2), default="H0")
    crossing: Mapped[str] = mapped_column(String(40), index=True)  # gazetteer crossing code
    passed_at: Mapped[datetime] = mapped_column(DateTime)  # wall time at the border
    direction: Mapped[str | None] = mapped_column(String(5), default=None)  # passage_directions
    vehicle: Mapped[str] = mapped_column(String(10))  # passage_vehicles
    plate: Mapped[str | None] = mapped_column(String(5), default=None)  # country or "other"
    occupants: Mapped[int | None] = mapped_column(Integer, default=None)
    age_band: Mapped[str | None] = mapped_column(String(5), default=None)  # age_bands
    male: Mapped[bool | None] = mapped_column(Boolean, default=None)
    known: Mapped[bool] = mapped_column(Boolean, default=False)  # driver in the records
    crossings_30d: Mapped[int | None] = mapped_column(Integer, default=None)
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    weapons_found: Mapped[bool] = mapped_column(Boolean, default=False)
    source_ref: Mapped[str | None] = mapped_column(String(200), default=None)  # file and row
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)  # the file's bytes
    file_row: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
