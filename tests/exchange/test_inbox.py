"""The inbox in process: a message applied once under concurrency; handlers that refuse."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from nacl.signing import SigningKey
from sqlalchemy import func, select

from armsbridge.db.session import session_scope
from armsbridge.exchange import envelope, inbox
from armsbridge.exchange.handlers import handler_for, kinds, register_handler
from armsbridge.exchange.identity import KeyPair
from armsbridge.exchange.models import InboxMessage, Peer
from armsbridge.settings import Settings
from exchange_nodes import mk_store


@pytest.fixture
def mk(tmp_path) -> Iterator[tuple]:  # noqa: ANN001
    """Node MK on its own store, with peer XK whose private key the test holds."""
    settings = Settings(var_dir=tmp_path, exchange_key_grace_hours=1)
    with mk_store(settings, f"sqlite:///{tmp_path / 'mk.db'}") as (factory, xk):
        yield settings, factory, xk


def _send(mk, key: KeyPair, now: datetime | None = None, **fields) -> inbox.Answer:  # noqa: ANN001
    settings, factory, _ = mk
    now = now or datetime.now(UTC)
    data = {"sender": "XK", "recipient": "MK", "kind": "ping", "body": {}, **fields}
    raw = envelope.canonical(envelope.build(key=key, now=now, **data))
    return inbox.receive(factory, raw, settings=settings, now=now)


def _peer(factory) -> Peer:  # noqa: ANN001
    with session_scope(factory) as session:
        return session.scalar(select(Peer).where(Peer.name == "XK"))


def test_concurrent_copies_of_a_message_are_applied_once(mk) -> None:  # noqa: ANN001
    settings, factory, xk = mk
    message_id = "3f0c8c8e-8f4e-4d8a-9a53-0b9c2a1f7e11"
    answers: list[inbox.Answer] = []
    start = threading.Barrier(4)

    def copy() -> None:
        start.wait()
        answers.append(_send(mk, xk, message_id=message_id))

    threads = [threading.Thread(target=copy) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.receipt["status"] for a in answers)
    assert statuses == ["accepted", "duplicate", "duplicate", "duplicate"]
    assert _peer(factory).pings_received == 1
    with session_scope(factory) as session:
        assert session.scalar(select(func.count()).select_from(InboxMessage)) == 1


def test_key_rotation_accepted_then_old_key_until_grace_ends(mk) -> None:  # noqa: ANN001
    _settings, factory, xk = mk
    new = KeyPair(SigningKey.generate())
    now = datetime.now(UTC)
    body = {"public_key": new.public_b64, "fingerprint": new.fingerprint}
    answer = _send(mk, xk, now=now, kind="key-rotation", body=body)
    assert answer.receipt["status"] == "accepted", answer.receipt
    peer = _peer(factory)
    assert peer.public_key == new.public_b64 and peer.previous_key == xk.public_b64
    assert _send(mk, new, now=now).receipt["status"] == "accepted"
    assert _send(mk, xk, now=now).receipt["status"] == "accepted"  # old key: within the grace
    # A rotation signed by the rotated-out key is refused (it must come from the current key).
    other = KeyPair(SigningKey.generate())
    stale = _send(
        mk,
        xk,
        now=now,
        kind="key-rotation",
        body={"public_key": other.public_b64, "fingerprint": other.fingerprint},
    )
    assert stale.status_code == 422 and stale.receipt["reason"].startswith("stale_key:")
    assert _peer(factory).public_key == new.public_b64  # not applied
    later = now + timedelta(hours=2)  # past the grace period: the old key is refused
    refused = _send(mk, xk, now=later)
    assert refused.status_code == 403 and refused.receipt["reason"].startswith("bad_signature")


def test_key_rotation_with_a_wrong_fingerprint_is_refused(mk) -> None:  # noqa: ANN001
    _settings, factory, xk = mk
    new = KeyPair(SigningKey.generate())
    body = {"public_key": new.public_b64, "fingerprint": xk.fingerprint}
    answer = _send(mk, xk, kind="key-rotation", body=body)
    assert answer.status_code == 422 and answer.receipt["reason"].startswith("bad_key:")
    assert _peer(factory).public_key == xk.public_b64
    with session_scope(factory) as session:  # refused: not in the inbox, so never applied
        assert session.scalar(select(func.count()).select_from(InboxMessage)) == 0


def test_handlers_register_once() -> None:
    assert {"ping", "key-rotation"} <= set(kinds())
    with pytest.raises(ValueError, match="already has a handler"):
        register_handler("ping", lambda session, message: None)
    assert handler_for("ping") is not None and handler_for("launch-codes") is None
