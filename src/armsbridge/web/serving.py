"""Serving the application with uvicorn: how many requests run at once, and no access log.

One server process runs Python on one core at a time (the GIL). Letting every open connection
into the application at once does not answer faster: twenty requests then share that core in
turns of a few milliseconds each, and the one holding the audit lock (web.access_log) waits
for its turn like the others, so the slowest answers grow. Measured on 10^5 persons with 20
clients on 2 cores (bench/web.py): a person page p95 of ~200 ms with everything admitted,
~130-150 ms with 4-8 admitted at a time, the rest waiting in line (first come, first served).

A waiting request holds nothing (no thread, no connection, no lock), so a limit cannot
deadlock: the thread pool (40) and the connection pool (db.engine) are larger than it.

uvicorn's access log is off: it would write every URL, search terms (names) included, to a
plain operational log outside the audit log's protection. Consultations are in the audit log.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_CONCURRENCY = 8
# How a server started with several worker processes tells each one its limit.
CONCURRENCY_ENV = "ARMSBRIDGE_SERVE_CONCURRENCY"


class AdmissionLimit:
    """Let at most `limit` HTTP requests into the application at once; the others wait in line."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit must be at least 1")
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run an HTTP request when a slot is free; lifespan and other scopes pass at once."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # created in the server's event loop, not at import
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        # app.state, app.routes, ... of the wrapped application stay reachable.
        return getattr(self.app, name)


def serving_app(settings: Any = None, *, concurrency: int | None = None) -> AdmissionLimit:
    """Return the node's application behind the admission limit (also uvicorn's factory)."""
    from armsbridge.app import create_app

    limit = concurrency or int(os.environ.get(CONCURRENCY_ENV, DEFAULT_CONCURRENCY))
    return AdmissionLimit(create_app(settings), limit)


def run(
    settings: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> None:
    """Serve until interrupted; with several workers each process builds its own app."""
    import uvicorn

    common: dict[str, Any] = {"host": host, "port": port, "log_level": "info", "access_log": False}
    if workers > 1:
        os.environ[CONCURRENCY_ENV] = str(concurrency)
        uvicorn.run("armsbridge.web.serving:serving_app", factory=True, workers=workers, **common)
        return
    uvicorn.run(serving_app(settings, concurrency=concurrency), **common)
