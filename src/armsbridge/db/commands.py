"""CLI: create and migrate the store."""

from __future__ import annotations

import typer
from rich.console import Console

from armsbridge.db import service
from armsbridge.db.engine import engine_from_settings
from armsbridge.settings import get_settings

console = Console()
db_app = typer.Typer(help="Store: migrate and inspect the database.", no_args_is_help=True)


def init() -> None:
    """Create the store (or bring it up to date) at the configured URL."""
    settings = get_settings()
    engine = engine_from_settings(settings)
    service.upgrade(engine)
    console.print(
        f"store ready at {engine.url.render_as_string(hide_password=True)} "
        f"(revision {service.current_revision(engine)})"
    )


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the store to the newest (or the given) revision."""
    engine = engine_from_settings(get_settings())
    service.upgrade(engine, revision)
    console.print(f"store at revision {service.current_revision(engine)}")


@db_app.command("current")
def current() -> None:
    """Print the store's revision and the newest one this version ships."""
    engine = engine_from_settings(get_settings())
    console.print(f"store: {service.current_revision(engine)}  newest: {service.head_revision()}")


def register(app: typer.Typer) -> None:
    """Add `init` and the `db` group to the root command."""
    app.command("init")(init)
    app.add_typer(db_app, name="db")
