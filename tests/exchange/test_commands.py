"""The node, peer and exchange commands: identity outside the store, peering by fingerprint."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from nacl.signing import SigningKey
from typer.testing import CliRunner

from armsbridge.cli import app
from armsbridge.db import keys
from armsbridge.db import service as db_service
from armsbridge.db.engine import make_engine
from armsbridge.errors import Conflict, NotFound, UserError
from armsbridge.exchange.identity import KeyPair
from armsbridge.settings import get_settings

runner = CliRunner()


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A new node's var dir with a migrated store; the commands read it from the environment."""
    monkeypatch.setenv("ARMSBRIDGE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("ARMSBRIDGE_DATABASE_URL", "ARMSBRIDGE_KEYS_DIR", "ARMSBRIDGE_EXCHANGE_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    keys.use_node(None)
    engine = make_engine(f"sqlite:///{tmp_path / 'armsbridge.db'}")
    db_service.upgrade(engine)
    engine.dispose()
    yield tmp_path
    get_settings.cache_clear()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def _fails(error: type[Exception], *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert isinstance(result.exception, error), (args, result.output, result.exception)
    return str(result.exception)


def test_node_init_keeps_the_private_key_in_a_private_file_only(var: Path) -> None:
    _ok("node", "init", "--jurisdiction", "xk", "--name", "Kosovo", "--url", "http://xk:8001/")
    shown = json.loads(_ok("node", "show", "--json"))
    key_file = var / "keys" / "exchange.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    seed = bytes.fromhex(key_file.read_text().strip())
    pair = KeyPair(SigningKey(seed))
    assert shown["jurisdiction"] == "XK" and shown["name"] == "Kosovo"
    assert shown["url"] == "http://xk:8001" and shown["fingerprint"] == pair.fingerprint
    assert shown["public_key"] == pair.public_b64 and shown["key_source"] == "file"
    store = b"".join(p.read_bytes() for p in var.glob("armsbridge.db*"))
    assert seed not in store and seed.hex().encode() not in store  # never in the store
    assert "fingerprint:  " + pair.fingerprint in _ok("node", "show")
    # A node serves one jurisdiction.
    message = _fails(Conflict, "node", "init", "--jurisdiction", "MK", "--name", "x")
    assert "already initialised as XK" in message
    assert "two-letter" in _fails(UserError, "node", "init", "--jurisdiction", "KOS", "--name", "x")


def test_key_given_by_a_setting_is_used_and_not_rotated(
    var: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = os.urandom(32)
    monkeypatch.setenv("ARMSBRIDGE_EXCHANGE_KEY", seed.hex())
    get_settings.cache_clear()
    _ok("node", "init", "--jurisdiction", "MK", "--name", "Skopje")
    shown = json.loads(_ok("node", "show", "--json"))
    assert shown["key_source"] == "setting"
    assert shown["public_key"] == KeyPair(SigningKey(seed)).public_b64
    assert not (var / "keys" / "exchange.key").exists()
    assert "ARMSBRIDGE_EXCHANGE_KEY" in _fails(UserError, "node", "rotate-key")


def test_commands_before_node_init_say_what_to_run(var: Path) -> None:
    assert "armsbridge node init" in _fails(UserError, "node", "show")
    assert "armsbridge node init" in _fails(UserError, "node", "rotate-key")


def test_peer_add_checks_the_fingerprint_list_remove(var: Path) -> None:
    _ok("node", "init", "--jurisdiction", "XK", "--name", "Kosovo")
    peer = KeyPair(SigningKey.generate())
    wrong = KeyPair(SigningKey.generate()).fingerprint
    url = "http://mk.invalid:8002"
    message = _fails(
        UserError,
        "peer",
        "add",
        "--name",
        "MK",
        "--url",
        url,
        "--key",
        peer.public_b64,
        "--fingerprint",
        wrong,
    )
    assert peer.fingerprint in message and "do not add it" in message
    assert "--fingerprint is needed" in _fails(
        UserError, "peer", "add", "--name", "MK", "--url", url
    )
    assert "not base64" in _fails(
        UserError, "peer", "add", "--name", "MK", "--url", url, "--key", "not a key!"
    )
    compact = peer.fingerprint.replace(" ", "").upper()  # spacing and case do not matter
    _ok(
        "peer",
        "add",
        "--name",
        "MK",
        "--url",
        url,
        "--key",
        peer.public_b64,
        "--fingerprint",
        compact,
    )
    assert "already exists" in _fails(
        Conflict,
        "peer",
        "add",
        "--name",
        "MK2",
        "--url",
        url,
        "--key",
        peer.public_b64,
        "--jurisdiction",
        "MK",
    )
    (listed,) = json.loads(_ok("peer", "list", "--json"))
    assert listed["name"] == "MK" and listed["jurisdiction"] == "MK"
    assert listed["fingerprint"] == peer.fingerprint and listed["removed_at"] is None
    _ok("peer", "remove", "MK")
    (listed,) = json.loads(_ok("peer", "list", "--json"))
    assert listed["removed_at"] is not None
    assert "no peer named 'MK'" in _fails(NotFound, "peer", "ping", "MK")
    assert "queued: 0" in _ok("exchange", "status")


def test_ping_to_a_peer_that_is_down_stays_queued(var: Path) -> None:
    _ok("node", "init", "--jurisdiction", "XK", "--name", "Kosovo")
    peer = KeyPair(SigningKey.generate())
    _ok("peer", "add", "--name", "MK", "--url", "http://127.0.0.1:9", "--key", peer.public_b64)
    result = runner.invoke(app, ["peer", "ping", "MK"])
    assert result.exit_code == 1 and "stays queued" in result.output
    status = json.loads(_ok("exchange", "status", "--json"))
    assert status["counts"]["queued"] == 1 and status["counts"]["delivered"] == 0
    (message,) = status["messages"]
    assert message["attempts"] == 1 and "did not answer" in message["last_error"]
    assert "retrying 0" in _ok("exchange", "deliver", "--once")  # not due yet: back-off
