"""Principals for tests that set up records: the node's own writer, under a chosen actor name."""

from __future__ import annotations

from armsbridge.auth.principal import NODE_ROLE, Principal


def as_actor(name: str, jurisdiction: str = "XK") -> Principal:
    """Return a node principal that signs its writes as `name` (setup data of a test)."""
    return Principal(id=0, username=name, role=NODE_ROLE, jurisdiction=jurisdiction, via="node")
