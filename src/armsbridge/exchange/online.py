"""Online messages: sign an envelope and post it now, the answer coming back in the receipt.

Used where an answer is needed while the user waits (hit/no-hit): nothing is written to the
outbox and nothing is retried; a peer that does not answer is a clear error to the user. The
receipt must be signed by the peer (its current key, or its previous one within the grace).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.errors import UserError
from armsbridge.exchange import envelope as env
from armsbridge.exchange import identity
from armsbridge.exchange.delivery import INBOX_PATH, Transport, TransportError, http_transport
from armsbridge.exchange.models import Peer
from armsbridge.exchange.service import peer_keys, require_node
from armsbridge.i18n_marker import N_
from armsbridge.settings import Settings


class PeerUnavailable(UserError):
    """The peer did not answer (down, unreachable, or its answer was not a signed receipt)."""

    status_code = 503


class PeerRefused(UserError):
    """The peer answered with a signed refusal; `reason` is its code (budget_exceeded, ...)."""

    status_code = 502

    def __init__(
        self, message: str, reason: str, *, values: dict[str, object] | None = None
    ) -> None:
        super().__init__(message, values=values)
        self.reason = reason


@dataclass(frozen=True)
class Posted:
    """The peer's answer to an online message: the receipt's result, and the bytes each way."""

    result: dict[str, Any]
    receipt: dict[str, Any]
    sent: int

    @property
    def received(self) -> int:
        """Return the size of the receipt as the peer's server sends it (compact JSON)."""
        text = json.dumps(self.receipt, ensure_ascii=False, separators=(",", ":"))
        return len(text.encode("utf-8"))


def post_now(
    session: Session,
    *,
    peer: Peer,
    kind: str,
    body: dict[str, Any],
    settings: Settings,
    transport: Transport | None = None,
    now: datetime | None = None,
) -> Posted:
    """Sign an envelope to `peer` and post it now; return the receipt's result and sizes.

    PeerUnavailable when the peer does not answer with a receipt it signed; PeerRefused (with the
    receipt's reason code and text) when it refuses the message.
    """
    moment = now or datetime.now(UTC)
    if not peer.url:
        raise UserError(
            N_("peer %(name)r has no URL: `armsbridge peer add` it again with --url"),
            values={"name": peer.name},
        )
    sender = require_node(session).jurisdiction
    envelope = env.build(
        sender=sender,
        recipient=peer.jurisdiction,
        kind=kind,
        body=body,
        key=identity.current_key(settings),
        now=moment,
    )
    content = env.canonical(envelope)
    down = f"{peer.name} did not answer; try again later"
    try:
        status, data = (transport or http_transport)(
            f"{peer.url}{INBOX_PATH}", content, settings.exchange_timeout_seconds
        )
    except TransportError as exc:
        raise PeerUnavailable(N_("%(down)s (%(exc)s)"), values={"down": down, "exc": exc}) from exc
    if not env.receipt_valid(data, peer_keys(peer, moment), envelope["message_id"]):
        raise PeerUnavailable(
            N_("%(down)s (HTTP %(status)s: the answer is not a receipt it signed)"),
            values={"down": down, "status": status},
        )
    if data.get("status") != "accepted":
        text = str(data.get("reason") or "refused")
        code, _, explained = text.partition(": ")
        raise PeerRefused(
            N_("%(name)s refused the message: %(value)s"),
            code,
            values={"name": peer.name, "value": explained or code},
        )
    result = data.get("result")
    return Posted(result if isinstance(result, dict) else {}, data, len(content))
