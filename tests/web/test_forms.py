"""Forms that guide: only the allowed status steps; a refusal keeps the input, says what to do."""

from __future__ import annotations

import re
from datetime import date

import pytest

from armsbridge.records.labels import TYPES
from armsbridge.records.validation import type_fields

from .conftest import csrf_of


def _options(html: str, select_id: str) -> list[str]:
    block = html.split(f'id="{select_id}"')[1].split("</select>")[0]
    return [v for v in re.findall(r'<option value="([^"]*)"', block) if v]


def _move(client, case_url: str, page: str, **data: str):
    return client.post(
        f"{case_url}/status",
        data={"csrf_token": csrf_of(page), **data},
        follow_redirects=False,
    )


def test_the_status_form_offers_only_the_steps_allowed_from_the_current_status(node, analyst):
    url = f"/records/cases/{node.ids['case']}"
    page = analyst.get(url).text
    assert _options(page, "st") == [
        "under_investigation",
        "referred_to_prosecution",
        "indicted",
        "convicted",
        "acquitted",
        "dismissed",
    ]
    moved = _move(
        analyst, url, page, status="indicted", changed_on="05.03.2026", from_status="reported"
    )
    assert moved.status_code == 303
    page = analyst.get(url).text
    assert _options(page, "st") == ["convicted", "acquitted", "dismissed"]
    assert "Reported" not in page.split('id="st"')[1].split("</select>")[0]
    _move(analyst, url, page, status="convicted", changed_on="06.03.2026", from_status="indicted")
    page = analyst.get(url).text
    assert 'id="st"' not in page
    assert "its status cannot change" in page


def test_a_stale_status_form_is_shown_again_with_the_input_and_what_happened(node, analyst):
    url = f"/records/cases/{node.ids['case']}"
    stale = analyst.get(url).text  # drawn while the case is reported
    other = _move(
        analyst, url, stale, status="indicted", changed_on="05.03.2026", from_status="reported"
    )
    assert other.status_code == 303  # another writer moves it first
    answer = _move(
        analyst,
        url,
        stale,
        status="under_investigation",
        changed_on="06.03.2026",
        court_reference="K-77/26",
        note="hearing set",
        from_status="reported",
    )
    assert answer.status_code == 409
    assert "moved from Reported to Indicted" in answer.text
    assert "Under investigation can no longer follow Indicted" in answer.text
    assert 'value="06.03.2026"' in answer.text
    assert 'value="K-77/26"' in answer.text and 'value="hearing set"' in answer.text
    assert _options(answer.text, "st") == ["convicted", "acquitted", "dismissed"]
    again = _move(
        analyst,
        url,
        answer.text,
        status="convicted",
        changed_on="06.03.2026",
        from_status="indicted",
    )
    assert again.status_code == 303


def test_a_status_date_before_the_last_step_keeps_the_input_and_names_the_problem(node, analyst):
    url = f"/records/cases/{node.ids['case']}"
    page = analyst.get(url).text
    _move(
        analyst,
        url,
        page,
        status="under_investigation",
        changed_on="05.03.2026",
        from_status="reported",
    )
    page = analyst.get(url).text
    answer = _move(
        analyst,
        url,
        page,
        status="indicted",
        changed_on="04.03.2026",
        from_status="under_investigation",
    )
    assert answer.status_code == 409
    error = answer.text.split('id="st-on-error"')[1].split("</div>")[0]
    assert "You entered “04.03.2026”" in error
    assert "a date from 2026-03-05 on (the last status change)" in error
    assert "autofocus" in answer.text.split('id="st-on"')[1].split(">")[0]
    assert "Nothing was recorded" in answer.text
    assert 'value="04.03.2026"' in answer.text
    assert '<option value="indicted" selected>' in answer.text


def test_a_status_date_that_is_not_a_date_is_marked_at_the_field_with_focus(node, analyst):
    url = f"/records/cases/{node.ids['case']}"
    page = analyst.get(url).text
    answer = _move(
        analyst, url, page, status="indicted", changed_on="31.02.2026", from_status="reported"
    )
    assert answer.status_code == 422
    field = answer.text.split('id="st-on"')[1].split(">")[0]
    assert 'aria-invalid="true"' in field and "autofocus" in field
    assert "a real calendar date" in answer.text
    assert "You entered “31.02.2026”" in answer.text


def _bad_and_kept(record_type: str) -> tuple[str, str, str, str]:
    """A field given a value it cannot take, and a text field given a good one."""
    fields = type_fields(record_type)
    typed = [n for n, s in fields.items() if s.get("type") in ("int", "float", "date")]
    if typed:
        bad = typed[0]
        bad_value = "31.02.2026" if fields[bad]["type"] == "date" else "abc"
    else:  # only texts and choices: a text too long for its field
        bad, spec = next((n, s) for n, s in fields.items() if s.get("max_length", 999) < 50)
        bad_value = "9" * (spec["max_length"] + 1)
    kept = next(
        n
        for n, s in fields.items()
        if s.get("type", "text") == "text" and n not in ("external_ref", "source_ref", bad)
    )
    return bad, bad_value, kept, "Kept – Ќ 1"


def _check_kept(answer, bad: str, bad_value: str, kept: str, kept_value: str) -> None:
    assert answer.status_code == 422
    html = answer.text
    summary = html.split('class="notice error error-summary"')[1].split("</div>")[0]
    assert f'href="#f-{bad}"' in summary
    tag = html.split(f'id="f-{bad}"')[1].split(">")[0]
    assert 'aria-invalid="true"' in tag
    first_invalid = re.search(r"<(input|select|textarea)[^>]*aria-invalid[^>]*>", html).group(0)
    assert "autofocus" in first_invalid and html.count("autofocus") == 1
    assert f"You entered “{bad_value}”." in html.split(f'id="e-{bad}"')[1][:300]
    assert kept_value in html.split(f'id="f-{kept}"')[1][:400]


@pytest.mark.parametrize("record_type", list(TYPES))
def test_a_new_record_form_with_an_error_keeps_the_input_and_says_what_to_do(analyst, record_type):
    bad, bad_value, kept, kept_value = _bad_and_kept(record_type)
    slug = TYPES[record_type][0]
    form = analyst.get(f"/records/{slug}/new")
    answer = analyst.post(
        f"/records/{slug}/new",
        data={bad: bad_value, kept: kept_value, "csrf_token": csrf_of(form.text)},
    )
    _check_kept(answer, bad, bad_value, kept, kept_value)


@pytest.mark.parametrize("record_type", ["case", "event", "person", "firearm", "vehicle", "phone"])
def test_an_edit_form_with_an_error_keeps_the_input_and_says_what_to_do(node, analyst, record_type):
    bad, bad_value, kept, kept_value = _bad_and_kept(record_type)
    url = f"/records/{TYPES[record_type][0]}/{node.ids[record_type]}/edit"
    edit = analyst.get(url)
    answer = analyst.post(
        url, data={bad: bad_value, kept: kept_value, "csrf_token": csrf_of(edit.text)}
    )
    _check_kept(answer, bad, bad_value, kept, kept_value)


def test_the_new_record_form_offers_only_the_users_own_jurisdiction(analyst):
    form = analyst.get("/records/cases/new").text
    assert _options(form, "f-jurisdiction") == ["XK"]


def test_a_posted_other_jurisdiction_is_refused_at_its_field_not_replaced(node, analyst):
    form = analyst.get("/records/cases/new")
    answer = analyst.post(
        "/records/cases/new",
        data={
            "jurisdiction": "MK",
            "reference": "MK-FORGED-1",
            "kind": "trafficking",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert answer.status_code == 422
    error = answer.text.split('id="e-jurisdiction"')[1].split("</div>")[0]
    assert "You entered “MK”" in error and "Kosovo (the jurisdiction you write for)" in error
    assert 'value="MK-FORGED-1"' in answer.text
    listed = analyst.get("/records/cases").text
    assert "MK-FORGED-1" not in listed


def test_an_edit_cannot_move_a_record_to_another_jurisdiction(node, analyst):
    url = f"/records/vehicles/{node.ids['vehicle']}/edit"
    edit = analyst.get(url)
    assert 'name="jurisdiction"' not in edit.text
    answer = analyst.post(
        url,
        data={"jurisdiction": "MK", "make": "Golf", "csrf_token": csrf_of(edit.text)},
    )
    assert answer.status_code == 422
    assert "Kosovo (the jurisdiction you write for)" in answer.text
    assert "Kosovo" in analyst.get(f"/records/vehicles/{node.ids['vehicle']}").text


def _new_person(analyst, birth_date: str):
    form = analyst.get("/records/persons/new")
    return analyst.post(
        "/records/persons/new",
        data={
            "given_name": "Arben",
            "family_name": "Krasniqi",
            "birth_date": birth_date,
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )


def test_a_birth_date_in_2091_is_refused_naming_the_field_and_the_latest_date(analyst):
    today = date.today().isoformat()
    answer = _new_person(analyst, "14.03.2091")
    assert answer.status_code == 422
    summary = answer.text.split("error-summary")[1].split("</div>")[0]
    assert '<a href="#f-birth_date">Date of birth</a>' in summary
    assert f"a date no later than {today} (today)" in summary
    error = answer.text.split('id="e-birth_date"')[1].split("</div>")[0]
    assert "You entered “14.03.2091”" in error and today in error
    assert 'value="Arben"' in answer.text


def test_a_birth_date_of_today_is_allowed(analyst):
    answer = _new_person(analyst, date.today().strftime("%d.%m.%Y"))
    assert answer.status_code == 303


def test_date_fields_say_their_bounds_before_anything_is_typed(analyst):
    form = analyst.get("/records/persons/new").text
    hint = form.split('id="h-birth_date"')[1].split("</div>")[0]
    assert "from 1900-01-01" in hint
    assert f"no later than today ({date.today().isoformat()})" in hint
    event = analyst.get("/records/events/new").text
    assert "no later than today" in event.split('id="h-occurred_on"')[1].split("</div>")[0]
    case = analyst.get("/records/cases/new").text
    assert "no later than" not in case.split('id="h-retention_review_on"')[1].split("</div>")[0]


def test_a_case_edit_form_leaves_the_status_to_the_status_form(node, analyst):
    url = f"/records/cases/{node.ids['case']}"
    edit = analyst.get(f"{url}/edit")
    assert 'name="status"' not in edit.text
    changed = analyst.post(
        f"{url}/edit",
        data={
            "reference": "XK-2026-001",
            "kind": "trafficking",
            "status": "indicted",
            "csrf_token": csrf_of(edit.text),
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert _options(analyst.get(url).text, "st")[0] == "under_investigation"  # still reported


def test_a_form_says_what_it_expects_in_the_users_language(analyst):
    page = analyst.get("/account")
    analyst.post(
        "/language", data={"language": "mk", "next": "/", "csrf_token": csrf_of(page.text)}
    )
    answer = _new_person(analyst, "2091")
    assert answer.status_code == 422
    error = answer.text.split('id="e-birth_date"')[1].split("</div>")[0]
    assert "Внесовте “2091”." in error
    assert f"датум не подоцна од {date.today().isoformat()} (денес)" in error
    assert "Ништо не е зачувано" in answer.text


def test_a_stale_form_whose_step_still_fits_keeps_it_and_says_why_it_was_refused(node, analyst):
    url = f"/records/cases/{node.ids['case']}"
    stale = analyst.get(url).text
    _move(analyst, url, stale, status="under_investigation", changed_on="10.03.2026")
    answer = _move(
        analyst,
        url,
        stale,
        status="referred_to_prosecution",
        changed_on="06.03.2026",
        from_status="reported",
    )
    assert answer.status_code == 409
    assert "moved from Reported to Under investigation" in answer.text
    error = answer.text.split('id="st-on-error"')[1].split("</div>")[0]
    assert "a date from 2026-03-10 on (the last status change)" in error
    assert '<option value="referred_to_prosecution" selected>' in answer.text
