"""The profile pages: generate from the forms, refused forms keep what was typed, save, PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from profile_world import CROSSING, build

WHY = "XK-PP-1: converted pistols at Blace"
FORM = {
    "title": "Blace spring",
    "start": "2025-03-01",
    "end": "2025-04-30",
    "crossing": CROSSING,
    "event_kinds": "seizure",
    "why": WHY,
}


def test_a_problem_profile_is_generated_saved_and_printed(client, session, token) -> None:
    w = build(session)
    headers = token("analyst")
    page = client.get("/profiles", params={"start": "2025-03-01"}, headers=headers)
    assert page.status_code == 200 and 'id="problem-form"' in page.text
    assert 'value="2025-03-01"' in page.text  # the form takes its values from the address
    made = client.post("/profiles/problem", data=FORM, headers=headers, follow_redirects=False)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    shown = client.get(url, headers=headers)
    assert shown.status_code == 200
    assert "Arben Hoxha" in shown.text and f"/records/events/{w.ids['e1']}" in shown.text
    assert "marking-h1" in shown.text
    saved = client.post(
        url,
        data={
            "summary": "Two converted pistols.",
            "handling_code": "H1",
            "source_grade": "B",
            "information_grade": "2",
        },
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Two converted pistols." in client.get(url, headers=headers).text
    weaker = client.post(url, data={"summary": "Kept text", "handling_code": "H0"}, headers=headers)
    assert weaker.status_code == 422 and "Kept text" in weaker.text
    assert 'id="edit-error"' in weaker.text
    pdf = client.get(url + "/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["x-handling-code"] == "H1"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Blace spring" in text and "Two converted pistols." in text


def test_a_refused_form_keeps_what_was_typed(client, session, token) -> None:
    headers = token("analyst")
    bad = client.post("/profiles/problem", data={**FORM, "start": "2025-02-30"}, headers=headers)
    assert bad.status_code == 422 and 'id="problem-error"' in bad.text
    assert 'value="Blace spring"' in bad.text
    subject = client.post(
        "/profiles/subject", data={"subject": "firearm:1", "why": WHY}, headers=headers
    )
    assert subject.status_code == 422 and 'id="subject-error"' in subject.text


def test_a_subject_profile_from_a_person(client, session, token) -> None:
    w = build(session)
    headers = token("analyst")
    made = client.post(
        "/profiles/subject",
        data={"subject": f"person:{w.ids['arben']}", "why": WHY},
        headers=headers,
        follow_redirects=False,
    )
    assert made.status_code == 303
    shown = client.get(made.headers["location"], headers=headers).text
    assert (
        "Drita Berisha" in shown
        and "01-123-AB" in shown
        and "received from North Macedonia" in shown
    )


def test_roles_without_profiles_are_refused(client, session, token) -> None:
    assert client.get("/profiles", headers=token("border_officer")).status_code == 403
    investigator = token("investigator")
    assert client.get("/profiles", headers=investigator).status_code == 200
    assert client.post("/profiles/problem", data=FORM, headers=investigator).status_code == 403
