"""What an import reports: counts, records created and updated per type, and each row error."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RowError:
    """One problem of one row: file, row, column, value and what was expected."""

    file: str
    row: int
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        column = f", column {self.column}" if self.column else ""
        return f"{self.file}, row {self.row}{column}: {self.value!r} is not {self.expected}"


@dataclass
class ImportReport:
    """Outcome of importing one file (or of a dry run of it)."""

    file: str
    profile: str
    sha256: str
    dry_run: bool = False
    encoding: str | None = None
    rows_read: int = 0
    rows_imported: int = 0
    rows_quarantined: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    quarantine_path: Path | None = None
    quarantine_omitted: int = 0  # rows past the quarantine's size limit, counted not listed

    @property
    def ok(self) -> bool:
        """True when no row was quarantined."""
        return self.rows_quarantined == 0

    def summary(self) -> dict[str, object]:
        """Return the counts as plain data (audit details, JSON output)."""
        return {
            "file": self.file,
            "profile": self.profile,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_quarantined": self.rows_quarantined,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "quarantine": str(self.quarantine_path) if self.quarantine_path else None,
        }
