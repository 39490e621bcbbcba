"""The main navigation on the dashboard: every area a role may open, and nothing else."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from armsbridge.auth import service as auth_service
from armsbridge.auth.dependencies import require
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.web.navigation import NAV

from .conftest import PASSWORD, sign_in

RECORD_AREAS = ["Search", "Cases", "Persons", "Firearms", "Identify a weapon", "Vehicles"]
# What each role must find in the navigation (areas whose pages the node serves).
EXPECTED = {
    "analyst": ["Dashboard", *RECORD_AREAS, "Import", "Indicators", "Capacity"],
    "border": ["Dashboard", *RECORD_AREAS],
    "officer": ["Dashboard", "Indicators", "Capacity"],
    "auditor": ["Dashboard", "Audit log"],
}


def _nav(html: str) -> list[str]:
    block = re.search(r'<nav class="main"[^>]*>(.*?)</nav>', html, re.S)
    assert block, "the page has no main navigation"
    return re.findall(r"<a href=\"[^\"]+\"[^>]*>([^<]+)</a>", block.group(1))


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_role_sees_every_area_it_may_open(node, username: str) -> None:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        auth_service.create_user(
            s, username="auditor", password=PASSWORD, role="auditor", jurisdiction="XK"
        )
    with TestClient(node.app) as client:
        shown = _nav(sign_in(client, username).get("/").text)
    assert set(shown) == set(EXPECTED[username]), f"missing {set(EXPECTED[username]) - set(shown)}"
    for label in shown:  # every entry leads to a page that opens for this role
        path = next(p for p, lab, _a in NAV if lab == label)
        with TestClient(node.app) as client:
            assert sign_in(client, username).get(path).status_code == 200, path


def test_administrator_sees_users(admin) -> None:
    shown = _nav(admin.get("/").text)
    assert shown == ["Dashboard", "Users"]
    assert admin.get("/admin/users").status_code == 200


def test_area_served_by_a_nested_router_added_later_is_shown(node, analyst) -> None:
    assert "Matching" not in _nav(analyst.get("/").text)  # no page yet: no dead link
    outer, inner = APIRouter(), APIRouter()

    @inner.get("/matching", dependencies=[Depends(require("record.read"))])
    def matching_page() -> dict:
        return {}

    outer.include_router(inner)
    node.app.include_router(outer)
    assert "Matching" in _nav(analyst.get("/").text)


def test_an_area_served_only_by_post_is_not_a_link(node, analyst) -> None:
    router = APIRouter()

    @router.post("/exchange", dependencies=[Depends(require("record.read"))])
    def exchange_post() -> dict:
        return {}

    node.app.include_router(router)
    assert "Exchange" not in _nav(analyst.get("/").text)
