"""CLI: verify the audit log (as the node's operator) and export it (as an auditor's account)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time
from pathlib import Path

import typer
from rich.console import Console

from armsbridge.audit import service
from armsbridge.auth.principal import USER_ENV, cli_principal
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.settings import get_settings
from armsbridge.vocab.values import parse_date

console = Console()
err_console = Console(stderr=True)
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


def _day(raw: str | None, *, option: str, end: bool = False) -> datetime | None:
    if not raw:
        return None
    day = parse_date(raw, field=option)
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@audit_app.command("export")
def export(
    user: str = typer.Option(
        None, "--user", help=f"Auditor account to act as (default: ${USER_ENV})."
    ),
    out: Path = typer.Option(None, "--out", help="CSV file to write (default: standard output)."),
    by: str = typer.Option(None, "--by", help="Only the entries of this account."),
    action: str = typer.Option(None, help="Only this action (consult, change, disclose, ...)."),
    record_type: str = typer.Option(None, "--record-type", help="Only entries about this type."),
    record_id: int = typer.Option(None, "--record-id", min=1, help="Only this record's entries."),
    since: str = typer.Option(None, help="From this day (dd.mm.yyyy)."),
    until: str = typer.Option(None, help="Up to this day, inclusive (dd.mm.yyyy)."),
    limit: int = typer.Option(100000, min=1, help="At most this many entries, newest first."),
) -> None:
    """Write the entries of the auditor's service as CSV; the export is itself logged."""
    filters = service.EntryFilters(
        by=by,
        action=action,
        record_type=record_type,
        record_id=record_id,
        since=_day(since, option="--since"),
        until=_day(until, option="--until", end=True),
        limit=limit,
    )
    factory = make_sessionmaker(engine_from_settings(get_settings()))
    part = out.with_name(out.name + ".part") if out is not None else None
    try:
        with session_scope(factory) as session:
            principal = cli_principal(session, user)
            service.check_may(principal, "audit.export")  # before any file is created
            if part is None:
                rows = service.export_csv(session, user=principal, out=sys.stdout, filters=filters)
            else:
                with part.open("w", newline="", encoding="utf-8") as handle:
                    rows = service.export_csv(session, user=principal, out=handle, filters=filters)
        if part is not None and out is not None:
            part.replace(out)  # only once the export's own entry is committed
            err_console.print(f"{rows} audit entries written to {out}")
    finally:
        if part is not None:
            part.unlink(missing_ok=True)


def register(app: typer.Typer) -> None:
    """Add the `audit` group."""
    app.add_typer(audit_app, name="audit")
