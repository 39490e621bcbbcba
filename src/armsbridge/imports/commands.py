"""CLI: `armsbridge import MAPPING FILE` and the list of shipped mapping profiles."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.imports.profile import PROFILES_DIR, load_profile
from armsbridge.imports.schemas import ImportReport
from armsbridge.imports.service import import_file
from armsbridge.settings import get_settings

console = Console()


def import_command(
    mapping: str = typer.Argument(..., help="A shipped profile name or a profile file (.yaml)."),
    file: Path = typer.Argument(..., help="The export to import (.csv or .xlsx)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate everything, write nothing."),
    quarantine: Path | None = typer.Option(
        None, "--quarantine", help="Where to write rejected rows (CSV); default under var/."
    ),
    username: str | None = USER_OPTION,
) -> None:
    """Import an export through a mapping profile; rejected rows go to a quarantine CSV."""
    profile = load_profile(mapping)
    with Progress(
        TextColumn(f"[bold]{file.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, advance=done, total=total)

        with acting_as(username, "import.run") as (session, user):
            report = import_file(
                session,
                profile=profile,
                path=file,
                user=user,
                dry_run=dry_run,
                quarantine_path=quarantine,
                progress=advance,
            )
    _print_report(report)
    if report.rows_quarantined:
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    mode = "dry run (nothing written)" if report.dry_run else "imported"
    console.print(
        f"{report.file} ({report.encoding or 'xlsx'}) via {report.profile}: {mode} — "
        f"{report.rows_read} rows read, {report.rows_imported} valid, "
        f"{report.rows_quarantined} quarantined"
    )
    types = sorted(set(report.created) | set(report.updated))
    if types:
        table = Table(
            "record type",
            "created" if not report.dry_run else "would create",
            "updated" if not report.dry_run else "would update",
        )
        for rtype in types:
            table.add_row(
                rtype, str(report.created.get(rtype, 0)), str(report.updated.get(rtype, 0))
            )
        console.print(table)
    shown = get_settings().import_max_errors_shown
    for error in report.errors[:shown]:
        console.print(f"  [red]{escape(str(error))}[/red]", highlight=False)
    if len(report.errors) > shown:
        more = len(report.errors) - shown
        console.print(f"  … and {more:,} more; see the quarantine file", highlight=False)
    if report.quarantine_path:
        console.print(f"quarantine report: {report.quarantine_path}", highlight=False)
    if report.quarantine_omitted:
        console.print(
            f"  the quarantine lists the first rows only: {report.quarantine_omitted:,} more "
            "rows are counted in its last line (setting ARMSBRIDGE_IMPORT_MAX_QUARANTINE_BYTES)",
            highlight=False,
        )


def profiles_command() -> None:
    """List the shipped mapping profiles."""
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        profile = load_profile(path)
        console.print(f"{profile.name:28} {profile.description}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `import` and `import-profiles` to the root command."""
    app.command("import")(import_command)
    app.command("import-profiles")(profiles_command)
