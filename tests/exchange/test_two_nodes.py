"""Two nodes as separate processes: pings, a peer down and back, kill -9 during a burst."""

from __future__ import annotations

from exchange_nodes import wait_for  # noqa: F401


def test_ping_round_trip(pair) -> None:
    xk, mk = pair
    before = mk.pings_from("XK")
    result = xk.cli("peer", "ping", "MK")
    assert "delivered" in result.stdout
    assert mk.pings_from("XK") == before + 1
