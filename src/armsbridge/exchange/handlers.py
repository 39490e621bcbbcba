"""The registry of message kinds: each kind a node accepts has one handler, registered by name.

A handler runs inside the transaction that records the message in the inbox, so its effect and
the inbox row are committed together or not at all. It may raise HandlerRefused to refuse the
message (nothing is applied, the refusal is logged and answered). Other domains register their
kinds the same way: `register_handler("request", handle_request)` at import of their module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.exchange.envelope import Envelope
from armsbridge.exchange.models import Peer
from armsbridge.settings import Settings


class HandlerRefused(Exception):
    """A handler refuses the message; `reason` is a short code, the message says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Received:
    """A message that passed every check, handed to its kind's handler."""

    envelope: Envelope
    peer: Peer
    verified_key: str  # the peer's public key (base64) that verified the signature
    now: datetime
    settings: Settings


Handler = Callable[[Session, Received], dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, fn: Handler) -> None:
    """Make `fn` the handler of messages of `kind`; a kind has one handler only."""
    existing = _HANDLERS.get(kind)
    if existing is not None and existing is not fn:
        raise ValueError(f"message kind {kind!r} already has a handler ({existing.__qualname__})")
    _HANDLERS[kind] = fn


def handler_for(kind: str) -> Handler | None:
    """Return the handler of `kind`, or None if this node does not accept that kind."""
    return _HANDLERS.get(kind)


def kinds() -> list[str]:
    """Return the message kinds this node accepts."""
    return sorted(_HANDLERS)
