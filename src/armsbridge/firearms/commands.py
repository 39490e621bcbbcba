"""CLI: `armsbridge firearm ...` — categorise, read markings, search serials, record tracing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import Principal, acting_as
from armsbridge.errors import UserError, ValidationFailed
from armsbridge.firearms.assess import assess, split_identity
from armsbridge.firearms.models import TraceRequest
from armsbridge.firearms.schemas import parse_facts
from armsbridge.records.models import Firearm
from armsbridge.records.reading import read_record
from armsbridge.records.service import writable_record
from armsbridge.vocab.values import parse_date

console = Console()
firearm_app = typer.Typer(
    help="Firearms: legal category, markings, serial search, tracing.", no_args_is_help=True
)
trace_app = typer.Typer(help="Tracing of firearms (SDG 16.4.2).", no_args_is_help=True)
firearm_app.add_typer(trace_app, name="trace")


@contextmanager
def _session() -> Iterator[Session]:
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.registry import load_all_models
    from armsbridge.db.session import make_sessionmaker, session_scope
    from armsbridge.settings import get_settings

    load_all_models()
    with session_scope(make_sessionmaker(engine_from_settings(get_settings()))) as session:
        yield session


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _read_json(source: str) -> Any:
    if source == "-":
        text = sys.stdin.read()
        where = "standard input"
    else:
        path = Path(source)
        if not path.is_file():
            raise UserError(f"{source}: no such file")
        text = path.read_text("utf-8")
        where = source
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


@firearm_app.command("categorize")
def categorize(
    source: str = typer.Argument("-", help="JSON file with one object or a list; '-' for stdin."),
) -> None:
    """Print the legal category (EU Directive 2021/555 Annex I) of each firearm described.

    An object may also give make, model, calibre and markings: the reference facts they
    identify fill what the object does not state.
    """
    data = _read_json(source)
    items = data if isinstance(data, list) else [data]
    results = []
    for i, item in enumerate(items):
        plain, identity = split_identity(item)
        facts = parse_facts(plain, where=f"item {i + 1}" if isinstance(data, list) else "input")
        results.append(assess(facts, **identity).model_dump(mode="json"))
    _print_json(results if isinstance(data, list) else results[0])


def _firearm_to_change(session: Session, user: Principal, firearm_id: int) -> None:
    """Refuse a firearm the account may not change (another service, H2/H3, restricted case)."""
    writable_record(session, user=user, record_type="firearm", record_id=firearm_id)


@firearm_app.command("identify")
def identify(
    make: str = typer.Option(None, help="Make as read (Zoraki, Zastava, ...)."),
    model: str = typer.Option(None, help="Model as read (914, M70AB2, ...)."),
    calibre: str = typer.Option(None, help="Calibre as marked (7,62x39mm, 9 mm P.A.K., ...)."),
    markings: str = typer.Option(None, help="Marking text as read on the weapon."),
) -> None:
    """Tell what the reference data knows: model, calibre, blank/proof/conversion markings."""
    from armsbridge.firearms.service import identify as run_identify

    if not any((make, model, calibre, markings)):
        raise UserError("give at least one of --make, --model, --calibre, --markings")
    _print_json(run_identify(make=make, model=model, calibre=calibre, markings=markings))


@firearm_app.command("search")
def search(
    pattern: str = typer.Argument(..., help="Serial, '?' for one unread character, '*' for any."),
    jurisdiction: str = typer.Option(None, help="Only this jurisdiction (XK, MK)."),
    limit: int = typer.Option(50, help="At most this many results."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    username: str | None = USER_OPTION,
) -> None:
    """Search firearms by a full or partial serial, tolerant of misread characters."""
    from rich.table import Table

    from armsbridge.firearms.service import search_serials_as

    with acting_as(username, "search") as (session, user):
        hits = search_serials_as(
            session, user=user, pattern=pattern, jurisdiction=jurisdiction, limit=limit
        )
    if as_json:
        _print_json(hits)
        return
    table = Table("id", "jur.", "serial as read", "make", "model", "misread", "score", "received")
    for h in hits:
        mark = h.get("provenance")
        table.add_row(
            str(h["id"]),
            h["jurisdiction"],
            h["serial_raw"] or "",
            h["make"] or "",
            h["model"] or "",
            str(h["misread_characters"]),
            f"{h['score']:.2f}",
            f"{mark['provider']} {mark['handling_code']} {mark['grades']}" if mark else "",
        )
    console.print(table)
    console.print(f"{len(hits)} firearm(s)")


@firearm_app.command("refresh")
def refresh(
    all_records: bool = typer.Option(False, "--all", help="Every firearm, not only stale ones."),
) -> None:
    """Recompute categories, serial index and conversion flags (after imports or rule changes)."""
    from armsbridge.firearms.service import refresh_firearms

    with _session() as session:
        ids = list(session.scalars(select(Firearm.id))) if all_records else None
        count = refresh_firearms(session, ids=ids)
    console.print(f"{count} firearm(s) refreshed")


@firearm_app.command("facts")
def facts(
    firearm_id: int = typer.Argument(..., help="Firearm record id."),
    source: str = typer.Argument("-", help="JSON object of facts; '-' for stdin."),
    replace: bool = typer.Option(False, help="Replace the stored facts instead of merging."),
    username: str | None = USER_OPTION,
) -> None:
    """Store categorisation facts on a firearm record and print its new category."""
    from armsbridge.firearms.service import set_facts

    data = _read_json(source)
    if not isinstance(data, dict):
        raise ValidationFailed("facts: expected one JSON object")
    with acting_as(username, "record.update") as (session, user):
        _firearm_to_change(session, user, firearm_id)
        result = set_facts(session, firearm_id=firearm_id, facts=data, user=user, merge=not replace)
    _print_json(result.model_dump())


@trace_app.command("request")
def trace_request(
    firearm_id: int = typer.Argument(..., help="Firearm record id."),
    sent_to: str = typer.Option(..., "--to", help="Who the request went to."),
    sent_on: str = typer.Option(..., "--on", help="Date sent (dd.mm.yyyy or yyyy-mm-dd)."),
    channel: str = typer.Option("other", help="iarms, interpol, manufacturer, importer, ..."),
    reference: str = typer.Option(None, help="Reference of the request."),
    username: str | None = USER_OPTION,
) -> None:
    """Log a trace request sent for a firearm (its status becomes pending)."""
    from armsbridge.firearms.service import add_trace_request

    with acting_as(username, "record.update") as (session, user):
        _firearm_to_change(session, user, firearm_id)
        req = add_trace_request(
            session,
            firearm_id=firearm_id,
            sent_to=sent_to,
            sent_on=parse_date(sent_on, field="--on"),
            channel=channel,
            reference=reference,
            user=user,
        )
        console.print(f"trace request {req.id} logged for firearm {firearm_id}")


@trace_app.command("answer")
def trace_answer(
    request_id: int = typer.Argument(..., help="Trace request id."),
    answered_on: str = typer.Option(..., "--on", help="Date of the answer."),
    answer: str = typer.Option(..., help="The answer, as received."),
    outcome: str = typer.Option("other", help="origin_established, partial, no_record, ..."),
    point_of_diversion: str = typer.Option(None, help="Where it left the licit circuit."),
    username: str | None = USER_OPTION,
) -> None:
    """Record the answer to a trace request."""
    from armsbridge.firearms.service import record_trace_answer

    with acting_as(username, "record.update") as (session, user):
        asked = session.get(TraceRequest, request_id)
        if asked is not None:
            _firearm_to_change(session, user, asked.firearm_id)
        req = record_trace_answer(
            session,
            request_id=request_id,
            answered_on=parse_date(answered_on, field="--on"),
            answer=answer,
            outcome=outcome,
            point_of_diversion=point_of_diversion,
            user=user,
        )
        console.print(f"answer recorded on trace request {req.id}")


@trace_app.command("status")
def trace_status(
    firearm_id: int = typer.Argument(..., help="Firearm record id."),
    status: str = typer.Argument(
        ...,
        help="not_attempted, pending, insufficient_information, "
        "established_by_tracing, established_otherwise",
    ),
    point_of_diversion: str = typer.Option(None, help="Where it left the licit circuit."),
    username: str | None = USER_OPTION,
) -> None:
    """Set a firearm's trace status (an established origin needs its point of diversion)."""
    from armsbridge.firearms.service import set_trace_status

    with acting_as(username, "record.update") as (session, user):
        _firearm_to_change(session, user, firearm_id)
        f = set_trace_status(
            session,
            firearm_id=firearm_id,
            status=status,
            point_of_diversion=point_of_diversion,
            user=user,
        )
        console.print(f"firearm {f.id}: {f.trace_status} ({f.point_of_diversion or 'no point'})")


@trace_app.command("log")
def trace_log(
    firearm_id: int = typer.Argument(..., help="Firearm record id."),
    username: str | None = USER_OPTION,
) -> None:
    """Print the trace requests of a firearm as JSON."""
    from armsbridge.firearms.service import trace_log as run_log

    with acting_as(username, "record.read") as (session, user):
        read_record(session, user=user, record_type="firearm", record_id=firearm_id)
        _print_json(run_log(session, firearm_id=firearm_id))


@trace_app.command("summary")
def trace_summary(jurisdiction: str = typer.Option(None, help="XK or MK.")) -> None:
    """Count firearms per trace status (SDG 16.4.2 disaggregation)."""
    from armsbridge.firearms.service import trace_summary as run_summary

    with _session() as session:
        _print_json(run_summary(session, jurisdiction=jurisdiction))


def register(app: typer.Typer) -> None:
    """Add the `firearm` command group to the root command."""
    app.add_typer(firearm_app, name="firearm")
