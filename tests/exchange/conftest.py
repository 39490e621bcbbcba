"""Two nodes as separate processes on loopback, each with its own var dir and SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exchange_nodes import Node


@pytest.fixture(scope="session")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    """Kosovo and North Macedonia nodes, serving, peered with each other (shared by the tests)."""
    root = tmp_path_factory.mktemp("nodes")
    xk = Node(root, "XK")
    mk = Node(root, "MK", ARMSBRIDGE_EXCHANGE_MAX_ENVELOPE_BYTES="16384")
    for node in (xk, mk):
        node.init()
    mk.add_peer(xk)  # MK is given XK's key directly
    try:
        for node in (xk, mk):
            node.launch()
        for node in (xk, mk):
            node.wait_ready()
        # XK fetches MK's key from its identity URL and checks the fingerprint given out of band.
        fingerprint = mk.key().fingerprint
        xk.cli("peer", "add", "--name", "MK", "--url", mk.url, "--fingerprint", fingerprint)
        yield xk, mk
    finally:
        for node in (xk, mk):
            node.stop()
