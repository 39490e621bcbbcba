"""Session scope: the one place that commits. Work inside it is applied whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from armsbridge.db.registry import install_listeners


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to `engine` that keeps objects readable after commit.

    The domains' ORM listeners (derived firearm columns, ...) are installed first, so every
    session of the node keeps them.
    """
    install_listeners()
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session; commit if the block succeeds, roll back everything if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
