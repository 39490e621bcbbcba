"""What the exchange adds to other domains' writes: an erased record's erasure reaches the peers.

Attached by `install_listeners()` (db.registry, from db.session.make_sessionmaker and the test
fixtures), never at import: records.service.delete_record then calls exchange.erasure.
"""

from __future__ import annotations

from armsbridge.exchange.erasure import queue_erasure
from armsbridge.records.service import on_erase


def install_listeners() -> None:
    """Have every erasure of a disclosed record queue its erasure to the peers (idempotent)."""
    on_erase(queue_erasure)
