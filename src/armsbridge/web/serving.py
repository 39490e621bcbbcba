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
import gc
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
    """Return the node's application behind the admission limit."""
    from armsbridge.app import create_app

    limit = concurrency or int(os.environ.get(CONCURRENCY_ENV, DEFAULT_CONCURRENCY))
    return AdmissionLimit(create_app(settings), limit)


def server_app(settings: Any = None, *, concurrency: int | None = None) -> AdmissionLimit:
    """Return serving_app() warmed up, for a server process (also uvicorn's worker factory)."""
    app = serving_app(settings, concurrency=concurrency)
    warm_up()
    # What start-up made lives as long as the process: out of the collector's sight, a full
    # collection walks only newer objects (~95 ms -> ~15 ms measured under the benchmark; each
    # such pause stalls every request in flight).
    gc.collect()
    gc.freeze()
    return app


def warm_up() -> None:
    """Load now what pages otherwise load on first use: templates, locale data, vocabularies.

    On first use each costs 10-170 ms with the GIL held (Babel's locale data, the enums YAML,
    compiling a template, the firearm rules and reference), which stalls every request running
    at that moment; eight requests arriving together each paid it, 1-2 s on a fresh server.
    """
    from datetime import UTC, datetime

    from armsbridge.firearms.derive import categorize_record
    from armsbridge.records.models import Firearm
    from armsbridge.vocab.service import load_enums, load_record_schema
    from armsbridge.web.i18n import LANGUAGES, Formatter
    from armsbridge.web.templating import compile_templates

    compile_templates()
    load_enums()
    load_record_schema()
    categorize_record(Firearm(kind="pistol", make="Zastava", model="M70", calibre="7.65"))
    now = datetime.now(UTC)
    for language in LANGUAGES:
        fmt = Formatter(language)
        fmt.date(now)
        fmt.date(now.date())
        fmt.number(1234.5)


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
        uvicorn.run("armsbridge.web.serving:server_app", factory=True, workers=workers, **common)
        return
    uvicorn.run(server_app(settings, concurrency=concurrency), **common)
