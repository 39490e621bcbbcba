"""Signed envelopes: canonical JSON (RFC 8785) of the header and body, signed with Ed25519.

An envelope is a JSON object: `version`, `message_id` (UUID), `sender` and `recipient`
(jurisdiction codes), `sent_at` (UTC, ISO 8601), `nonce` (random, base64), `kind`, `body`, and
`signature`: the Ed25519 signature of the RFC 8785 canonical form of every other member. A
receipt is signed the same way. Parsing checks shape and types only; service.receive decides.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

from armsbridge.db.keys import verify_signature
from armsbridge.exchange.identity import KeyPair

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = frozenset({PROTOCOL_VERSION})
NONCE_BYTES = 16
HEADER_FIELDS = ("version", "message_id", "sender", "recipient", "sent_at", "nonce", "kind")


class Malformed(ValueError):
    """The envelope is not valid JSON of the expected shape."""


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope (its signature not yet checked)."""

    version: int
    message_id: str
    sender: str
    recipient: str
    sent_at: datetime
    nonce: str
    kind: str
    body: dict[str, Any]
    signature: str
    signed_bytes: bytes  # the canonical form the signature covers


def canonical(value: dict[str, Any]) -> bytes:
    """Return the RFC 8785 canonical JSON of `value`."""
    return rfc8785.dumps(value)


def format_time(moment: datetime) -> str:
    """Return `moment` as UTC ISO 8601 with microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse a time written by format_time (any ISO 8601 with a zone is accepted)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(UTC)


def seal(unsigned: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    """Return `unsigned` with the `signature` of its canonical form by `key`."""
    return {**unsigned, "signature": key.sign(canonical(unsigned))}


def build(
    *,
    message_id: str | None = None,
    sender: str,
    recipient: str,
    kind: str,
    body: dict[str, Any],
    key: KeyPair,
    now: datetime,
    version: int = PROTOCOL_VERSION,
    nonce: str | None = None,
) -> dict[str, Any]:
    """Return a signed envelope (a dict ready to be sent as JSON)."""
    unsigned = {
        "version": version,
        "message_id": message_id or str(uuid.uuid4()),
        "sender": sender,
        "recipient": recipient,
        "sent_at": format_time(now),
        "nonce": nonce or base64.b64encode(secrets.token_bytes(NONCE_BYTES)).decode("ascii"),
        "kind": kind,
        "body": body,
    }
    return seal(unsigned, key)


def _field(data: dict[str, Any], name: str, kind: type, limit: int = 200) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise Malformed(f"field {name!r} is missing or not a {kind.__name__}")
    if isinstance(value, str) and not 0 < len(value) <= limit:
        raise Malformed(f"field {name!r} is empty or longer than {limit} characters")
    return value


def parse(raw: bytes) -> Envelope:
    """Parse raw bytes into an Envelope; Malformed names what is wrong."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Malformed(f"not JSON: {exc}") from exc
    except RecursionError as exc:
        raise Malformed("nested too deeply") from exc
    if not isinstance(data, dict):
        raise Malformed("not a JSON object")
    version = _field(data, "version", int)
    message_id = _field(data, "message_id", str, 36)
    try:
        uuid.UUID(message_id)
    except ValueError as exc:
        raise Malformed(f"message_id {message_id[:40]!r} is not a UUID") from exc
    sent_text = _field(data, "sent_at", str, 40)
    try:
        sent_at = parse_time(sent_text)
    except (ValueError, OverflowError) as exc:
        raise Malformed(f"sent_at {sent_text!r} is not an ISO 8601 time with a zone") from exc
    body = data.get("body")
    if not isinstance(body, dict):
        raise Malformed("field 'body' is missing or not an object")
    signature = _field(data, "signature", str, 200)
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    try:
        signed_bytes = canonical(unsigned)
    except (rfc8785.CanonicalizationError, ValueError, TypeError, RecursionError) as exc:
        raise Malformed(f"cannot be put in canonical form (RFC 8785): {exc}") from exc
    return Envelope(
        version=version,
        message_id=message_id,
        sender=_field(data, "sender", str, 2),
        recipient=_field(data, "recipient", str, 2),
        sent_at=sent_at,
        nonce=_field(data, "nonce", str, 64),
        kind=_field(data, "kind", str, 40),
        body=body,
        signature=signature,
        signed_bytes=signed_bytes,
    )


def signed_by(envelope: Envelope, public_b64: str) -> bool:
    """True when the envelope's signature is valid for `public_b64`."""
    return verify_signature(public_b64, envelope.signed_bytes, envelope.signature)


def receipt(
    *,
    message_id: str | None,
    receiver: str,
    status: str,
    reason: str | None,
    key: KeyPair,
    now: datetime,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a signed receipt: what the receiver did with a message, and why."""
    unsigned = {
        "version": PROTOCOL_VERSION,
        "message_id": message_id,
        "receiver": receiver,
        "status": status,
        "reason": reason,
        "at": format_time(now),
        "result": result or {},
    }
    return seal(unsigned, key)


def receipt_valid(data: Any, public_keys: list[str], message_id: str) -> bool:
    """True when `data` is a receipt for `message_id` signed by one of `public_keys`."""
    if not isinstance(data, dict) or data.get("message_id") != message_id:
        return False
    signature = data.get("signature")
    if not isinstance(signature, str):
        return False
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    try:
        signed = canonical(unsigned)
    except (rfc8785.CanonicalizationError, ValueError, TypeError, RecursionError):
        return False
    return any(verify_signature(key, signed, signature) for key in public_keys)
