"""Engine creation: SQLite in WAL mode by default, PostgreSQL (psycopg 3) when configured."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from armsbridge.db import changes
from armsbridge.settings import Settings

SQLITE_POOL_SIZE = 12
# How long a connection waits for another writer before "database is locked": longer than the
# one write transaction of an import (imports.service stages rows without the lock).
SQLITE_BUSY_SECONDS = 30
# Errors and logs of the engine never show statement parameters: they are names, serials, phones.
HIDE_PARAMETERS = True


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for `url`, creating the SQLite folder and turning on WAL when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, int] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # Larger than the requests a server process runs at once (web.serving): beyond
            # pool_size every checkout opens and then closes a connection, pragmas included.
            pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 10}
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_SECONDS},
            hide_parameters=HIDE_PARAMETERS,
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        changes.watch(engine)
        return engine
    # JIT off: restrict() adds many small subplans, which lift a record query's estimated cost
    # past jit_above_cost; compiling them took seconds for a query that runs in milliseconds.
    engine = create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=HIDE_PARAMETERS,
        connect_args={"options": "-c jit=off"},
    )
    changes.watch(engine)
    return engine


def engine_from_settings(settings: Settings) -> Engine:
    """Create the engine for the store the settings name."""
    return make_engine(settings.effective_database_url())
