"""A refusal is said in the user's language, with what the user gave filled in as given.

Each error below is raised by a service as a catalog template with values; the page translates
the template, translates the values that are catalog labels (a role, a record type) and fills
in those the user typed.
"""

from __future__ import annotations

import html
import io
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import update

from armsbridge.auth.models import User
from armsbridge.db.session import make_sessionmaker, session_scope

from .conftest import csrf_of, sign_in


def _text(answer) -> str:
    """The page's text with its entities decoded (quotes around values are escaped in HTML)."""
    return " ".join(html.unescape(answer.text).split())


def _speaks(node, username: str, language: str) -> None:
    """Give the account `username` the UI language `language` (its choice, kept at sign-in)."""
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.execute(update(User).where(User.username == username).values(language=language))


def test_a_joint_operation_form_refusal_in_albanian_names_the_typed_case(node, analyst) -> None:
    _speaks(node, "analyst", "sq")
    page = analyst.get("/operations")
    answer = analyst.post(
        "/operations",
        data={
            "peer": "mk-node",
            "code": "OP-1",
            "title": "Hani i Elezit",
            "purpose": "joint seizure",
            "handling_code": "H1",
            "case_id": "rasti-7",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answer.status_code == 400
    assert "rasti 'rasti-7': zgjidhni një rast nga lista" in _text(answer)
    assert "choose a case from the list" not in answer.text


def test_an_unknown_joint_operation_in_macedonian(node, analyst) -> None:
    _speaks(node, "analyst", "mk")
    answer = analyst.get("/operations/op-that-is-not")
    assert answer.status_code == 404
    assert "нема заедничка операција 'op-that-is-not'; листата е на /operations" in _text(answer)


def test_a_record_form_refusal_in_macedonian_translates_the_role_and_the_record_type(node):
    _speaks(node, "border", "mk")
    with TestClient(node.app) as border:
        sign_in(border, "border")  # a border officer checks, but writes no cases
        answer = border.get("/records/cases/new")
    assert answer.status_code == 403
    text = _text(answer)
    assert "вашата улога (Граничен службеник) не може да гледа Предмети" in text
    assert "border_officer" not in answer.text and "may not see" not in text


def test_an_unknown_kind_of_record_in_albanian_keeps_the_typed_address(node, analyst) -> None:
    _speaks(node, "analyst", "sq")
    answer = analyst.get("/records/pistolat")
    assert answer.status_code == 404
    assert "nuk ka lloj të tillë regjistrimi: pistolat" in _text(answer)


def _workbook() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return data.getvalue()


def test_an_import_refusal_in_macedonian_names_the_file(node, analyst) -> None:
    _speaks(node, "analyst", "mk")
    start = analyst.get("/imports")
    upload = analyst.post(
        "/imports",
        data={"profile": "xk-cases", "csrf_token": csrf_of(start.text)},
        files={"file": ("rastet.csv", _workbook(), "text/csv")},
        follow_redirects=False,
    )
    preview = analyst.get(upload.headers["location"]) if upload.status_code == 303 else upload
    text = _text(preview)
    assert (
        "rastet.csv: ова е XLSX работна книга (ZIP-архива), не CSV-текст; именувајте ја .xlsx"
        in text
    ), text[-2000:]
    assert "not CSV text" not in text


def test_an_import_refusal_in_albanian_translates_the_nested_phrases(node, analyst) -> None:
    node.app.state.settings.import_max_columns = 3
    _speaks(node, "analyst", "sq")
    start = analyst.get("/imports")
    upload = analyst.post(
        "/imports",
        data={"profile": "xk-cases", "csrf_token": csrf_of(start.text)},
        files={"file": ("rastet.csv", b"a;b;c;d;e\n1;2;3;4;5\n", "text/csv")},
        follow_redirects=False,
    )
    preview = analyst.get(upload.headers["location"]) if upload.status_code == 303 else upload
    text = _text(preview)
    assert (
        "koka ka 5 kolona, mbi kufirin prej 3 (parametri ARMSBRIDGE_IMPORT_MAX_COLUMNS); "
        "eksportoni vetëm kolonat që lidh profili"
    ) in text, text[-2000:]
