"""Create and migrate the store with Alembic; report which revision it is at.

Alembic is imported by the functions that use it: only the `db` commands and the demo's set-up
migrate, and every other command would pay its import (docs/dev/decisions.md, "Heavy libraries
imported where they are first used").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

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


def regenerate_initial(url: str) -> None:
    """Rewrite the single initial migration from the current models (pre-release schema only)."""
    from alembic import command

    for old in (MIGRATIONS_DIR / "versions").glob("0001_*.py"):
        old.unlink()
    config = alembic_config(url)
    command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
