"""Every page a role can open, in every language: no English string left, no code shown.

Each role signs in and follows every same-origin GET link and GET form from the dashboard (one
page per route pattern), first in a pseudo-locale (every catalog string between ⟦ ⟧, see
pseudo.py): visible text outside the markers that is not data of the store is a string that
misses the catalog. Then the same pages in sq, mk and sr: visible text equal to an English
msgid whose translation differs is a string translated at runtime but not through the catalog.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import yaml
from babel import Locale
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from armsbridge.analysis.map_data import reference_crossings
from armsbridge.auth import service as auth_service
from armsbridge.auth.models import User
from armsbridge.border.passages import FILE_COLUMNS
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.imports.profile import find_profile
from armsbridge.monitoring.models import Capture
from armsbridge.names.places import gazetteer
from armsbridge.records import service as records
from armsbridge.web import i18n
from armsbridge.web.templating import LANGUAGE_COOKIE
from patrol_seed import seed_patrol
from principals import as_actor
from profile_world import seed_profiles

from .conftest import PASSWORD, csrf_of
from .crawl import QUERY, WHY, crawl, route_pattern, sign_in_as
from .pseudo import catalog_ids, english_left, pseudo_translations, store_strings, unmarked
from .test_captures import seed_capture
from .test_match_review import queued  # noqa: F401 - match suggestions to review
from .test_notifications import _seed_exchange
from .test_review_queue import capture_words, seed_reviews

PROFILES_DIR = find_profile("xk-cases").parent
PSEUDO = "sq"  # the pseudo catalog stands in for this language's during the first crawl
CLIENT = "testclient"  # the address the audit log records for the test client
ROLES = (
    "analyst",
    "investigator",
    "cyber_officer",
    "border_officer",
    "auditor",
    "dpo",
    "programme_officer",
    "administrator",
)
ERROR_PAGES = ("/no-such-page", "/records/cases/999999")
# Not data, not catalog strings: the language menu names each language in its own words, the
# product's name.
PROPER_NAMES = ["Shqip", "Македонски", "Srpski", "English", "armsbridge"]
# Hot-spot cells are named by their INSPIRE grid identifier (1kmE5252N2183), the same everywhere.
GRID_CELL = re.compile(r"^\d+k?mE\d+N\d+$")


def _gazetteer_words() -> list[str]:
    """Labels of the gazetteer's crossing points (names/places.yaml): reference data the node
    ships, shown on the map as written, like other data."""
    names = [c[lang] for c in gazetteer()["crossings"] for lang in ("sq", "sr", "mk")]
    return [point.label for point in reference_crossings()] + names


def _crawl_words(node: Any) -> list[str]:
    """Words the crawl itself brings to the pages: what it types, names and captures."""
    return [
        WHY,
        QUERY,
        CLIENT,
        node.settings.node_name,
        *PROPER_NAMES,
        *_profile_words(),
        *capture_words(node),
    ]


def _score_words(node: Any) -> list[str]:
    """The words that drove each capture's triage score, cut from its text: data, even where
    one is also a code (telegram), so they are added after store_strings."""
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        details = [row.details or {} for row in s.scalars(select(Capture))]
    return [str(w) for d in details for w in (d.get("triage") or {}).get("words", [])]


def _file_columns() -> list[str]:
    """The column names of a passages file, shown so that a file's header is written as they
    are (data, added after store_strings, which never counts a record type such as "vehicle")."""
    return list(FILE_COLUMNS)


def _profile_words() -> list[str]:
    """Names of the import profiles: file names a service writes itself, shown as written.

    The shipped profiles' descriptions are translated (a profile a service adds is shown as
    it wrote it)."""
    words = []
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        profile = yaml.safe_load(path.read_text(encoding="utf-8"))
        words.append(str(profile.get("name", "")))
    return words


# Pages (a route pattern, or its start before "/" or "?") and strings still to translate; empty
# now: every page a role can open is translated.
PENDING: set[str] = set()


def _seed_more(factory: Any, ids: dict[str, int]) -> None:
    """Records of the kinds the node fixture lacks, linked, so every record page has content."""
    with session_scope(factory) as s:

        def make(record_type: str, **data: Any) -> Any:
            return records.create_record(
                s, record_type=record_type, data=data, user=as_actor("seed")
            )

        place = make("place", jurisdiction="XK", name="Hani i Elezit", kind="border_crossing")
        org = make("organisation", jurisdiction="XK", name="Grupi Jugor", kind="criminal_group")
        account = make("online_account", jurisdiction="XK", platform="telegram", handle="@armet")
        ammo = make("ammunition", jurisdiction="XK", calibre="9 mm P.A.K.", quantity=50)
        make("explosive", jurisdiction="XK", kind="hand_grenade", quantity=2)
        make("component", jurisdiction="XK", kind="barrel", fits_make="Zoraki")
        s.flush()
        for kind, from_type, from_id, to_type, to_id in [
            ("found_at", "firearm", ids["firearm"], "place", place.id),
            ("member_of", "person", ids["person"], "organisation", org.id),
            ("user_of", "person", ids["person"], "online_account", account.id),
            ("part_of", "ammunition", ammo.id, "case", ids["case"]),
            ("associate_of", "person", ids["person"], "person", ids["other"]),
        ]:
            records.link_records(
                s,
                kind=kind,
                from_type=from_type,
                from_id=from_id,
                to_type=to_type,
                to_id=to_id,
                user=as_actor("seed"),
            )


def _users(factory: Any) -> dict[str, str | None]:
    """Create one user of each role the node fixture lacks; return {role: TOTP secret}."""
    secrets: dict[str, str | None] = {}
    with session_scope(factory) as s:
        for role in ("investigator", "cyber_officer", "auditor", "dpo", "administrator"):
            made = auth_service.create_user(
                s, username=role, password=PASSWORD, role=role, jurisdiction="XK"
            )
            uri = getattr(made, "provisioning_uri", None) or ""
            found = re.search(r"secret=([A-Z2-7]+)", uri)
            secrets[role] = found.group(1) if found else None
        s.execute(update(User).values(language=PSEUDO))
    return secrets


def _locale_words(language: str) -> list[str]:
    """Month, day and country names of a language's Babel locale (dates, countries)."""
    locale = Locale.parse(i18n.LANGUAGES[language][0])
    words: set[str] = set()
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in context.values():
                words.update(width.values())
    words.update(locale.territories.values())
    for period in locale.day_periods.values():
        for width in period.values():
            words.update(width.values())
    return sorted(words, key=len, reverse=True)


# Forms posted with values a service refuses: the form comes back with what to correct.
REFUSED_FORMS = (
    ("/records/cases/new", {"reference": "", "kind": "nonsense", "opened_on": "31.02.2026"}),
    ("/records/persons/new", {"given_name": "Ana", "birth_date": "14.03.2091", "sex": "Q"}),
    ("/records/firearms/new", {"make": "Zoraki", "year_of_manufacture": "soon"}),
    ("/records/events/new", {"kind": "seizure", "occurred_on": "yesterday"}),
)


# A file to import with a row the import refuses (31 February): its preview page.
IMPORT_FILE = (
    "NR_RASTIT;LLOJI_RASTIT;TITULLI;STATUSI;DATA_STATUSIT;DATA_HAPJES;NR_LENDES_GJYKATA;"
    "KODI_TRAJTIMIT;KUFIZIMI\n"
    "XK-2026-101;Trafikim i armëve;Zoraki 914 në autobus;Në hetim;20.03.2026;14.03.2026;;H0;\n"
    "XK-2026-102;Trafikim i armëve;Data e gabuar;Raportuar;31.03.2026;31.02.2026;;H0;\n"
)


IMPORT_NAME = "cases.csv"


def _typed() -> list[str]:
    """What REFUSED_FORMS and IMPORT_FILE type in: data, shown back as typed."""
    cells = [c for line in IMPORT_FILE.splitlines() for c in line.split(";") if c]
    typed = [str(v) for _url, values in REFUSED_FORMS for v in values.values() if v]
    return [*typed, *cells, IMPORT_NAME, *(q for q, _why in BORDER_CHECKS if q)]


# What a border officer checks at the crossing: known, unknown, and a refused check.
BORDER_CHECKS = (("01-234-AB", WHY), ("Xhafer Bajrami", WHY), ("99-999-ZZ", WHY), ("", ""))


def _border_checks(client: TestClient) -> Iterator[tuple[str, str]]:
    """Yield (pattern, html) of the check page's answer to each of BORDER_CHECKS."""
    for q, why in BORDER_CHECKS:
        form = client.get("/check")
        answer = client.post("/check", data={"q": q, "why": why, "csrf_token": csrf_of(form.text)})
        assert answer.status_code in (200, 422), (q, answer.status_code)
        yield f"POST /check {q or '(empty)'}", answer.text


def _import_preview(client: TestClient) -> tuple[str, str]:
    """Upload IMPORT_FILE and return ("import preview", its preview page)."""
    start = client.get("/imports")
    upload = client.post(
        "/imports",
        data={"profile": "xk-cases", "csrf_token": csrf_of(start.text)},
        files={"file": (IMPORT_NAME, IMPORT_FILE.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert upload.status_code == 303, upload.text
    return "/imports/{id} (preview)", client.get(upload.headers["location"]).text


def _refused_forms(client: TestClient, ids: dict[str, int]) -> Iterator[tuple[str, str]]:
    """Yield (pattern, html) of each form of REFUSED_FORMS posted and refused, then of a case's
    status step and a link the records service refuses."""
    for url, values in REFUSED_FORMS:
        form = client.get(url)
        answer = client.post(url, data={**values, "csrf_token": csrf_of(form.text)})
        assert answer.status_code == 422, (url, answer.status_code)
        yield f"POST {url}", answer.text
    case = f"/records/cases/{ids['case']}"
    token = csrf_of(client.get(f"{case}?why={WHY}").text)
    for url, values in [
        (f"{case}/status", {"status": "convicted", "changed_on": "01.01.2020"}),
        (
            f"{case}/status",
            {"status": "indicted", "changed_on": "01.01.2020", "from_status": "indicted"},
        ),
        (f"{case}/links/new", {"to": "", "kind": "owner_of", "why": WHY}),
        (f"{case}/links/new", {"to": f"vehicle:{ids['vehicle']}", "kind": "nonsense", "why": WHY}),
    ]:
        answer = client.post(url, data={**values, "csrf_token": token}, follow_redirects=False)
        assert 400 <= answer.status_code < 500, (url, values, answer.status_code)
        yield f"POST {route_pattern(url)} {values.get('kind') or values.get('status')}", answer.text


def _pending(pattern: str, text: str = "") -> bool:
    """Whether a page (or one string of it) is listed in PENDING, or the string is a grid cell."""
    path = pattern.split(" ")[0]
    return (
        text in PENDING
        or bool(GRID_CELL.match(text))
        or any(
            path == p or path.startswith((p.rstrip("/") + "/", p + "?"))
            for p in PENDING
            if p != "/"
        )
        or ("/" in PENDING and path.split("?")[0] == "/")
    )


def _report(findings: dict[str, set[str]]) -> str:
    """One line per string: the string and the pages that show it."""
    pages: dict[str, list[str]] = defaultdict(list)
    for page, texts in findings.items():
        for text in texts:
            pages[text].append(page)
    lines = [
        f"{text!r} on {', '.join(sorted(where)[:3])}" + (f" (+{len(where) - 3})" * (len(where) > 3))
        for text, where in sorted(pages.items())
    ]
    return f"{len(lines)} untranslated strings:\n" + "\n".join(lines)


def test_every_page_of_every_role_is_in_the_users_language(node, monkeypatch, queued) -> None:  # noqa: F811
    factory = make_sessionmaker(node.app.state.engine)
    _seed_more(factory, node.ids)
    _seed_exchange(node)  # information requests asked and received, some overdue
    seed_capture(node)  # online evidence: an imported screenshot with its custody
    seed_reviews(node)  # the review queue: one offer waiting, one confirmed into the records
    seed_patrol(factory)  # a joint operation with a reported joint patrol
    seed_profiles(factory)  # a problem and a subject profile of a hand-made world
    secrets = _users(factory)
    usernames = {
        "analyst": "analyst",
        "border_officer": "border",
        "programme_officer": "officer",
        **{role: role for role in secrets},
    }
    real = i18n.translations
    pseudo = pseudo_translations(i18n.LANGUAGES[PSEUDO][0])
    active = {"pseudo": True}

    def translations(language: str) -> Any:
        return pseudo if active["pseudo"] and language == PSEUDO else real(language)

    monkeypatch.setattr(i18n, "translations", translations)
    data = (
        store_strings(
            node.app.state.engine,
            [*_crawl_words(node), *_gazetteer_words(), *_locale_words(PSEUDO), *_typed()],
        )
        + _file_columns()
        + _score_words(node)
    )
    findings: dict[str, set[str]] = defaultdict(set)
    with TestClient(node.app) as client:  # the sign-in page, before anyone signs in
        client.cookies.set(LANGUAGE_COOKIE, PSEUDO)
        for text in unmarked(client.get("/login").text, data):
            if not _pending("/login", text):
                findings["/login"].add(text)
    pages: dict[str, tuple[str, str]] = {}  # pattern -> (role, url) of the first visit
    counts: dict[str, int] = {}
    with ExitStack() as stack:
        clients = {role: stack.enter_context(TestClient(node.app)) for role in ROLES}
        for role, client in clients.items():
            sign_in_as(client, usernames[role], secrets.get(role))
            counts[role] = 0
            for pattern, url, html in crawl(client):
                counts[role] += 1
                pages.setdefault(pattern, (role, url))
                for text in unmarked(html, data):
                    if not _pending(pattern, text):
                        findings[pattern].add(text)
            if role == "analyst":
                for pattern, html in [*_refused_forms(client, node.ids), _import_preview(client)]:
                    for text in unmarked(html, data):
                        if not _pending(pattern, text):
                            findings[pattern].add(text)
            if role == "border_officer":
                for pattern, html in _border_checks(client):
                    for text in unmarked(html, data):
                        findings[pattern].add(text)
            for url in ERROR_PAGES:  # no link leads there: the error pages in the layout
                answer = client.get(url)
                assert answer.status_code in (403, 404), url  # 403: a role with no records
                pages.setdefault(url + " (error)", (role, url))
                for text in unmarked(answer.text, data):
                    findings[url + " (error)"].add(text)
        active["pseudo"] = False
        ids = catalog_ids()
        language_data = set(
            store_strings(
                node.app.state.engine,
                _crawl_words(node),
            )
        ) | set(_file_columns() + _score_words(node))
        for language in ("sq", "mk", "sr"):
            catalog = i18n.translations(language)
            english = {m: t for m in ids if (t := catalog.gettext(m)) != m}
            for client in clients.values():
                page = client.get("/")
                client.post(
                    "/language",
                    data={"language": language, "next": "/", "csrf_token": csrf_of(page.text)},
                )
            for pattern, (role, url) in pages.items():
                for text in english_left(clients[role].get(url).text, english, language_data):
                    if not _pending(pattern, text):
                        findings[f"{pattern} [{language}]"].add(text)
    assert not findings, _report(findings)
    assert all(n > 3 for n in counts.values()), counts


def test_a_list_export_has_headers_and_coded_values_in_the_users_language(node) -> None:
    with TestClient(node.app) as client:
        sign_in_as(client, "analyst", None)
        page = client.get("/")
        client.post(
            "/language", data={"language": "mk", "next": "/", "csrf_token": csrf_of(page.text)}
        )
        answer = client.get("/records/cases", params={"format": "csv"})
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] and all(re.search("[а-яА-Яѓќљњџѕј]", header) for header in rows[0]), rows[0]
    cells = {cell for row in rows[1:] for cell in row}
    assert "XK-2026-001" in cells  # what the user typed, as typed
    assert i18n.Formatter("mk").enum("case_kinds", "trafficking") in cells
    assert not cells & {"trafficking", "reported", "XK"}  # codes never show
