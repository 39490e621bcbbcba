"""Two nodes as separate processes: a ping, a peer down and back, kill -9 during a burst."""

from __future__ import annotations

import json
import time

from exchange_nodes import wait_for

BURST = 1000


def _states(node, kind: str = "ping") -> dict[str, int]:  # noqa: ANN001
    rows = node.query(
        "select state, count(*) from exchange_outbox where kind = ? group by state", kind
    )
    return dict(rows)


def _outbox_ids(node) -> set[str]:  # noqa: ANN001
    return {r[0] for r in node.query("select message_id from exchange_outbox where kind='ping'")}


def _inbox_ids(node) -> list[str]:  # noqa: ANN001
    return [r[0] for r in node.query("select message_id from exchange_inbox where kind='ping'")]


def test_ping_round_trip_and_status(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    before = mk.pings_from("XK")
    result = xk.cli("peer", "ping", "MK")
    assert "delivered" in result.stdout
    assert mk.pings_from("XK") == before + 1
    status = json.loads(xk.cli("exchange", "status", "--json").stdout)
    assert status["counts"]["delivered"] >= 1
    newest = status["messages"][0]
    assert newest["kind"] == "ping" and newest["peer"] == "MK" and newest["state"] == "delivered"


def test_ping_while_peer_down_is_delivered_once_when_it_is_back(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    mk.stop()
    try:
        before = mk.pings_from("XK")
        result = xk.cli("peer", "ping", "MK", check=False)
        assert result.returncode == 1 and "stays queued" in result.stdout, result.stdout
        (message_id,) = xk.query("select message_id from exchange_outbox order by id desc limit 1")[
            0
        ]
        time.sleep(1.5)  # the worker in XK's server retries while MK is down
        attempts, state = xk.query(
            "select attempts, state from exchange_outbox where message_id = ?", message_id
        )[0]
        assert attempts >= 2 and state in ("queued", "sent")
    finally:
        mk.start()
    wait_for(
        lambda: (
            xk.query("select state from exchange_outbox where message_id = ?", message_id)[0][0]
            == "delivered"
        )
    )
    time.sleep(1.0)  # more worker passes: nothing is sent again
    assert mk.pings_from("XK") == before + 1
    assert _inbox_ids(mk).count(message_id) == 1


def test_kill_9_of_sender_and_receiver_loses_none_applies_none_twice(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    wait_for(lambda: set(_states(xk)) <= {"delivered"})
    already = _outbox_ids(xk)
    before = mk.pings_from("XK")
    started = time.monotonic()
    xk.cli("peer", "ping", "MK", "--count", str(BURST))
    burst = _outbox_ids(xk) - already
    assert len(burst) == BURST

    def delivered() -> int:
        return _states(xk).get("delivered", 0) - len(already)

    wait_for(lambda: delivered() >= BURST // 4, timeout=90, every=0.05)
    xk.kill()  # the sender dies mid-burst (some rows "sent", their answers lost)
    xk.start()
    wait_for(lambda: delivered() >= BURST // 2, timeout=90, every=0.05)
    mk.kill()  # the receiver dies mid-burst
    mk.start()
    wait_for(lambda: delivered() >= BURST, timeout=120)
    elapsed = time.monotonic() - started
    received = [m for m in _inbox_ids(mk) if m in burst]
    assert len(received) == BURST and set(received) == burst  # none lost, none twice
    assert mk.pings_from("XK") == before + BURST  # each applied exactly once
    assert _states(xk) == {"delivered": len(already) + BURST}
    print(f"{BURST} messages with two kill -9 in {elapsed:.1f} s")


def test_rotated_key_reaches_the_peer_signed_by_the_old_key(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    old = xk.key()
    result = xk.cli("node", "rotate-key")
    assert "key-rotation queued to 1 peer" in result.stdout
    new = xk.key()
    assert new.public_b64 != old.public_b64
    wait_for(lambda: _states(xk, "key-rotation") == {"delivered": 1})
    ((current, previous),) = mk.query(
        "select public_key, previous_key from exchange_peers where jurisdiction = 'XK'"
    )
    assert current == new.public_b64 and previous == old.public_b64
    before = mk.pings_from("XK")
    assert "delivered" in xk.cli("peer", "ping", "MK").stdout  # signed by the new key
    assert mk.pings_from("XK") == before + 1
    logged = mk.query(
        "select details from audit_entries where action = 'admin' order by seq desc limit 1"
    )[0][0]
    assert json.loads(logged)["exchange"] == "peer-key-rotated"
