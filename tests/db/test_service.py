"""The store is created and migrated by Alembic, and the migrations match the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from armsbridge.db import service
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models


def _diff(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), load_all_models().metadata)


def _downgrade_to_nothing(engine) -> list[str]:  # noqa: ANN001
    """Revert every revision on `engine`; return the tables left (Alembic's own aside)."""
    config = service.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    return [t for t in inspect(engine).get_table_names() if t != "alembic_version"]


def test_sqlite_upgrade_creates_every_table_in_wal_mode(tmp_path) -> None:  # noqa: ANN001
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'fresh.db'}")
    service.upgrade(engine)
    assert set(load_all_models().metadata.tables) <= set(inspect(engine).get_table_names())
    assert service.current_revision(engine) == service.head_revision()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert _diff(engine) == [], "models and migrations differ: run `make migration`"
    assert _downgrade_to_nothing(engine) == []


def test_postgresql_upgrade_matches_models(pg_url) -> None:  # noqa: ANN001
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text("CREATE SCHEMA migr"))
    scoped = create_engine(pg_url, connect_args={"options": "-csearch_path=migr"})
    try:
        service.upgrade(scoped)
        assert service.current_revision(scoped) == service.head_revision()
        assert _diff(scoped) == [], "models and migrations differ: run `make migration`"
        # Foreign keys hold here: each table is dropped before those it refers to.
        assert _downgrade_to_nothing(scoped) == []
    finally:
        scoped.dispose()
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA migr CASCADE"))
        admin.dispose()
