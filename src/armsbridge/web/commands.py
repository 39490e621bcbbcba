"""CLI: `armsbridge serve` runs the web application of the node."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from armsbridge.errors import UserError
from armsbridge.exchange.delivery import Worker
from armsbridge.settings import get_settings

console = Console()


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Server processes (use the CPUs; each has its own pool)."
    ),
    concurrency: int = typer.Option(
        8,
        "--concurrency",
        min=1,
        help="Requests each process runs at once; the others wait in line (see docs/dev).",
    ),
) -> None:
    """Serve the node in a browser at http://HOST:PORT (default 127.0.0.1:8000)."""
    from armsbridge.web.demo import serve as run

    settings = get_settings()
    url = settings.effective_database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise UserError(f"no store at {url}: run `armsbridge init` (or `armsbridge demo`) first")
    console.print(f"armsbridge on http://{host}:{port}  (Ctrl+C stops)")
    # One delivery worker per node, in the serving process (not in each worker process).
    worker = Worker(settings) if settings.exchange_worker else None
    if worker is not None:
        worker.start()
    try:
        run(settings, host=host, port=port, workers=workers, concurrency=concurrency)
    finally:
        if worker is not None:
            worker.stop()


def print_accounts(accounts: list, url: str) -> None:
    """Print the demo accounts and where to sign in."""
    table = Table(title=f"demo accounts — sign in at {url}")
    for column in ("user", "role", "jurisdiction", "password"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.username, account.role, account.jurisdiction, account.password)
    console.print(table)
    for account in accounts:
        if account.totp_uri:
            console.print(f"{account.username} second factor (add to an authenticator app):")
            console.print(f"  {account.totp_uri}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `serve` to the root command."""
    app.command("serve")(serve)
