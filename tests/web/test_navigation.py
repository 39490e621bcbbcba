"""The main navigation on the dashboard: every area a role may open, and nothing else."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from armsbridge.auth import service as auth_service
from armsbridge.auth.dependencies import require
from armsbridge.auth.permissions import known_action
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.domains import MenuEntry
from armsbridge.records.labels import TYPES
from armsbridge.web import navigation
from armsbridge.web.navigation import NAV, entry_is_routed, page_paths

from .conftest import PASSWORD, sign_in

RECORD_AREAS = [
    "Search",
    "Border check",
    "Cases",
    "Persons",
    "Firearms",
    "Identify a weapon",
    "Vehicles",
    "Link chart",
    "Map",
]
# What each role must find in the navigation (areas whose pages the node serves).
EXPECTED = {
    "analyst": [
        "Dashboard",
        *RECORD_AREAS,
        "Import",
        "Matches",
        "Joint operations",
        "Joint patrols",
        "Online evidence",
        "Profiles",
        "Review queue",
        "Indicators",
        "Capacity",
        "Exchange",
        "Ask the other service",
        "Requests",
    ],
    "border": ["Dashboard", *RECORD_AREAS, "Joint patrols", "Ask the other service"],
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
        path = next(entry.path for entry in NAV if entry.label == label)
        with TestClient(node.app) as client:
            assert sign_in(client, username).get(path).status_code == 200, path


def test_administrator_sees_users(admin) -> None:
    shown = _nav(admin.get("/").text)
    assert shown == ["Dashboard", "Exchange", "Users"]
    assert admin.get("/admin/users").status_code == 200


def test_every_menu_entry_is_served_by_a_get_route(fresh_app) -> None:
    """The menu names only pages that exist: each entry's path is a GET route of the app."""
    paths = page_paths(fresh_app)
    unrouted = [entry.path for entry in NAV if not entry_is_routed(entry, paths)]
    assert unrouted == []
    for entry in NAV:  # record lists are the one templated route; its slug must be a real type
        if entry.path.startswith("/records/"):
            assert entry.path.removeprefix("/records/") in {slug for slug, _s, _p in TYPES.values()}


def test_menu_is_in_order_and_its_actions_are_declared() -> None:
    assert [entry.order for entry in NAV] == sorted(entry.order for entry in NAV)
    assert len({entry.path for entry in NAV}) == len(NAV)
    assert all(known_action(entry.action) for entry in NAV)


_LATER = MenuEntry("/later-area", "Later area", "record.read", 1000)


def test_area_served_by_a_nested_router_added_later_is_shown(node, analyst, monkeypatch) -> None:
    monkeypatch.setattr(navigation, "NAV", (*NAV, _LATER))
    assert "Later area" not in _nav(analyst.get("/").text)  # no page yet: no dead link
    outer, inner = APIRouter(), APIRouter()

    @inner.get("/later-area", dependencies=[Depends(require("record.read"))])
    def later_page() -> dict:
        return {}

    outer.include_router(inner)
    node.app.include_router(outer)
    assert "Later area" in _nav(analyst.get("/").text)


def test_an_area_served_only_by_post_is_not_a_link(node, analyst, monkeypatch) -> None:
    monkeypatch.setattr(navigation, "NAV", (*NAV, _LATER))
    router = APIRouter()

    @router.post("/later-area", dependencies=[Depends(require("record.read"))])
    def later_post() -> dict:
        return {}

    node.app.include_router(router)
    assert "Later area" not in _nav(analyst.get("/").text)
