"""Every envelope the inbox must refuse, crafted and posted to a running node over loopback.

Each refusal is answered with a receipt signed by the receiving node, logged in its audit log
(action "refused", the reason in details) and never applied (its ping counter does not move).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nacl.signing import SigningKey

from armsbridge.exchange import envelope, service
from armsbridge.exchange.identity import KeyPair
from exchange_nodes import Node


def _craft(key: KeyPair, **changes: object) -> dict:
    fields: dict = {
        "sender": "XK",
        "recipient": "MK",
        "kind": "ping",
        "body": {},
        "key": key,
        "now": datetime.now(UTC),
    }
    fields.update(changes)
    return envelope.build(**fields)


def _post(node: Node, payload: dict | bytes) -> httpx.Response:
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return httpx.post(
        f"{node.url}/exchange/inbox",
        content=content,
        headers={"content-type": "application/json"},
        timeout=30,
    )


def _last_refusal(node: Node) -> dict:
    rows = node.query(
        "select actor, jurisdiction, details from audit_entries where action = 'refused' "
        "order by seq desc limit 1"
    )
    actor, jurisdiction, details = rows[0]
    return {"actor": actor, "entry_jurisdiction": jurisdiction, **json.loads(details)}


def _refusals(node: Node) -> int:
    return node.query("select count(*) from audit_entries where action = 'refused'")[0][0]


def _inbox(node: Node) -> int:
    return node.query("select count(*) from exchange_inbox")[0][0]


@pytest.fixture(scope="module")
def removed_key(pair) -> KeyPair:  # noqa: ANN001
    """A key MK knew as peer RS, then removed."""
    _, mk = pair
    key = KeyPair(SigningKey.generate())
    with mk.store() as session:
        service.add_peer(
            session,
            name="RS",
            jurisdiction="RS",
            url="http://127.0.0.1:9",
            public_key=key.public_b64,
            fingerprint=None,
            actor="test",
        )
    with mk.store() as session:
        service.remove_peer(session, name="RS", now=datetime.now(UTC), actor="test")
    return key


def _with_body(key: KeyPair, body: bytes) -> bytes:
    """A signed envelope whose body is replaced by raw JSON the canonical form cannot hold."""
    signed = _craft(key, body={"n": 0})
    return json.dumps(signed).encode().replace(b'{"n": 0}', body)


def _tampered(key: KeyPair) -> dict:
    signed = _craft(key, body={"n": 1})
    signed["body"] = {"n": 2}
    return signed


def _replayed(node: Node, key: KeyPair) -> dict:
    original = _craft(key)
    assert _post(node, original).status_code == 200
    return original


def _same_id(node: Node, key: KeyPair) -> dict:
    original = _craft(key)
    assert _post(node, original).status_code == 200
    return _craft(key, message_id=original["message_id"])


CASES = {
    "tampered body": ("bad_signature", 403, lambda n, k, r: _tampered(k)),
    "signed by another key": (
        "bad_signature",
        403,
        lambda n, k, r: _craft(KeyPair(SigningKey.generate())),
    ),
    "replayed envelope": ("replay", 409, lambda n, k, r: _replayed(n, k)),
    "message id sent again": ("duplicate", 200, lambda n, k, r: _same_id(n, k)),
    "too old": (
        "too_old",
        409,
        lambda n, k, r: _craft(k, now=datetime.now(UTC) - timedelta(minutes=11)),
    ),
    "too far in the future": (
        "in_future",
        409,
        lambda n, k, r: _craft(k, now=datetime.now(UTC) + timedelta(minutes=11)),
    ),
    "for another node": ("wrong_recipient", 403, lambda n, k, r: _craft(k, recipient="AL")),
    "unknown peer": (
        "unknown_peer",
        403,
        lambda n, k, r: _craft(KeyPair(SigningKey.generate()), sender="AL"),
    ),
    "removed peer": ("removed_peer", 403, lambda n, k, r: _craft(r, sender="RS")),
    "unknown protocol version": ("unknown_version", 400, lambda n, k, r: _craft(k, version=2)),
    "unknown kind": ("unknown_kind", 400, lambda n, k, r: _craft(k, kind="launch-codes")),
    "not JSON": ("malformed", 400, lambda n, k, r: b"{not json"),
    "not an object": ("malformed", 400, lambda n, k, r: b"[1, 2]"),
    "no signature": (
        "malformed",
        400,
        lambda n, k, r: {x: v for x, v in _craft(k).items() if x != "signature"},
    ),
    "nested too deeply": ("malformed", 400, lambda n, k, r: b'{"a":' + b"[" * 12_000),
    "a number outside JSON's exact range": (
        "malformed",
        400,
        lambda n, k, r: _with_body(k, b'{"n": 9007199254740993}'),
    ),
    "time out of range": (
        "malformed",
        400,
        lambda n, k, r: {**_craft(k), "sent_at": "9999-12-31T23:59:59-14:00"},
    ),
    "time without a zone": (
        "malformed",
        400,
        lambda n, k, r: {**_craft(k), "sent_at": "2026-12-01T10:00:00"},
    ),
    "NaN": ("malformed", 400, lambda n, k, r: _with_body(k, b'{"n": NaN}')),
    "message id not a UUID": ("malformed", 400, lambda n, k, r: {**_craft(k), "message_id": "1"}),
    "over the size limit": (
        "too_large",
        413,
        lambda n, k, r: _craft(k, body={"pad": secrets.token_hex(10_000)}),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_logged_never_applied(pair, removed_key, case: str) -> None:  # noqa: ANN001
    xk, mk = pair
    reason, status, make = CASES[case]
    payload = make(mk, xk.key(), removed_key)
    pings, inbox, refusals = mk.pings_from("XK"), _inbox(mk), _refusals(mk)
    answer = _post(mk, payload)
    assert answer.status_code == status, answer.text
    receipt = answer.json()
    unread = reason in ("malformed", "too_large")  # the receipt cannot name the message
    message_id = None if unread or not isinstance(payload, dict) else payload["message_id"]
    assert envelope.receipt_valid(receipt, [mk.key().public_b64], message_id), receipt
    assert receipt["status"] == ("duplicate" if reason == "duplicate" else "refused")
    assert receipt["reason"].startswith(reason + ":")
    # Never applied: no ping counted, no inbox row; one audit entry naming the reason.
    assert mk.pings_from("XK") == pings and _inbox(mk) == inbox
    assert _refusals(mk) == refusals + 1
    logged = _last_refusal(mk)
    assert logged["reason"] == reason and logged["refused"] is True
    assert logged["entry_jurisdiction"] == "MK"  # the receiving node's auditors see it
    if isinstance(payload, dict) and not unread:
        assert logged["actor"] == f"peer:{payload['sender']}"


def test_accepted_envelope_is_applied_once(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    pings, inbox = mk.pings_from("XK"), _inbox(mk)
    payload = _craft(xk.key())
    answer = _post(mk, payload)
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted" and answer.json()["result"] == {"pong": True}
    assert mk.pings_from("XK") == pings + 1 and _inbox(mk) == inbox + 1
