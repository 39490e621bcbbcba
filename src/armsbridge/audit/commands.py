"""CLI: verify and export the audit log."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import typer
from rich.console import Console

from armsbridge.audit import service
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.settings import get_settings

console = Console()
audit_app = typer.Typer(help="Audit log: verify the chain, export entries.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Check that no entry of the audit log was altered, removed or reordered (exit 1 if so)."""
    factory = make_sessionmaker(engine_from_settings(get_settings()))
    with session_scope(factory) as session:
        result = service.verify_chain(session)
    for problem in result.problems:
        console.print(f"[red]{problem}[/red]")
    if not result.ok:
        console.print(f"audit log BROKEN: {len(result.problems)} problem(s) in {result.checked}")
        raise typer.Exit(1)
    console.print(f"audit log intact: {result.checked} entries verified")


@audit_app.command("export")
def export(
    out: Path = typer.Option(None, "--out", help="CSV file to write (default: standard output)."),
    actor: str = typer.Option(None, help="Only this user's entries."),
    action: str = typer.Option(None, help="Only this action (consult, change, disclose, ...)."),
    limit: int = typer.Option(100000, help="At most this many entries, newest first."),
) -> None:
    """Write audit entries as CSV."""
    factory = make_sessionmaker(engine_from_settings(get_settings()))
    columns = [
        "seq",
        "at",
        "actor",
        "action",
        "record_type",
        "record_id",
        "jurisdiction",
        "why",
        "recipient",
        "hash",
    ]
    with session_scope(factory) as session:
        entries = service.query_entries(session, actor=actor, action=action, limit=limit)
        handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
        writer = csv.writer(handle)
        writer.writerow(columns)
        for entry in entries:
            writer.writerow([getattr(entry, c) for c in columns])
        if out:
            handle.close()


def register(app: typer.Typer) -> None:
    """Add the `audit` group."""
    app.add_typer(audit_app, name="audit")
