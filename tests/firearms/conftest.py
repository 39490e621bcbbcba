"""Web fixtures of the firearms tests: the app on the test store and users with API tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from armsbridge.app import create_app
from armsbridge.auth import service
from armsbridge.auth.dependencies import get_db
from armsbridge.settings import Settings


@pytest.fixture(scope="session")
def web_app(engine, tmp_path_factory) -> FastAPI:  # noqa: ANN001
    """The application on the test store."""
    var = tmp_path_factory.mktemp("var")
    return create_app(Settings(var_dir=var, secret_key="test-secret-" + "x" * 40), engine=engine)


@pytest.fixture
def client(web_app: FastAPI, session: Session, monkeypatch) -> Iterator[TestClient]:  # noqa: ANN001
    """A client whose requests run inside the test's rolled-back transaction."""

    def test_db() -> Iterator[Session]:
        nested = session.begin_nested()
        try:
            yield session
            nested.commit()
        except BaseException:
            nested.rollback()
            raise

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    web_app.dependency_overrides[get_db] = test_db
    service.reset_rate_limits()
    yield TestClient(web_app, raise_server_exceptions=False)
    web_app.dependency_overrides.clear()


@pytest.fixture
def token(session: Session, client: TestClient):  # noqa: ANN201
    """token(role, jurisdiction) -> Authorization headers of a new user of that role."""

    def make(role: str, jurisdiction: str = "XK") -> dict[str, str]:
        name = f"{role}_{jurisdiction.lower()}"
        service.create_user(
            session,
            username=name,
            password="correct horse battery",
            role=role,
            jurisdiction=jurisdiction,
        )
        return {
            "Authorization": f"Bearer {service.create_api_token(session, username=name, name='t')}"
        }

    return make
