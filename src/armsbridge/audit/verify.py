"""Verify the audit log against its key and its signed checkpoints, and say what is wrong.

Inside the store: every entry's keyed hash, the chain of `prev_hash`, the numbering, the head
row, the change rows of imports. Against the checkpoint file (audit.checkpoints): the store
must hold at least as many entries as any checkpoint says, with the same hashes. Against the
supervisor's paper anchors (`expect`): the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.chain import (
    GENESIS,
    Change,
    changes_digest,
    entry_hash,
    hashed_fields,
    is_keyed,
)
from armsbridge.audit.checkpoints import (
    Checkpoint,
    CheckpointLog,
    checkpoint_path,
    read_checkpoints,
)
from armsbridge.audit.models import AuditChange, AuditEntry, AuditHead
from armsbridge.db import keys

MAX_PROBLEMS = 50  # per kind; a rewritten log would otherwise list every entry


@dataclass
class VerifyResult:
    """Outcome of a verification: entries checked, problems (tampering) and notes (facts)."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    anchored_since: str | None = None
    anchored_up_to: int = 0
    unkeyed: tuple[int, int] | None = None
    fingerprint: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing was found altered, removed, reordered or missing."""
        return not self.problems


class _Problems:
    def __init__(self, result: VerifyResult) -> None:
        self.result = result
        self.counts: dict[str, int] = {}

    def add(self, kind: str, message: str) -> None:
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count <= MAX_PROBLEMS:
            self.result.problems.append(message)

    def close(self) -> None:
        for kind, count in self.counts.items():
            if count > MAX_PROBLEMS:
                self.result.problems.append(f"... and {count - MAX_PROBLEMS} more ({kind})")


def _entries(session: Session) -> Iterator[AuditEntry]:
    yield from session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    ).scalars()


def _check_changes(session: Session, found: _Problems) -> None:
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
            found.add(
                "changes",
                f"entry {seq}: the list of records its import wrote was altered afterwards",
            )
    for seq in sorted(stored):
        found.add("changes", f"change rows name entry {seq}, which does not list them")


def _chain(
    session: Session,
    result: VerifyResult,
    found: _Problems,
    key: bytes | None,
    keyed_from: int | None,
    targets: dict[int, list[Checkpoint]],
) -> tuple[int, str]:
    """Walk the entries in order; return the last entry's number and hash."""
    prev_hash, expected_seq, seen_keyed, unreadable = GENESIS, 1, False, 0
    unkeyed: list[int] = []
    for entry in _entries(session):
        result.checked += 1
        if entry.seq != expected_seq:
            found.add("order", f"entry {expected_seq} is missing (next found: {entry.seq})")
        if entry.prev_hash != prev_hash:
            found.add("order", f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        if key is not None and is_keyed(entry, key):
            seen_keyed = True
        elif entry_hash(entry.prev_hash, hashed_fields(entry)) == entry.hash:
            if seen_keyed or (keyed_from is not None and entry.seq >= keyed_from):
                found.add(
                    "rehash",
                    f"entry {entry.seq} carries a plain SHA-256 hash where the log is keyed "
                    f"(from entry {keyed_from or '?'}): it was rewritten and rehashed by someone "
                    "without the node's audit key",
                )
            else:
                unkeyed.append(entry.seq)
        elif key is None:
            unreadable += 1
        else:
            found.add("altered", f"entry {entry.seq} was altered after it was written")
        for checkpoint in targets.pop(entry.seq, []):
            if checkpoint.hash != entry.hash:
                found.add(
                    "checkpoint",
                    f"entry {entry.seq} is not the one checkpoint line {checkpoint.n} signed "
                    f"at {checkpoint.at}: the log up to entry {entry.seq} was rewritten",
                )
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    if unreadable:
        found.add(
            "key",
            f"{unreadable} entries cannot be checked: the audit key file "
            f"{keys.keys_dir(keys.node_settings()) / keys.AUDIT_KEY} is missing; restore it",
        )
    count = expected_seq - 1
    if unkeyed:
        result.unkeyed = (unkeyed[0], unkeyed[-1])
    if key is not None and (count == 0 or (unkeyed and unkeyed[-1] == count)):
        # The key is made by the first keyed entry: once it exists, the newest entry is keyed.
        what = "holds no entries" if count == 0 else f"ends with unkeyed entries ({unkeyed[0]} on)"
        found.add(
            "rehash",
            f"the store {what} though the node's audit key exists: the log was emptied or "
            "rewritten without the key (unless the only keyed entry ever written was rolled back)",
        )
    return count, prev_hash


def _against_head(session: Session, found: _Problems, count: int, last_hash: str) -> None:
    head = session.get(AuditHead, 1)
    if head is None:
        if count:
            found.add("head", f"the head row is missing though the store holds {count} entries")
        return
    if head.seq > count:
        found.add(
            "head",
            f"the log ends at entry {count} but {head.seq} were written: "
            "entries were removed from the end",
        )
    elif head.seq < count or head.last_hash != last_hash:
        found.add(
            "head",
            f"the head row says {head.seq} entries but the store holds {count}: "
            "the head was rewound or altered",
        )


def _against_checkpoints(
    found: _Problems, log: CheckpointLog, count: int, targets: dict[int, list[Checkpoint]]
) -> None:
    beyond = [c for cps in targets.values() for c in cps if c.seq > count]
    if beyond:
        worst = max(beyond, key=lambda c: c.seq)
        found.add(
            "truncated",
            f"the store holds {count} entries, the checkpoints say {worst.seq} at {worst.at}: "
            f"restored from a backup or truncated (entries {count + 1} to {worst.seq} are "
            "missing)",
        )


def verify_chain(session: Session, *, expect: Iterable[tuple[int, str]] = ()) -> VerifyResult:
    """Check the log and its checkpoints; report altered, removed, inserted or reordered entries.

    `expect` holds anchors a supervisor kept, as (entry number, start of its hash).
    """
    settings = keys.node_settings()
    result = VerifyResult()
    found = _Problems(result)
    key = keys.audit_key(settings, create=False) if keys.has_key(settings, keys.AUDIT_KEY) else None
    log = read_checkpoints(settings)
    for problem in log.problems:
        found.add("checkpoint file", problem)
    if not log.path.exists() and keys.has_key(settings, keys.SIGNING_KEY):
        found.add(
            "checkpoint file",
            f"the checkpoint file {checkpoint_path(settings)} is missing though the node signed "
            "checkpoints before (its signing key exists): it was deleted",
        )
    targets: dict[int, list[Checkpoint]] = {}
    for checkpoint in log.lines:
        if checkpoint.seq > 0:
            targets.setdefault(checkpoint.seq, []).append(checkpoint)
    anchors = {seq: prefix.lower() for seq, prefix in expect}
    count, last_hash = _chain(session, result, found, key, log.keyed_from, targets)
    _against_head(session, found, count, last_hash)
    _against_checkpoints(found, log, count, targets)
    _against_anchors(session, found, anchors, count)
    _check_changes(session, found)
    found.close()
    _notes(result, log, count)
    return result


def _against_anchors(
    session: Session, found: _Problems, anchors: dict[int, str], count: int
) -> None:
    for seq, prefix in sorted(anchors.items()):
        entry = session.get(AuditEntry, seq) if seq <= count else None
        if entry is None:
            found.add(
                "anchor",
                f"the anchor names entry {seq}, but the store holds {count} entries: "
                "restored from a backup or truncated",
            )
        elif not entry.hash.lower().startswith(prefix):
            found.add(
                "anchor",
                f"entry {seq} has hash {entry.hash[:16]}..., the anchor says {prefix}...: the log "
                "and its checkpoints were rewritten",
            )


def _notes(result: VerifyResult, log: CheckpointLog, count: int) -> None:
    latest = log.latest
    if log.first is not None and latest is not None:
        result.anchored_since = log.first.at
        result.anchored_up_to = min(latest.seq, count)
        result.fingerprint = keys.fingerprint_of(latest.key)
        result.notes.append(
            f"anchored since {log.first.at}: {len(log.lines)} signed checkpoints, the latest "
            f"at {latest.at} for {latest.seq} entries (key fingerprint {result.fingerprint})"
        )
        if count > latest.seq:
            result.notes.append(
                f"entries {latest.seq + 1} to {count} are newer than the latest checkpoint"
            )
    elif count:
        result.notes.append(
            "not anchored: no checkpoint was written yet (armsbridge audit checkpoint); "
            "until then a shortened log cannot be told from a short one"
        )
    if result.unkeyed is not None:
        first, last = result.unkeyed
        result.notes.append(
            f"entries {first} to {last} were written before the log was keyed (plain SHA-256): "
            "anyone with database access could rewrite them undetected, except where a "
            "checkpoint covers them"
        )
