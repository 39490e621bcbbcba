"""Consultation log entries written at once, in their own short transaction.

A page that only reads would otherwise hold the store's write lock (the audit head row) from its
audit entry until the request commits; under many concurrent readers on SQLite that wait, spent
in the driver's busy handler, made the slowest answers seconds long. Writing the entry in its
own transaction, serialised in the process, keeps the lock for about a millisecond. The entry is
committed even if the page then fails: a consultation attempt is logged, never lost.

When the request's own transaction already writes (its connection holds the write lock, e.g.
the session's last-seen time was updated), a second transaction would wait for the first on the
same thread; the entry then goes into the request's transaction instead. PostgreSQL waits on
row locks without the busy handler's sleeps, so there the request's transaction is used too.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.db.session import make_sessionmaker, session_scope

_LOCK = threading.Lock()


def _audit_sessions(request: Request, db: Session) -> sessionmaker[Session]:
    # One connection of its own, used under _LOCK only: taking a second connection from the
    # request pool while every request holds one would exhaust the pool under load.
    factory = getattr(request.app.state, "audit_sessionmaker", None)
    if factory is None:
        engine = create_engine(
            request.app.state.engine.url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        factory = make_sessionmaker(engine)
        request.app.state.audit_sessionmaker = factory
    return factory


def _request_is_writing(db: Session) -> bool:
    if db.get_bind().dialect.name != "sqlite":
        return True
    driver = db.connection().connection.dbapi_connection
    return bool(getattr(driver, "in_transaction", True))


def log_now(request: Request, db: Session, *, user: Principal, **fields: Any) -> None:
    """Append one audit entry of `user` (auth.access.log_access), committed at once if possible."""
    if _request_is_writing(db):
        log_access(db, user=user, **fields)
        return
    with _LOCK, session_scope(_audit_sessions(request, db)) as session:
        log_access(session, user=user, **fields)
