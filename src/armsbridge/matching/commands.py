"""Commands: `armsbridge match` over the store, with review, and `armsbridge link` of two files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.errors import UserError
from armsbridge.matching.service import decide, get_match, review_queue

console = Console()
match_app = typer.Typer(
    help="Find records of the same person, firearm, vehicle or phone; review the suggestions.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _session_factory():  # type: ignore[no-untyped-def]
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.session import make_sessionmaker
    from armsbridge.settings import get_settings

    return make_sessionmaker(engine_from_settings(get_settings()))


@match_app.callback()
def match_command(
    ctx: typer.Context,
    record_type: str = typer.Option(
        "all", "--type", "-t", help="person, firearm, vehicle, phone, or all."
    ),
) -> None:
    """Run the matching engine over the store (every type unless --type is given).

    A run reads every record of the store and is a job of the node: the audit log names it
    `node:matching` with the operating-system user who started it.
    """
    if ctx.invoked_subcommand is not None:
        return
    from armsbridge.db.session import session_scope
    from armsbridge.matching.service import MATCH_TYPES, run_match

    types = list(MATCH_TYPES) if record_type == "all" else [record_type]
    for t in types:
        if t not in MATCH_TYPES:
            raise UserError(f"--type {t!r}: expected all or one of {', '.join(MATCH_TYPES)}")
    factory = _session_factory()
    summary = Table("type", "records", "suggested", "accepted", "run")
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("matching", total=len(types))
        reports = []
        for t in types:
            with session_scope(factory) as session:
                run = run_match(
                    session,
                    entity_type=t,
                    progress=_reporter(progress, task, t),
                )
                summary.add_row(
                    t,
                    str(run.records),
                    str(run.suggested),
                    str(run.accepted),
                    str(run.id),
                )
                own = (run.model or {}).get("armsbridge", {})
                if own.get("blocking"):
                    reports.append((t, own))
            progress.advance(task)
    console.print(summary)
    for t, own in reports:
        budget = own.get("max_pairs")
        print_blocking(own["blocking"], f"Blocking ({t}, budget {budget:,} pairs)" if budget else t)
        if own.get("training"):
            print_training(own["training"])
    console.print("Review the suggestions with: armsbridge match review --user NAME")


def _reporter(progress: Progress, task: TaskID, label: str) -> Callable[[str], None]:
    return lambda msg: progress.update(task, description=f"{label}: {msg}")


@match_app.command("review")
def review_command(
    record_type: str = typer.Option(None, "--type", "-t", help="Only this record type."),
    limit: int = typer.Option(20, help="How many suggestions to show."),
    username: str | None = USER_OPTION,
) -> None:
    """List suggested matches that await a decision, with their evidence."""
    with acting_as(username, "record.read") as (session, _user):
        queue = review_queue(session, entity_type=record_type, limit=limit)
        if not queue:
            console.print("Nothing to review.")
            return
        for m in queue:
            _print_match(m)


@match_app.command("received")
def received_command() -> None:
    """Compare records received from the other service with this node's own, now.

    The delivery worker of `armsbridge serve` does this after every pass; this runs it alone.
    """
    from armsbridge.db.session import session_scope
    from armsbridge.matching.received import match_received

    with session_scope(_session_factory()) as session:
        runs = match_received(session, say=console.print)
        if not runs:
            console.print("No received records wait for matching.")
        for run in runs:
            console.print(
                f"{run.entity_type}: {run.records} received, {run.suggested} cross-border "
                f"suggestions (run {run.id})"
            )


def _print_match(m) -> None:  # type: ignore[no-untyped-def]
    border = "  [yellow]cross-border[/yellow]" if m.cross_border else ""
    console.print(
        f"[bold]match {m.id}[/bold]{border}  {m.entity_type} {m.left_id} ↔ {m.right_id}  "
        f"probability {m.probability:.4f}  weight {m.match_weight:.1f}  " + escape(f"[{m.status}]")
    )
    for ev in m.evidence:
        if ev.get("blocking_rule"):
            console.print(f"    found by blocking rule {escape(str(ev['blocking_rule']))}")
            continue
        if "comparison" not in ev:
            continue
        w = ev["match_weight"]
        sign = "[green]+[/green]" if w > 0 else ("[red]−[/red]" if w < 0 else "·")
        console.print(f"    {sign} {escape(ev['comparison'])}: {escape(ev['level'])} ({w:+.1f})")


def _decide(match_id: int, decision: str, username: str | None, note: str | None) -> None:
    with acting_as(username, "record.update") as (session, user):
        m = decide(session, match_id=match_id, decision=decision, user=user, note=note)
        _print_match(m)


@match_app.command("show")
def show_command(match_id: int, username: str | None = USER_OPTION) -> None:
    """Show one suggested match and its evidence."""
    with acting_as(username, "record.read") as (session, _user):
        _print_match(get_match(session, match_id))


@match_app.command("confirm")
def confirm_command(
    match_id: int,
    username: str | None = USER_OPTION,
    note: str = typer.Option(None, help="Why (written to the audit log)."),
) -> None:
    """Confirm a match: the two records become one entity (a same_as link)."""
    _decide(match_id, "confirm", username, note)


@match_app.command("reject")
def reject_command(
    match_id: int,
    username: str | None = USER_OPTION,
    note: str = typer.Option(None, help="Why (written to the audit log)."),
) -> None:
    """Reject a match; later runs keep it rejected."""
    _decide(match_id, "reject", username, note)


@match_app.command("unsure")
def unsure_command(
    match_id: int,
    username: str | None = USER_OPTION,
    note: str = typer.Option(None, help="Why (written to the audit log)."),
) -> None:
    """Mark a match as unsure; it stays in the review queue."""
    _decide(match_id, "unsure", username, note)


@match_app.command("undo")
def undo_command(
    match_id: int,
    username: str | None = USER_OPTION,
    note: str = typer.Option(None, help="Why (written to the audit log)."),
) -> None:
    """Undo an accepted match: the records are separate entities again, each with its links."""
    _decide(match_id, "undo", username, note)


def link_command(
    left: Path = typer.Argument(..., help="Left file (CSV or XLSX)."),
    right: Path = typer.Argument(..., help="Right file (CSV or XLSX)."),
    out: Path = typer.Option(..., "--out", help="Where to write left_id,right_id,probability."),
    mapping: Path = typer.Option(
        None,
        "--mapping",
        help="Link mapping file (YAML): roles of both files and of each, in the import "
        "profile's column syntax; --field options add to it.",
    ),
    id_left: str = typer.Option(
        None, "--id-left", help="Id column of LEFT (default id/rec_id/unique_id)."
    ),
    id_right: str = typer.Option(None, "--id-right", help="Id column of RIGHT."),
    field: list[str] = typer.Option(
        None, "--field", help="ROLE=COL[+COL...][:FORMAT] for both files; repeat per role."
    ),
    field_left: list[str] = typer.Option(None, "--field-left", help="Same, LEFT only."),
    field_right: list[str] = typer.Option(None, "--field-right", help="Same, RIGHT only."),
    threshold: float = typer.Option(0.5, "--threshold", help="Lowest probability written."),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse a value that does not parse instead of reporting it."
    ),
    max_pairs: int = typer.Option(
        None,
        "--max-pairs",
        min=1,
        help="Most candidate pairs to score (default ARMSBRIDGE_MATCH_MAX_PAIRS, or 500,000 "
        "per thread, or 2 per record where that is more); blocking rules are chosen to fit.",
    ),
    report: Path = typer.Option(
        None, "--report", help="Also write the run report (rules, pairs, bad values) as JSON."
    ),
) -> None:
    """Link the person records of two files and write the pairs, most likely first."""
    from armsbridge.matching.linkfiles import link_files

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("linking")
        run = link_files(
            left,
            right,
            out,
            mapping=mapping,
            id_left=id_left,
            id_right=id_right,
            fields=field or [],
            fields_left=field_left or [],
            fields_right=field_right or [],
            threshold=threshold,
            strict=strict,
            max_pairs=max_pairs,
            progress=lambda msg: progress.update(task, description=msg),
        )
    print_link_report(run.as_dict())
    if report is not None:
        report.write_text(json.dumps(run.as_dict(), ensure_ascii=False, indent=2), "utf-8")
    console.print(f"{run.pairs} pairs at or above {threshold} written to {out}")


def print_blocking(lines: list[dict[str, Any]], title: str = "Blocking") -> None:
    """Print the blocking rules a run used, with their pairs, and those left out."""
    table = Table("blocking rule", "pairs counted", "pairs found first", title=title)
    for line in lines:
        if line.get("used", True):
            table.add_row(
                escape(line["rule"]), f"{line.get('pairs', 0):,}", f"{line.get('found', 0):,}"
            )
    console.print(table)
    left_out = [line for line in lines if line.get("used") is False]
    if left_out:
        console.print(
            f"{len(left_out)} rules left out (over the pair budget): "
            + escape(", ".join(f"{x['rule']} ({_pairs(x)})" for x in left_out[:5]))
            + (" ..." if len(left_out) > 5 else "")
        )


def _pairs(line: dict[str, Any]) -> str:
    counted = line.get("counted", "exactly")
    return f"{'' if counted == 'exactly' else counted + ' '}{line.get('pairs', 0):,} pairs"


def print_training(training: dict[str, Any]) -> None:
    """Print what a run learnt from the data and what came from the priors, and why."""
    console.print(
        "Trained on the data: "
        + ("; ".join(training["learnt_from_data"]) or "nothing")
        + f". From priors: {escape(training['priors'])}"
        + (f" ({escape(training['why'])})" if training["why"] else "")
    )


def print_link_report(report: dict[str, Any]) -> None:
    """Print the blocking rules used (with their pairs), what was trained, and bad values."""
    budget = report.get("max_pairs")
    print_blocking(
        report["blocking"], f"Blocking (budget {budget:,} pairs)" if budget else "Blocking"
    )
    print_training(report["training"])
    for bad in report["bad_values"]:
        examples = escape(", ".join(f"row {e['row']}: {e['value']!r}" for e in bad["examples"]))
        console.print(
            f"[yellow]{bad['count']} values of {escape(bad['column'])} did not parse[/yellow] "
            f"(kept as text for fuzzy comparison, missing for exact comparison; expected "
            f"{bad['examples'][0]['expected']}): {examples}"
        )


def register(app: typer.Typer) -> None:
    """Add `match` (with review subcommands) and `link` to the root command."""
    app.add_typer(match_app, name="match")
    app.command("link")(link_command)
