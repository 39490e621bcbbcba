"""Handling codes on every route: nothing received under H2 leaves the node, every view marks.

A permission-matrix extension. Every route of the app is classified below by what it does with
record content; a route that is not classified fails `test_every_route_is_classified`, so whoever
adds one decides. Then, with records received from MK under H0..H3 (tests/foreign_records.py)
and an XK analyst granted the H2/H3 ones, every GET route is called by an account allowed to:

- EXPORT routes (files that leave the node) must not hold any value of an H2 record;
- DOWNLOAD routes refuse an H2 record's file (403, saying why) and serve an H1 record's;
- RECORD routes (one record: page or API) show its marking: notice, provider and grades;
- LIST routes (lists, search results, the dashboard) mark every foreign record they show;
- PART routes answer about one record already read with its marking (a case's history);
- NONE routes show no record at all: no foreign value may appear in them;
- OVERSIGHT routes are the audit log, read inside the node by auditors (masked values);
- WRITE and PEER routes change data or take a peer's signed message: no content check here.

Reads inside the node by an authorised user are use, not dissemination (docs/dev/decisions.md).
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from armsbridge.app import FRAMEWORK_PATHS, iter_routes
from armsbridge.auth.dependencies import route_permission
from armsbridge.auth.models import User
from armsbridge.auth.permissions import role_allows
from armsbridge.records import attachments
from armsbridge.records.api_schemas import SLUGS
from armsbridge.records.labels import TYPES as PAGE_TYPES
from armsbridge.records.models import Firearm
from armsbridge.web.i18n import Formatter
from foreign_records import CODES, GRADES, RESTRICTION, TYPES, add_foreign_world, grant_to, markers
from principals import as_actor

EXPORT, DOWNLOAD, RECORD, LIST, PART = "export", "download", "record", "list", "part"
NONE, OVERSIGHT, WRITE, PEER = "none", "oversight", "write", "peer"
GET_ROUTES = {
    "/api/{slug}/{record_id}": RECORD,  # every record type's API read
    "/api/{slug}": LIST,  # every record type's API list (paged reads, not a bulk export)
    "/api/cases/{record_id}/history": PART,
    "/search": LIST,
    "/records/{slug}": LIST,
    "/records/{slug}/new": NONE,
    "/records/{slug}/{record_id}": RECORD,
    "/records/{slug}/{record_id}/edit": RECORD,
    "/records/{slug}/{record_id}/links/new": RECORD,  # the record and the records found to link
    "/attachments/{attachment_id}": DOWNLOAD,
    "/imports": NONE,
    "/border/passages": NONE,  # the upload form and the columns of a file
    "/imports/{token}": NONE,  # the staging of a file the user brought
    "/api/firearm-serials": LIST,
    "/api/firearms/{record_id}/category": RECORD,
    "/firearms/identify": NONE,
    "/admin/users": NONE,
    "/account/tokens": NONE,
    "/login": NONE,
    "/account": NONE,
    "/api/audit": OVERSIGHT,
    "/api/audit/actions": OVERSIGHT,
    "/api/audit/verify": OVERSIGHT,
    "/api/audit/export.csv": EXPORT,
    "/audit/export.csv": EXPORT,
    "/audit": OVERSIGHT,
    "/audit/{seq}": OVERSIGHT,
    "/": LIST,  # the dashboard lists recent cases
    "/health": NONE,
    "/api/capacity/trainings": NONE,
    "/api/capacity/campaigns": NONE,
    "/capacity": NONE,
    "/exchange/identity": NONE,
    "/exchange": NONE,
    "/api/indicators": NONE,  # aggregates: counts, never a record
    "/indicators": NONE,
    "/indicators/report.{fmt}": EXPORT,
    "/indicators/iafq.xlsx": EXPORT,
    "/exchange/hit": NONE,
    "/check": NONE,  # known here / not known, a hit or no hit from the peer: the search's reads
    "/notifications": NONE,  # counts of what waits for the user, no record content
    "/notifications/bell": NONE,  # the form and its answers: hit or no hit, a reference, no content
    "/exchange/requests": NONE,
    "/exchange/requests/new": NONE,
    "/exchange/queue": NONE,
    "/operations": NONE,
    # Joint patrols are items of a joint operation (places, times, officers, counts), no record.
    "/patrols": NONE,
    "/patrols/{op_id}/{item_id}": NONE,
    # Pages that list records with their markings (tests/exchange/test_request_pages.py,
    # test_operation_pages.py show the marks); nothing leaves the node from them.
    "/exchange/requests/{ref}": PART,
    "/exchange/received": PART,
    "/exchange/queue/{ref}": PART,
    "/exchange/share/new": PART,
    "/operations/{op_id}": PART,
    # The match review lists pairs of records with their markings (tests/web/test_match_review.py
    # shows a received record's); the bulk preview shows a count and a probability range only.
    "/matches": PART,
    "/matches/clusters/{slug}/{record_id}": PART,
    "/matches/bulk": NONE,
    # Maps: markers carry each record's handling code and link to the record page (its full
    # marking); the GeoJSON export leaves out what was received under H2 and carries the
    # strictest code (tests/web/test_map_pages.py); hot spots and trends show counts only.
    "/analysis/map": PART,
    "/analysis/map.geojson": EXPORT,
    "/analysis/boundaries.geojson": NONE,
    "/analysis/hotspots": NONE,
    "/analysis/trends": NONE,
    # Online evidence is the node's own capture of a public page or a file an officer brought,
    # never a received record: the list and the page show no record; the WACZ leaves the node.
    "/captures": NONE,
    "/captures/{capture_id}": PART,
    "/captures/{capture_id}/screenshot": PART,
    "/captures/{capture_id}/download": EXPORT,
    "/captures/queue": NONE,
    "/captures/queue/corrections.jsonl": EXPORT,
    "/captures/{capture_id}/review": PART,
    # The link chart: the page (a search, or the chart's frame) and its JSON reads show records
    # with their provenance (tests/analysis/test_pages.py); the files leave H2 out.
    "/analysis/chart": NONE,
    "/analysis/chart/data": PART,
    "/analysis/chart/path": PART,
    "/analysis/chart/export/{fmt}": EXPORT,
    # Profiles: the list shows titles and codes; a profile names the records behind its figures
    # and carries the strictest code of them (tests/analysis/test_products.py); the PDF too.
    "/profiles": NONE,
    "/profiles/{product_id}": PART,
    "/profiles/{product_id}/pdf": EXPORT,
}
OTHER_ROUTES = {
    ("POST", "/api/{slug}"): WRITE,
    ("PATCH", "/api/{slug}/{record_id}"): WRITE,
    ("POST", "/api/cases/{record_id}/status"): WRITE,
    ("POST", "/records/{slug}/new"): WRITE,
    ("POST", "/records/{slug}/{record_id}/edit"): WRITE,
    ("POST", "/records/{slug}/{record_id}/links/new"): WRITE,
    ("POST", "/records/links/{link_id}/remove"): WRITE,
    # A refused selection or saved search shows the list again: the GET list's rows and marks.
    ("POST", "/records/{slug}/selection"): WRITE,
    ("POST", "/records/{slug}/saved"): WRITE,
    ("POST", "/records/saved/{search_id}/remove"): WRITE,
    ("POST", "/records/firearms/{firearm_id}/facts"): WRITE,
    ("POST", "/records/cases/{record_id}/status"): WRITE,
    ("POST", "/records/{slug}/{record_id}/attachments"): WRITE,
    ("POST", "/imports"): WRITE,
    ("POST", "/border/passages"): WRITE,
    ("POST", "/imports/{token}/commit"): WRITE,
    ("POST", "/api/firearm-categories"): WRITE,
    ("POST", "/api/firearms/{record_id}/facts"): WRITE,
    ("POST", "/admin/users"): WRITE,
    ("POST", "/admin/users/{username}/disable"): WRITE,
    ("POST", "/admin/users/{username}/enable"): WRITE,
    ("POST", "/admin/users/{username}/unlock"): WRITE,
    ("POST", "/admin/users/{username}/password"): WRITE,
    ("POST", "/account/tokens"): WRITE,
    ("POST", "/account/tokens/{token_id}/revoke"): WRITE,
    ("POST", "/login"): WRITE,
    ("POST", "/logout"): WRITE,
    ("POST", "/api/audit/{seq}/reveal"): OVERSIGHT,
    ("POST", "/audit/{seq}/reveal"): OVERSIGHT,
    ("POST", "/language"): WRITE,
    ("POST", "/api/capacity/participations"): WRITE,
    ("POST", "/api/capacity/campaign-channels"): WRITE,
    ("POST", "/api/capacity/operations"): WRITE,
    ("POST", "/api/capacity/products"): WRITE,
    ("POST", "/exchange/inbox"): PEER,
    ("POST", "/matches/{match_id}/decide"): WRITE,
    ("POST", "/matches/bulk"): WRITE,
    # Blinded points only (tests/exchange/test_hit_nodes.py records the wire: nothing in clear).
    ("POST", "/exchange/hit"): WRITE,
    ("POST", "/check"): WRITE,
    ("POST", "/exchange/requests"): WRITE,
    ("POST", "/exchange/queue/{ref}/refuse"): WRITE,
    ("POST", "/operations"): WRITE,
    ("POST", "/operations/{op_id}/accept"): WRITE,
    ("POST", "/operations/{op_id}/decline"): WRITE,
    ("POST", "/operations/{op_id}/tasks"): WRITE,
    ("POST", "/operations/{op_id}/tasks/{item_id}/done"): WRITE,
    ("POST", "/operations/{op_id}/notes"): WRITE,
    ("POST", "/operations/{op_id}/close"): WRITE,
    ("POST", "/patrols"): WRITE,
    ("POST", "/profiles/problem"): WRITE,
    ("POST", "/profiles/subject"): WRITE,
    ("POST", "/profiles/risk"): WRITE,
    ("POST", "/profiles/{product_id}"): WRITE,
    ("POST", "/patrols/{op_id}/{item_id}/report"): WRITE,
    ("POST", "/patrols/{op_id}/{item_id}/cancel"): WRITE,
    # Records leave the node through sharing.share_records, which refuses anything received
    # under H2 (tests/exchange/test_sharing.py, test_requests.py).
    ("POST", "/exchange/queue/{ref}/approve"): EXPORT,
    ("POST", "/exchange/share"): EXPORT,
    ("POST", "/operations/{op_id}/records"): EXPORT,
    ("POST", "/captures"): WRITE,
    ("POST", "/captures/{capture_id}/review"): WRITE,
    ("POST", "/captures/{capture_id}/hit"): WRITE,
    # A copy of the chart attached to a case: H2 left out as in the exports (analysis.exports).
    ("POST", "/analysis/chart/save"): EXPORT,
}
API_SLUG = {slug: name for name, slug in SLUGS.items()}
PAGE_SLUG = {slug: name for name, (slug, _one, _many) in PAGE_TYPES.items()}
PERSONA_ORDER = ("analyst", "auditor", "dpo", "programme_officer", "administrator")
NOTICE = {
    "H0": "use only to prevent and combat crime",
    "H1": "not to be used in judicial proceedings",
    "H2": "not to be disseminated further",
    "H3": RESTRICTION,
}
WHY = {"why": "handling codes test"}


def _generic(path: str) -> str:
    """The route's path with every record type's own segment folded to {slug}."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "api" and parts[2] in API_SLUG:
        rest = parts[3:]
        if rest in ([], ["{record_id}"]):
            return "/".join(["", "api", "{slug}", *rest])
    return path


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for route in iter_routes(app):
        if route.path in FRAMEWORK_PATHS or not hasattr(route, "dependant"):
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, route.path))
    return found


def _class_of(method: str, path: str) -> str | None:
    if method == "GET":
        return GET_ROUTES.get(_generic(path))
    return OTHER_ROUTES.get((method, _generic(path)))


def test_every_route_is_classified(app) -> None:
    routes = _routes(app)
    missing = [f"{m} {p}" for m, p in routes if _class_of(m, p) is None]
    assert not missing, (
        "classify these routes in tests/api/test_handling_routes.py (does it carry record "
        f"content off the node? does it show a foreign record?): {missing}"
    )
    known = {("GET", _generic(p)) if m == "GET" else (m, _generic(p)) for m, p in routes}
    stale = [k for k in [*(("GET", p) for p in GET_ROUTES), *OTHER_ROUTES] if k not in known]
    assert not stale, f"classified routes the app no longer has: {stale}"


def _text(answer) -> str:
    """The readable text of an answer: HTML/JSON/CSV as is, XLSX cells, PDF page text."""
    body = answer.content
    if body.startswith(b"PK"):
        book = load_workbook(io.BytesIO(body), read_only=True)
        cells = [
            str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
        ]
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            xml = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        return "\n".join(cells + xml)
    if body.startswith(b"%PDF"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return answer.text


def _foreign_values(code: str | None = None) -> list[str]:
    codes = [code] if code else list(CODES)
    return [v for c in codes for v in markers(c).values()]


SHORT = {
    "H0": "crime prevention only",
    "H1": "not for judicial use without permission",
    "H2": "no further dissemination",
    "H3": RESTRICTION,
}


def _badge(code: str) -> str:
    """What a list row shows beside a received record: provider, grades, code and its words."""
    grades = "".join(GRADES[code])
    return f"Received from North Macedonia · {grades} · {code}: {SHORT[code]}"


@pytest.fixture
def foreign(app, session, world):
    """The foreign records, an attachment on the H1 and H2 firearms, the analyst's grants."""
    records = add_foreign_world(session)
    grant_to(session, records, world.personas["analyst"].id)
    files = {}
    for code in ("H1", "H2"):
        firearm = session.get(Firearm, records.ids[(code, "firearm")])
        row = attachments.add_attachment(
            session,
            var_dir=app.state.settings.var_dir,
            record_type="firearm",
            record=firearm,
            filename=f"photo-{code}.txt",
            content_type="text/plain",
            data=f"serial {markers(code)['serial_raw']} on the frame".encode(),
            user=as_actor("exchange", "MK"),
        )
        files[code] = row.id
    session.flush()
    return records, files


def _persona(world, action: str):
    role = next((r for r in PERSONA_ORDER if role_allows(r, action)), None)
    return world.personas[role] if role else None


def _check_record(client, who, method_path: str, record_type: str, record_id: int, code: str):
    """Problems of one record route answering about one foreign record."""
    url = method_path.replace("{record_id}", str(record_id))
    answer = client.get(url, params=WHY, headers=who.headers)
    if url.endswith("/edit"):  # a received record is the provider's: its form is refused
        refused = answer.status_code == 403 and "received from MK" in answer.text
        return [] if refused else [f"{url} ({code}) -> {answer.status_code}, not refused"]
    if answer.status_code != 200:
        return [f"{url} ({code}) -> {answer.status_code}"]
    if url.startswith("/api/"):
        prov = answer.json().get("provenance") or {}
        ok = (
            prov.get("handling_code") == code
            and prov.get("provider") == "MK"
            and prov.get("grades") == "".join(GRADES[code])
            and NOTICE[code] in prov.get("notice", "")
            and prov.get("received_at")
        )
        return [] if ok else [f"{url} ({code}): provenance {prov!r}"]
    body = answer.text
    wanted = [f"marking marking-{code.lower()}", NOTICE[code], "Received from North Macedonia · "]
    return [f"{url} ({code}): no {w!r}" for w in wanted if w not in body]


def _record_checks(client, who, path: str, records) -> list[str]:
    problems = []
    if path.startswith("/api/{slug}"):
        urls = [(path.replace("{slug}", s), API_SLUG[s]) for s in API_SLUG]
    elif "{slug}" in path:
        urls = [(path.replace("{slug}", s), PAGE_SLUG[s]) for s in PAGE_SLUG]
    else:
        urls = [(path, "firearm")]
    for url, record_type in urls:
        if record_type not in TYPES:
            continue  # no foreign record of this type in the fixture
        if url.endswith("/edit") and record_type not in ("person", "firearm"):
            continue  # the edit form is one template: two types show it is marked
        for code in CODES:
            rid = records.ids[(code, record_type)]
            problems += _check_record(client, who, url, record_type, rid, code)
    return problems


def _list_checks(client, who, path: str, records) -> list[str]:
    problems = []
    if path == "/api/{slug}":
        for record_type in TYPES:
            url = f"/api/{SLUGS[record_type]}"
            answer = client.get(url, params={**WHY, "limit": 200}, headers=who.headers)
            items = {i["id"]: i for i in answer.json()["items"]}
            for code in CODES:
                item = items.get(records.ids[(code, record_type)])
                prov = (item or {}).get("provenance") or {}
                if prov.get("handling_code") != code:
                    problems.append(f"{url} ({code}): item {item and item.get('id')} {prov!r}")
        return problems
    if path == "/api/firearm-serials":
        for code in CODES:
            pattern = markers(code)["serial_raw"]
            answer = client.get(path, params={"pattern": pattern}, headers=who.headers)
            hits = [h for h in answer.json() if h["id"] == records.ids[(code, "firearm")]]
            if not hits or (hits[0].get("provenance") or {}).get("handling_code") != code:
                problems.append(f"{path} ({code}): {answer.json()!r}")
        return problems
    if path == "/records/{slug}":
        for url in [f"/records/{PAGE_TYPES[t][0]}" for t in TYPES]:
            body = client.get(url, params=WHY, headers=who.headers).text
            problems += [f"{url}: no {_badge(c)!r}" for c in CODES if _badge(c) not in body]
        return problems
    if path == "/search":
        for code in CODES:
            m = markers(code)
            for q in (m["family_name"], m["serial_raw"], m["plate_raw"], m["number_raw"]):
                answer = client.get(path, params={**WHY, "q": q}, headers=who.headers)
                if _badge(code) not in answer.text:
                    problems.append(f"/search?q={q}: no {_badge(code)!r}")
        return problems
    if path == "/":
        body = client.get("/", headers=who.headers).text
        return [f"dashboard: no {_badge(c)!r}" for c in CODES if _badge(c) not in body]
    return [f"{path}: a LIST route this test does not know how to check"]


def _urls(path: str, session) -> list[str]:
    values = {"fmt": ["xlsx", "pdf"], "token": ["0" * 32], "seq": ["1"]}
    names = re.findall(r"{(\w+)}", path)
    if not names:
        return [path]
    urls = [path]
    for name in names:
        urls = [u.replace("{" + name + "}", v) for u in urls for v in values.get(name, ["1"])]
    return urls


def test_handling_codes_on_every_route(app, client, session, world, foreign) -> None:
    records, files = foreign
    h2_values = _foreign_values("H2")
    problems: list[str] = []
    checked: dict[str, int] = {}
    seen: set[str] = set()
    for route in iter_routes(app):
        if route.path in FRAMEWORK_PATHS or "GET" not in (getattr(route, "methods", None) or ()):
            continue
        path = _generic(route.path)
        kind = GET_ROUTES[path]
        if path in seen:
            continue  # the record types' API routes are checked once, through their template
        seen.add(path)
        who = _persona(world, route_permission(route) or "public")
        headers = who.headers if who else {}
        checked[kind] = checked.get(kind, 0) + 1
        if kind == RECORD:
            problems += _record_checks(client, who, path, records)
        elif kind == LIST:
            problems += _list_checks(client, who, path, records)
        elif kind == DOWNLOAD:
            refused = client.get(f"/attachments/{files['H2']}", headers=headers)
            if refused.status_code != 403 or "H2" not in refused.text:
                problems.append(f"H2 attachment -> {refused.status_code} {refused.text[:200]}")
            served = client.get(f"/attachments/{files['H1']}", headers=headers)
            if served.status_code != 200 or markers("H1")["serial_raw"] not in served.text:
                problems.append(f"H1 attachment -> {served.status_code}")
        elif kind in (EXPORT, NONE, PART):
            for url in _urls(route.path, session):
                answer = client.get(url, params=WHY, headers=headers)
                if answer.status_code >= 500:
                    problems.append(f"{url} -> {answer.status_code}")
                    continue
                text = _text(answer) if answer.status_code == 200 else answer.text
                shown = [v for v in (h2_values if kind != NONE else _foreign_values()) if v in text]
                if shown:
                    problems.append(f"{url} ({kind}) shows {shown}")
    assert not problems, "\n".join(problems)
    assert checked.get(EXPORT, 0) >= 3 and checked.get(RECORD, 0) >= 4 and checked.get(LIST) >= 5


def test_the_marking_is_translated(client, session, world, foreign) -> None:
    records, _files = foreign
    who = world.personas["analyst"]
    account = session.get(User, who.id)
    url = f"/records/persons/{records.ids[('H1', 'person')]}"
    for lang, words in (
        ("mk", "не смее да се користи во судска постапка"),
        ("sq", "nuk përdoret në procedura gjyqësore"),
        ("sr", "ne sme da se koristi u sudskom postupku"),
    ):
        account.language = lang
        session.flush()
        body = client.get(url, params=WHY, headers=who.headers).text
        provider = Formatter(lang).enum("jurisdictions", "MK")  # the service by its name
        assert provider != "North Macedonia", lang
        assert words in body and f"{provider} · B2" in body, lang


def test_openapi_documents_the_provenance_object(app) -> None:
    schemas = app.openapi()["components"]["schemas"]
    fields = set(schemas["ProvenanceOut"]["properties"])
    assert {"provider", "handling_code", "restriction", "grades", "received_at", "notice"} <= fields
    for name in ("PersonOut", "FirearmOut", "CaseOut", "SerialHit", "StoredCategory"):
        ref = schemas[name]["properties"]["provenance"]["anyOf"][0]["$ref"]
        assert ref.endswith("/ProvenanceOut"), name
