"""CLI: `armsbridge node ...`, `peer add|list|remove|ping`, `exchange deliver|status`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from armsbridge.auth.principal import os_login
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.keys import fingerprint_of
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import UserError
from armsbridge.exchange import delivery, hit_commands, request_commands, requests, service
from armsbridge.exchange.models import OutboxMessage
from armsbridge.exchange.operation_commands import operation_app
from armsbridge.settings import get_settings

console = Console()
node_app = typer.Typer(
    help="This node's exchange identity: init, show, rotate-key.", no_args_is_help=True
)
peer_app = typer.Typer(
    help="Peer nodes: add (by fingerprint), list, remove, ping.", no_args_is_help=True
)
exchange_app = typer.Typer(
    help="Exchange delivery: run the worker, show message states.", no_args_is_help=True
)
# The node's operator runs these commands: the operating-system user is the actor.
ACTOR = f"os:{os_login()}"


@contextmanager
def _store() -> Iterator[sessionmaker[Session]]:
    engine = engine_from_settings(get_settings())
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))


@node_app.command("init")
def node_init(
    jurisdiction: str = typer.Option(..., "--jurisdiction", help="XK or MK."),
    name: str = typer.Option(..., "--name", help="Human name of this node."),
    url: str = typer.Option(None, "--url", help="URL peers reach this node at."),
) -> None:
    """Create this node's Ed25519 exchange identity (the private key goes to a 0600 file)."""
    settings = get_settings()
    with _store() as factory, session_scope(factory) as session:
        view = service.init_node(
            session, settings=settings, jurisdiction=jurisdiction, name=name, url=url, actor=ACTOR
        )
    console.print(f"node {view.name} ({view.jurisdiction}) ready; fingerprint {view.fingerprint}")
    console.print("Give the fingerprint to the other node's administrator out of band.")


@node_app.command("show")
def node_show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print this node's jurisdiction, name, URL and key fingerprint."""
    with _store() as factory, session_scope(factory) as session:
        view = service.show_node(session, settings=get_settings())
    if as_json:
        _print_json(view.as_dict())
        return
    console.print(f"jurisdiction: {view.jurisdiction}")
    console.print(f"name:         {view.name}")
    console.print(f"url:          {view.url or '-'}")
    console.print(f"fingerprint:  {view.fingerprint}")
    console.print(f"public key:   {view.public_key}")
    console.print(f"key from:     {view.key_source}")
    if view.previous_fingerprint:
        until = view.previous_until.isoformat() if view.previous_until else "-"
        console.print(f"previous key: {view.previous_fingerprint} (accepted until {until})")


@node_app.command("rotate-key")
def node_rotate_key() -> None:
    """Make a new exchange key; the old one signs the key-rotation message queued to each peer."""
    settings = get_settings()
    with _store() as factory, session_scope(factory) as session:
        count = service.rotate_node_key(session, settings=settings, now=_now(), actor=ACTOR)
        view = service.show_node(session, settings=settings)
    console.print(f"new fingerprint {view.fingerprint}; key-rotation queued to {count} peer(s)")


def fetch_identity(url: str, timeout: float) -> dict:
    """Return a node's GET /exchange/identity answer; UserError naming the URL if it fails."""
    target = f"{url.rstrip('/')}/exchange/identity"
    try:
        answer = httpx.get(target, timeout=timeout)
        data = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UserError(f"cannot read {target} ({exc}); check --url, or give --key") from exc
    if answer.status_code != 200 or not isinstance(data, dict) or "public_key" not in data:
        raise UserError(f"{target} answered {answer.status_code} without a public key: {data}")
    return data


@peer_app.command("add")
def peer_add(
    name: str = typer.Option(..., "--name", help="Local name of the peer (e.g. MK)."),
    url: str = typer.Option(..., "--url", help="The peer node's URL."),
    fingerprint: str = typer.Option(
        None, "--fingerprint", help="The peer key's fingerprint, as its administrator gave it."
    ),
    key: str = typer.Option(None, "--key", help="The peer's public key (base64), given directly."),
    jurisdiction: str = typer.Option(
        None, "--jurisdiction", help="The peer's jurisdiction (default: its identity, or --name)."
    ),
) -> None:
    """Add a peer: its key is fetched from its URL and must match --fingerprint (or is --key)."""
    settings = get_settings()
    if key is None:
        if not fingerprint:
            raise UserError(
                "--fingerprint is needed when the key is fetched from --url: ask the peer's "
                "administrator for it (`armsbridge node show` on their node), or give --key"
            )
        found = fetch_identity(url, settings.exchange_timeout_seconds)
        key = str(found["public_key"])
        jurisdiction = jurisdiction or str(found.get("jurisdiction") or "")
    with _store() as factory, session_scope(factory) as session:
        peer = service.add_peer(
            session,
            name=name,
            jurisdiction=jurisdiction or name,
            url=url,
            public_key=key,
            fingerprint=fingerprint,
            actor=ACTOR,
        )
        console.print(
            f"peer {peer.name} ({peer.jurisdiction}) added; key {fingerprint_of(peer.public_key)}"
        )


@peer_app.command("list")
def peer_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the peers (removed ones too), with their key fingerprints."""
    with _store() as factory, session_scope(factory) as session:
        rows = [
            {
                "name": p.name,
                "jurisdiction": p.jurisdiction,
                "url": p.url,
                "fingerprint": fingerprint_of(p.public_key),
                "previous_fingerprint": fingerprint_of(p.previous_key) if p.previous_key else None,
                "added_at": service.aware(p.added_at).isoformat(),
                "removed_at": service.aware(p.removed_at).isoformat() if p.removed_at else None,
                "pings_received": p.pings_received,
            }
            for p in service.all_peers(session)
        ]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="peers")
    for column in ("name", "jurisdiction", "url", "fingerprint", "added_at", "removed_at"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *(str(row[c] or "") for c in ("name", "jurisdiction", "url", "fingerprint")),
            str(row["added_at"])[:19],
            str(row["removed_at"] or "")[:19],
        )
    console.print(table)


@peer_app.command("remove")
def peer_remove(name: str = typer.Argument(..., help="The peer's name.")) -> None:
    """Remove a peer: its messages are refused from now on; nothing more is sent to it."""
    with _store() as factory, session_scope(factory) as session:
        service.remove_peer(session, name=name, now=_now(), actor=ACTOR)
    console.print(f"peer {name} removed")


@peer_app.command("ping")
def peer_ping(
    name: str = typer.Argument(..., help="The peer's name."),
    count: int = typer.Option(
        1, "--count", min=1, max=100_000, help="Queue this many pings for the worker (a burst)."
    ),
) -> None:
    """Send a signed ping to a peer now; if it is down, the ping stays queued for the worker."""
    settings = get_settings()
    with _store() as factory:
        with session_scope(factory) as session:
            peer = service.get_peer(session, name)
            rows = [
                service.enqueue(session, peer=peer, kind=service.PING, body={"n": n})
                for n in range(count)
            ]
            row_id = rows[0].id
        if count > 1:
            console.print(f"{count} pings queued to {name}; the delivery worker sends them")
            return
        started = time.perf_counter()
        state = delivery.send_one(factory, row_id, settings=settings)
        elapsed = (time.perf_counter() - started) * 1000
        with session_scope(factory) as session:
            row = session.get(OutboxMessage, row_id)
            error = row.last_error if row else None
    if state == "delivered":
        console.print(f"{name} answered: delivered in {elapsed:.0f} ms")
        return
    console.print(f"{name}: {state}; {error or ''}", markup=False)
    if state in delivery.PENDING:
        console.print("the ping stays queued; the delivery worker sends it when the peer is back")
    raise typer.Exit(1)


@exchange_app.command("deliver")
def exchange_deliver(
    once: bool = typer.Option(False, "--once", help="One pass over the due messages, then exit."),
) -> None:
    """Run the delivery worker (`armsbridge serve` runs one too); Ctrl+C stops it."""
    settings = get_settings()
    with _store() as factory:
        while True:
            report = delivery.deliver_once(factory, settings=settings)
            if once:
                console.print(
                    f"delivered {report.delivered}, retrying {report.retrying}, "
                    f"refused {report.refused}, failed {report.failed}"
                )
                return
            time.sleep(settings.exchange_poll_seconds)


@exchange_app.command("status")
def exchange_status(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    limit: int = typer.Option(50, "--limit", min=1, help="Newest messages to list."),
    state: str = typer.Option(None, "--state", help="Only messages in this state."),
) -> None:
    """Print how many messages are queued, sent, delivered, failed, refused; list the newest."""
    with _store() as factory, session_scope(factory) as session:
        counts = delivery.status_counts(session)
        messages = delivery.recent_messages(session, limit=limit, state=state)
        asked = requests.request_counts(session)
    if as_json:
        _print_json({"counts": counts, "messages": messages, "requests": asked})
        return
    console.print("  ".join(f"{s}: {n}" for s, n in counts.items()))
    console.print("requests asked: " + "  ".join(f"{s}: {n}" for s, n in asked.items()))
    table = Table(title="newest messages")
    for column in ("created_at", "peer", "kind", "state", "attempts", "last_error"):
        table.add_column(column)
    for m in messages:
        table.add_row(
            m["created_at"][:19],
            m["peer"],
            m["kind"],
            m["state"],
            str(m["attempts"]),
            m["last_error"] or "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the `node`, `peer`, `exchange`, `operation` and `request` groups and `hit`."""
    app.add_typer(node_app, name="node")
    app.add_typer(peer_app, name="peer")
    app.add_typer(exchange_app, name="exchange")
    hit_commands.register(app)
    app.add_typer(operation_app, name="operation")
    request_commands.register(app)
