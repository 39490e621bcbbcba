"""Consultation log entries written at once, in their own short transaction.

A page that only reads would otherwise hold the store's write lock (the audit head row) from its
audit entry until the request commits; under many concurrent readers on SQLite that wait, spent
in the driver's busy handler, made the slowest answers seconds long. Writing the entry in its
own transaction, serialised in the process, keeps the lock for about a millisecond. The entry is
committed even if the page then fails: a consultation attempt is logged, never lost.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request

from armsbridge.audit.service import log_event
from armsbridge.db.session import session_scope

_LOCK = threading.Lock()


def log_now(request: Request, **fields: Any) -> None:
    """Append one audit entry (see audit.service.log_event) and commit it immediately."""
    with _LOCK, session_scope(request.app.state.sessionmaker) as session:
        log_event(session, **fields)
