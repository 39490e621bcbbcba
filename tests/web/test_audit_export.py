"""The auditor's CSV export from the log page: the page's filters, the user's words, logged."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth import service as auth_service
from armsbridge.db.session import make_sessionmaker, session_scope

from .conftest import PASSWORD, sign_in


def _auditor(node, language: str) -> str:
    name = f"auditor_{language}"
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        auth_service.create_user(
            s,
            username=name,
            password=PASSWORD,
            role="auditor",
            jurisdiction="XK",
            language=language,
        )
    return name


@pytest.mark.parametrize(
    ("language", "who", "created"),
    [("en", "Who", "Created"), ("sq", "Kush", "Krijuar"), ("mk", "Кој", "Создадено")],
)
def test_the_export_is_in_the_users_words_and_keeps_the_filters(
    node, language, who, created
) -> None:
    name = _auditor(node, language)
    with TestClient(node.app) as client:
        sign_in(client, name)
        page = client.get("/audit", params={"actor": "seed"}).text
        assert 'href="/audit/export.csv?actor=seed"' in page
        answer = client.get("/audit/export.csv", params={"actor": "seed"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][2] == who and "actor" not in rows[0]
    assert len(rows) > 1 and {r[2] for r in rows[1:]} == {"seed"}
    assert created in {r[4] for r in rows[1:]} and "create" not in {r[4] for r in rows[1:]}
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        logged = s.scalars(
            select(AuditEntry).where(AuditEntry.actor == name, AuditEntry.action == "export")
        ).all()
    assert len(logged) == 1 and logged[0].details["filters"]["by"] == "seed"


def test_the_export_is_refused_to_an_analyst(analyst) -> None:
    assert analyst.get("/audit/export.csv").status_code == 403
