"""The delivery worker with a controlled clock and a fake peer: back-off, order, receipts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from nacl.signing import SigningKey
from sqlalchemy import select

from armsbridge.db import keys
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.exchange import delivery, envelope, identity, service
from armsbridge.exchange.identity import KeyPair
from armsbridge.exchange.models import OutboxMessage
from armsbridge.settings import Settings

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class FakePeer:
    """MK as the sender sees it: up or down; answers with receipts signed by its key."""

    def __init__(self, key: KeyPair, sender_key: KeyPair) -> None:
        self.key, self.sender_key = key, sender_key
        self.up = False
        self.answer_status = "accepted"
        self.answer_reason: str | None = None
        self.forge = False
        self.received: list[dict] = []

    def __call__(self, url: str, content: bytes, timeout: float) -> tuple[int, object]:
        if not self.up:
            raise delivery.TransportError("connection refused")
        data = json.loads(content)
        envelope.parse(content)  # well formed
        self.received.append(data)
        signer = KeyPair(SigningKey.generate()) if self.forge else self.key
        receipt = envelope.receipt(
            message_id=data["message_id"],
            receiver="MK",
            status=self.answer_status,
            reason=self.answer_reason,
            key=signer,
            now=T0,
        )
        return (200 if self.answer_status == "accepted" else 400), receipt


@pytest.fixture
def node(tmp_path) -> Iterator[tuple]:  # noqa: ANN001
    """A node XK on its own SQLite store, with peer MK (a fake) and its sessionmaker."""
    settings = Settings(
        var_dir=tmp_path,
        exchange_retry_base_seconds=2,
        exchange_retry_max_seconds=3600,
        exchange_give_up_hours=72,
    )
    keys.use_node(settings)
    engine = make_engine(f"sqlite:///{tmp_path / 'xk.db'}")
    load_all_models().metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    peer_key = KeyPair(SigningKey.generate())
    with session_scope(factory) as session:
        service.init_node(
            session, settings=settings, jurisdiction="XK", name="Kosovo", url=None, actor="test"
        )
        service.add_peer(
            session,
            name="MK",
            jurisdiction="MK",
            url="http://mk.invalid",
            public_key=peer_key.public_b64,
            fingerprint=peer_key.fingerprint,
            actor="test",
        )
    fake = FakePeer(peer_key, identity.current_key(settings))
    yield settings, factory, fake
    engine.dispose()


def _queue(factory, count: int = 1, kind: str = "ping", now: datetime = T0) -> list[str]:  # noqa: ANN001
    with session_scope(factory) as session:
        peer = service.get_peer(session, "MK")
        return [
            service.enqueue(session, peer=peer, kind=kind, body={"n": n}, now=now).message_id
            for n in range(count)
        ]


def _rows(factory) -> list[OutboxMessage]:  # noqa: ANN001
    with session_scope(factory) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_peer_down_for_hours_then_back_is_delivered_once(node) -> None:  # noqa: ANN001
    settings, factory, fake = node
    (message_id,) = _queue(factory)
    first = delivery.deliver_once(factory, settings=settings, now=T0, transport=fake)
    assert first.retrying == 1
    (row,) = _rows(factory)
    wait = (service.aware(row.next_attempt_at) - T0).total_seconds()
    assert 1 <= wait <= 2 and row.state == "queued" and "did not answer" in row.last_error
    # Not due yet: a pass a moment later sends nothing.
    assert (
        delivery.deliver_once(
            factory, settings=settings, now=T0 + timedelta(seconds=0.5), transport=fake
        ).attempted
        == 0
    )
    moments = []
    now = T0
    while now < T0 + timedelta(hours=6):
        now += timedelta(minutes=1)
        if delivery.deliver_once(factory, settings=settings, now=now, transport=fake).attempted:
            moments.append(now)
    gaps = [(b - a).total_seconds() for a, b in zip(moments, moments[1:], strict=False)]
    assert 10 <= len(moments) <= 25  # doubling from 2 s, then at most one try an hour
    assert max(gaps) <= 3600 + 60 and gaps[-1] >= 1800  # capped, with jitter (50-100 %)
    fake.up = True
    now += timedelta(hours=1)
    assert delivery.deliver_once(factory, settings=settings, now=now, transport=fake).delivered == 1
    for _ in range(3):
        now += timedelta(hours=1)
        delivery.deliver_once(factory, settings=settings, now=now, transport=fake)
    assert [m["message_id"] for m in fake.received] == [message_id]
    (row,) = _rows(factory)
    assert row.state == "delivered" and row.receipt["status"] == "accepted"


def test_each_attempt_is_signed_afresh(node) -> None:  # noqa: ANN001
    settings, factory, fake = node
    _queue(factory)
    fake.up, fake.forge = True, True  # the first answer is not signed by MK: try again
    delivery.deliver_once(factory, settings=settings, now=T0, transport=fake)
    (row,) = _rows(factory)
    assert row.state == "queued" and "not a receipt signed by the peer" in row.last_error
    fake.forge = False
    later = T0 + timedelta(minutes=5)
    delivery.deliver_once(factory, settings=settings, now=later, transport=fake)
    first, second = fake.received
    assert first["message_id"] == second["message_id"]  # the same message (applied once) ...
    assert first["nonce"] != second["nonce"] and second["sent_at"] > first["sent_at"]  # fresh
    assert _rows(factory)[0].state == "delivered"


def test_gives_up_after_the_configured_hours(node) -> None:  # noqa: ANN001
    settings, factory, fake = node
    _queue(factory)
    delivery.deliver_once(factory, settings=settings, now=T0 + timedelta(hours=73), transport=fake)
    (row,) = _rows(factory)
    assert row.state == "failed" and "72" in row.last_error and fake.received == []


def test_a_peers_messages_keep_their_order(node) -> None:  # noqa: ANN001
    settings, factory, fake = node
    ids = _queue(factory, 3)
    delivery.deliver_once(factory, settings=settings, now=T0, transport=fake)
    assert [r.attempts for r in _rows(factory)] == [1, 0, 0]  # the later ones wait
    fake.up = True
    report = delivery.deliver_once(
        factory, settings=settings, now=T0 + timedelta(minutes=1), transport=fake
    )
    assert report.delivered == 3 and [m["message_id"] for m in fake.received] == ids


def test_refusals_final_or_retried(node) -> None:  # noqa: ANN001
    settings, factory, fake = node
    _queue(factory)
    fake.up, fake.answer_status = True, "refused"
    fake.answer_reason = "unknown_kind: this node does not accept messages of kind 'ping'"
    delivery.deliver_once(factory, settings=settings, now=T0, transport=fake)
    _queue(factory)
    fake.answer_reason = "bad_signature: the peer does not know our key yet"
    delivery.deliver_once(factory, settings=settings, now=T0, transport=fake)
    first, second = _rows(factory)
    assert first.state == "refused" and "unknown_kind" in first.last_error
    assert second.state == "queued" and "refused for now" in second.last_error


def test_enqueue_belongs_to_the_callers_transaction(node) -> None:  # noqa: ANN001
    _settings, factory, _fake = node
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        service.enqueue(session, peer=service.get_peer(session, "MK"), kind="ping", body={})
        raise RuntimeError("the business change fails")
    assert _rows(factory) == []


def test_backoff_doubles_is_capped_and_jittered() -> None:
    settings = Settings(exchange_retry_base_seconds=2, exchange_retry_max_seconds=60)
    assert delivery.backoff_seconds(1, settings, rand=lambda: 1.0) == 2
    assert delivery.backoff_seconds(4, settings, rand=lambda: 1.0) == 16
    assert delivery.backoff_seconds(4, settings, rand=lambda: 0.0) == 8
    assert delivery.backoff_seconds(40, settings, rand=lambda: 1.0) == 60


def test_key_rotation_is_signed_by_the_old_key_and_goes_first(node) -> None:  # noqa: ANN001
    settings, factory, fake = node
    old = identity.current_key(settings)
    with session_scope(factory) as session:
        assert service.rotate_node_key(session, settings=settings, now=T0, actor="test") == 1
    new = identity.current_key(settings)
    assert new.public_b64 != old.public_b64
    assert identity.previous_key(settings).public_b64 == old.public_b64
    for name in ("exchange.key", "exchange.previous.key"):  # both private to the node's user
        assert (settings.var_dir / "keys" / name).stat().st_mode & 0o777 == 0o600
    _queue(factory)  # queued after the rotation: signed by the new key
    fake.up = True
    delivery.deliver_once(factory, settings=settings, now=T0, transport=fake)
    rotation, ping = (envelope.parse(json.dumps(m).encode()) for m in fake.received)
    assert rotation.kind == "key-rotation" and ping.kind == "ping"
    assert envelope.signed_by(rotation, old.public_b64)
    assert rotation.body["public_key"] == new.public_b64
    assert envelope.signed_by(ping, new.public_b64)
    with session_scope(factory) as session:
        view = service.show_node(session, settings=settings)
    assert view.fingerprint == new.fingerprint and view.previous_fingerprint == old.fingerprint
