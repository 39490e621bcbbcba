"""Every route of the app, as anonymous, wrong role, wrong jurisdiction, H2/H3 and allowed user.

Routes are enumerated from the app, so a new route is covered (and must pass) automatically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from armsbridge.app import FRAMEWORK_PATHS, iter_routes
from armsbridge.audit.models import AuditEntry
from armsbridge.auth.dependencies import SAFE_METHODS, route_permission, route_takes_tokens
from armsbridge.auth.permissions import role_allows
from armsbridge.records import service as records
from armsbridge.records.api_schemas import SLUGS
from armsbridge.records.validation import record_as_dict, type_fields
from principals import as_actor

API_TYPES = {slug: name for name, slug in SLUGS.items()}
# Preferred persona for an allowed request, and for a refused one, by role.
ALLOWED_ORDER = ("analyst", "auditor", "dpo", "programme_officer", "administrator")
REFUSED_ORDER = ("programme_officer", "auditor", "administrator", "border_officer")


@dataclass
class Call:
    method: str
    path: str  # template, e.g. /api/firearms/{record_id}
    action: str
    record_type: str | None  # type of {record_id}, when the route names one record
    tokens: bool = True  # False: refused to every API token (administrative change, session only)


def _record_type(path: str) -> str | None:
    if "{record_id}" not in path:
        return None
    if "{slug}" in path:
        return "firearm"
    before = path.split("/{record_id}")[0].rsplit("/", 1)[-1]
    return API_TYPES.get(before, "case" if before == "cases" else None)


def _calls(app) -> list[Call]:
    calls = []
    for route in iter_routes(app):
        if route.path in FRAMEWORK_PATHS or not hasattr(route, "dependant"):
            continue
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            calls.append(
                Call(
                    method,
                    route.path,
                    route_permission(route),
                    _record_type(route.path),
                    route_takes_tokens(route, method),
                )
            )
    return calls


def _url(call: Call, record_id: int) -> str:
    values = {"record_id": str(record_id), "slug": "firearms", "fmt": "xlsx"}
    return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "1"), call.path)


def _send(client, call: Call, record_id: int, headers: dict | None = None):
    url = _url(call, record_id)
    kwargs: dict = {"headers": headers or {}, "follow_redirects": False}
    if call.method in ("POST", "PATCH", "PUT"):
        if call.path.endswith("/status"):
            payload = {"status": "investigation", "changed_on": "2026-11-01"}
        else:
            payload = {"source_ref": "matrix"}
        if call.path.startswith("/api/"):
            kwargs["json"] = payload
        elif call.path.endswith("/attachments"):
            kwargs["files"] = {"file": ("a.txt", b"matrix", "text/plain")}
        else:
            kwargs["data"] = payload
    if call.method == "GET":
        kwargs["params"] = {"why": "permission matrix"}
    return client.request(call.method, url, **kwargs)


def _is_api_list(call: Call) -> bool:
    return (
        call.method == "GET"
        and call.path.startswith("/api/")
        and call.path.rsplit("/", 1)[-1] in API_TYPES
    )


def _consults(session, actor: str) -> int:
    stmt = select(func.count()).where(AuditEntry.actor == actor, AuditEntry.action == "consult")
    return session.scalar(stmt)


def _refusals(session, actor: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.seq)
    if actor is not None:
        stmt = stmt.where(AuditEntry.actor == actor)
    return list(session.scalars(stmt))


def _refused_as(session, actor: str, before: int, record_id: int, reason: str) -> bool:
    """True if exactly one refusal of `record_id` for `reason` was logged since `before`."""
    new = _refusals(session, actor)[before:]
    return (
        len(new) == 1
        and new[0].record_id == record_id
        and new[0].details["refused"] is True
        and new[0].details["reason"] == reason
    )


def _h2_twin(session, world, record_type: str) -> int:
    """An H2 record of `record_type` in XK (no case, no grant)."""
    key = f"{record_type}_h2twin"
    if key in world.ids:
        return world.ids[key]
    source = records.get_record(session, record_type=record_type, record_id=world.ids[record_type])
    data = {
        c: getattr(source, c)
        for c in record_as_dict(source)
        if c in type_fields(record_type) and getattr(source, c) is not None
    }
    data.update(external_ref=f"h2-{record_type}", handling_code="H2")
    if record_type == "link":
        return world.ids["link"]  # linked to the restricted case
    record = records.create_record(
        session, record_type=record_type, data=data, user=as_actor("setup")
    )
    world.ids[key] = record.id
    return record.id


def test_permission_matrix(app, client, world, session) -> None:
    calls = _calls(app)
    assert len(calls) >= 60, "the app should serve every record type's routes"
    problems: list[str] = []
    personas = world.personas

    def expect(cond: bool, who: str, call: Call, answer) -> None:
        if not cond:
            problems.append(f"{who}: {call.method} {call.path} -> {answer.status_code}")

    for call in calls:
        rid = world.ids[call.record_type] if call.record_type else 1
        if call.action == "peer":
            # Routes peers call authenticate a signed envelope, not an account: without one
            # they refuse (tests/exchange/test_refusals.py covers every refusal and its log).
            answer = _send(client, call, rid)
            expect(400 <= answer.status_code < 500, "peer route served", call, answer)
            continue
        # Anonymous: nothing but public routes serves; a sign-in needed (401) is not logged, a
        # form without its CSRF token is, as "anonymous" with a hashed address (no IP).
        anonymous_before = len(_refusals(session))
        answer = _send(client, call, rid)
        new = _refusals(session)[anonymous_before:]
        if call.action == "public" and call.method not in SAFE_METHODS:
            expect(
                answer.status_code == 403
                and len(new) == 1
                and new[0].actor == "anonymous"
                and new[0].details["reason"] == "csrf"
                and new[0].details["path"] == _url(call, rid)
                and "testclient" not in str(new[0].details),
                "anonymous CSRF refusal not logged once",
                call,
                answer,
            )
        else:
            expect(not new, "logged anonymous", call, answer)
        if call.action == "public":
            expect(answer.status_code < 500 and answer.status_code != 401, "anon", call, answer)
        elif call.path.startswith("/api/"):
            expect(answer.status_code == 401, "anon", call, answer)
        else:
            expect(
                answer.status_code in (303, 401)
                and (answer.status_code == 401 or "/login" in answer.headers["location"]),
                "anon",
                call,
                answer,
            )
        if call.action == "public":
            continue
        # Wrong role: 403, no consultation; a refusal naming the record is logged.
        wrong = next((personas[r] for r in REFUSED_ORDER if not role_allows(r, call.action)), None)
        if wrong is not None:
            before = _consults(session, wrong.username)
            refused = len(_refusals(session, wrong.username))
            answer = _send(client, call, rid, wrong.headers)
            expect(answer.status_code == 403, f"wrong role {wrong.role}", call, answer)
            expect(_consults(session, wrong.username) == before, "consult on refusal", call, answer)
            if call.record_type:
                logged = _refused_as(session, wrong.username, refused, rid, "role")
                expect(logged, "refusal not logged", call, answer)
        allowed = next(personas[r] for r in ALLOWED_ORDER if role_allows(r, call.action))
        if not call.tokens:
            # Administrative changes and token management: never by a token, whatever its
            # scopes (tests/api/test_tokens.py signs in for them); the refusal is logged.
            refused = len(_refusals(session, allowed.username))
            answer = _send(client, call, rid, allowed.headers)
            new = _refusals(session, allowed.username)[refused:]
            expect(answer.status_code == 403, f"token of {allowed.role}", call, answer)
            expect(
                len(new) == 1 and new[0].details["reason"].startswith("token_"),
                "token refusal not logged",
                call,
                answer,
            )
            continue
        # Allowed role: served (no 401/403/5xx).
        before = _consults(session, allowed.username)
        answer = _send(client, call, rid, allowed.headers)
        expect(
            answer.status_code not in (401, 403) and answer.status_code < 500,
            f"allowed {allowed.role}",
            call,
            answer,
        )
        if call.method == "GET" and call.record_type and answer.status_code == 200:
            entry = session.scalar(
                select(AuditEntry)
                .where(AuditEntry.actor == allowed.username, AuditEntry.action == "consult")
                .order_by(AuditEntry.seq.desc())
            )
            expect(entry is not None and entry.record_id == rid, "consult not logged", call, answer)
        elif (
            call.method == "GET"
            and call.path.startswith("/api/")
            and "{" not in call.path
            and call.action == "record.read"
        ):
            expect(_consults(session, allowed.username) > before, "list not logged", call, answer)
        if (
            call.method in ("POST", "PATCH")
            and call.path.startswith("/api/")
            and 200 <= answer.status_code < 300
            and call.action.startswith("record.")
        ):
            written = session.scalar(
                select(func.count()).where(
                    AuditEntry.actor == allowed.username,
                    AuditEntry.action.in_(("create", "change")),
                )
            )
            expect(written > 0, "write not logged", call, answer)
        if _is_api_list(call):
            # Lists: only the user's jurisdiction, and no H2/H3 without membership or grant.
            _h2_twin(session, world, API_TYPES[call.path.rsplit("/", 1)[-1]])
            for who in (personas["analyst"], personas["analyst_mk"]):
                items = _send(client, call, rid, who.headers).json()["items"]
                expect(
                    all(i["jurisdiction"] == who.jurisdiction for i in items),
                    f"list leaks another jurisdiction to {who.username}",
                    call,
                    answer,
                )
                expect(
                    all(i["handling_code"] in ("H0", "H1") for i in items),
                    f"list leaks H2/H3 to {who.username}",
                    call,
                    answer,
                )
        if not call.record_type or not call.action.startswith("record."):
            continue
        # Wrong jurisdiction: the record is not there for them (404, existence not disclosed),
        # no consultation, but the refused attempt is logged for the supervisor.
        other = personas["analyst_mk"]
        before = _consults(session, other.username)
        refused = len(_refusals(session, other.username))
        answer = _send(client, call, rid, other.headers)
        expect(answer.status_code == 404, "wrong jurisdiction", call, answer)
        expect(_consults(session, other.username) == before, "consult on refusal", call, answer)
        logged = _refused_as(session, other.username, refused, rid, "other_jurisdiction")
        expect(logged, "jurisdiction refusal not logged", call, answer)
        # H2/H3 record without membership or grant: 404 for an analyst of the same jurisdiction.
        h2 = _h2_twin(session, world, call.record_type)
        analyst = personas["analyst"]
        before = _consults(session, analyst.username)
        refused = len(_refusals(session, analyst.username))
        answer = _send(client, call, h2, analyst.headers)
        expect(answer.status_code == 404, "H2 without membership", call, answer)
        if call.method == "GET":
            expect(
                _consults(session, analyst.username) == before, "consult on refusal", call, answer
            )
        # The link twin is the link to the restricted case (hidden by membership, not by code).
        reason = "not_visible" if call.record_type == "link" else "handling_code"
        logged = _refused_as(session, analyst.username, refused, h2, reason)
        expect(logged, "H2 refusal not logged", call, answer)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["programme_officer", "auditor", "administrator"])
def test_roles_without_record_access_see_no_personal_data(client, world, role) -> None:
    persona = world.personas[role]
    answer = client.get("/api/persons", params={"why": "curiosity"}, headers=persona.headers)
    assert answer.status_code == 403
