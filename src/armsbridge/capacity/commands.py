"""CLI: `armsbridge capacity ...` lists trainings and campaigns, loads operations and products."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.capacity import service
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import UserError, ValidationFailed
from armsbridge.settings import get_settings

console = Console()
capacity_app = typer.Typer(
    help="Capacity development: trainings, participants, campaigns, operations, manuals.",
    no_args_is_help=True,
)


def _factory():  # noqa: ANN202
    return make_sessionmaker(engine_from_settings(get_settings()))


@capacity_app.command("trainings")
def trainings(
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="XK or MK."),
) -> None:
    """List trainings with their sessions and distinct participants."""
    with session_scope(_factory()) as session:
        rows = service.training_summary(session, jurisdiction=jurisdiction)
    table = Table(title=f"{len(rows)} trainings")
    for column in ("code", "kind", "topic", "sessions", "participants", "title"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *(
                str(row[c] or "")
                for c in ("code", "kind", "topic", "sessions", "participants", "title")
            )
        )
    console.print(table)


@capacity_app.command("campaigns")
def campaigns(
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="XK or MK."),
) -> None:
    """List awareness campaigns with their channels, views and impressions."""
    with session_scope(_factory()) as session:
        rows = service.campaign_summary(session, jurisdiction=jurisdiction)
    table = Table(title=f"{len(rows)} campaigns")
    columns = (
        "code",
        "kind",
        "jurisdiction",
        "start_date",
        "end_date",
        "channels",
        "views",
        "impressions",
    )
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c] if row[c] is not None else "") for c in columns))
    console.print(table)


LOADERS: dict[str, Callable[..., Any]] = {
    "joint_operations": service.record_joint_operation,
    "knowledge_products": service.record_knowledge_product,
}


@capacity_app.command("load-activities")
def load_activities(
    file: Path = typer.Argument(..., help="YAML with joint_operations and knowledge_products."),
    username: str | None = USER_OPTION,
) -> None:
    """Record joint operations and knowledge products from a YAML file (all or nothing)."""
    try:
        data: dict[str, Any] = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise UserError(f"file not found: {file}") from exc
    except yaml.YAMLError as exc:
        raise UserError(f"{file}: not valid YAML: {exc}") from exc
    unknown = set(data) - set(LOADERS)
    if unknown:
        raise UserError(
            f"{file}: unknown section(s) {', '.join(sorted(unknown))}; "
            f"expected {', '.join(LOADERS)}"
        )
    counts = {}
    others: list[str] = []
    with acting_as(username, "record.create") as (session, user):
        for section, loader in LOADERS.items():
            counts[section] = 0
            for number, entry in enumerate(data.get(section) or [], start=1):
                owner = str(entry.get("jurisdiction") or "")
                if owner and owner != user.jurisdiction:
                    others.append(f"{section} entry {number} ({owner})")
                    continue  # the other service records its own entries on its own account
                try:
                    loader(session, user=user, **{k: _text(v) for k, v in entry.items()})
                except (ValidationFailed, TypeError, KeyError) as exc:
                    raise UserError(f"{file}: {section} entry {number}: {exc}") from exc
                counts[section] += 1
    console.print(
        ", ".join(f"{n} {section.replace('_', ' ')}" for section, n in counts.items()) + " recorded"
    )
    if others:
        console.print(
            f"{len(others)} entr{'y' if len(others) == 1 else 'ies'} of another service left "
            f"for its own account: {', '.join(others)}",
            highlight=False,
        )
        raise typer.Exit(1)


def _text(value: Any) -> Any:
    return value if isinstance(value, list) or value is None else str(value)


def register(app: typer.Typer) -> None:
    """Add the `capacity` group to the root command."""
    app.add_typer(capacity_app, name="capacity")
