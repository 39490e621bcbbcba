"""A count of the writes to the store, for caches of figures computed from its records.

Every engine the node makes is watched (db.engine.make_engine): a statement that writes a table
other than the logs (the audit log, sessions) raises the count, and so does the end (commit or
rollback) of a transaction that wrote, so a figure computed while a write was still uncommitted
is not kept past it. The count is this process's: a cache keyed by it must also expire, for the
writes of other server processes (see records.list_rows).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Tables written by reading (a consultation is logged, a session seen) change no record.
LOG_TABLES = frozenset({"audit_entries", "audit_head", "audit_changes", "auth_sessions"})
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE
)
_lock = threading.Lock()
_count = 0


def generation() -> int:
    """Return the number of writes seen so far in this process."""
    return _count


def _bump() -> None:
    global _count
    with _lock:
        _count += 1


def _after_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    match = _WRITE.match(statement)
    if match and match.group(1).lower() not in LOG_TABLES:
        conn.info["armsbridge_wrote"] = True
        _bump()


def _after_end(conn: Any) -> None:
    # A commit makes the writes visible to others; a rollback takes back what the writing
    # transaction itself saw (and may have cached).
    if conn.info.pop("armsbridge_wrote", False):
        _bump()


def watch(engine: Engine) -> None:
    """Count the writes made through `engine` (idempotent)."""
    if not event.contains(engine, "after_cursor_execute", _after_execute):
        event.listen(engine, "after_cursor_execute", _after_execute)
        event.listen(engine, "commit", _after_end)
        event.listen(engine, "rollback", _after_end)
