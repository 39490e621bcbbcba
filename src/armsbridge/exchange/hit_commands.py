"""CLI: `armsbridge hit --peer MK --type serial K724521 --why "case 2026/14"` (hit/no-hit)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from armsbridge.auth.principal import USER_ENV, acting_as
from armsbridge.errors import UserError
from armsbridge.exchange import hit_input, hits
from armsbridge.settings import get_settings

console = Console()


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path!r}: {exc}") from exc


def hit(
    values: list[str] = typer.Argument(
        None, help="Values to ask for; a person is 'Name Surname 1986-03-14' or '... 1986'."
    ),
    peer: str = typer.Option(..., "--peer", help="The peer to ask (`armsbridge peer list`)."),
    kind: str = typer.Option(
        hit_input.AUTO,
        "--type",
        help="serial, plate, vin, phone, document, person, or auto (guess each value).",
    ),
    why: str = typer.Option(None, "--why", help="Justification (the case or task); logged."),
    make: str = typer.Option(
        None, "--make", help="A firearm make: serials are asked alone and with the make."
    ),
    file: str = typer.Option(
        None, "--file", help="Read values from a file, one per line; - = stdin."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    username: str = typer.Option(
        None,
        "--user",
        envvar=USER_ENV,
        help=f"The account asking (or set {USER_ENV}).",
        show_envvar=False,
    ),
) -> None:
    """Ask a peer node whether it knows each value (hit/no-hit); nothing else is learned."""
    text = "\n".join(values or [])
    if file:
        text = "\n".join(filter(None, (text, _read(file))))
    entries = hit_input.parse_entries(text, kind, make)
    settings = get_settings()
    with acting_as(username, hits.ACTION) as (session, user):
        answer = hits.ask_peer(
            session, settings=settings, user=user, peer_name=peer, entries=entries, why=why
        )
    if as_json:
        print(json.dumps(answer.as_dict(), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{answer.peer}: {answer.hits} of {len(answer.results)} values hit")
    for column in ("value", "type", "answer", "record type", "reference", "match"):
        table.add_column(column)
    for result in answer.results:
        if not result.hit:
            table.add_row(result.value, result.kind, "no hit", "", "", "")
        for ref in result.refs:
            table.add_row(
                result.value,
                result.kind,
                "HIT",
                ref["record_type"],
                ref["ref"],
                " ".join(filter(None, (ref["match"], ref.get("completion")))),
            )
    console.print(table)
    if answer.hits:
        console.print(
            f"To ask {answer.peer} for details, quote the reference in a request: "
            f"/exchange/requests/new?peer={answer.peer}&ref=REF&type=TYPE",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add `armsbridge hit` to the root command."""
    app.command("hit")(hit)
