"""Handling codes across two real nodes: what XK shares under H1/H2, MK shows marked and keeps home.

XK shares one person under H1 and one under H2; on MK an analyst (granted the H2 one, through
`grant_record`, which accepts a record MK holds though its jurisdiction is XK) reads both through
MK's API, each with its `provenance`, then exports: the H1 person is in the file with its
marking, the H2 one is left out and the export says so.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from armsbridge.auth.grants import grant_record
from armsbridge.auth.principal import node_principal
from armsbridge.auth.service import create_api_token, create_user
from armsbridge.exchange import sharing
from armsbridge.exchange.service import get_peer
from armsbridge.records.models import Provenance
from armsbridge.records.service import create_record
from exchange_nodes import wait_for

pytestmark = pytest.mark.xdist_group("exchange-nodes")


def _share_person(xk, family: str, code: str) -> str:  # noqa: ANN001
    with xk.store() as session:
        node = node_principal("XK", purpose="test")
        person = create_record(
            session,
            record_type="person",
            data={"given_name": "Agim", "family_name": family, "birth_date": "1979"},
            user=node,
        )
        message = sharing.share_records(
            session,
            user=node,
            peer=get_peer(session, "MK"),
            items=[sharing.Item("person", person.id)],
            conditions=sharing.Conditions(code, None, "B", "2"),
            purpose="joint investigation",
        )
        return message.message_id


def _received(mk, message_id: str) -> int | None:  # noqa: ANN001
    with mk.store() as session:
        return session.scalar(
            select(Provenance.record_id).where(Provenance.message_id == message_id)
        )


def test_received_records_are_marked_and_h2_stays_on_the_node(pair, tmp_path) -> None:  # noqa: ANN001
    xk, mk = pair
    tag = uuid.uuid4().hex[:6]
    h1_family, h2_family = f"Hoxhaone{tag}", f"Hoxhatwo{tag}"
    h1_message = _share_person(xk, h1_family, "H1")
    h2_message = _share_person(xk, h2_family, "H2")
    wait_for(lambda: _received(mk, h1_message) and _received(mk, h2_message), timeout=60)
    h1_id, h2_id = _received(mk, h1_message), _received(mk, h2_message)
    username = f"mk-analyst-{tag}"
    with mk.store() as session:
        create_user(
            session,
            username=username,
            password="correct horse 42 battery",
            role="analyst",
            jurisdiction="MK",
        )
        grant_record(
            session,
            record_type="person",
            record_id=h2_id,
            username=username,
            reason="joint investigation",
            actor="mk-admin",
        )
        token = create_api_token(session, username=username, name="t", scopes=["read"])
    headers = {"Authorization": f"Bearer {token}"}
    for record_id, code in ((h1_id, "H1"), (h2_id, "H2")):
        answer = httpx.get(
            f"{mk.url}/api/persons/{record_id}", params={"why": "test"}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        prov = answer.json()["provenance"]
        assert (prov["provider"], prov["handling_code"], prov["grades"]) == ("XK", code, "B2")
    out = tmp_path / "export"
    done = mk.cli("export", "--out", str(out), "--why", "joint investigation", "--user", username)
    assert "left out" in done.stdout and "H2" in done.stdout, done.stdout
    persons = (out / "person.csv").read_text(encoding="utf-8")
    assert h1_family in persons and "judicial proceedings" in persons
    assert h2_family not in persons
    assert "person 1" in (out / "WITHHELD.txt").read_text(encoding="utf-8")
