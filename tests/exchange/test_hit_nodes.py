"""Hit/no-hit between two node processes on loopback, a recording proxy between them: hits and
misses of every kind (Latin asked, Cyrillic held), partial serials, nothing readable on the wire,
budgets across the wire, both sides' audit entries, clear errors; and the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hit_factories import add, add_document
from sqlalchemy import select
from wire_recorder import Recorder, encodings

from armsbridge.audit.masking import MASKED, view_of
from armsbridge.audit.models import AuditEntry
from armsbridge.auth.service import create_user
from armsbridge.db import keys
from armsbridge.exchange import service
from armsbridge.exchange.hit_models import HitBudget
from armsbridge.exchange.hitset import query_items
from armsbridge.exchange.psi import item_digest
from exchange_nodes import Node, free_port, running

WHY = "case 2026/14 Blace seizure"
USER_BUDGET = 60
PEER_BUDGET = 1000
USERS = {
    "xk-analyst": "analyst",
    "xk-wire": "analyst",
    "xk-partial": "investigator",
    "xk-budget": "analyst",
    "xk-budget2": "analyst",
    "xk-errors": "border_officer",
    "xk-auditor": "auditor",
}
# What MK holds (in Cyrillic where an MK officer would write it), and what XK asks.
STORED = [
    "Џафер",
    "Бајрами",
    "К724521",
    "Застава",
    "SK1234AB",
    "070 123 456",
    "1986-03-14",
    "Prodavac_MK",
]
BATCH = """\
serial: K7245-21
serial: K724599
plate: SK-1234-АВ
plate: SK 1235 AB
vin: WVWZZZ1JZXW000011
vin: WVWZZZ1JZXW000012
phone: +389 70 123 456
phone: +389 70 123 457
document: A1234567
document: B7654321
person: Xhafer Bajrami 1986
person: Xhafer Bajrami 1986-03-14
person: Xhafer Berisha 1986
handle: @prodavac_mk
handle: https://t.me/nobody_sells
"""


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node, Recorder]]:
    """XK and MK serving; XK reaches MK through a recorder; MK holds records of every kind."""
    root = tmp_path_factory.mktemp("hitnodes")
    xk = Node(root, "XK")
    mk = Node(
        root,
        "MK",
        ARMSBRIDGE_HIT_BUDGET_USER_PER_DAY=str(USER_BUDGET),
        ARMSBRIDGE_HIT_BUDGET_PEER_PER_DAY=str(PEER_BUDGET),
        ARMSBRIDGE_HIT_REFRESH_SECONDS="1",
    )
    for node in (xk, mk):
        node.init()
    recorder = Recorder(mk.port)
    mk.add_peer(xk)
    with xk.store() as session:
        service.add_peer(
            session,
            name="MK",
            jurisdiction="MK",
            url=recorder.url,
            public_key=mk.key().public_b64,
            fingerprint=mk.key().fingerprint,
            actor="test",
        )
        for name, role in USERS.items():
            create_user(
                session, username=name, password="correct horse 42", role=role, jurisdiction="XK"
            )
    with mk.store() as session:
        person = add(
            session,
            "person",
            "MK",
            given_name="Џафер",
            family_name="Бајрами",
            birth_date="1986-03-14",
        )
        add(session, "firearm", "MK", serial_raw="К724521", make="Застава")
        add(session, "vehicle", "MK", plate_raw="SK 1234 AB", vin="WVWZZZ1JZXW000011")
        add(session, "phone", "MK", number_raw="070 123 456")
        add(session, "online_account", "MK", platform="telegram", handle="Prodavac_MK")
        add_document(session, person, "A1234567", "passport")
    try:
        with running(xk, mk):
            yield xk, mk, recorder
    finally:
        recorder.close()


def _hit(xk: Node, user: str, *args: str, check: bool = True):  # noqa: ANN202
    result = xk.cli("hit", "--peer", "MK", "--user", user, "--json", *args, check=check)
    return json.loads(result.stdout) if check else result


def _batch(tmp_path: Path, text: str) -> str:
    path = tmp_path / "batch.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _refs(mk: Node, record_type: str) -> set[str]:
    return {r[0] for r in mk.query("select ref from hit_keys where record_type = ?", record_type)}


def test_every_kind_hits_or_misses_across_nodes_latin_asked_cyrillic_held(nodes, tmp_path) -> None:  # noqa: ANN001
    xk, mk, _ = nodes
    answer = _hit(xk, "xk-analyst", "--file", _batch(tmp_path, BATCH), "--why", WHY)
    got = {(r["kind"], r["value"]): r for r in answer["results"]}
    hits = {key for key, r in got.items() if r["hit"]}
    assert hits == {
        ("serial", "K7245-21"),
        ("plate", "SK-1234-АВ"),  # Cyrillic look-alike letters
        ("vin", "WVWZZZ1JZXW000011"),
        ("phone", "+389 70 123 456"),  # MK holds the national form 070 123 456
        ("document", "A1234567"),
        ("person", "Xhafer Bajrami 1986"),  # Latin asked, Џафер Бајрами held
        ("person", "Xhafer Bajrami 1986-03-14"),
        ("handle", "@prodavac_mk"),  # MK holds the online account Prodavac_MK
    }
    assert answer["hits"] == 8 and len(answer["results"]) == 15
    assert got[("handle", "@prodavac_mk")]["refs"][0]["record_type"] == "online_account"
    assert {r["record_type"] for r in got[("serial", "K7245-21")]["refs"]} == {"firearm"}
    assert got[("serial", "K7245-21")]["refs"][0]["ref"] in _refs(mk, "firearm")
    assert got[("plate", "SK-1234-АВ")]["refs"][0]["ref"] in _refs(mk, "vehicle")
    assert got[("document", "A1234567")]["refs"][0]["record_type"] == "person"
    dated = got[("person", "Xhafer Bajrami 1986-03-14")]["refs"]
    assert {r["match"] for r in dated} == {"date", "year"}
    assert {r["match"] for r in got[("person", "Xhafer Bajrami 1986")]["refs"]} == {"year"}
    assert all(not r["refs"] for r in got.values() if not r["hit"])
    # The same, one kind given on the command line, and kinds guessed (auto).
    one = _hit(xk, "xk-analyst", "--type", "plate", "SK 1234 AB", "SK 9999 ZZ", "--why", WHY)
    assert [r["hit"] for r in one["results"]] == [True, False]
    auto = _hit(xk, "xk-analyst", "+38970123456", "Xhafer Bajrami 1986", "--why", WHY)
    assert [(r["kind"], r["hit"]) for r in auto["results"]] == [("phone", True), ("person", True)]
    made = _hit(xk, "xk-analyst", "--type", "serial", "--make", "Zastava", "K724521", "--why", WHY)
    assert {r["match"] for r in made["results"][0]["refs"]} == {"value", "make"}  # Застава held
    table = xk.cli("hit", "--peer", "MK", "--user", "xk-analyst", "SK 1234 AB", "--why", WHY)
    assert "HIT" in table.stdout and "vehicle" in table.stdout


def test_a_partial_serial_hits_through_its_completion(nodes) -> None:  # noqa: ANN001
    xk, mk, _ = nodes
    answer = _hit(xk, "xk-partial", "--type", "serial", "K72?521", "K99?999", "--why", WHY)
    hit, miss = answer["results"]
    assert hit["hit"] and not miss["hit"]
    assert hit["items"] == 30 and answer["items"] == 60  # every completion is one item
    assert hit["refs"][0]["match"] == "completion" and hit["refs"][0]["completion"] == "K724521"
    used = mk.query("select used from hit_budget where user = 'xk-partial'")
    assert used == [(60,)]


def test_no_identifier_asked_or_held_crosses_the_wire(nodes, tmp_path) -> None:  # noqa: ANN001
    xk, _, recorder = nodes
    recorder.clear()
    answer = _hit(xk, "xk-wire", "--file", _batch(tmp_path, BATCH), "--why", WHY)
    assert answer["hits"] == 8  # real answers crossed
    wire = recorder.wire()
    assert b"/exchange/inbox" in wire and b'"kind":"hit-query"' in wire
    assert b'"kind":"hit-reveal"' in wire
    items = []
    for line in BATCH.splitlines():
        kind, value = line.split(": ", 1)
        items += query_items(kind, value, jurisdiction="XK", settings=xk.settings())
    asked = [i.value for i in items]
    secrets_ = (
        asked
        + STORED
        + ["Xhafer", "Bajrami", "+38970123456", "WVWZZZ1JZXW000011", WHY]
        + [i.key for i in items]
        + [i.key.split(":", 1)[1] for i in items]
        + [item_digest(i.key) for i in items]
    )
    for value in secrets_:
        for form in encodings(value):
            assert form not in wire, (value, form)


def _budget(mk: Node, user: str) -> int | None:
    rows = mk.query("select used from hit_budget where user = ?", user)
    return rows[0][0] if rows else None


def _plates(start: int, count: int) -> str:
    return "".join(f"SK {n:04d} BB\n" for n in range(start, start + count))


def test_budgets_hold_across_the_wire_and_a_refused_query_charges_nothing(nodes, tmp_path) -> None:  # noqa: ANN001
    xk, mk, _ = nodes
    args = ("--type", "plate", "--why", WHY)
    _hit(xk, "xk-budget", "--file", _batch(tmp_path, _plates(1000, 50)), *args)
    assert _budget(mk, "xk-budget") == 50
    refused = _hit(
        xk, "xk-budget", "--file", _batch(tmp_path, _plates(2000, 20)), *args, check=False
    )
    assert refused.returncode == 2, refused.stdout
    err = " ".join(refused.stderr.split())
    assert "user 'xk-budget' of peer 'XK' has queried 50 of 60" in err, err
    assert "hit_budget_user_per_day" in err and "resets at" in err and "00:00 UTC" in err
    assert _budget(mk, "xk-budget") == 50  # the refused query counted nothing
    _hit(xk, "xk-budget", "--file", _batch(tmp_path, _plates(3000, 10)), *args)
    assert _budget(mk, "xk-budget") == 60
    # The peer's budget (all its users together): bring it near the limit, then ask.
    with mk.store() as session:
        total = session.scalar(select(HitBudget).where(HitBudget.user == "*"))
        before = total.used
        total.used = PEER_BUDGET - 5
    try:
        refused = _hit(
            xk, "xk-budget2", "--file", _batch(tmp_path, _plates(4000, 6)), *args, check=False
        )
        err = " ".join(refused.stderr.split())
        assert refused.returncode == 2 and "peer 'XK' has queried 995 of 1000" in err, err
        assert "hit_budget_peer_per_day" in err
        assert _budget(mk, "xk-budget2") is None
        _hit(xk, "xk-budget2", "--file", _batch(tmp_path, _plates(4000, 5)), *args)
        assert _budget(mk, "*") == PEER_BUDGET
    finally:
        with mk.store() as session:
            total = session.scalar(select(HitBudget).where(HitBudget.user == "*"))
            total.used = before + 5
        keys.use_node(None)


def test_both_sides_log_the_query_and_the_answering_side_holds_no_value(nodes) -> None:  # noqa: ANN001
    xk, mk, _ = nodes
    answer = _hit(xk, "xk-analyst", "--type", "plate", "SK 1234 AB", "PR 4242 QQ", "--why", WHY)
    query_id = answer["query_id"]
    with xk.store() as session:
        entries = [
            e
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "search"))
            if (e.details or {}).get("query_id") == query_id
        ]
        assert len(entries) == 1
        entry = entries[0]
        assert entry.actor == "xk-analyst" and entry.why == WHY and entry.recipient == "MK"
        details = entry.details
        assert details["peer"] == "MK" and details["items"] == 2 and details["hits"] == 1
        assert [t["value"] for t in details["terms"]] == ["SK 1234 AB", "PR 4242 QQ"]
        assert view_of(entry).details["terms"] == MASKED  # auditors see who and why, not what
    rows = mk.query("select actor, action, recipient, details from audit_entries")
    mine = [(a, act, rec, json.loads(d)) for a, act, rec, d in rows if query_id in (d or "")]
    steps = {d["exchange"]: (a, act, rec, d) for a, act, rec, d in mine}
    assert set(steps) == {"hit-query", "hit-reveal"}
    actor, action, recipient, first = steps["hit-query"]
    assert (actor, action, recipient) == ("peer:XK", "disclose", "XK")
    assert first["user"] == "xk-analyst" and first["items"] == 2
    assert steps["hit-reveal"][3]["hits"] == 1
    # The asker keeps the peer's tags of its current epoch, up to its newest key.
    (epoch,) = {r[0] for r in mk.query("select epoch from hit_keys")}
    top = mk.query("select max(id) from hit_keys")[0][0]
    assert xk.query("select epoch, upto from hit_peer_sets where peer = 'MK'") == [(epoch, top)]
    text = json.dumps([r for r in rows if query_id in (r[3] or "")], ensure_ascii=False)
    for value in ("SK 1234 AB", "SK1234AB", "PR 4242 QQ", "PR4242QQ", WHY):
        assert value not in text


def test_clear_errors_peer_down_unknown_peer_no_why_wrong_role(nodes) -> None:  # noqa: ANN001
    xk, mk, _ = nodes
    outbox = xk.query("select count(*) from exchange_outbox")
    no_why = _hit(xk, "xk-errors", "SK 1234 AB", check=False)
    assert no_why.returncode == 2 and "justification" in no_why.stderr
    unknown = xk.cli(
        "hit", "--peer", "XX", "--user", "xk-errors", "SK 1234 AB", "--why", WHY, check=False
    )
    assert unknown.returncode == 2 and "no peer named 'XX'" in unknown.stderr
    auditor = _hit(xk, "xk-auditor", "SK 1234 AB", "--why", WHY, check=False)
    assert auditor.returncode == 2 and "Auditor" in auditor.stderr  # the role, by its label
    assert "may not do this" in auditor.stderr
    bad = _hit(xk, "xk-errors", "--type", "person", "Xhafer Bajrami", "--why", WHY, check=False)
    assert bad.returncode == 2 and "line 1" in bad.stderr and "birth date" in bad.stderr
    mk.stop()
    try:
        down = _hit(xk, "xk-errors", "SK 1234 AB", "--why", WHY, check=False)
    finally:
        mk.start()
    assert down.returncode == 2, down.stdout
    assert "MK did not answer; try again later" in " ".join(down.stderr.split())
    assert xk.query("select count(*) from exchange_outbox") == outbox  # nothing queued
    assert _hit(xk, "xk-errors", "SK 1234 AB", "--why", WHY)["hits"] == 1  # back: it answers


def test_the_page_asks_shows_hits_with_links_and_clear_errors(
    nodes, session, client, token, node_keys
) -> None:  # noqa: ANN001
    xk, mk, _ = nodes
    # This process acts as the XK node (its key), in the test's store, asking MK directly.
    seed = (xk.var / "keys" / "exchange.key").read_text().strip()
    settings = node_keys.model_copy(update={"exchange_key": seed})
    keys.use_node(settings)
    service.init_node(
        session, settings=settings, jurisdiction="XK", name="Kosovo", url=None, actor="test"
    )
    peer = service.add_peer(
        session,
        name="MK",
        jurisdiction="MK",
        url=mk.url,
        public_key=mk.key().public_b64,
        fingerprint=None,
        actor="test",
    )
    analyst = token("analyst")
    form = client.get("/exchange/hit", headers=analyst)
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.text and 'id="hit-form"' in form.text
    assert '<option value="MK"' in form.text
    data = {"peer": "MK", "type": "auto", "items": "SK 1234 AB\nSK 7777 ZZ\n\nXhafer Bajrami 1986"}
    missing = client.post("/exchange/hit", headers=analyst, data=data)
    assert missing.status_code == 422 and 'id="why-error"' in missing.text
    page = client.post("/exchange/hit", headers=analyst, data={**data, "why": WHY})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="hit-table"' in html and html.count('class="hit"') == 2
    assert html.count('class="no-hit"') == 1
    ref = sorted(_refs(mk, "vehicle"))[0]
    assert f"/exchange/requests/new?peer=MK&amp;ref={ref}&amp;type=vehicle" in html
    assert client.get("/exchange/hit", headers=token("auditor")).status_code == 403
    assert client.get("/exchange/hit", headers=token("border_officer")).status_code == 200
    peer.url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    session.flush()
    down = client.post("/exchange/hit", headers=analyst, data={**data, "why": WHY})
    assert down.status_code == 503 and 'id="hit-problem"' in down.text
    assert "MK did not answer; try again later" in down.text
