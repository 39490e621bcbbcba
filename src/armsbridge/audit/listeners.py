"""Checkpoint the audit head on every commit that appended entries (see audit.checkpoints).

The last entry a transaction appended is noted by log_event (session.info); after the commit
has reached the database, one signed line naming it is appended to the checkpoint file. When a
savepoint was rolled back after entries were appended, the head row is read again before the
commit instead (the rolled-back entries are not counted). A commit that only releases a
savepoint of an outer transaction (test fixtures) reaches nothing, so writes no checkpoint.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from armsbridge.audit.chain import APPENDED, first_keyed
from armsbridge.audit.checkpoints import checkpoint_path, head_of, write_checkpoint
from armsbridge.db import keys

log = logging.getLogger("armsbridge.audit")
PENDING = "armsbridge.audit.checkpoint"
UNCERTAIN = "armsbridge.audit.uncertain"
_installed = False


def _before_commit(session: Session) -> None:
    appended = session.info.pop(APPENDED, None)
    uncertain = session.info.pop(UNCERTAIN, False)
    if appended is None:
        return
    if session.connection().in_nested_transaction():
        return  # this commit only releases a savepoint; the outer transaction decides
    seq, last_hash = head_of(session) if uncertain else appended
    settings = keys.node_settings()
    keyed_from = None
    if not checkpoint_path(settings).exists():
        keyed_from = first_keyed(session, keys.audit_key(settings), seq)
    session.info[PENDING] = (seq, last_hash, keyed_from)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending is None:
        return
    seq, last_hash, keyed_from = pending
    try:
        write_checkpoint(keys.node_settings(), seq=seq, last_hash=last_hash, keyed_from=keyed_from)
    except OSError:
        # The entries are committed; `audit verify` shows them as newer than the last checkpoint.
        log.exception("could not write the audit checkpoint for entry %s", seq)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested and APPENDED in session.info:
        session.info[UNCERTAIN] = True  # some appended entries may be gone with the savepoint


def _after_rollback(session: Session) -> None:
    for name in (APPENDED, UNCERTAIN, PENDING):
        session.info.pop(name, None)


def install_listeners() -> None:
    """Attach the checkpoint listeners to every session (once)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
