"""Append to and verify the hash-chained audit log; every act on personal data passes here.

Reading the log goes through query_entries() and export_csv(), which show an auditor only the
entries of their own service (restrict_entries); verify_chain() checks every entry.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, TextIO, cast

from sqlalchemy import Select, Table, and_, bindparam, false, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from armsbridge.audit.chain import (  # noqa: F401 - part of the audit API
    APPENDED,
    GENESIS,
    Change,
    changes_digest,
    changes_summary,
    entry_hash,
    hashed_fields,
    jsonable,
    keyed_hash,
)
from armsbridge.audit.masking import EntryView, view_of
from armsbridge.audit.models import AuditChange, AuditEntry, AuditHead
from armsbridge.audit.verify import VerifyResult, verify_chain  # noqa: F401 - part of the API
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.db import keys
from armsbridge.db.rows import insert_rows
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.i18n_marker import N_, Label, Phrase
from armsbridge.settings import get_settings
from armsbridge.spreadsheet import safe_row

MIN_REASON = 10  # characters of a reveal's justification
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
    "reveal",  # a data-protection officer revealed one audit entry's values (why: the reason)
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
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        details=jsonable(details) if details is not None else None,
        prev_hash=prev_hash,
        hash="",
    )
    key = keys.audit_key(keys.node_settings())
    entry.hash = keyed_hash(key, prev_hash, hashed_fields(entry))
    session.info[APPENDED] = (seq, entry.hash)  # audit.listeners checkpoints it on commit
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


def add_changes(session: Session, *, entry: AuditEntry, changes: list[Change]) -> None:
    """Store the change rows of a bulk write under the (already chained) entry of its file."""
    rows = [
        {"entry_seq": entry.seq, "record_type": t, "record_id": i, "op": op} for t, i, op in changes
    ]
    insert_rows(session, AuditChange.__table__, rows)


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
        return {k: v for k, v in jsonable(asdict(self)).items() if v is not None}


_MAY = {
    "audit.read": (N_("read the audit log"), N_("auditors")),
    "audit.export": (N_("export the audit log"), N_("auditors")),
    "audit.reveal": (N_("reveal the values of an audit entry"), N_("data-protection officers")),
}


def check_may(user: Principal, action: str) -> None:
    """Refuse (403) unless the role of `user` allows `action` (audit.read, .export, .reveal)."""
    if not role_allows(user.role, action):
        what, who = _MAY.get(action, (action, N_("other roles")))
        raise PermissionDenied(
            N_(
                "the account %(username)r (role %(role)s) may not %(what)s; only %(who)s may "
                "(%(action)s)"
            ),
            values={
                "username": user.username,
                "role": Label(user.role_label),
                "what": Label(what),
                "who": Label(who),
                "action": action,
            },
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
) -> list[EntryView]:
    """Return the entries `user` may read that match every filter, newest first, masked.

    Personal values (before/after values, search terms) are masked for every reader: the one
    place the page, the API, the CSV export and the command line read the log (audit.masking).
    """
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
    return [view_of(entry) for entry in session.execute(stmt.limit(f.limit)).scalars()]


def _visible_entry(session: Session, user: Principal, seq: int) -> AuditEntry:
    stmt = restrict_entries(select(AuditEntry).where(AuditEntry.seq == seq), user)
    entry = session.execute(stmt).scalar_one_or_none()
    if entry is None:
        raise NotFound(
            N_("no audit entry %(seq)s of your service (%(jurisdiction)s)"),
            values={"seq": seq, "jurisdiction": user.jurisdiction},
        )
    return entry


def get_entry(session: Session, *, user: Principal, seq: int) -> EntryView:
    """Return one entry `user` may read, its personal values masked."""
    check_may(user, "audit.read")
    return view_of(_visible_entry(session, user, seq))


def reveal_entry(session: Session, *, user: Principal, seq: int, why: str) -> EntryView:
    """Return one entry with its personal values, for a role with audit.reveal; log the reveal.

    The entry must be one `user` may read (own service); the justification is required and is
    stored as the `why` of the reveal's own entry.
    """
    check_may(user, "audit.reveal")
    reason = (why or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed(
            N_(
                "why: give the reason for revealing entry %(seq)s (at least %(min_reason)s "
                "characters)"
            ),
            [
                {
                    "field": "why",
                    "value": reason,
                    "expected": Phrase(N_(">= %(count)s characters"), {"count": MIN_REASON}),
                }
            ],
            values={"seq": seq, "min_reason": MIN_REASON},
        )
    view = view_of(_visible_entry(session, user, seq), masked=False)
    details: dict[str, Any] = {"revealed": seq, "via": user.via}
    if user.os_user:
        details["os_user"] = user.os_user
    log_event(
        session,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action="reveal",
        record_type="audit_entry",
        record_id=seq,
        jurisdiction=user.jurisdiction,
        why=reason,
        details=details,
    )
    return view


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


def _cell(entry: EntryView, column: str) -> Any:
    value = getattr(entry, column)
    if value is None:
        return ""
    if column in _JSON_COLUMNS:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(value, datetime):
        return jsonable(value.replace(tzinfo=value.tzinfo or UTC))
    return value


def export_csv(
    session: Session,
    *,
    user: Principal,
    out: TextIO,
    filters: EntryFilters | None = None,
    headers: Sequence[str] = EXPORT_COLUMNS,
    shown: Callable[[str, Any], Any] | None = None,
) -> int:
    """Write the entries `user` may read as CSV (masked) to `out`, log the export, return the rows.

    `headers` head EXPORT_COLUMNS (their codes unless a page gives the user's words), and
    `shown(column, value)` may put a cell in the user's words too. The export's own entry names
    the filters, the number of rows and how the account acted (web session, API token or CLI,
    with the operating-system user on the CLI).
    """
    check_may(user, "audit.export")
    if len(headers) != len(EXPORT_COLUMNS):
        raise ValueError("one header per exported column")
    f = filters or EntryFilters()
    entries = query_entries(session, user=user, filters=f)
    writer = csv.writer(out)
    writer.writerow(safe_row(headers))
    for entry in entries:
        cells = ((c, _cell(entry, c)) for c in EXPORT_COLUMNS)
        writer.writerow(safe_row(shown(c, v) if shown else v for c, v in cells))
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
