"""CLI: `armsbridge request new|list|show|candidates|approve|refuse|share` (acts as --user)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.errors import UserError
from armsbridge.exchange import request_answers as answers
from armsbridge.exchange import request_received as arrived
from armsbridge.exchange import requests
from armsbridge.exchange.sharing import Conditions, Item

console = Console()
request_app = typer.Typer(
    help="Information requests to and from peer nodes: ask, list, answer, share.",
    no_args_is_help=True,
)
CODE = typer.Option("H0", "--code", help="Handling code H0-H3.")
RESTRICTION = typer.Option(None, "--restriction", help="The restriction in words (H3).")
SOURCE = typer.Option("X", "--source-grade", help="Source grade A, B, C or X.")
INFO = typer.Option("4", "--information-grade", help="Information grade 1-4.")
RECORDS = typer.Option(..., "--record", help="TYPE:ID of a record to send (repeat).")
FIELDS = typer.Option(
    None, "--fields", help="TYPE:ID=field,field: only these fields of that record (repeat)."
)


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str))


def _items(records: list[str], fields: list[str] | None) -> list[Item]:
    chosen: dict[str, tuple[str, ...]] = {}
    for spec in fields or []:
        key, _, names = spec.partition("=")
        chosen[key.strip()] = tuple(n.strip() for n in names.split(",") if n.strip())
    items = []
    for spec in records:
        record_type, _, raw_id = spec.partition(":")
        if not raw_id.isdigit():
            raise UserError(f"--record {spec!r}: expected TYPE:ID, e.g. person:12")
        items.append(Item(record_type, int(raw_id), chosen.get(spec)))
    unknown = set(chosen) - set(records)
    if unknown:
        raise UserError(f"--fields names {', '.join(sorted(unknown))}, not given as --record")
    return items


@request_app.command("new")
def new(
    peer: str = typer.Option(..., "--peer", help="The peer asked (`armsbridge peer list`)."),
    record_type: str = typer.Option(None, "--type", help="Record type of the hit reference."),
    ref: list[str] = typer.Option(None, "--ref", help="Hit reference (repeat for several)."),
    description: str = typer.Option(None, "--description", help="Or: what you ask for."),
    why: str = typer.Option(..., "--why", help="Justification (the peer's log shows it)."),
    urgency: str = typer.Option("normal", "--urgency", help="urgent-direct, urgent or normal."),
    case_id: int = typer.Option(None, "--case", help="The local case the request serves."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    username: str | None = USER_OPTION,
) -> None:
    """Ask a peer for the details of hits (or for what you describe); queue the request."""
    subjects = [{"type": record_type or "", "ref": r} for r in ref or []]
    with acting_as(username, requests.ASK) as (session, user):
        row = requests.create_request(
            session,
            user=user,
            peer_name=peer,
            subjects=subjects,
            description=description,
            justification=why,
            urgency=urgency,
            case_id=case_id,
        )
        view = requests.get_request(session, user=user, ref=row.ref, side="asker")
        out = view.as_dict()
    if as_json:
        _print_json(out)
        return
    console.print(f"request {out['ref']} queued for {peer}; answer due in {out['time_left']}")


@request_app.command("list")
def list_command(
    side: str = typer.Option("asker", "--side", help="asker (asked here) or owner (the queue)."),
    state: str = typer.Option(None, "--state", help="Only requests in this state."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    username: str | None = USER_OPTION,
) -> None:
    """List requests asked here (--side asker) or the queue of peers' requests (--side owner)."""
    if side not in ("asker", "owner"):
        raise UserError("--side: asker or owner")
    action = requests.ASK if side == "asker" else requests.ANSWER
    with acting_as(username, action) as (session, user):
        views = [
            v.as_dict() for v in requests.list_requests(session, user=user, side=side, state=state)
        ]
    if as_json:
        _print_json(views)
        return
    table = Table(title=f"requests ({side})")
    for column in ("ref", "peer", "kind", "urgency", "state", "time left", "requester"):
        table.add_column(column)
    for v in views:
        table.add_row(
            v["ref"],
            v["peer"],
            v["kind"],
            v["urgency"],
            v["state"],
            v["time_left"] or "",
            v["requester"],
        )
    console.print(table)


@request_app.command("show")
def show(
    ref: str = typer.Argument(..., help="The request's reference."),
    side: str = typer.Option("asker", "--side", help="asker or owner."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    username: str | None = USER_OPTION,
) -> None:
    """Show one request: state, reason, clock, and the records received for it."""
    action = requests.ASK if side == "asker" else requests.ANSWER
    with acting_as(username, action) as (session, user):
        out = requests.get_request(session, user=user, ref=ref, side=side).as_dict()
        out["received"] = (
            [
                {
                    "type": r.record_type,
                    "id": r.record_id,
                    "title": r.title,
                    "handling_code": r.marking.handling_code,
                    "restriction": r.marking.restriction,
                    "grades": r.marking.grades,
                    "provider": r.marking.provider,
                }
                for r in arrived.received_records(session, user=user, ref=ref, side=side)
            ]
            if side == "asker"
            else []
        )
    if as_json:
        _print_json(out)
        return
    console.print(f"{out['ref']} {out['peer']} {out['state']} {out['reason'] or ''}")
    for r in out["received"]:
        console.print(f"  {r['type']}:{r['id']} {r['title']} {r['handling_code']} {r['grades']}")


@request_app.command("candidates")
def candidates(
    ref: str = typer.Argument(..., help="The request's reference (in this node's queue)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    username: str | None = USER_OPTION,
) -> None:
    """List the records a request names (and those linked to them) that you may send."""
    with acting_as(username, requests.ANSWER) as (session, user):
        found = answers.candidates(session, user=user, ref=ref)
        out = [
            {
                "record": f"{c.record_type}:{c.record_id}",
                "title": c.title,
                "fields": c.fields,
                "referenced": c.referenced,
            }
            for c in found
        ]
    if as_json:
        _print_json(out)
        return
    for c in out:
        console.print(f"{c['record']} {c['title']} ({', '.join(c['fields'])})")


@request_app.command("approve")
def approve(
    ref: str = typer.Argument(..., help="The request's reference."),
    records: list[str] = RECORDS,
    fields: list[str] = FIELDS,
    code: str = CODE,
    restriction: str = RESTRICTION,
    source_grade: str = SOURCE,
    information_grade: str = INFO,
    note: str = typer.Option(None, "--note", help="Why not everything is sent."),
    username: str | None = USER_OPTION,
) -> None:
    """Send the records (and fields) chosen in answer to a request; the requester is told."""
    with acting_as(username, requests.ANSWER) as (session, user):
        row = answers.approve(
            session,
            user=user,
            ref=ref,
            items=_items(records, fields),
            conditions=Conditions(code, restriction, source_grade, information_grade),
            note=note,
        )
        state, sent = row.state, row.records_sent
    console.print(f"request {ref} {state}: {sent} records queued under {code}")


@request_app.command("refuse")
def refuse(
    ref: str = typer.Argument(..., help="The request's reference."),
    reason: str = typer.Option(..., "--reason", help="Why it is refused (the requester sees it)."),
    username: str | None = USER_OPTION,
) -> None:
    """Refuse a request with its reasons."""
    with acting_as(username, requests.ANSWER) as (session, user):
        answers.refuse(session, user=user, ref=ref, reason=reason)
    console.print(f"request {ref} refused")


@request_app.command("share")
def share(
    peer: str = typer.Option(..., "--peer", help="The peer to share with."),
    records: list[str] = RECORDS,
    fields: list[str] = FIELDS,
    code: str = CODE,
    restriction: str = RESTRICTION,
    source_grade: str = SOURCE,
    information_grade: str = INFO,
    purpose: str = typer.Option(..., "--purpose", help="Why (the disclosure log keeps it)."),
    username: str | None = USER_OPTION,
) -> None:
    """Share records with a peer without a prior request (an alert, a case summary)."""
    with acting_as(username, requests.ANSWER) as (session, user):
        row = answers.share_spontaneously(
            session,
            user=user,
            peer_name=peer,
            items=_items(records, fields),
            conditions=Conditions(code, restriction, source_grade, information_grade),
            purpose=purpose,
        )
        ref = row.ref
    console.print(f"shared {len(records)} records with {peer} (share {ref})")


def register(app: typer.Typer) -> None:
    """Add the `request` group to the root command."""
    app.add_typer(request_app, name="request")
