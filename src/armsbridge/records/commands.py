"""CLI: `armsbridge export` writes records as CSV or FollowTheMoney-style JSON lines."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.console import Console

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import UserError
from armsbridge.records.export import FORMATS, export_records
from armsbridge.settings import get_settings
from armsbridge.vocab.service import enum_values

console = Console()


def export_command(
    out: Path = typer.Option(..., "--out", help="Folder to write the export into."),
    fmt: str = typer.Option("csv", "--format", help="csv (one file per type) or ftm (JSON lines)."),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="Only records owned by this jurisdiction (XK or MK)."
    ),
    actor: str = typer.Option("", "--actor", help="Who exports (default: the system user)."),
) -> None:
    """Export records for other tools; the export is written to the audit log."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if jurisdiction is not None and jurisdiction not in enum_values("jurisdictions"):
        raise UserError(f"--jurisdiction {jurisdiction!r}: expected XK or MK")
    factory = make_sessionmaker(engine_from_settings(get_settings()))
    with session_scope(factory) as session:
        counts = export_records(
            session,
            out=out,
            fmt=fmt,
            jurisdiction=jurisdiction,
            actor=actor or f"cli:{getpass.getuser()}",
        )
    total = sum(counts.values())
    parts = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    console.print(f"exported {total} records to {out} ({fmt}): {parts or 'none'}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `export` to the root command."""
    app.command("export")(export_command)
