"""Routes peers call: `GET /exchange/identity` (this node's public key) and `POST /exchange/inbox`.

The inbox needs no account: the envelope's signature by a known peer is its authentication
(route permission "peer"), and every refused message is logged (exchange.inbox).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from armsbridge.auth.dependencies import DB, PERMISSION_ATTR, public
from armsbridge.auth.principal import Principal
from armsbridge.exchange import sharing  # noqa: F401 - registers the `records` message kind
from armsbridge.exchange.envelope import PROTOCOL_VERSION
from armsbridge.exchange.handlers import kinds
from armsbridge.exchange.inbox import receive
from armsbridge.exchange.service import show_node

router = APIRouter(prefix="/exchange", tags=["exchange"])


async def signed_by_peer() -> None:
    """Declare a route that peers call: a signed envelope, checked by the route, authenticates."""


setattr(signed_by_peer, PERMISSION_ATTR, "peer")


@router.get("/identity")
def node_identity(
    request: Request, db: DB, _: Annotated[Principal | None, Depends(public)]
) -> JSONResponse:
    """This node's jurisdiction, name, URL and public key, for a peer to check by fingerprint."""
    view = show_node(db, settings=request.app.state.settings)
    return JSONResponse(
        {
            "jurisdiction": view.jurisdiction,
            "name": view.name,
            "url": view.url,
            "public_key": view.public_key,
            "fingerprint": view.fingerprint,
            "protocol_versions": [PROTOCOL_VERSION],
            "kinds": kinds(),
        }
    )


async def _body(request: Request, limit: int) -> bytes:
    """Read the request body, stopping one byte past `limit` (the rest is never held)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"\0" * (limit + 1)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)[: limit + 1]


@router.post("/inbox", dependencies=[Depends(signed_by_peer)])
async def inbox(request: Request) -> JSONResponse:
    """Receive one signed envelope; answer with a signed receipt (accepted, duplicate, refused)."""
    settings = request.app.state.settings
    raw = await _body(request, settings.exchange_max_envelope_bytes)
    answer = await run_in_threadpool(
        receive,
        request.app.state.sessionmaker,
        raw,
        settings=settings,
        now=datetime.now(UTC),
    )
    return JSONResponse(answer.receipt, status_code=answer.status_code)
