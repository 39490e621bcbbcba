"""Exchange fixtures: two nodes as separate processes on loopback (each with its own var dir and
SQLite store), and two nodes' settings for the hit/no-hit protocol run in process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from armsbridge.db import keys
from armsbridge.exchange import refusal_log, service
from armsbridge.exchange.identity import KeyPair
from armsbridge.settings import Settings
from exchange_nodes import Node, running

# Helpers of these tests (hit_factories.py) import as top-level modules.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _refusal_counts() -> Iterator[None]:
    """Each test starts with no refusal counted (the audit log's rate limit is per process)."""
    refusal_log.reset()
    yield
    refusal_log.reset()


@pytest.fixture(scope="session")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    """Kosovo and North Macedonia nodes, serving, peered with each other (shared by the tests)."""
    root = tmp_path_factory.mktemp("nodes")
    xk = Node(root, "XK")
    mk = Node(root, "MK", ARMSBRIDGE_EXCHANGE_MAX_ENVELOPE_BYTES="16384")
    for node in (xk, mk):
        node.init()
    mk.add_peer(xk)  # MK is given XK's key directly
    with running(xk, mk):
        # XK fetches MK's key from its identity URL and checks the fingerprint given out of band.
        fingerprint = mk.key().fingerprint
        xk.cli("peer", "add", "--name", "MK", "--url", mk.url, "--fingerprint", fingerprint)
        yield xk, mk


@pytest.fixture
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Settings]]:
    """Settings of a Kosovo and a North Macedonian node, each with its own keys folder."""
    xk = Settings(var_dir=tmp_path_factory.mktemp("xk"), jurisdiction="XK")
    mk = Settings(var_dir=tmp_path_factory.mktemp("mk"), jurisdiction="MK")
    yield xk, mk
    keys.use_node(None)


@pytest.fixture
def xk(session, node_keys):  # noqa: ANN001, ANN201
    """The session as the XK node, with MK as its peer (operations and patrols on one node)."""
    service.init_node(
        session, settings=node_keys, jurisdiction="XK", name="Kosovo Police", url=None, actor="t"
    )
    peer = service.add_peer(
        session,
        name="MK",
        jurisdiction="MK",
        url="http://mk.invalid",
        public_key=KeyPair(SigningKey.generate()).public_b64,
        fingerprint=None,
        actor="t",
    )
    return peer
