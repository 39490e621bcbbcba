"""The two-node demo: each node only its own half of the world, its own users, peered by
fingerprint, its hit/no-hit set built; served as two processes that Ctrl+C stops together."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from armsbridge.synth import demo_nodes
from armsbridge.synth.demo_examples import pick_examples
from armsbridge.web.demo import ensure_demo_users
from exchange_nodes import SRC, free_port, wait_for

PERSONS, SEED = 150, 7


def _q(node: demo_nodes.DemoNode, sql: str) -> list[tuple]:
    with sqlite3.connect(Path(node.settings.var_dir) / "armsbridge.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    root = tmp_path_factory.mktemp("demo")
    world = demo_nodes.ensure_world(root, seed=SEED, persons=PERSONS, fresh=False)
    xk, mk = (demo_nodes.demo_node(root, j, p) for j, p in (("XK", 9101), ("MK", 9102)))
    for node in (xk, mk):
        demo_nodes.build_node(node, world, seed=SEED, persons=PERSONS)
    assert demo_nodes.peer(xk, mk) == "added" and demo_nodes.peer(mk, xk) == "added"
    for node in (xk, mk):
        assert demo_nodes.refresh(node) > 0
    return root, world, xk, mk


def test_each_node_holds_only_its_own_half(built) -> None:  # noqa: ANN001
    _, _, xk, mk = built
    for node in (xk, mk):
        for table in ("persons", "firearms", "cases", "vehicles"):
            rows = dict(_q(node, f"select jurisdiction, count(*) from {table} group by 1"))
            assert set(rows) == {node.jurisdiction}, (node.jurisdiction, table, rows)
        keys = _q(node, "select count(*) from hit_keys")[0][0]
        assert keys > 0
        assert Path(node.settings.var_dir, "keys", "exchange.key").is_file()
        ((own, url),) = _q(node, "select jurisdiction, url from exchange_node")
        assert own == node.jurisdiction and url == node.url


def test_each_node_is_matched_so_the_review_queue_has_suggestions(built) -> None:  # noqa: ANN001
    _, _, xk, mk = built
    for node in (xk, mk):
        runs = dict(_q(node, "select entity_type, count(*) from match_runs group by 1"))
        assert runs == {"person": 1, "firearm": 1, "vehicle": 1, "phone": 1}, runs
        # To review or accepted by the engine: either way the review page lists them.
        found = _q(node, "select count(*) from match_links where entity_type = 'person'")[0][0]
        assert found > 0, node.jurisdiction
        # Every suggestion is of the node's own records: it holds only its own half.
        ((crossing,),) = _q(node, "select count(*) from match_links where cross_border")
        assert crossing == 0


def test_a_type_whose_match_run_fails_does_not_stop_the_demo(built, monkeypatch) -> None:  # noqa: ANN001
    _, _, xk, _mk = built

    def run_match(session, *, entity_type, settings):  # noqa: ANN001, ANN202
        if entity_type == "firearm":
            raise ValueError("math domain error")
        return SimpleNamespace(records=3, suggested=1, accepted=0)

    monkeypatch.setattr(demo_nodes, "run_match", run_match)
    said: list[str] = []
    assert demo_nodes.match_store(xk, say=said.append) == ["person", "vehicle", "phone"]
    failed = [m for m in said if "firearm" in m]
    assert failed == [
        "matching firearm records failed (ValueError: math domain error); no firearm "
        "suggestions - run `armsbridge match --type firearm` on this node to try again"
    ]
    assert "matched 3 person records: 1 suggestions, 0 accepted" in said[0]


def test_peered_by_fingerprint_and_users_of_their_own_service(built) -> None:  # noqa: ANN001
    _, _, xk, mk = built
    for node, other in ((xk, mk), (mk, xk)):
        ((name, url, key),) = _q(
            node, "select name, url, public_key from exchange_peers where removed_at is null"
        )
        assert name == other.jurisdiction and url == other.url
        from armsbridge.exchange.identity import current_key

        assert key == current_key(other.settings).public_b64
        accounts = ensure_demo_users(node.settings, jurisdictions=(node.jurisdiction,))
        assert {a.jurisdiction for a in accounts} == {node.jurisdiction}
        users = {r[0] for r in _q(node, "select jurisdiction from users")}
        assert users == {node.jurisdiction}


def test_examples_one_both_hold_one_only_mk_holds(built) -> None:  # noqa: ANN001
    _, world, xk, mk = built
    examples = pick_examples(world, xk, mk)
    kinds = {(e.kind, e.both) for e in examples}
    assert ("serial", True) in kinds and ("serial", False) in kinds
    from armsbridge.exchange.hitset import query_items
    from armsbridge.exchange.psi import item_digest

    for example in examples:
        digests = {
            item_digest(i.key)
            for i in query_items(example.kind, example.value, settings=xk.settings)
        }
        in_mk = {r[0] for r in _q(mk, "select digest from hit_keys")} & digests
        in_xk = {r[0] for r in _q(xk, "select digest from hit_keys")} & digests
        assert in_mk, example  # MK answers a hit
        assert bool(in_xk) == example.both, example  # only-MK values are not in XK's set


def test_a_second_run_reuses_the_stores_and_fresh_rebuilds(built) -> None:  # noqa: ANN001
    root, world, xk, mk = built
    assert demo_nodes.is_built(xk, seed=SEED, persons=PERSONS)
    assert not demo_nodes.is_built(xk, seed=SEED + 1, persons=PERSONS)
    assert demo_nodes.ensure_world(root, seed=SEED, persons=PERSONS, fresh=False) == world
    assert demo_nodes.peer(xk, mk) == "known"
    old = demo_nodes.fingerprint(mk)
    demo_nodes.build_node(mk, world, seed=SEED, persons=PERSONS)  # what --fresh does to MK
    assert demo_nodes.fingerprint(mk) != old
    assert demo_nodes.peer(xk, mk) == "re-added" and demo_nodes.peer(mk, xk) == "added"
    demo_nodes.refresh(mk)


def test_demo_serves_both_nodes_they_exchange_and_ctrl_c_stops_both(tmp_path) -> None:  # noqa: ANN001
    port = free_port()
    while True:  # XK on port, MK on port + 1
        mk_port = port + 1
        try:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", mk_port))
            break
        except OSError:
            port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    env["ARMSBRIDGE_VAR_DIR"] = str(tmp_path / "elsewhere")  # the demo does not use it
    args = ["demo", "--dir", str(tmp_path / "demo"), "--persons", "60", "--port", str(port)]
    log = (tmp_path / "demo.log").open("w+b")
    proc = subprocess.Popen(
        [sys.executable, "-m", "armsbridge.cli", *args], env=env, stdout=log, stderr=log
    )
    urls = [f"http://127.0.0.1:{p}" for p in (port, mk_port)]

    def up() -> bool:
        assert proc.poll() is None, (tmp_path / "demo.log").read_text()
        try:
            return all(httpx.get(f"{u}/health", timeout=1).status_code == 200 for u in urls)
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=120)
        out = (tmp_path / "demo.log").read_text()
        assert "fingerprint" in out and "armsbridge hit --peer MK --type serial" in out
        assert "xk-analyst" in out and "mk-analyst" in out
        node_env = {**env, "ARMSBRIDGE_VAR_DIR": str(tmp_path / "demo" / "xk")}
        node_env |= {"ARMSBRIDGE_JURISDICTION": "XK", "ARMSBRIDGE_DATABASE_URL": ""}
        ping = subprocess.run(
            [sys.executable, "-m", "armsbridge.cli", "peer", "ping", "MK"],
            env=node_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "delivered" in ping.stdout, ping.stdout + ping.stderr
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl+C sends
        code = proc.wait(timeout=30)
    out = (tmp_path / "demo.log").read_text()
    assert "demo nodes stopped" in out and code == 0, out[-2000:]
    for url in urls:
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{url}/health", timeout=1)
    marker = json.loads((tmp_path / "demo" / "xk" / "demo.json").read_text())
    assert marker["persons"] == 60


def test_demo_accounts_are_made_once_per_build_then_read_back(built) -> None:  # noqa: ANN001
    _, _, xk, _ = built
    first = demo_nodes.demo_accounts(xk, password=None)
    hashes = _q(xk, "select username, password_hash from users order by username")
    again = demo_nodes.demo_accounts(xk, password=None)
    assert again == first  # the same credentials printed, nothing reset
    assert _q(xk, "select username, password_hash from users order by username") == hashes
    assert (Path(xk.settings.var_dir) / demo_nodes.ACCOUNTS).stat().st_mode & 0o077 == 0
    known = demo_nodes.demo_accounts(xk, password="demo-password-2026")  # another password
    assert {a.password for a in known} == {"demo-password-2026"}
    assert _q(xk, "select username, password_hash from users order by username") != hashes
