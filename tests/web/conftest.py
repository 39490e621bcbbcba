"""A node on a temporary SQLite store with a few users and records, and a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from armsbridge.app import create_app
from armsbridge.auth import service as auth_service
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records import service as records
from armsbridge.settings import Settings
from principals import as_actor

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@dataclass
class Node:
    """The app, its settings and the ids of the seeded records."""

    app: Any
    settings: Settings
    ids: dict[str, int]


def seed(factory: Any) -> dict[str, int]:
    """Create users of three roles and a small case with a person, a firearm and a vehicle."""
    ids: dict[str, int] = {}
    with session_scope(factory) as s:
        for name, role, jur in [
            ("analyst", "analyst", "XK"),
            ("officer", "programme_officer", "XK"),
            ("mk_analyst", "analyst", "MK"),
            ("border", "border_officer", "XK"),
        ]:
            auth_service.create_user(
                s, username=name, password=PASSWORD, role=role, jurisdiction=jur
            )

        def make(record_type: str, actor: str = "seed", **data: Any) -> Any:
            return records.create_record(
                s, record_type=record_type, data=data, user=as_actor(actor)
            )

        case = make(
            "case",
            jurisdiction="XK",
            reference="XK-2026-001",
            kind="trafficking",
            title="Zoraki pistols at Hani i Elezit",
            opened_on="2026-03-01",
        )
        event = make("event", jurisdiction="XK", kind="seizure", occurred_on="2026-03-02")
        event.case_id = case.id
        person = make(
            "person",
            jurisdiction="XK",
            given_name="Џафер",
            family_name="Бајрами",
            father_name="Рамадан",
            birth_date="1986-03-14",
            script="Cyrl",
        )
        other = make("person", jurisdiction="XK", given_name="Đorđe", family_name="Đorđević")
        firearm = make(
            "firearm",
            jurisdiction="XK",
            make="Zoraki",
            model="914",
            serial_raw="ТК 7245-11",
            calibre="9 mm P.A.K.",
        )
        firearm.case_id, firearm.event_id = case.id, event.id
        vehicle = make("vehicle", jurisdiction="XK", plate_raw="01-234-АВ", make="Golf")
        phone = make("phone", jurisdiction="XK", number_raw="044 123 456")
        mk_person = make("person", jurisdiction="MK", given_name="Xhafer", family_name="Bajrami")
        s.flush()
        for kind, to_type, to_id in [
            ("owner_of", "firearm", firearm.id),
            ("owner_of", "vehicle", vehicle.id),
            ("user_of", "phone", phone.id),
        ]:
            records.link_records(
                s,
                kind=kind,
                from_type="person",
                from_id=person.id,
                to_type=to_type,
                to_id=to_id,
                user=as_actor("seed"),
            )
        records.link_records(
            s,
            kind="involved_in",
            from_type="person",
            from_id=person.id,
            to_type="case",
            to_id=case.id,
            user=as_actor("seed"),
            role="suspect",
        )
        ids.update(
            case=case.id,
            event=event.id,
            person=person.id,
            other=other.id,
            firearm=firearm.id,
            vehicle=vehicle.id,
            phone=phone.id,
            mk_person=mk_person.id,
        )
    return ids


@pytest.fixture
def node(tmp_path) -> Iterator[Node]:
    """A fresh node with seeded users and records."""
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'web.db'}")
    app = create_app(settings)
    load_all_models().metadata.create_all(app.state.engine)
    ids = seed(make_sessionmaker(app.state.engine))
    auth_service.reset_rate_limits()
    yield Node(app=app, settings=settings, ids=ids)
    app.state.engine.dispose()


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's forms carry."""
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def add_record(node: Node, record_type: str, **data: Any) -> int:
    """Create a record on `node` as its seed data (XK unless `jurisdiction` says); return its id."""
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        jurisdiction = data.setdefault("jurisdiction", "XK")
        made = records.create_record(
            s, record_type=record_type, data=data, user=as_actor("seed", jurisdiction)
        )
        s.flush()
        return made.id


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    """Sign `client` in through the login form and return it."""
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def analyst(node: Node) -> Iterator[TestClient]:
    """A client signed in as an XK analyst."""
    with TestClient(node.app) as client:
        yield sign_in(client, "analyst")


@pytest.fixture
def admin(node) -> Iterator[TestClient]:
    """A client signed in as an administrator (password, then TOTP code)."""
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        made = auth_service.create_user(
            s, username="admin", password=PASSWORD, role="administrator", jurisdiction="XK"
        )
        secret = re.search(r"secret=([A-Z2-7]+)", made.provisioning_uri).group(1)
    with TestClient(node.app) as client:
        form = client.get("/login")
        step = client.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        pending = re.search(r'name="pending" value="([^"]+)"', step.text).group(1)
        client.post(
            "/login",
            data={
                "pending": pending,
                "code": pyotp.TOTP(secret).now(),
                "csrf_token": csrf_of(step.text),
            },
        )
        yield client
