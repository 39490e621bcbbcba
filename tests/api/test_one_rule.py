"""One rule, one place: every route that reads or writes records goes through the read path and
the writer, so the justification rule, the consultation log and the audit of writes hold on all.

The routes are enumerated from the app itself: a new route that shows records of a personal type
is covered without editing this file.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from armsbridge.app import iter_routes
from armsbridge.audit.models import AuditEntry
from armsbridge.vocab.registry import by_slug, record_type, restricted_types
from armsbridge.vocab.service import enum_values

WHY = "case XK-2026-1"
ID_PARAM = re.compile(r"\{record_id\}")


def _record_routes(app) -> list[tuple[str, str, str]]:
    """(method, path template, record type) of every GET route that names one record type."""
    out = []
    for route in iter_routes(app):
        methods = route.methods or set()
        if "GET" not in methods:
            continue
        parts = route.path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] in ("api", "records"):
            named = by_slug(parts[1])
            if named is not None and named.restricted:
                out.append(("GET", route.path, named.name))
        if route.path in ("/records/{slug}", "/records/{slug}/{record_id}"):
            for t in restricted_types():
                if t.name != "link":
                    out.append(("GET", route.path.replace("{slug}", t.slug), t.name))
    return sorted(set(out))


def _entries(session, **where) -> list[AuditEntry]:
    stmt = select(AuditEntry).filter_by(**where).order_by(AuditEntry.seq)
    return list(session.scalars(stmt))


def _personal_paths(app, world) -> list[tuple[str, str]]:
    ids = {"person": world.ids["person"], "phone": world.ids["phone"]}
    paths = []
    for _method, path, rtype in _record_routes(app):
        if not record_type(rtype).personal:
            continue
        if ID_PARAM.search(path):
            if rtype not in ids:
                continue
            path = ID_PARAM.sub(str(ids[rtype]), path)
        if "{" in path:
            continue  # sub-resources with other parameters
        paths.append((path, rtype))
    return paths


def test_the_routes_of_personal_records_are_enumerated(app, world) -> None:
    paths = {p for p, _t in _personal_paths(app, world)}
    # The enumeration must find the pages and the API of persons (else this file tests nothing).
    person = world.ids["person"]
    assert {"/api/persons", f"/api/persons/{person}", "/records/persons"} <= paths
    assert f"/records/persons/{person}" in paths and "/api/phones" in paths


def test_no_personal_record_is_shown_without_a_justification_on_any_route(
    app, client, world, session
) -> None:
    analyst = world.personas["analyst"]
    for path, rtype in _personal_paths(app, world):
        before = len(_entries(session, action="consult", record_type=rtype))
        answer = client.get(path, headers=analyst.headers)
        if path.startswith("/api/"):
            assert answer.status_code == 422, (path, answer.status_code)
            assert "why" in answer.json()["error"]
        else:
            assert answer.status_code == 200, path
            assert "Krasniqi" not in answer.text and 'name="why"' in answer.text, path
        assert len(_entries(session, action="consult", record_type=rtype)) == before, path
        shown = client.get(path, params={"why": WHY}, headers=analyst.headers)
        assert shown.status_code == 200, (path, shown.status_code, shown.text[:200])
        consults = _entries(session, action="consult", record_type=rtype)
        assert len(consults) == before + 1 and consults[-1].why == WHY, path
        assert consults[-1].actor == analyst.username


def test_a_case_page_keeps_its_persons_back_until_a_justification_is_given(
    client, world, session
) -> None:
    analyst = world.personas["analyst"]
    path = f"/records/cases/{world.ids['case']}"
    page = client.get(path, headers=analyst.headers)
    # the victim Vesa Gashi is linked to the case
    assert page.status_code == 200 and "Gashi" not in page.text and 'name="why"' in page.text
    assert not _entries(session, action="consult", record_type="person")
    page = client.get(path, params={"why": WHY}, headers=analyst.headers)
    assert "Gashi" in page.text
    entry = _entries(session, action="consult", record_type="person")[-1]
    assert entry.why == WHY and world.ids["victim"] in entry.details["ids"]
    assert f"?why={WHY.replace(' ', '%20')}" in page.text  # links carry the justification on


def _minimal(rtype: str, world) -> dict:
    """A valid record of `rtype` built from its schema: required fields only."""
    if rtype == "link":
        return {
            "kind": "owner_of",
            "from_type": "person",
            "from_id": world.ids["person"],
            "to_type": "firearm",
            "to_id": world.ids["firearm"],
        }
    data = {}
    for name, spec in record_type(rtype).fields.items():
        if not spec.get("required") or name == "jurisdiction":
            continue
        kind = spec["type"]
        if name == "number_raw":
            data[name] = "+38344123456"
        elif kind == "enum":
            data[name] = next(iter(enum_values(spec["enum"])))
        elif kind in ("int", "float"):
            data[name] = spec.get("min", 1) or 1
        else:
            data[name] = f"t-{rtype}"
    return data


def _count(session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.mark.parametrize("rtype", [t.name for t in restricted_types()])
def test_every_api_write_leaves_exactly_one_audit_entry(client, world, session, rtype) -> None:
    analyst = world.personas["analyst"]
    slug = record_type(rtype).slug
    before = _count(session)
    made = client.post(f"/api/{slug}", json=_minimal(rtype, world), headers=analyst.headers)
    assert made.status_code == 201, made.text
    assert _count(session) == before + 1
    entry = _entries(session, action="create", record_type=rtype)[-1]
    assert entry.actor == analyst.username and entry.details["via"] == "token"
    record_id = made.json()["id"]
    change = {"source_ref": "changed by the test"}
    changed = client.patch(f"/api/{slug}/{record_id}", json=change, headers=analyst.headers)
    assert changed.status_code == 200, changed.text
    assert _count(session) == before + 2
    assert _entries(session, action="change", record_type=rtype)[-1].after == change


def test_the_writer_refuses_another_service_on_every_api_route(client, world, session) -> None:
    analyst = world.personas["analyst"]
    for t in restricted_types():
        data = {**_minimal(t.name, world), "jurisdiction": "MK"}
        answer = client.post(f"/api/{t.slug}", json=data, headers=analyst.headers)
        if t.name == "link":
            # a link takes the jurisdiction of its source record, which is the analyst's
            assert answer.status_code in (201, 403), answer.text
            continue
        assert answer.status_code == 403, (t.name, answer.status_code, answer.text)
        assert "MK" in answer.json()["error"]
