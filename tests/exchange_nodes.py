"""Test helpers: an armsbridge node as a separate process on loopback, with its own var dir."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from nacl.signing import SigningKey
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

import armsbridge
from armsbridge.db import keys
from armsbridge.db import service as db_service
from armsbridge.db.engine import engine_from_settings, make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.exchange import service
from armsbridge.exchange.identity import KeyPair
from armsbridge.settings import Settings

SRC = Path(armsbridge.__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str | None:
    """Return the PostgreSQL server's admin URL if one answers (as tests/conftest.py probes)."""
    url = os.environ.get("ARMSBRIDGE_TEST_DATABASE_URL", DEFAULT_PG)
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
        return url
    except Exception:  # noqa: BLE001 - any failure means "no server here"
        if os.environ.get("CI") or os.environ.get("ARMSBRIDGE_TEST_DATABASE_URL"):
            raise
        return None


@contextmanager
def pg_database(admin_url: str, label: str) -> Iterator[str]:
    """Create a fresh PostgreSQL database, yield its URL, drop it afterwards."""
    name = f"armsbridge_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}".lower()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """Return a TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    """One armsbridge node: its var dir, CLI, server process and (read-only) store."""

    def __init__(
        self, root: Path, jurisdiction: str, database_url: str | None = None, **env: str
    ) -> None:
        self.jurisdiction = jurisdiction
        self.database_url = database_url
        self.var = root / jurisdiction.lower()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "ARMSBRIDGE_VAR_DIR": str(self.var),
            "ARMSBRIDGE_JURISDICTION": jurisdiction,
            "ARMSBRIDGE_NODE_NAME": f"node-{jurisdiction}",
            "ARMSBRIDGE_SECRET_KEY": "exchange-test-" + "s" * 40,
            "COLUMNS": "200",
            "ARMSBRIDGE_EXCHANGE_POLL_SECONDS": "0.2",
            "ARMSBRIDGE_EXCHANGE_RETRY_BASE_SECONDS": "0.2",
            "ARMSBRIDGE_EXCHANGE_RETRY_MAX_SECONDS": "1",
            **env,
        }
        self.env.pop("ARMSBRIDGE_DATABASE_URL", None)
        if database_url:
            self.env["ARMSBRIDGE_DATABASE_URL"] = database_url
        self.env.pop("ARMSBRIDGE_KEYS_DIR", None)
        self.process: subprocess.Popen[bytes] | None = None
        self._pg: Engine | None = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `armsbridge ARGS` for this node; fail the test on a non-zero exit if `check`."""
        result = subprocess.run(
            [sys.executable, "-m", "armsbridge.cli", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def settings(self) -> Settings:
        """Return the node's settings (as its processes read them from the environment)."""
        return Settings(
            var_dir=self.var, jurisdiction=self.jurisdiction, database_url=self.database_url or ""
        )

    @contextmanager
    def store(self) -> Iterator[Session]:
        """Open the node's store in this process (its keys in use) for one transaction."""
        settings = self.settings()
        engine = engine_from_settings(settings)
        keys.use_node(settings)
        try:
            with session_scope(make_sessionmaker(engine)) as session:
                yield session
        finally:
            keys.use_node(None)
            engine.dispose()

    def init(self) -> None:
        """Create the store and the node's identity (in this process: CLI start-up is slow)."""
        engine = engine_from_settings(self.settings())
        db_service.upgrade(engine)
        engine.dispose()
        with self.store() as session:
            service.init_node(
                session,
                settings=self.settings(),
                jurisdiction=self.jurisdiction,
                name=f"Node {self.jurisdiction}",
                url=self.url,
                actor="test",
            )

    def add_peer(self, other: Node) -> None:
        """Add `other` as a peer, its key given directly."""
        with self.store() as session:
            service.add_peer(
                session,
                name=other.jurisdiction,
                jurisdiction=other.jurisdiction,
                url=other.url,
                public_key=other.key().public_b64,
                fingerprint=other.key().fingerprint,
                actor="test",
            )

    def launch(self) -> None:
        """Start `armsbridge serve` without waiting for it (see wait_ready)."""
        log = (self.var / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "armsbridge.cli", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start(self) -> None:
        """Start `armsbridge serve` and wait until it answers."""
        self.launch()
        self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until the server answers /health."""
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, (self.var / "serve.log").read_text()
            time.sleep(0.1)
        raise AssertionError(f"node {self.jurisdiction} did not start")

    def kill(self) -> None:
        """kill -9 the server (no clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Stop the server cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def dispose(self) -> None:
        """Close this helper's connections to the node's database (before it is dropped)."""
        if self._pg is not None:
            self._pg.dispose()
            self._pg = None

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Run a read-only query on the node's store (SQLite file, or its PostgreSQL database)."""
        if self.database_url:
            if self._pg is None:
                self._pg = create_engine(self.database_url, poolclass=NullPool)
            with self._pg.connect() as conn:
                rows = conn.exec_driver_sql(sql.replace("?", "%s"), params).fetchall()
                return [tuple(r) for r in rows]
        uri = f"file:{self.var / 'armsbridge.db'}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()

    def key(self) -> KeyPair:
        """Return the node's exchange key pair, read from its key file (for crafting envelopes)."""
        seed = bytes.fromhex((self.var / "keys" / "exchange.key").read_text().strip())
        return KeyPair(SigningKey(seed))

    def show(self) -> dict:
        """Return `node show --json`."""
        return json.loads(self.cli("node", "show", "--json").stdout)

    def pings_from(self, jurisdiction: str) -> int:
        """How many pings this node applied from the peer of `jurisdiction`."""
        rows = self.query(
            "select pings_received from exchange_peers"
            " where jurisdiction = ? and removed_at is null",
            jurisdiction,
        )
        return rows[0][0] if rows else 0


@contextmanager
def running(*nodes: Node) -> Iterator[tuple[Node, ...]]:
    """Start every node's server, wait until each answers, and stop them all afterwards."""
    try:
        for node in nodes:
            node.launch()
        for node in nodes:
            node.wait_ready()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def wait_for(condition, timeout: float = 60.0, every: float = 0.2) -> None:  # noqa: ANN001
    """Wait until `condition()` is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


@contextmanager
def mk_store(settings: Settings, url: str) -> Iterator[tuple[sessionmaker[Session], KeyPair]]:
    """Node MK on the store at `url`, with peer XK whose private key the caller holds."""
    keys.use_node(settings)
    engine = make_engine(url)
    load_all_models().metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    xk = KeyPair(SigningKey.generate())
    with session_scope(factory) as session:
        service.init_node(
            session, settings=settings, jurisdiction="MK", name="Skopje", url=None, actor="test"
        )
        service.add_peer(
            session,
            name="XK",
            jurisdiction="XK",
            url="http://xk.invalid",
            public_key=xk.public_b64,
            fingerprint=None,
            actor="test",
        )
    try:
        yield factory, xk
    finally:
        engine.dispose()
        keys.use_node(None)
