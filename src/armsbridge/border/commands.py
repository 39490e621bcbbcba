"""CLI: `armsbridge border import-passages FILE` (a crossing point's passages, whole or nothing)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.border.passages import import_passages
from armsbridge.errors import ValidationFailed

console = Console()
err_console = Console(stderr=True, soft_wrap=True)
border_app = typer.Typer(help="The border: passages through the crossing points.")


@border_app.command("import-passages")
def import_passages_command(
    file: Path = typer.Argument(..., help="The passages file (.csv or .xlsx), one passage a row."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row, write nothing."),
    username: str | None = USER_OPTION,
) -> None:
    """Import a crossing point's passages: every row is checked, and one bad row stops the file."""
    try:
        with acting_as(username, "import.run") as (session, user):
            report = import_passages(session, user=user, path=file, dry_run=dry_run)
    except ValidationFailed as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}")
        for p in exc.problems:
            err_console.print(
                f"  row {p['row']}, column {p['field']}: {escape(repr(p['value']))}"
                f" - expected {escape(p['expected'])}"
            )
        raise typer.Exit(2) from exc
    if report.already:
        console.print(f"{report.file}: already imported {report.already}; nothing added")
        return
    mode = "checked (dry run, nothing written)" if dry_run else "imported"
    crossings = ", ".join(f"{code} {n}" for code, n in sorted(report.by_crossing.items()))
    console.print(
        f"{report.file}: {report.rows} passages {mode}, {report.found} with weapons found"
        f" ({crossings or 'none'})"
    )


def register(app: typer.Typer) -> None:
    """Add the `border` group to the root command."""
    app.add_typer(border_app, name="border")
