"""Hit/no-hit between two nodes: ask a peer online, answer a peer's query; both sides log it.

Two online message kinds carry the two steps of exchange/psi.py, their bytes base64 in the
envelope's body and in the receipt's result, answered while the user waits and never queued:

    hit-query   {user, query_id, psi: Q}  ->  {psi: A}    the blinded items; the set's tags
    hit-reveal  {user, query_id, psi: R}  ->  {psi: S}    the hits only; (record type, ref)

The asking node logs who asked what, why, how many items and hits (action "search", the values
under `terms`, masked for auditors); the answering node logs which peer and user asked and how
many items (hit-query) and hits (hit-reveal), never a value: it does not know them.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError, ValidationFailed
from armsbridge.exchange import psi
from armsbridge.exchange.delivery import Transport
from armsbridge.exchange.handlers import HandlerRefused, Received, register_handler
from armsbridge.exchange.hit_input import Entry
from armsbridge.exchange.hit_models import HitPeerSet
from armsbridge.exchange.hitset import QueryItem, query_items, refresh_if_due
from armsbridge.exchange.models import Peer
from armsbridge.exchange.online import PeerRefused, post_now
from armsbridge.exchange.service import get_peer, require_node
from armsbridge.i18n_marker import N_
from armsbridge.records.reading import MAX_WHY, MIN_WHY
from armsbridge.settings import Settings

HIT_QUERY = "hit-query"
HIT_REVEAL = "hit-reveal"
ACTION = "exchange.hit"  # the role action of asking a peer (auth/roles.yaml)
MAX_USER = 120
# The asker's copy of each peer's tags, by (store, peer): reloaded when the stored epoch or
# watermark differs (another process asked, or a failed query left this copy ahead).
_peer_sets: dict[tuple[str, str], psi.PeerSet] = {}


@dataclass
class ValueResult:
    """The answer for one value asked: hit or not, and the peer's references if it hit."""

    kind: str
    value: str
    line: int
    items: int
    hit: bool = False
    refs: list[dict[str, str]] = field(default_factory=list)


@dataclass
class HitAnswer:
    """What one hit/no-hit query told: each value's result, counts, and the bytes exchanged."""

    peer: str
    query_id: str
    items: int
    hits: int
    results: list[ValueResult]
    bytes_sent: int = 0
    bytes_received: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the answer as JSON-ready values (what `armsbridge hit --json` prints)."""
        return asdict(self)


# --- the asking side ----------------------------------------------------------------------------


def check_why(why: str | None) -> str:
    """Return the cleaned justification of a query; refuse a missing or too short one."""
    text = (why or "").strip()
    if len(text) < MIN_WHY or len(text) > MAX_WHY:
        raise ValidationFailed(
            N_(
                "why: a hit/no-hit query needs a justification of %(min_why)s to %(max_why)s "
                "characters (the case or task); it is logged with the query"
            ),
            [{"field": "why", "value": text[:40], "expected": "a justification"}],
            values={"min_why": MIN_WHY, "max_why": MAX_WHY},
        )
    return text


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise psi.BadMessage(
            N_("the %(what)s carries no hit/no-hit bytes (field 'psi')"), values={"what": what}
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise psi.BadMessage(
            N_("the %(what)s's field 'psi' is not base64"), values={"what": what}
        ) from exc


def _store_key(session: Session, peer: Peer) -> tuple[str, str]:
    return str(session.get_bind().engine.url), f"{peer.name}:{peer.public_key}"


def load_peer_set(session: Session, peer: Peer) -> psi.PeerSet:
    """Return the tags this node keeps of `peer`'s set (empty before the first query)."""
    row = session.get(HitPeerSet, peer.name)
    cache = _store_key(session, peer)
    cached = _peer_sets.get(cache)
    if row is None:
        return psi.PeerSet()
    if cached is not None and (cached.epoch, cached.upto) == (row.epoch, row.upto):
        return cached
    loaded = psi.load_peer_set(bytes(row.data))
    _peer_sets[cache] = loaded
    return loaded


def _store_peer_set(session: Session, peer: Peer, peer_set: psi.PeerSet) -> None:
    row = session.get(HitPeerSet, peer.name)
    if row is not None and (row.epoch, row.upto) == (peer_set.epoch, peer_set.upto):
        return
    data = psi.dump_peer_set(peer_set)
    if row is None:
        session.add(HitPeerSet(peer=peer.name, epoch=peer_set.epoch, upto=peer_set.upto, data=data))
    else:
        row.epoch, row.upto, row.data = peer_set.epoch, peer_set.upto, data
    _peer_sets[_store_key(session, peer)] = peer_set


def _items(entries: list[Entry], settings: Settings, own: str) -> list[tuple[int, QueryItem]]:
    out: list[tuple[int, QueryItem]] = []
    for position, entry in enumerate(entries):
        try:
            found = query_items(
                entry.kind, entry.value, make=entry.make, jurisdiction=own, settings=settings
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                N_("line %(line)s: %(exc)s"), exc.problems, values={"line": entry.line, "exc": exc}
            ) from exc
        out.extend((position, item) for item in found)
    if len(out) > settings.hit_max_items_per_query:
        raise ValidationFailed(
            N_(
                "%(count_entries)s values make %(count_out)s items; one query may carry at "
                "most %(hit_max_items_per_query)s (hit_max_items_per_query): split the list"
            ),
            [{"field": "items", "value": str(len(out)), "expected": "fewer items"}],
            values={
                "count_entries": len(entries),
                "count_out": len(out),
                "hit_max_items_per_query": settings.hit_max_items_per_query,
            },
        )
    return out


def _match(item: QueryItem) -> dict[str, str]:
    """Say which key of a value hit, without the value: date or year, with the make, ..."""
    parts = item.key.split(":")
    if item.kind == "person":
        return {"match": "date" if len(parts[-1]) == 10 else "year"}
    if item.kind == "serial" and "?" in item.value:
        # The asker's own completion of its partial serial (it never left this node in clear).
        return {"match": "completion", "completion": parts[-1]}
    if item.kind in ("serial", "document") and len(parts) == 3:
        return {"match": "make" if item.kind == "serial" else "document_kind"}
    return {"match": "value"}


def _budget_error(exc: PeerRefused, peer: Peer) -> UserError:
    if exc.reason == "budget_exceeded":
        return psi.BudgetExceeded(f"{peer.name}: {str(exc).split(': ', 1)[-1]}")
    return exc


def ask_peer(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    peer_name: str,
    entries: list[Entry],
    why: str | None,
    transport: Transport | None = None,
    now: datetime | None = None,
) -> HitAnswer:
    """Ask a peer online which of `entries` it knows; log the query; never commits.

    Both steps are posted now (never queued): a peer down is PeerUnavailable ("MK did not
    answer; try again later"), a refused budget BudgetExceeded naming the budget and its reset.
    """
    reason = check_why(why)
    peer = get_peer(session, peer_name)
    own = require_node(session).jurisdiction
    items = _items(entries, settings, own)
    peer_set = load_peer_set(session, peer)
    state, request = psi.start_query([item.key for _, item in items], peer_set)
    query_id = str(uuid.uuid4())
    body = {"user": user.username, "query_id": query_id}
    sent = received = 0
    try:
        first = post_now(
            session,
            peer=peer,
            kind=HIT_QUERY,
            body={**body, "psi": _b64(request)},
            settings=settings,
            transport=transport,
            now=now,
        )
        hits = psi.finish_query(state, _unb64(first.result.get("psi"), "answer"))
        second = post_now(
            session,
            peer=peer,
            kind=HIT_REVEAL,
            body={**body, "psi": _b64(psi.reveal_request(hits))},
            settings=settings,
            transport=transport,
            now=now,
        )
        refs = psi.finish_reveal(hits, _unb64(second.result.get("psi"), "reveal answer"))
    except PeerRefused as exc:
        raise _budget_error(exc, peer) from exc
    sent, received = first.sent + second.sent, first.received + second.received
    _store_peer_set(session, peer, state.peer)
    results = [ValueResult(e.kind, e.value, e.line, 0) for e in entries]
    for position, _ in items:
        results[position].items += 1
    for ref in refs:
        position, item = items[ref.index]
        named = {"record_type": ref.record_type, "ref": ref.ref, **_match(item)}
        result = results[position]
        if named not in result.refs:
            result.refs.append(named)
        result.hit = True
    answer = HitAnswer(
        peer=peer.name,
        query_id=query_id,
        items=len(items),
        hits=sum(1 for r in results if r.hit),
        results=results,
        bytes_sent=sent,
        bytes_received=received,
    )
    log_event(
        session,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action="search",
        jurisdiction=own,
        why=reason,
        recipient=peer.jurisdiction,
        details={
            "exchange": "hit",
            "peer": peer.name,
            "query_id": query_id,
            "terms": [{"type": e.kind, "value": e.value} for e in entries],
            "types": sorted({e.kind for e in entries}),
            "values": len(entries),
            "items": len(items),
            "hits": answer.hits,
            "hit_items": len({ref.index for ref in refs}),
            "via": user.via,
            **({"os_user": user.os_user} if user.os_user else {}),
        },
    )
    return answer


# --- the answering side -------------------------------------------------------------------------


def _asker(message: Received) -> tuple[str, str, bytes]:
    body = message.envelope.body
    user, query_id = body.get("user"), body.get("query_id")
    if not isinstance(user, str) or not 0 < len(user) <= MAX_USER or user == "*":
        raise HandlerRefused("bad_query", "a hit/no-hit message names the asking user ('user')")
    if not isinstance(query_id, str) or not 0 < len(query_id) <= 40:
        raise HandlerRefused("bad_query", "a hit/no-hit message carries its query id")
    try:
        return user, query_id, _unb64(body.get("psi"), "message")
    except psi.BadMessage as exc:
        raise HandlerRefused("bad_query", str(exc)) from exc


def _log_answer(session: Session, message: Received, step: str, **counts: Any) -> None:
    peer, body = message.peer, message.envelope.body
    log_event(
        session,
        actor=f"peer:{peer.name}",
        actor_jurisdiction=peer.jurisdiction,
        action="disclose",
        jurisdiction=require_node(session).jurisdiction,
        recipient=peer.jurisdiction,
        details={
            "exchange": step,
            "peer": peer.name,
            "user": body.get("user"),
            "query_id": body.get("query_id"),
            "message_id": message.envelope.message_id,
            **counts,
        },
    )


def _answer_query(session: Session, message: Received) -> dict[str, Any]:
    user, _, request = _asker(message)
    settings = message.settings
    refresh_if_due(session, settings=settings, now=message.now)
    today = message.now.astimezone(UTC).date()
    try:
        answer = psi.answer_query(
            session, request, peer=message.peer.name, user=user, settings=settings, today=today
        )
    except psi.BudgetExceeded as exc:
        resets = datetime.combine(today + timedelta(days=1), time(0), UTC)
        raise HandlerRefused(
            "budget_exceeded", f"{exc} (the budget resets at {resets:%Y-%m-%d %H:%M} UTC)"
        ) from exc
    except psi.BadMessage as exc:
        raise HandlerRefused("bad_query", str(exc)) from exc
    _log_answer(session, message, HIT_QUERY, items=psi.items_in(request))
    return {"psi": _b64(answer)}


def _answer_reveal(session: Session, message: Received) -> dict[str, Any]:
    _, _, request = _asker(message)
    try:
        answer, count = psi.answer_reveal(session, request, settings=message.settings)
    except psi.BadMessage as exc:
        raise HandlerRefused("bad_query", str(exc)) from exc
    _log_answer(session, message, HIT_REVEAL, hits=count)
    return {"psi": _b64(answer)}


register_handler(HIT_QUERY, _answer_query)
register_handler(HIT_REVEAL, _answer_reveal)
