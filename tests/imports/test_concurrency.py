"""An import and web requests at once: no request fails, and the file still lands whole."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from import_helpers import PERSON_HEADER, PERSONS, write_csv
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from armsbridge.app import create_app
from armsbridge.auth import service as auth
from armsbridge.auth.models import User
from armsbridge.auth.principal import principal_of
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import UserError
from armsbridge.imports.service import import_file
from armsbridge.records.models import Person
from armsbridge.settings import Settings

ROWS = 3000


@pytest.fixture(params=["sqlite", "postgresql"])
def node(request, tmp_path, monkeypatch) -> Iterator[object]:  # noqa: ANN001
    """A node on a store of its own whose writes are committed (not a rolled-back test session)."""
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'node.db'}"
    else:
        pg = make_url(request.getfixturevalue("pg_url"))
        name = f"armsbridge_c_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = pg.set(database=name).render_as_string(hide_password=False)
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    settings = Settings(var_dir=tmp_path, database_url=url, secret_key="conc-" + "k" * 40)
    app = create_app(settings)
    load_all_models().metadata.create_all(app.state.engine)
    yield app
    app.state.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_web_writes_go_through_while_an_import_runs(node, tmp_path) -> None:
    factory = make_sessionmaker(node.state.engine)
    with session_scope(factory) as session:
        auth.create_user(
            session, username="importer", password="p" * 12, role="analyst", jurisdiction="XK"
        )
        auth.create_user(
            session, username="clerk", password="p" * 12, role="analyst", jurisdiction="XK"
        )
        token = auth.create_api_token(
            session, username="clerk", name="web", scopes=["read", "write"]
        )
    headers = {"Authorization": f"Bearer {token}"}
    rows = [
        [str(i), "Përparim", "Gashi", "", "01.01.1990", "M", "", "", "", ""] for i in range(ROWS)
    ]
    path = write_csv(tmp_path / "big.csv", PERSON_HEADER, rows, encoding="utf-8")
    client = TestClient(node, raise_server_exceptions=False)
    answers: list[int] = []

    def web_write(n: int) -> None:
        body = {"jurisdiction": "XK", "external_ref": f"W-{n}", "given_name": "Besa"}
        answers.append(client.post("/api/persons", json=body, headers=headers).status_code)
        answers.append(
            client.get("/api/persons", params={"why": "check"}, headers=headers).status_code
        )

    def progress(done: int, _total: int | None) -> None:
        # While the import is under way, a web user writes, and waits for the answer: the
        # import must not hold the store's write lock while it checks rows.
        writer = threading.Thread(target=web_write, args=(len(answers),))
        writer.start()
        writer.join(timeout=60)
        assert not writer.is_alive(), "a web request hung behind the import"

    with session_scope(factory) as session:
        account = session.scalars(select(User).where(User.username == "importer")).one()
        user = principal_of(account, via="cli")
        report = import_file(
            session, profile=PERSONS, path=path, user=user, progress=progress, batch_size=500
        )
    assert answers and all(code < 300 for code in answers), answers
    assert report.rows_imported == ROWS
    with session_scope(factory) as session:
        imported = session.scalar(
            select(func.count()).select_from(Person).where(Person.external_ref.like("P-%"))
        )
        written = session.scalar(
            select(func.count()).select_from(Person).where(Person.external_ref.like("W-%"))
        )
    assert imported == ROWS  # the file landed whole
    assert written == len(answers) // 2


def test_a_record_stored_meanwhile_under_the_same_reference_stops_the_file_whole(
    node, tmp_path
) -> None:
    factory = make_sessionmaker(node.state.engine)
    with session_scope(factory) as session:
        auth.create_user(
            session, username="importer", password="p" * 12, role="analyst", jurisdiction="XK"
        )
    row = ["Besa", "Krasniqi", "", "02.02.1992", "F", "", "", "", ""]
    path = write_csv(tmp_path / "f.csv", PERSON_HEADER, [[str(i), *row] for i in range(40)])

    def progress(_done: int, _total: int | None) -> None:
        # Someone stores P-39 after the file was checked and before it is written.
        with session_scope(factory) as other:
            other.add(Person(jurisdiction="XK", external_ref="P-39", given_name="Other"))

    with session_scope(factory) as session:
        account = session.scalars(select(User).where(User.username == "importer")).one()
        with pytest.raises(UserError, match="import the file again"):
            import_file(
                session,
                profile=PERSONS,
                path=path,
                user=principal_of(account, via="cli"),
                progress=progress,
            )
    with session_scope(factory) as session:
        refs = session.scalars(select(Person.external_ref)).all()
    assert refs == ["P-39"]  # nothing of the file, the other user's record kept
