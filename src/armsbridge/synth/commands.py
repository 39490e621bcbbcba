"""CLI: `armsbridge synth` writes the synthetic world; `armsbridge demo` builds a demo store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from armsbridge.settings import get_settings
from armsbridge.synth.bad_rows import BAD_ROWS_FILE
from armsbridge.synth.service import build_demo_store, generate_world

console = Console()
DEMO_SEED = 20260101


def synth(
    out: Path = typer.Option(
        ..., "--out", help="Folder to write xk/, mk/, truth/ and manifest.json."
    ),
    seed: int = typer.Option(1, "--seed", help="Same seed, same bytes."),
    persons: int = typer.Option(
        1000, "--persons", help="Real persons in the world (1,000-1,000,000)."
    ),
    bad_rows: float = typer.Option(
        0.0,
        "--bad-rows",
        help="Share of rows (0-1) written with a realistic error (impossible date, unknown code, "
        "over-long text), listed in truth/bad_rows.csv.",
    ),
) -> None:
    """Write the synthetic cross-border world: both police exports and the truth files."""
    started = time.perf_counter()
    with Progress(
        TextColumn("persons"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("persons", total=persons)
        manifest = generate_world(
            out,
            seed=seed,
            persons=persons,
            progress=lambda n: bar.advance(task, n),
            bad_rows=bad_rows,
        )
    table = Table(title=f"synthetic world in {out} (seed {seed}, {persons:,} persons)")
    table.add_column("file")
    table.add_column("profile")
    table.add_column("encoding")
    table.add_column("rows", justify="right")
    for item in manifest["imports"]:
        table.add_row(item["file"], item["profile"], item["encoding"], f"{item['rows']:,}")
    console.print(table)
    if "bad_rows" in manifest:
        console.print(f"{manifest['bad_rows']['rows']:,} bad rows, listed in {out / BAD_ROWS_FILE}")
    console.print(
        f"truth files in {out / 'truth'}; import order in {out / 'manifest.json'}; "
        f"{time.perf_counter() - started:.1f} s"
    )


def demo(
    persons: int = typer.Option(1000, "--persons", help="Real persons in the demo world."),
    seed: int = typer.Option(DEMO_SEED, "--seed", help="Seed of the demo world."),
    fresh: bool = typer.Option(False, "--fresh", help="Delete the SQLite store first."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the node afterwards."),
    port: int = typer.Option(8000, "--port", help="Port to serve on (127.0.0.1)."),
) -> None:
    """Build a demo store from a small world, create demo users, and serve the node."""
    settings = get_settings()

    def on_file(item: dict[str, Any], report: Any) -> None:
        note = f", {report.rows_quarantined} quarantined" if report.rows_quarantined else ""
        console.print(
            f"imported {item['file']} ({item['profile']}): {report.rows_imported:,} rows{note}"
        )

    result = build_demo_store(settings, persons=persons, seed=seed, fresh=fresh, on_file=on_file)
    print_summary(result["counts"])
    console.print(f"demo world in {result['world']}; store at {settings.effective_database_url()}")
    from armsbridge.web.commands import print_accounts
    from armsbridge.web.demo import ensure_demo_users
    from armsbridge.web.demo import serve as serve_node

    url = f"http://127.0.0.1:{port}"
    print_accounts(ensure_demo_users(settings, password=settings.demo_password or None), url)
    if serve:
        serve_node(settings, host="127.0.0.1", port=port)


def print_summary(counts: dict[str, dict[str, int]]) -> None:
    """Print records per type and jurisdiction."""
    table = Table(title="records in the store")
    table.add_column("record type")
    table.add_column("XK", justify="right")
    table.add_column("MK", justify="right")
    for rtype, by_j in counts.items():
        table.add_row(rtype, f"{by_j.get('XK', 0):,}", f"{by_j.get('MK', 0):,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `synth` and `demo` to the root command."""
    app.command("synth")(synth)
    app.command("demo")(demo)
