"""CLI: `armsbridge operation ...` — joint operations with the peer node, as an account (--user).

Thin: each command calls exchange.operations / operation_work in one transaction acting as the
account, whose role must allow `operation.read` (list, show) or `operation.manage` (the rest).
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.exchange import operation_work as work
from armsbridge.exchange import operations as ops
from armsbridge.exchange.sharing import Item
from armsbridge.records.models import RECORD_MODELS

console = Console()
operation_app = typer.Typer(
    help="Joint operations with the peer node: invite, answer, tasks, notes, records, close.",
    no_args_is_help=True,
)
READ, MANAGE = "operation.read", "operation.manage"


@operation_app.command("list")
def list_command(
    username: str | None = USER_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the joint operations of this node with their state."""
    with acting_as(username, READ) as (session, user):
        rows = [
            {**ops.as_dict(o), "state": o.state, "case_id": o.case_id}
            for o in ops.list_operations(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    columns = ("op_id", "code", "initiator", "partner", "handling_code", "state", "title")
    table = Table(title=f"{len(rows)} joint operations")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c] or "") for c in columns))
    console.print(table)


@operation_app.command("show")
def show_command(
    op_id: str = typer.Argument(..., help="The operation's id (see `operation list`)."),
    username: str | None = USER_OPTION,
) -> None:
    """Print one operation as JSON: its terms, state, tasks, notes, timeline, records."""
    with acting_as(username, READ) as (session, user):
        op = ops.get_operation(session, op_id)
        out = {
            **ops.as_dict(op),
            "state": op.state,
            "case_id": op.case_id,
            "closures": op.closures,
            "timeline": [ops.item_dict(i) for i in work.items_of(session, op, user=user)],
            "records": [
                {"type": r.record_type, "id": r.record_id, "side": r.side}
                for r in work.records_of(session, op, user=user)
            ],
        }
    typer.echo(json.dumps(out, indent=2, default=str))


@operation_app.command("invite")
def invite_command(
    peer: str = typer.Option(..., "--peer", help="The peer's name (`peer list`)."),
    code: str = typer.Option(..., "--code", help="The operation's code, the same on both nodes."),
    title: str = typer.Option(..., "--title"),
    purpose: str = typer.Option(..., "--purpose", help="What the operation is for."),
    handling_code: str = typer.Option(..., "--handling-code", help="H0, H1, H2 or H3."),
    restriction: str | None = typer.Option(None, "--restriction", help="The H3 text."),
    starts_on: str | None = typer.Option(None, "--from", help="Planned start, YYYY-MM-DD."),
    ends_on: str | None = typer.Option(None, "--to", help="Planned end, YYYY-MM-DD."),
    case_id: int | None = typer.Option(None, "--case", help="This node's case (its id)."),
    new_case: str | None = typer.Option(None, "--new-case", help="Reference of a new case."),
    username: str | None = USER_OPTION,
) -> None:
    """Create a joint operation and invite the peer; print its id."""
    with acting_as(username, MANAGE) as (session, user):
        op = ops.invite(
            session,
            user=user,
            peer=peer,
            code=code,
            title=title,
            purpose=purpose,
            handling_code=handling_code,
            restriction=restriction,
            starts_on=starts_on,
            ends_on=ends_on,
            case_id=case_id,
            new_case=new_case,
        )
        op_id = op.op_id
    typer.echo(op_id)


@operation_app.command("accept")
def accept_command(
    op_id: str = typer.Argument(...),
    case_id: int | None = typer.Option(None, "--case", help="This node's case (its id)."),
    new_case: str | None = typer.Option(None, "--new-case", help="Reference of a new case."),
    username: str | None = USER_OPTION,
) -> None:
    """Accept an invitation with this node's case."""
    with acting_as(username, MANAGE) as (session, user):
        op = ops.accept(session, user=user, op_id=op_id, case_id=case_id, new_case=new_case)
        typer.echo(f"{op.code}: {op.state}")


@operation_app.command("decline")
def decline_command(
    op_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    username: str | None = USER_OPTION,
) -> None:
    """Decline an invitation, with the reason."""
    with acting_as(username, MANAGE) as (session, user):
        op = ops.decline(session, user=user, op_id=op_id, reason=reason)
        typer.echo(f"{op.code}: {op.state}")


@operation_app.command("task")
def task_command(
    op_id: str = typer.Argument(...),
    title: str = typer.Option(..., "--title"),
    assignee: str = typer.Option(..., "--assignee", help="The service that does it: XK or MK."),
    due_on: str | None = typer.Option(None, "--due", help="YYYY-MM-DD."),
    username: str | None = USER_OPTION,
) -> None:
    """Add a task; print its id."""
    with acting_as(username, MANAGE) as (session, user):
        task = work.add_task(
            session, user=user, op_id=op_id, title=title, assignee=assignee, due_on=due_on
        )
        typer.echo(task.item_id)


@operation_app.command("done")
def done_command(
    op_id: str = typer.Argument(...),
    item_id: str = typer.Argument(..., help="The task's id."),
    undo: bool = typer.Option(False, "--undo", help="Open the task again."),
    username: str | None = USER_OPTION,
) -> None:
    """Mark a task done (or open again with --undo)."""
    with acting_as(username, MANAGE) as (session, user):
        work.set_task_done(session, user=user, op_id=op_id, item_id=item_id, done=not undo)


@operation_app.command("note")
def note_command(
    op_id: str = typer.Argument(...),
    text: str = typer.Option(..., "--text"),
    username: str | None = USER_OPTION,
) -> None:
    """Add a note."""
    with acting_as(username, MANAGE) as (session, user):
        typer.echo(work.add_note(session, user=user, op_id=op_id, text=text).item_id)


@operation_app.command("share")
def share_command(
    op_id: str = typer.Argument(...),
    records: list[str] = typer.Argument(..., help="Records as TYPE:ID, e.g. person:12 phone:4."),
    source_grade: str = typer.Option("X", "--source-grade", help="A, B, C or X."),
    information_grade: str = typer.Option("4", "--information-grade", help="1, 2, 3 or 4."),
    username: str | None = USER_OPTION,
) -> None:
    """Share records with the other side under the operation's handling code."""
    items = []
    for text in records:
        record_type, _, number = text.partition(":")
        if record_type not in RECORD_MODELS or not number.isdigit():
            raise typer.BadParameter(f"{text!r}: write TYPE:ID, e.g. person:12")
        items.append(Item(record_type, int(number)))
    with acting_as(username, MANAGE) as (session, user):
        count = work.share(
            session,
            user=user,
            op_id=op_id,
            items=items,
            source_grade=source_grade,
            information_grade=information_grade,
        )
    typer.echo(f"{count} records queued for the other side")


@operation_app.command("close")
def close_command(
    op_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    results: str | None = typer.Option(None, "--results"),
    username: str | None = USER_OPTION,
) -> None:
    """Close this node's part of the operation."""
    with acting_as(username, MANAGE) as (session, user):
        op = ops.close_part(session, user=user, op_id=op_id, reason=reason, results=results)
        typer.echo(f"{op.code}: {op.state}")
