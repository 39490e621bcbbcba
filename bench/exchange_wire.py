"""Hit/no-hit between two real node processes over loopback HTTP (part of bench/exchange.py).

The answering node (MK) serves the store the core benchmark built; the asking node (XK) is a
second `armsbridge serve` with its own store. Measured:

- bytes on the wire per query: both signed envelopes and both signed receipts (1 and 100 items),
  as `exchange.hits.ask_peer` counts them;
- end-to-end latency as the analyst sees it: POST /exchange/hit on XK's web app (an API token),
  XK posting both steps to MK's inbox and rendering the answer (p50/p95, 1 and 100 items), and
  `ask_peer` called in this process against MK's server (the exchange without the page);
- the first query, which downloads the peer's tags once per PSI key.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

import armsbridge
from armsbridge.auth.models import User
from armsbridge.auth.principal import principal_of
from armsbridge.auth.service import create_user
from armsbridge.auth.tokens import create_api_token
from armsbridge.db import keys
from armsbridge.db import service as db_service
from armsbridge.db.engine import make_engine
from armsbridge.exchange import identity, service
from armsbridge.exchange.hit_input import Entry
from armsbridge.exchange.hits import ask_peer
from armsbridge.exchange.hitset import refresh_if_due
from armsbridge.settings import Settings

SRC = Path(armsbridge.__file__).resolve().parent.parent
BIG = str(10**9)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "ARMSBRIDGE_VAR_DIR": str(settings.var_dir),
        "ARMSBRIDGE_JURISDICTION": settings.jurisdiction,
        "ARMSBRIDGE_SECRET_KEY": "bench-exchange-" + "s" * 40,
        "ARMSBRIDGE_HIT_BUDGET_USER_PER_DAY": BIG,
        "ARMSBRIDGE_HIT_BUDGET_PEER_PER_DAY": BIG,
        "ARMSBRIDGE_HIT_REFRESH_SECONDS": "86400",  # the set was built before the node started
        "ARMSBRIDGE_EXCHANGE_TIMEOUT_SECONDS": "300",  # the first query downloads every tag
        "ARMSBRIDGE_EXCHANGE_WORKER": "false",
    }
    for name in ("ARMSBRIDGE_DATABASE_URL", "ARMSBRIDGE_KEYS_DIR", "ARMSBRIDGE_USER"):
        env.pop(name, None)
    return env


@contextmanager
def _store(settings: Settings):  # noqa: ANN202
    engine = make_engine(settings.effective_database_url())
    keys.use_node(settings)
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        keys.use_node(None)
        engine.dispose()


def prepare_store(settings: Settings) -> None:
    """Create a node's store with the migrations (as `armsbridge init` does)."""
    Path(settings.var_dir).mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url())
    db_service.upgrade(engine)
    engine.dispose()


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    log = (Path(settings.var_dir) / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "armsbridge.cli", "serve", "--port", str(port)],
        env=_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError((Path(settings.var_dir) / "serve.log").read_text())
        time.sleep(0.2)
    raise RuntimeError(f"node {settings.jurisdiction} did not start")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _lines(entries: list[Entry]) -> str:
    return "\n".join(f"{e.kind}: {e.value}" for e in entries)


def run(
    mk: Settings,
    xk: Settings,
    values: list[Entry],
    queries: int,
    rng: random.Random,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Start both nodes, peer them, and measure bytes and end-to-end latency; return figures."""
    ports = {"MK": _port(), "XK": _port()}
    prepare_store(xk)
    with _store(mk) as session:
        service.init_node(
            session, settings=mk, jurisdiction="MK", name="MK", url=None, actor="bench"
        )
        refresh_if_due(session, settings=mk)  # marks the set fresh: the node will not refresh
    with _store(xk) as session:
        service.init_node(
            session, settings=xk, jurisdiction="XK", name="XK", url=None, actor="bench"
        )
        create_user(
            session,
            username="bench",
            password="bench password 42",
            role="analyst",
            jurisdiction="XK",
        )
        token = create_api_token(session, username="bench", name="bench", scopes=["read", "write"])
    mk_key, xk_key = identity.current_key(mk), identity.current_key(xk)
    with _store(mk) as session:
        service.add_peer(
            session,
            name="XK",
            jurisdiction="XK",
            url=None,
            public_key=xk_key.public_b64,
            fingerprint=None,
            actor="bench",
        )
    with _store(xk) as session:
        service.add_peer(
            session,
            name="MK",
            jurisdiction="MK",
            url=f"http://127.0.0.1:{ports['MK']}",
            public_key=mk_key.public_b64,
            fingerprint=None,
            actor="bench",
        )
    out: dict[str, Any] = {}
    processes = [_serve(mk, ports["MK"]), _serve(xk, ports["XK"])]
    try:
        web = httpx.Client(
            base_url=f"http://127.0.0.1:{ports['XK']}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )

        def ask(entries: list[Entry]) -> float:
            data = {"peer": "MK", "type": "auto", "items": _lines(entries), "why": "benchmark"}
            t = time.perf_counter()
            answer = web.post("/exchange/hit", data=data)
            elapsed = (time.perf_counter() - t) * 1000
            if answer.status_code != 200 or 'id="hit-table"' not in answer.text:
                raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:500]}")
            return elapsed

        misses = [Entry("plate", f"PR{rng.randrange(10**7):07d}ZZ") for _ in range(200)]
        out["nodes_first_query_s"] = round(ask(values[:1]) / 1000, 2)
        log(f"over HTTP, first query (downloads the tags): {out['nodes_first_query_s']} s")
        for size in (1, 100):
            latencies: list[float] = []
            sent: list[int] = []
            received: list[int] = []
            direct: list[float] = []  # ask_peer in this process: the exchange without the page
            for _ in range(queries):
                entries = rng.sample(values, (size + 1) // 2) + rng.sample(misses, size // 2)
                latencies.append(ask(entries))
            with _store(xk) as session:  # the bytes of the same kind of query, counted
                account = session.scalar(select(User).where(User.username == "bench"))
                user = principal_of(account, via="cli")
                for _ in range(queries):
                    entries = rng.sample(values, (size + 1) // 2) + rng.sample(misses, size // 2)
                    t = time.perf_counter()
                    answer = ask_peer(
                        session,
                        settings=xk,
                        user=user,
                        peer_name="MK",
                        entries=entries,
                        why="benchmark",
                    )
                    direct.append((time.perf_counter() - t) * 1000)
                    assert answer.hits == (size + 1) // 2, answer.hits
                    sent.append(answer.bytes_sent)
                    received.append(answer.bytes_received)
            row = {
                "http_p50_ms": round(statistics.median(latencies), 2),
                "http_p95_ms": round(_pct(latencies, 0.95), 2),
                "ask_peer_p50_ms": round(statistics.median(direct), 2),
                "ask_peer_p95_ms": round(_pct(direct, 0.95), 2),
                "envelope_bytes_sent": round(statistics.mean(sent)),
                "receipt_bytes_received": round(statistics.mean(received)),
            }
            row["wire_bytes"] = row["envelope_bytes_sent"] + row["receipt_bytes_received"]
            out[f"nodes_query_{size}"] = row
            log(f"over HTTP, {size:>3} items: {row}")
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return out
