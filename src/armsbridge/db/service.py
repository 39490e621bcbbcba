"""Create and migrate the store with Alembic; report which revision it is at.

Alembic is imported by the functions that use it: only the `db` commands and the demo's set-up
migrate, and every other command would pay its import (docs/dev/decisions.md, "Heavy libraries
imported where they are first used").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Return an Alembic config pointing at the packaged migrations and the store `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the store behind `engine` up to `revision` in one transaction."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the store is at, or None for an empty store."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """Return the newest revision shipped with this version."""
    from alembic.script import ScriptDirectory

    config = alembic_config("sqlite://")
    return ScriptDirectory.from_config(config).get_current_head()


def new_revision(url: str, message: str) -> Path:
    """Write the next revision: what the models hold that the store at `url`, at head, lacks."""
    from alembic import command

    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    head = head_revision() or "0000"
    script = command.revision(
        alembic_config(url), message=message, autogenerate=True, rev_id=f"{int(head) + 1:04d}"
    )
    return Path(script.path)  # type: ignore[union-attr]
