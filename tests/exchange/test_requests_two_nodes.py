"""The whole round trip of a request between two node processes, through the CLI.

MK's investigator asks XK for the details of a hit; XK's analyst sees it in the queue, sends
the person only, three of its fields, under H2 and grades B2; MK's investigator sees the
record marked H2 B2, and no other MK user sees it.
"""

from __future__ import annotations

import json
import uuid

import pytest
from request_helpers import person_with_phone

from armsbridge.auth import service as auth
from armsbridge.exchange.hit_models import HitKey
from armsbridge.exchange.hitset import opaque_ref
from armsbridge.records.models import Person
from exchange_nodes import wait_for

pytestmark = pytest.mark.xdist_group("exchange-nodes")


def _user(node, name: str, role: str) -> None:  # noqa: ANN001
    with node.store() as session:
        auth.create_user(
            session,
            username=name,
            password="correct horse battery",
            role=role,
            jurisdiction=node.jurisdiction,
        )


def _seed_xk(xk, family: str) -> tuple[int, int, str]:  # noqa: ANN001
    with xk.store() as session:
        person_id, phone_id = person_with_phone(session, family, "+383 44 765 432")
        ref = opaque_ref("person", person_id)
        session.add(
            HitKey(
                digest=uuid.uuid4().hex * 2,
                kind="name",
                record_type="person",
                record_id=person_id,
                ref=ref,
                epoch="test",
            )
        )
        return person_id, phone_id, ref


def _json(node, *args: str) -> object:  # noqa: ANN001
    return json.loads(node.cli(*args, "--json").stdout)


def test_request_round_trip_through_the_cli(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    tag = uuid.uuid4().hex[:6]
    family = "Bajrami-" + tag
    person_id, phone_id, ref = _seed_xk(xk, family)
    _user(xk, f"ana_xk_{tag}", "analyst")
    _user(mk, f"ina_mk_{tag}", "investigator")
    _user(mk, f"ole_mk_{tag}", "analyst")
    asker, answerer, colleague = f"ina_mk_{tag}", f"ana_xk_{tag}", f"ole_mk_{tag}"
    asked = _json(
        mk,
        "request",
        "new",
        "--peer",
        "XK",
        "--type",
        "person",
        "--ref",
        ref,
        "--why",
        "MK case 2026/77: Zastava pistols seized at Tabanovce",
        "--urgency",
        "urgent",
        "--user",
        asker,
    )
    request_ref = asked["ref"]
    assert asked["state"] == "queued" and asked["time_left"] in ("3 d 0 h left", "2 d 23 h left")

    def queued_at_xk() -> list:
        rows = _json(xk, "request", "list", "--side", "owner", "--user", answerer)
        return [r for r in rows if r["ref"] == request_ref]

    # Wait on the store (fast), then look through the CLI (what a user runs).
    in_queue = "select count(*) from exchange_requests where side = 'owner' and ref = ?"
    wait_for(lambda: xk.query(in_queue, request_ref)[0][0] == 1, timeout=60)
    (row,) = queued_at_xk()
    assert row["state"] == "open" and row["requester"] == asker and row["peer"] == "MK"
    assert row["justification"].startswith("MK case 2026/77") and not row["overdue"]
    offered = _json(xk, "request", "candidates", request_ref, "--user", answerer)
    assert {c["record"] for c in offered} == {f"person:{person_id}", f"phone:{phone_id}"}
    xk.cli(
        "request",
        "approve",
        request_ref,
        "--record",
        f"person:{person_id}",
        "--fields",
        f"person:{person_id}=given_name,family_name,birth_date",
        "--code",
        "H2",
        "--source-grade",
        "B",
        "--information-grade",
        "2",
        "--user",
        answerer,
    )

    def answered() -> dict:
        return _json(mk, "request", "show", request_ref, "--user", asker)

    done = "select state from exchange_requests where side = 'asker' and ref = ?"
    wait_for(lambda: mk.query(done, request_ref) == [("partly",)], timeout=60)
    shown = answered()
    (record,) = shown["received"]
    assert (record["type"], record["handling_code"], record["grades"]) == ("person", "H2", "B2")
    assert record["provider"] == "XK" and family in record["title"]
    # Granted to the requester only: another MK analyst sees the request, not the H2 record.
    assert _json(mk, "request", "show", request_ref, "--user", colleague)["received"] == []
    with mk.store() as session:
        copy = session.get(Person, record["id"])
        assert copy.family_name == family and copy.birth_place is None  # not chosen, not sent
    status = _json(mk, "exchange", "status")
    assert status["requests"]["partly"] >= 1
