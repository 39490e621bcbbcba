"""Append to and verify the hash-chained audit log; every act on personal data passes here.

Reading the log goes through query_entries() and export_csv(), which show an auditor only the
entries of their own service (restrict_entries); verify_chain() checks every entry.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TextIO, cast

from sqlalchemy import Select, Table, and_, bindparam, false, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from armsbridge.audit.models import AuditChange, AuditEntry, AuditHead
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.db.rows import insert_rows
from armsbridge.errors import PermissionDenied
from armsbridge.settings import get_settings
from armsbridge.spreadsheet import safe_row

GENESIS = "0" * 64
ACTIONS = (
    "consult",
    "refused",  # a signed-in user was refused a record or a kind of record (details.reason)
    "search",
    "create",
    "change",
    "erase",
    "disclose",
    "export",
    "import",
    "match",
    "review",
    "login",
    "login_failed",
    "logout",
    "admin",
)


# Statements built once, executed on the session's connection: the ORM's unit of work and
# bulk-update bookkeeping cost more than the statements themselves on every consultation.
_ENTRIES = cast(Table, AuditEntry.__table__)
_ENTRY_COLUMNS = tuple(c.key for c in _ENTRIES.columns)
_INSERT_ENTRY = insert(_ENTRIES)
_HEAD = cast(Table, AuditHead.__table__)
_BUMP_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + 1)
    .returning(_HEAD.c.seq, _HEAD.c.last_hash)
)
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("new_hash"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Return the SHA-256 of the previous hash and the entry's canonical JSON."""
    canonical = json.dumps(_jsonable(fields), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.replace(tzinfo=entry.at.tzinfo or UTC),
        "actor": entry.actor,
        "actor_jurisdiction": entry.actor_jurisdiction,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "jurisdiction": entry.jurisdiction,
        "why": entry.why,
        "recipient": entry.recipient,
        "before": entry.before,
        "after": entry.after,
        "details": entry.details,
    }


def _lock_head(session: Session) -> tuple[int, str]:
    stmt = _BUMP_HEAD
    row = session.connection().execute(stmt).first()
    if row is None:
        try:
            with session.begin_nested():
                session.execute(insert(AuditHead).values(id=1, seq=0, last_hash=GENESIS))
        except IntegrityError:
            pass  # another transaction created the head first
        row = session.connection().execute(stmt).first()
    assert row is not None
    return int(row[0]), str(row[1])


def log_event(
    session: Session,
    *,
    actor: str,
    action: str,
    record_type: str | None = None,
    record_id: int | None = None,
    jurisdiction: str | None = None,
    why: str | None = None,
    recipient: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    actor_jurisdiction: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction and return it.

    `jurisdiction` is the record's; `actor_jurisdiction` the acting account's service, which
    defaults to `jurisdiction` (writers act on records of their own jurisdiction only).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.flush()  # the caller's pending changes go first, as an ORM statement would do
    seq, prev_hash = _lock_head(session)
    entry = AuditEntry(
        seq=seq,
        at=datetime.now(UTC).replace(microsecond=0),
        actor=actor,
        actor_jurisdiction=actor_jurisdiction or jurisdiction,
        action=action,
        record_type=record_type,
        record_id=record_id,
        jurisdiction=jurisdiction,
        why=why,
        recipient=recipient,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        details=_jsonable(details) if details is not None else None,
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = entry_hash(prev_hash, _hashed_fields(entry))
    connection = session.connection()
    connection.execute(_INSERT_ENTRY, {name: getattr(entry, name) for name in _ENTRY_COLUMNS})
    connection.execute(_SET_HEAD_HASH, {"new_hash": entry.hash})
    # The row is written; attach the object as loaded so the session knows it without a flush.
    make_transient_to_detached(entry)
    session.add(entry)
    head = session.identity_map.get(session.identity_key(AuditHead, 1))
    if head is not None:
        session.expire(head)
    return entry


@dataclass
class VerifyResult:
    """Outcome of a chain verification: entries checked and every problem found."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact."""
        return not self.problems


def _entries(session: Session) -> Iterator[AuditEntry]:
    yield from session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    ).scalars()


Change = tuple[str, int, str]  # (record type, record id, "create" | "change")


def changes_digest(changes: list[Change]) -> str:
    """Return the SHA-256 of a bulk write's change rows, in a canonical order."""
    digest = hashlib.sha256()
    for record_type, record_id, op in sorted(changes):
        digest.update(f"{record_type}:{record_id}:{op}\n".encode())
    return digest.hexdigest()


def changes_summary(changes: list[Change]) -> dict[str, Any]:
    """Return what an entry's details say of its change rows: their count and SHA-256."""
    return {"changes": len(changes), "changes_sha256": changes_digest(changes)}


def add_changes(session: Session, *, entry: AuditEntry, changes: list[Change]) -> None:
    """Store the change rows of a bulk write under the (already chained) entry of its file."""
    rows = [
        {"entry_seq": entry.seq, "record_type": t, "record_id": i, "op": op} for t, i, op in changes
    ]
    insert_rows(session, AuditChange.__table__, rows)


def _check_changes(session: Session, result: VerifyResult) -> None:
    """Compare every entry's change summary with the change rows stored under it."""
    stored: dict[int, list[Change]] = {}
    rows = session.execute(
        select(
            AuditChange.entry_seq, AuditChange.record_type, AuditChange.record_id, AuditChange.op
        )
    )
    for seq, record_type, record_id, op in rows:
        stored.setdefault(seq, []).append((record_type, record_id, op))
    summarised = session.execute(
        select(AuditEntry.seq, AuditEntry.details).where(AuditEntry.action == "import")
    )
    for seq, details in summarised:
        if not details or "changes_sha256" not in details:
            continue
        if changes_digest(stored.pop(seq, [])) != details["changes_sha256"]:
            result.problems.append(
                f"entry {seq}: the list of records its import wrote was altered afterwards"
            )
    for seq in sorted(stored):
        result.problems.append(f"change rows name entry {seq}, which does not list them")


def verify_chain(session: Session) -> VerifyResult:
    """Recompute the chain; report altered, removed, inserted or reordered entries."""
    result = VerifyResult()
    prev_hash, expected_seq = GENESIS, 1
    for entry in _entries(session):
        result.checked += 1
        if entry.seq != expected_seq:
            result.problems.append(f"entry {expected_seq} is missing (next found: {entry.seq})")
        if entry.prev_hash != prev_hash:
            result.problems.append(f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        if entry_hash(entry.prev_hash, _hashed_fields(entry)) != entry.hash:
            result.problems.append(f"entry {entry.seq} was altered after it was written")
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev_hash):
        result.problems.append(
            f"the log ends at entry {expected_seq - 1} but {head.seq} were written: "
            "entries were removed from the end"
        )
    _check_changes(session, result)
    return result


@dataclass(frozen=True)
class EntryFilters:
    """Which entries to read: every given criterion must hold; newest first, at most `limit`."""

    by: str | None = None  # only this account's entries
    action: str | None = None
    record_type: str | None = None
    record_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 500

    def named(self) -> dict[str, Any]:
        """Return the filters that were given, as JSON values (for the export's own entry)."""
        return {k: v for k, v in _jsonable(asdict(self)).items() if v is not None}


def check_may(user: Principal, action: str) -> None:
    """Refuse (403) unless the role of `user` allows `action` (audit.read or audit.export)."""
    if not role_allows(user.role, action):
        what = "export" if action == "audit.export" else "read"
        raise PermissionDenied(
            f"the account {user.username!r} (role {user.role}) may not {what} the audit log; "
            f"only auditors may ({action})"
        )


def restrict_entries(stmt: Select, user: Principal) -> Select:
    """Narrow a query of entries to the auditor's service: own accounts' acts, own records.

    An entry belongs to a service when its acting account does (actor_jurisdiction) or when the
    record it is about does (jurisdiction). Entries of neither (failed sign-ins under names of
    no account) belong to the node, so to the auditors of the node's jurisdiction. Roles
    without audit.read see nothing.
    """
    if not role_allows(user.role, "audit.read"):
        return stmt.where(false())
    own = [
        AuditEntry.actor_jurisdiction == user.jurisdiction,
        AuditEntry.jurisdiction == user.jurisdiction,
    ]
    if user.jurisdiction == get_settings().jurisdiction:
        own.append(and_(AuditEntry.actor_jurisdiction.is_(None), AuditEntry.jurisdiction.is_(None)))
    return stmt.where(or_(*own))


def query_entries(
    session: Session, *, user: Principal, filters: EntryFilters | None = None
) -> list[AuditEntry]:
    """Return the entries `user` may read that match every filter, newest first."""
    check_may(user, "audit.read")
    f = filters or EntryFilters()
    stmt = restrict_entries(select(AuditEntry), user).order_by(AuditEntry.seq.desc())
    if f.by:
        stmt = stmt.where(AuditEntry.actor == f.by)
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.record_type:
        stmt = stmt.where(AuditEntry.record_type == f.record_type)
    if f.record_id is not None:
        stmt = stmt.where(AuditEntry.record_id == f.record_id)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEntry.at <= f.until)
    return list(session.execute(stmt.limit(f.limit)).scalars())


EXPORT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "actor_jurisdiction",
    "action",
    "record_type",
    "record_id",
    "jurisdiction",
    "why",
    "recipient",
    "details",
    "before",
    "after",
    "prev_hash",
    "hash",
)
_JSON_COLUMNS = frozenset({"details", "before", "after"})


def _cell(entry: AuditEntry, column: str) -> Any:
    value = getattr(entry, column)
    if value is None:
        return ""
    if column in _JSON_COLUMNS:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(value, datetime):
        return _jsonable(value.replace(tzinfo=value.tzinfo or UTC))
    return value


def export_csv(
    session: Session, *, user: Principal, out: TextIO, filters: EntryFilters | None = None
) -> int:
    """Write the entries `user` may read as CSV to `out`, log the export, return the row count.

    The export's own entry names the filters, the number of rows and how the account acted
    (web session, API token or CLI, with the operating-system user on the CLI).
    """
    check_may(user, "audit.export")
    f = filters or EntryFilters()
    entries = query_entries(session, user=user, filters=f)
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        writer.writerow(safe_row(_cell(entry, column) for column in EXPORT_COLUMNS))
    details: dict[str, Any] = {"filters": f.named(), "rows": len(entries), "via": user.via}
    if user.os_user:
        details["os_user"] = user.os_user
    log_event(
        session,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action="export",
        record_type="audit_entry",
        jurisdiction=user.jurisdiction,
        details=details,
    )
    return len(entries)
