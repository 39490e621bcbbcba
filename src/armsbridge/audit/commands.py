"""CLI: verify the audit log (as the node's operator) and export it (as an auditor's account)."""

from __future__ import annotations

import json
import string
import sys
from dataclasses import asdict
from datetime import UTC, datetime, time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from armsbridge.audit import checkpoints, service
from armsbridge.audit.chain import jsonable
from armsbridge.auth.principal import USER_ENV, cli_principal
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.keys import node_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import UserError
from armsbridge.settings import get_settings
from armsbridge.vocab.values import parse_date

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
audit_app = typer.Typer(
    help="Audit log: verify, checkpoint and anchor it, export entries, reveal one entry.",
    no_args_is_help=True,
)
HEX = frozenset(string.hexdigits.lower())


def _anchor(raw: str) -> tuple[int, str]:
    seq, _, prefix = raw.partition(":")
    prefix = prefix.strip().lower()
    if not seq.strip().isdigit() or len(prefix) < 8 or any(c not in HEX for c in prefix):
        raise UserError(
            f"--expect {raw!r}: write it as ENTRY:HASH, the entry number and at least the first "
            "8 hex digits of its hash, as the anchor printed by `armsbridge audit anchor` shows"
        )
    return int(seq), prefix


@audit_app.command("verify")
def verify(
    expect: list[str] = typer.Option(
        None,
        "--expect",
        help="An anchor kept on paper: ENTRY:HASH (first 8+ hex digits); repeat for several.",
    ),
) -> None:
    """Check the log against its key and signed checkpoints (exit 0 intact, 1 tampered, 2 usage)."""
    anchors = [_anchor(raw) for raw in expect or []]
    factory = make_sessionmaker(engine_from_settings(get_settings()))
    with session_scope(factory) as session:
        result = service.verify_chain(session, expect=anchors)
        if result.ok and result.checked:
            checkpoints.checkpoint_now(session)  # what was just verified is anchored too
    for problem in result.problems:
        console.print(f"[red]{escape(problem)}[/red]")
    for note in result.notes:
        console.print(escape(note))
    if not result.ok:
        console.print(
            f"audit log BROKEN: {len(result.problems)} problem(s) in {result.checked} entries"
        )
        raise typer.Exit(1)
    console.print(f"audit log intact: {result.checked} entries verified")


@audit_app.command("checkpoint")
def checkpoint(
    print_anchor: bool = typer.Option(
        False, "--print", help="Print the anchor for a supervisor (count, hash, time, signature)."
    ),
) -> None:
    """Write a signed checkpoint of the log's head now (outside the database)."""
    factory = make_sessionmaker(engine_from_settings(get_settings()))
    with session_scope(factory) as session:
        written = checkpoints.checkpoint_now(session)
    if print_anchor:
        print(checkpoints.anchor_text(node_settings(), written))
    else:
        console.print(f"checkpoint {written.n}: {written.seq} entries, last hash {written.hash}")


@audit_app.command("anchor")
def anchor() -> None:
    """Print the latest signed checkpoint for a supervisor to keep (paper, mail)."""
    settings = node_settings()
    latest = checkpoints.read_checkpoints(settings).latest
    if latest is None:
        raise UserError("no checkpoint was written yet; run `armsbridge audit checkpoint` first")
    print(checkpoints.anchor_text(settings, latest))


@audit_app.command("reveal")
def reveal(
    seq: int = typer.Argument(..., min=1, help="Number of the entry to reveal."),
    why: str = typer.Option(..., "--why", help="Why the values are needed (logged)."),
    user: str = typer.Option(
        None, "--user", help=f"Data-protection officer's account (default: ${USER_ENV})."
    ),
) -> None:
    """Print one entry with its personal values (data-protection officers); the reveal is logged."""
    factory = make_sessionmaker(engine_from_settings(get_settings()))
    with session_scope(factory) as session:
        principal = cli_principal(session, user)
        view = service.reveal_entry(session, user=principal, seq=seq, why=why)
    print(json.dumps(jsonable(asdict(view)), indent=2, ensure_ascii=False, sort_keys=True))


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
