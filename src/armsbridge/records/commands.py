"""CLI: `armsbridge export` writes records as CSV or FollowTheMoney-style JSON lines."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.errors import UserError
from armsbridge.records.export import FORMATS, WITHHELD_FILE, run_export
from armsbridge.vocab.service import enum_values

console = Console()


def export_command(
    out: Path = typer.Option(..., "--out", help="Folder to write the export into."),
    fmt: str = typer.Option("csv", "--format", help="csv (one file per type) or ftm (JSON lines)."),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="Only records owned by this jurisdiction (XK or MK)."
    ),
    why: str = typer.Option(
        None, "--why", help="Why you export (the case or task); written to the audit log."
    ),
    username: str | None = USER_OPTION,
) -> None:
    """Export records for other tools; the export is written to the audit log."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if jurisdiction is not None and jurisdiction not in enum_values("jurisdictions"):
        raise UserError(f"--jurisdiction {jurisdiction!r}: expected XK or MK")
    with acting_as(username, "record.read") as (session, user):
        result = run_export(
            session, out=out, user=user, why=why, fmt=fmt, jurisdiction=jurisdiction
        )
    counts = result.counts
    total = sum(counts.values())
    parts = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    console.print(f"exported {total} records to {out} ({fmt}): {parts or 'none'}", highlight=False)
    if result.withheld.total:
        console.print(f"{result.withheld.reason()} (see {out / WITHHELD_FILE})", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `export` to the root command."""
    app.command("export")(export_command)
