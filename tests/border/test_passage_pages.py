"""The "Border passages" page: upload a passages file, see every bad row, nothing half-stored."""

from __future__ import annotations

from sqlalchemy import func, select

from armsbridge.border.models import Passage
from armsbridge.border.passages import FILE_COLUMNS

HEADER = ",".join(FILE_COLUMNS)
GOOD = [
    "HANI-ELEZIT-BLACE,2025-03-04 23:10,entry,van,DE,1,18-25,1,1,9,1,1,XK",
    "HANI-ELEZIT-BLACE,2025-03-05 12:00,exit,car,XK,2,36-50,0,0,0,0,0,XK",
    "JAZHINCE-JAZINCE,2025-03-06T04:30+01:00,,foot,,,,,0,,1,0,XK",
]


def _csv(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def _count(session) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(Passage))


def _post(client, headers, content: bytes, name: str = "blace.csv", **form):  # noqa: ANN001, ANN202
    files = {"file": (name, content, "text/csv")}
    return client.post("/border/passages", files=files, data=form, headers=headers)


def test_an_analyst_checks_then_imports_a_file_once(client, session, token) -> None:
    analyst = token("analyst")
    form = client.get("/border/passages", headers=analyst)
    assert form.status_code == 200 and 'id="passages-form"' in form.text
    assert "crossings_30d" in form.text  # the columns a file has are listed
    before = _count(session)
    checked = _post(client, analyst, _csv(GOOD), dry_run="1")
    assert checked.status_code == 200 and "3 passages checked" in checked.text
    assert _count(session) == before
    done = _post(client, analyst, _csv(GOOD))
    assert done.status_code == 200 and "3 passages imported, 1 with weapons found" in done.text
    assert 'id="passages-by-crossing"' in done.text and "JAZHINCE-JAZINCE" in done.text
    assert _count(session) == before + 3
    again = _post(client, analyst, _csv(GOOD))
    assert "was already imported" in again.text and _count(session) == before + 3


def test_a_bad_row_names_row_column_value_and_stores_nothing(client, session, token) -> None:
    analyst = token("analyst")
    before = _count(session)
    bad = [*GOOD, "HANI-ELEZIT-BLACE,2025-13-40 10:00,entry,tank,DE,1,18-25,1,1,9,0,1,XK"]
    page = _post(client, analyst, _csv(bad))
    assert page.status_code == 422 and 'id="passages-error"' in page.text
    assert "nothing was imported" in page.text
    assert "<code>vehicle</code> = <code>tank</code>" in page.text
    assert "2025-13-40 10:00" in page.text
    assert _count(session) == before


def test_other_files_and_other_users_are_refused(client, session, token) -> None:
    analyst = token("analyst")
    assert _post(client, analyst, b"", name="empty.csv").status_code == 422
    wrong = _post(client, analyst, b"%PDF-1.4", name="passages.pdf")
    assert wrong.status_code == 422 and "CSV or XLSX" in wrong.text
    missing = _post(client, analyst, b"crossing,passed_at\nHANI-ELEZIT-BLACE,2025-03-04\n")
    assert missing.status_code == 422 and "are missing" in missing.text
    mk = _post(client, token("analyst", "MK"), _csv(GOOD))
    assert mk.status_code == 422 and "own service" in mk.text
    assert client.get("/border/passages", headers=token("border_officer")).status_code == 403
    before = _count(session)
    assert _post(client, token("investigator"), _csv(GOOD)).status_code == 403
    assert _count(session) == before


def test_the_profiles_page_links_to_the_import_for_those_who_may(client, token) -> None:
    assert 'id="passages-link"' in client.get("/profiles", headers=token("analyst")).text


def test_a_broken_workbook_gets_a_clear_answer_and_stores_nothing(client, session, token) -> None:
    analyst = token("analyst")
    before = _count(session)
    broken = _post(client, analyst, b"PK\x03\x04 not a workbook", name="blace.xlsx")
    assert broken.status_code == 422 and 'id="passages-error"' in broken.text
    assert "Traceback" not in broken.text
    assert _count(session) == before
