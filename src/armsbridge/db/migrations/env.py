"""Alembic environment: runs migrations on the connection or URL handed over by db.service."""

from __future__ import annotations

from alembic import context

from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models

config = context.config
target_metadata = load_all_models().metadata


def run_migrations_online() -> None:
    """Run migrations on the connection given in the config, or on a new engine for its URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
