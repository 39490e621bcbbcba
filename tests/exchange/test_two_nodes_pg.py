"""The two-node tests on PostgreSQL: each node its own fresh database on the server (dropped
afterwards): a burst with kill -9 of the receiver mid-way, which stays down while the sender
retries and then comes back (none lost, none applied twice). Skipped only when no server answers
(CI always has one)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from test_two_nodes import _inbox_ids, _outbox_ids, _states

from exchange_nodes import Node, pg_admin_url, pg_database, running, wait_for

pytestmark = pytest.mark.postgres
PG_ADMIN = pg_admin_url()
BURST = 300  # fewer than on SQLite (1000): each message is four commits on the server


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    """Kosovo and North Macedonia nodes on PostgreSQL, serving, peered with each other."""
    if not PG_ADMIN:
        pytest.skip("no PostgreSQL server reachable")
    root = tmp_path_factory.mktemp("pg-nodes")
    with ExitStack() as stack:
        xk = Node(root, "XK", stack.enter_context(pg_database(PG_ADMIN, "xk")))
        mk = Node(root, "MK", stack.enter_context(pg_database(PG_ADMIN, "mk")))
        stack.callback(lambda: [n.dispose() for n in (xk, mk)])
        for node in (xk, mk):
            node.init()
        xk.add_peer(mk)
        mk.add_peer(xk)
        with running(xk, mk):
            yield xk, mk


def test_both_nodes_run_on_postgresql(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    for node in (xk, mk):
        assert node.database_url and node.database_url.startswith("postgresql")
        ((jurisdiction,),) = node.query("select jurisdiction from exchange_node")
        assert jurisdiction == node.jurisdiction
        assert not (node.var / "armsbridge.db").exists()  # no SQLite file: the server holds it


def test_burst_receiver_killed_down_then_back_loses_none_applies_none_twice(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    wait_for(lambda: set(_states(xk)) <= {"delivered"})
    already = _outbox_ids(xk)
    before = mk.pings_from("XK")
    xk.cli("peer", "ping", "MK", "--count", str(BURST))
    burst = _outbox_ids(xk) - already
    assert len(burst) == BURST

    def delivered() -> int:
        return _states(xk).get("delivered", 0) - len(already)

    wait_for(lambda: delivered() >= BURST // 3, timeout=90, every=0.05)
    mk.kill()  # the receiver dies mid-burst: some applied, their receipts never sent

    def retried_while_down() -> bool:  # the head of the queue is tried again and again
        rows = xk.query(
            "select attempts from exchange_outbox where state in ('queued', 'sent')"
            " order by id limit 1"
        )
        return bool(rows) and rows[0][0] >= 3

    wait_for(retried_while_down, timeout=60)
    down = delivered()
    time.sleep(0.5)
    assert delivered() == down  # nothing delivered while it is down
    mk.start()  # back: the queue drains
    wait_for(lambda: delivered() >= BURST, timeout=120)
    time.sleep(1.0)  # more worker passes: nothing is sent again
    received = [m for m in _inbox_ids(mk) if m in burst]
    assert len(received) == BURST and set(received) == burst  # none lost, none twice
    assert mk.pings_from("XK") == before + BURST  # each applied exactly once
    assert _states(xk) == {"delivered": len(already) + BURST}
