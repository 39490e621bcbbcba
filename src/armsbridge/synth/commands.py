"""CLI: `armsbridge synth` writes the synthetic world; `armsbridge demo` builds and serves the demo
nodes (Kosovo and North Macedonia, each with its own half of the world; see synth/demo_nodes.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from armsbridge.errors import UserError
from armsbridge.settings import get_settings
from armsbridge.synth.bad_rows import BAD_ROWS_FILE
from armsbridge.synth.files import JURISDICTIONS
from armsbridge.synth.service import count_records, generate_world

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
    fresh: bool = typer.Option(
        False, "--fresh", help="Rebuild the world and the nodes' stores from scratch."
    ),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the nodes afterwards."),
    node: str = typer.Option(
        "", "--node", help="XK or MK: run that node alone (its own half), on --port (8000)."
    ),
    port: int = typer.Option(
        0,
        "--port",
        help="Port of the node (--node: 8000), or of XK, MK on the next (8001).",
    ),
    root: Path | None = typer.Option(
        None, "--dir", help="Folder of the demo: world/, xk/, mk/ (default: VAR_DIR/demo)."
    ),
) -> None:
    """Build the two demo nodes (XK, MK), each with its own half of a world, peer them, serve."""
    from armsbridge.synth import demo_nodes, demo_run
    from armsbridge.synth.demo_examples import pick_examples
    from armsbridge.web.commands import print_accounts

    settings = get_settings()
    root = root or Path(settings.var_dir) / "demo"
    only = node.strip().upper()
    if only and only not in JURISDICTIONS:
        raise UserError(f"--node {node!r}: use XK or MK")
    codes = (only,) if only else JURISDICTIONS
    if only:
        ports = {only: port or 8000}
    else:
        base = port or demo_nodes.DEMO_PORTS["XK"]
        ports = {"XK": base, "MK": base + 1}
    nodes = [demo_nodes.demo_node(root, code, ports[code]) for code in codes]
    started = time.perf_counter()
    world = demo_nodes.ensure_world(root, seed=seed, persons=persons, fresh=fresh)
    for item in nodes:
        if not fresh and demo_nodes.is_built(item, seed=seed, persons=persons):
            console.print(f"node {item.jurisdiction}: store reused ({item.settings.var_dir})")
            demo_nodes.set_url(item)
            continue
        console.print(f"node {item.jurisdiction}: building {item.settings.var_dir} ...")
        demo_nodes.build_node(
            item,
            world,
            seed=seed,
            persons=persons,
            on_file=_on_file(item.jurisdiction),
            say=_say(item.jurisdiction),
        )
    if len(nodes) == 2:
        for a, b in ((nodes[0], nodes[1]), (nodes[1], nodes[0])):
            demo_nodes.peer(a, b)
    for item in nodes:
        keys_in_set = demo_nodes.refresh(item)
        console.print(f"node {item.jurisdiction}: hit/no-hit set of {keys_in_set:,} keys")
    print_summary(_counts(nodes))
    console.print(f"built in {time.perf_counter() - started:.1f} s; world in {world}")
    for item in nodes:
        accounts = demo_nodes.demo_accounts(item, password=settings.demo_password or None)
        print_accounts(accounts, item.url)
    if len(nodes) == 2:
        xk, mk = nodes
        prints = {n.jurisdiction: demo_nodes.fingerprint(n) for n in nodes}
        demo_run.print_peering(nodes, prints, console)
        demo_run.print_try(xk, mk, pick_examples(world, xk, mk), console)
    console.print()
    if serve:
        where = ", ".join(f"{n.jurisdiction} on {n.url}" for n in nodes)
        console.print(f"serving {where}  (Ctrl+C stops {'both' if len(nodes) == 2 else 'it'})")
        raise typer.Exit(demo_run.run_nodes(nodes, console))


def _on_file(jurisdiction: str) -> Any:
    def on_file(item: dict[str, Any], report: Any) -> None:
        note = f", {report.rows_quarantined} quarantined" if report.rows_quarantined else ""
        console.print(
            f"  {jurisdiction}: imported {item['file']} ({item['profile']}): "
            f"{report.rows_imported:,} rows{note}"
        )

    return on_file


def _say(jurisdiction: str) -> Any:
    def say(message: str) -> None:
        console.print(f"  {jurisdiction}: {escape(message)}")

    return say


def _counts(nodes: list) -> dict[str, dict[str, int]]:
    merged: dict[str, dict[str, int]] = {}
    for item in nodes:
        for rtype, by_j in count_records(item.settings).items():
            merged.setdefault(rtype, {}).update({item.jurisdiction: by_j.get(item.jurisdiction, 0)})
    return merged


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
