"""Hit/no-hit as pure functions over bytes: ECDH private set intersection (openmined-psi), then a
second step that names only the items that hit and gets back (record type, opaque reference).

    asker                                   answerer (key s, set Y sealed as H(y)^s)
    start_query(items)  -> request          H(x)^c for each item x (c: a fresh key per query)
                           answer_query     checks the budget, returns H(x)^cs, and the tags
                                            (8 bytes of H(y)^s) of its set the asker lacks
    finish_query(resp)  -> hits             unblinds H(x)^s, compares with the tags
    reveal_request(hits) -> request         H(x)^s of the hits only (nothing of the misses)
                           answer_reveal    looks each up: (record type, reference) or nothing
    finish_reveal(resp) -> references

Every curve operation is the library's (its cipher raised to a key); unblinding uses the library's
own cipher with the inverse of the asker's key, which is what its GetIntersection does inside.
The asker can test a value only by asking (online, against the budget): the tags are useless
without the answerer's key. See docs/dev/exchange-psi.md.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import private_set_intersection.python as psi
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.db.keys import node_settings, read_key
from armsbridge.errors import UserError
from armsbridge.exchange.hit_models import HitBudget, HitKey
from armsbridge.i18n_marker import N_
from armsbridge.settings import Settings

PSI_KEY = "psi.key"  # the node's PSI key s: seals its own set; rotating it re-seals the set
PROTOCOL = 1
MAGIC = b"ABH"
TAG = 8  # bytes of H(y)^s a peer keeps per item; a false match is dropped in the second step
POINT = 33  # a compressed P-256 point
# Order of P-256, the curve of openmined-psi's ECDH cipher.
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_servers: dict[bytes, Any] = {}


class BadMessage(UserError):
    """Bytes that are not a hit/no-hit message of this protocol version."""


class BudgetExceeded(UserError):
    """The asking user or peer has used up today's hit/no-hit budget."""

    status_code = 429


# --- the node's side of the cipher --------------------------------------------------------------


def item_digest(key: str) -> str:
    """Return the PSI item of a match key: the hex SHA-256 of its text (fixed length)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _server(settings: Settings) -> Any:
    key = read_key(settings, PSI_KEY)
    found = _servers.get(key)
    if found is None:
        found = _servers[key] = psi.server.CreateFromKey(key, True)
    return found


def current_epoch(settings: Settings | None = None) -> str:
    """Return the id of the node's PSI key (a peer's cached tags are valid for one epoch)."""
    key = read_key(settings or node_settings(), PSI_KEY)
    return hashlib.sha256(b"armsbridge-psi-epoch" + key).hexdigest()[:16]


def seal_digests(digests: Sequence[str], settings: Settings | None = None) -> dict[str, bytes]:
    """Return H(d)^s for each digest under the node's PSI key (one curve operation each)."""
    server = _server(settings or node_settings())
    raw = psi.DataStructure.RAW
    return {
        d: server.CreateSetupMessage(1e-9, 1, [d], raw).raw.encrypted_elements[0] for d in digests
    }


# --- framing ------------------------------------------------------------------------------------


def _pack(kind: bytes, header: dict[str, Any], *blobs: bytes) -> bytes:
    head = json.dumps({**header, "v": PROTOCOL, "sizes": [len(b) for b in blobs]}).encode()
    return MAGIC + kind + struct.pack(">I", len(head)) + head + b"".join(blobs)


def _unpack(data: bytes, kind: bytes, parts: int) -> tuple[dict[str, Any], list[bytes]]:
    what = {
        b"Q": "query",
        b"A": "answer",
        b"R": "reveal request",
        b"S": "reveal answer",
        b"P": "stored peer set",
    }[kind]
    try:
        if data[:3] != MAGIC or data[3:4] != kind:
            raise ValueError("wrong kind")
        (size,) = struct.unpack(">I", data[4:8])
        header = json.loads(data[8 : 8 + size])
        if not isinstance(header, dict):
            raise ValueError("header")
        if header.get("v") != PROTOCOL:
            raise BadMessage(
                N_(
                    "hit/no-hit %(what)s of protocol version %(value)r; this node speaks version "
                    "%(protocol)s: update the older node"
                ),
                values={"what": what, "value": header.get("v"), "protocol": PROTOCOL},
            )
        blobs, at = [], 8 + size
        if len(header["sizes"]) != parts:
            raise ValueError("parts")
        for length in header["sizes"]:
            blobs.append(data[at : at + int(length)])
            at += int(length)
        if at != len(data):
            raise ValueError("length")
    except BadMessage:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, struct.error) as exc:
        raise BadMessage(
            N_(
                "the %(count_data)s bytes received are not a hit/no-hit %(what)s (version "
                "%(protocol)s); the peer's message is damaged or of another kind"
            ),
            values={"count_data": len(data), "what": what, "protocol": PROTOCOL},
        ) from exc
    return header, blobs


def _field(header: dict[str, Any], name: str, kind: type) -> Any:
    value = header.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise BadMessage(
            N_("the hit/no-hit message's field %(name)r is %(value)r, not a %(name2)s"),
            values={"name": name, "value": value, "name2": kind.__name__},
        )
    return value


def _raise(key_or_server: Any, points: list[bytes], what: str) -> list[bytes]:
    """Raise each point to a key with the library's cipher (order kept); refuse non-points."""
    server = key_or_server
    if isinstance(key_or_server, bytes):
        server = psi.server.CreateFromKey(key_or_server, True)
    request = psi.Request()
    request.reveal_intersection = True  # keeps the order: item i stays at index i
    request.encrypted_elements.extend(points)
    try:
        return list(server.ProcessRequest(request).encrypted_elements)
    except RuntimeError as exc:  # the library's "Could not decode point"
        raise BadMessage(
            N_("the %(what)s holds bytes that are not points of the curve"), values={"what": what}
        ) from exc


def _points(blob: bytes, what: str) -> list[bytes]:
    if len(blob) % POINT:
        raise BadMessage(
            N_("the %(what)s holds %(count_blob)s bytes, not whole points of %(point)s"),
            values={"what": what, "count_blob": len(blob), "point": POINT},
        )
    return [blob[i : i + POINT] for i in range(0, len(blob), POINT)]


# --- the asker ----------------------------------------------------------------------------------


@dataclass
class PeerSet:
    """What the asker keeps of one peer's set between queries: the tags of one epoch."""

    epoch: str = ""
    upto: int = 0
    tags: set[bytes] = field(default_factory=set)


def dump_peer_set(peer: PeerSet) -> bytes:
    """Return a peer's tags as bytes the asker may store (useless without the peer's key)."""
    return _pack(b"P", {"epoch": peer.epoch, "upto": peer.upto}, b"".join(sorted(peer.tags)))


def load_peer_set(data: bytes) -> PeerSet:
    """Return the PeerSet stored by dump_peer_set."""
    header, (blob,) = _unpack(data, b"P", 1)
    if len(blob) % TAG:
        raise BadMessage(
            N_("the stored peer set holds %(count_blob)s bytes, not tags of %(tag)s"),
            values={"count_blob": len(blob), "tag": TAG},
        )
    tags = {blob[i : i + TAG] for i in range(0, len(blob), TAG)}
    return PeerSet(_field(header, "epoch", str), _field(header, "upto", int), tags)


def items_in(request: bytes) -> int:
    """Return how many items a peer's query carries (what the answering side logs)."""
    _, (blob,) = _unpack(request, b"Q", 1)
    return len(_points(blob, "query"))


@dataclass
class QueryState:
    """The asker's secret for one query: its blinding key, never sent."""

    key: bytes
    count: int
    peer: PeerSet


@dataclass
class Hits:
    """The asker's result: indices of the items that hit, and their unblinded points."""

    indices: list[int]
    points: dict[int, bytes]
    epoch: str


@dataclass(frozen=True)
class HitRef:
    """A confirmed hit: the item's index, the peer's record type and opaque reference."""

    index: int
    record_type: str
    ref: str


def start_query(items: Sequence[str], peer: PeerSet | None = None) -> tuple[QueryState, bytes]:
    """Blind the match keys `items` with a fresh key; return (state kept here, request bytes)."""
    peer = peer if peer is not None else PeerSet()
    client = psi.client.CreateWithNewKey(True)
    request = client.CreateRequest([item_digest(i) for i in items])
    points = b"".join(request.encrypted_elements)
    header = {"epoch": peer.epoch, "upto": peer.upto}
    state = QueryState(key=client.GetPrivateKeyBytes(), count=len(items), peer=peer)
    return state, _pack(b"Q", header, points)


def finish_query(state: QueryState, response: bytes) -> Hits:
    """Update the peer's tags from the answer and return which of the items hit."""
    header, (points_blob, tags_blob) = _unpack(response, b"A", 2)
    points = _points(points_blob, "answer")
    if len(points) != state.count:
        raise BadMessage(
            N_("the answer holds %(count_points)s items for the %(count)s asked"),
            values={"count_points": len(points), "count": state.count},
        )
    if len(tags_blob) % TAG:
        raise BadMessage(
            N_("the answer's set holds %(count_tags_blob)s bytes, not tags of %(tag)s"),
            values={"count_tags_blob": len(tags_blob), "tag": TAG},
        )
    peer = state.peer
    epoch, upto = _field(header, "epoch", str), _field(header, "upto", int)
    if _field(header, "full", bool) or epoch != peer.epoch:
        peer.tags = set()
    peer.tags.update(tags_blob[i : i + TAG] for i in range(0, len(tags_blob), TAG))
    peer.epoch, peer.upto = epoch, upto
    inverse = pow(int.from_bytes(state.key, "big"), -1, ORDER).to_bytes(32, "big")
    plain = _raise(inverse, points, "answer")
    found = {i: p for i, p in enumerate(plain) if p[:TAG] in peer.tags}
    return Hits(indices=sorted(found), points=found, epoch=peer.epoch)


def reveal_request(hits: Hits) -> bytes:
    """Return the second step's request: the sealed points of the hits only, in index order."""
    return _pack(b"R", {"epoch": hits.epoch}, b"".join(hits.points[i] for i in hits.indices))


def finish_reveal(hits: Hits, response: bytes) -> list[HitRef]:
    """Return the confirmed hits with their references (a tag that matched by chance drops)."""
    header, _ = _unpack(response, b"S", 0)
    refs = header.get("refs")
    if not isinstance(refs, list) or len(refs) != len(hits.indices):
        raise BadMessage(
            N_("the reveal answer does not name the %(count_indices)s hits asked"),
            values={"count_indices": len(hits.indices)},
        )
    out: list[HitRef] = []
    try:
        for index, found in zip(hits.indices, refs, strict=True):
            out.extend(HitRef(index, str(rt), str(ref)) for rt, ref in found)
    except (TypeError, ValueError) as exc:
        raise BadMessage("the reveal answer's references are not [record type, reference]") from exc
    return out


# --- the answerer -------------------------------------------------------------------------------


def _charge(
    session: Session, day: date, peer: str, user: str, count: int, limits: Settings
) -> None:
    """Count `count` items against the user's and the peer's budgets, or refuse without counting."""
    rows = []
    for who, limit, setting in (
        (user, limits.hit_budget_user_per_day, "hit_budget_user_per_day"),
        ("*", limits.hit_budget_peer_per_day, "hit_budget_peer_per_day"),
    ):
        row = session.get(HitBudget, (day, peer, who), with_for_update=True)
        used = row.used if row else 0
        if used + count > limit:
            named = f"user {user!r} of peer {peer!r}" if who != "*" else f"peer {peer!r}"
            raise BudgetExceeded(
                N_(
                    "hit/no-hit budget: %(named)s has queried %(used)s of %(limit)s items today "
                    "(%(day)s); %(count)s more would pass the limit (%(setting)s); ask again "
                    "tomorrow (UTC) or ask the node's administrator to raise it"
                ),
                values={
                    "named": named,
                    "used": used,
                    "limit": limit,
                    "day": day,
                    "count": count,
                    "setting": setting,
                },
            )
        rows.append((who, row, used))
    for who, row, used in rows:
        if row is None:
            session.add(HitBudget(day=day, peer=peer, user=who, used=count))
        else:
            row.used = used + count


def answer_query(
    session: Session,
    request: bytes,
    *,
    peer: str,
    user: str,
    settings: Settings | None = None,
    today: date | None = None,
) -> bytes:
    """Answer a peer's blinded items (each counts against its budgets); never commits."""
    settings = settings or node_settings()
    if not user or user == "*":
        raise BadMessage(
            N_("a hit/no-hit query names its asking user; %(user)r is not a user name"),
            values={"user": user},
        )
    header, (blob,) = _unpack(request, b"Q", 1)
    points = _points(blob, "query")
    if not points or len(points) > settings.hit_max_items_per_query:
        raise BadMessage(
            N_(
                "a hit/no-hit query carries %(count_points)s items; it must carry 1 to "
                "%(hit_max_items_per_query)s (hit_max_items_per_query): split the list"
            ),
            values={
                "count_points": len(points),
                "hit_max_items_per_query": settings.hit_max_items_per_query,
            },
        )
    asked_epoch, since = _field(header, "epoch", str), _field(header, "upto", int)
    answered = b"".join(_raise(_server(settings), points, "query"))
    day = today or datetime.now(UTC).date()
    _charge(session, day, peer, user, len(points), settings)
    session.flush()
    epoch = current_epoch(settings)
    # A watermark past the newest row means this store was restored from a backup: start over.
    full = asked_epoch != epoch or since > (session.scalar(select(func.max(HitKey.id))) or 0)
    since = 0 if full else since
    tags_blob, upto = set_tags(session, epoch, since)
    out = {"epoch": epoch, "upto": max(upto, since), "full": full}
    return _pack(b"A", out, answered, tags_blob)


def set_tags(session: Session, epoch: str, since: int = 0) -> tuple[bytes, int]:
    """Return the tags of the sealed keys with id > `since` (one per distinct point), and top id."""
    stmt = select(func.substr(HitKey.enc, 1, TAG), HitKey.id).where(
        HitKey.epoch == epoch, HitKey.id > since, HitKey.enc.is_not(None)
    )
    tags: set[bytes] = set()
    top = since
    for tag, hid in session.execute(stmt):
        tags.add(bytes(tag))
        top = max(top, hid)
    return b"".join(sorted(tags)), top


def answer_reveal(
    session: Session, request: bytes, *, settings: Settings | None = None
) -> tuple[bytes, int]:
    """Name the records behind the sealed points of a peer's hits; return (bytes, hit count)."""
    settings = settings or node_settings()
    header, (blob,) = _unpack(request, b"R", 1)
    points = _points(blob, "reveal request")
    if len(points) > settings.hit_max_items_per_query:
        raise BadMessage(
            N_("a reveal names %(count_points)s hits; at most %(hit_max_items_per_query)s"),
            values={
                "count_points": len(points),
                "hit_max_items_per_query": settings.hit_max_items_per_query,
            },
        )
    epoch = current_epoch(settings)
    found: dict[bytes, list[list[str]]] = {}
    if _field(header, "epoch", str) == epoch and points:
        stmt = select(HitKey.enc, HitKey.record_type, HitKey.ref).where(
            HitKey.epoch == epoch, HitKey.enc.in_(points)
        )
        for enc, record_type, ref in session.execute(stmt.order_by(HitKey.id)):
            pair, named = [record_type, ref], found.setdefault(bytes(enc or b""), [])
            if pair not in named:
                named.append(pair)
    refs = [found.get(p, []) for p in points]
    return _pack(b"S", {"refs": refs}), sum(1 for r in refs if r)
