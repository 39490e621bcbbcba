"""Fixtures of the web tests: the app on the test store, users of every role, records, clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from armsbridge.app import create_app
from armsbridge.auth import service
from armsbridge.auth.access import log_refusal
from armsbridge.auth.dependencies import get_db
from armsbridge.auth.models import AccessGrant, CaseMember
from armsbridge.errors import UserError
from armsbridge.records import service as records
from armsbridge.records.models import Firearm
from armsbridge.settings import Settings
from principals import as_actor

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def web_app(engine, tmp_path_factory) -> FastAPI:
    """The application on the test store (one per database engine)."""
    var = tmp_path_factory.mktemp("var")
    return create_app(Settings(var_dir=var, secret_key="test-secret-" + "x" * 40), engine=engine)


def bind_to_session(app: FastAPI, session: Session) -> None:
    """Run the app's requests inside the test's rolled-back transaction."""

    def test_db(request: Request) -> Iterator[Session]:
        # Same rules as get_db, on a savepoint: the test's outer transaction is rolled back later.
        nested = session.begin_nested()
        try:
            yield session
            nested.commit()
        except UserError as exc:
            nested.commit() if getattr(exc, "keep_changes", False) else nested.rollback()
            log_refusal(session, request, exc)  # get_db commits it in a transaction of its own
            raise
        except BaseException:
            nested.rollback()
            raise

    app.dependency_overrides[get_db] = test_db


@pytest.fixture
def app(web_app: FastAPI, session: Session) -> Iterator[FastAPI]:
    """The app whose requests run inside the test's rolled-back transaction."""
    bind_to_session(web_app, session)
    service.reset_rate_limits()
    yield web_app
    web_app.dependency_overrides.clear()


@dataclass
class Persona:
    """A test user with an API token."""

    username: str
    role: str
    jurisdiction: str
    token: str
    id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_persona(session: Session, username: str, role: str, jurisdiction: str) -> Persona:
    user = service.create_user(
        session, username=username, password=PASSWORD, role=role, jurisdiction=jurisdiction
    ).user
    token = service.create_api_token(session, username=username, name="tests")
    return Persona(username, role, jurisdiction, token, user.id)


@dataclass
class World:
    """Users of every role and a small set of records in XK (open, H2, restricted case)."""

    personas: dict[str, Persona]
    ids: dict[str, int]


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch) -> None:
    """Test users need no strong hashes; tests/auth checks the real parameters."""
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def world(session: Session) -> World:
    """Users: every role in XK, an analyst in MK, an analyst who is a case member; records."""
    personas = {
        role: make_persona(session, f"{role}_xk", role, "XK")
        for role in (
            "administrator",
            "analyst",
            "investigator",
            "border_officer",
            "auditor",
            "dpo",
            "programme_officer",
        )
    }
    personas["analyst_mk"] = make_persona(session, "analyst_mk", "analyst", "MK")
    personas["member"] = make_persona(session, "member_xk", "investigator", "XK")
    actor = "setup"
    ids: dict[str, int] = {}

    def add(key: str, record_type: str, **data) -> None:
        data.setdefault("jurisdiction", "XK")
        record = records.create_record(
            session, record_type=record_type, data=data, user=as_actor(actor)
        )
        ids[key] = record.id

    add("case", "case", reference="XK-2026-1", kind="trafficking")
    add("restricted_case", "case", reference="XK-2026-2", kind="trafficking", restricted=True)
    add("person", "person", given_name="Arben", family_name="Krasniqi", birth_date="1986")
    add("person_h2", "person", given_name="Dritan", family_name="Berisha", handling_code="H2")
    add("victim", "person", given_name="Vesa", family_name="Gashi")
    add("firearm", "firearm", make="Zastava", model="M70", serial_raw="123456")
    add("firearm_h2", "firearm", make="Zoraki", model="914", serial_raw="A1", handling_code="H2")
    add("firearm_restricted", "firearm", make="CZ", model="99")
    session.get(Firearm, ids["firearm_restricted"]).case_id = ids["restricted_case"]
    add("firearm_mk", "firearm", make="Zastava", model="M57", jurisdiction="MK")
    add("person_mk", "person", given_name="Горан", family_name="Петровски", jurisdiction="MK")
    for key, data in {
        "vehicle": {"plate_raw": "01-234-AB"},
        "phone": {"number_raw": "+38344123456"},
        "event": {"kind": "seizure", "occurred_on": "2026-03"},
        "place": {"name": "Hani i Elezit"},
        "organisation": {"name": "Group A"},
        "online_account": {"platform": "facebook", "handle": "guns4u"},
        "intel_report": {
            "text": "Shipment expected",
            "source_grade": "B",
            "information_grade": "2",
        },
        "ammunition": {"calibre": "7.62x39", "quantity": 30},
        "explosive": {"kind": "hand_grenade"},
        "component": {"kind": "barrel"},
    }.items():
        add(key, key, **data)
    link = records.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=ids["victim"],
        to_type="case",
        to_id=ids["case"],
        role="victim",
        user=as_actor(actor),
    )
    ids["link_victim"] = link.id
    link = records.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=ids["person_h2"],
        to_type="case",
        to_id=ids["restricted_case"],
        role="suspect",
        user=as_actor(actor),
    )
    ids["link"] = link.id
    session.add(
        CaseMember(case_id=ids["restricted_case"], user_id=personas["member"].id, added_by=actor)
    )
    session.add(
        AccessGrant(
            record_type="firearm",
            record_id=ids["firearm_h2"],
            user_id=personas["member"].id,
            granted_by=actor,
            reason="test",
        )
    )
    session.flush()
    return World(personas, ids)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """A client that never raises server errors (500 answers are asserted instead)."""
    return TestClient(app, raise_server_exceptions=False)
