"""Joint patrol pages: the overview and plan form, a refused plan shown again with the input, one
patrol with its report form, in the user's language and closed to roles without the actions."""

from __future__ import annotations

import re

from sqlalchemy import select
from test_operation_pages import _accepted

from armsbridge.auth.models import User

BLACE = "HANI-ELEZIT-BLACE"


def _plan(op_id: str, **change: str) -> dict[str, str]:
    return {
        "op_id": op_id,
        "place": BLACE,
        "starts_at": "2023-05-12T20:00",
        "ends_at": "2023-05-13T04:00",
        "officers_XK": "Arben Krasniqi",
        "officers_MK": "Марко Петровски",
        "basis": "night crossings",
        **change,
    }


def test_plan_a_patrol_then_report_it_from_the_pages(client, session, token, xk) -> None:  # noqa: ANN001
    analyst = token("analyst")
    _case, terms, url = _accepted(client, session, xk, analyst, n=7, code="JP-1", handling="H1")
    op_id = terms["op_id"]
    html = client.get(url, headers=analyst).text
    assert f'href="/patrols?op_id={op_id}#plan"' in html
    # The address fills the form, so a risk profile can link to a plan.
    html = client.get(f"/patrols?op_id={op_id}&place={BLACE}&basis=from+the+risk", headers=analyst)
    assert 'id="plan-form"' in html.text and "from the risk" in html.text
    assert f'<option value="{BLACE}" selected>' in html.text
    refused = client.post("/patrols", headers=analyst, data=_plan(op_id, ends_at="2023-05-12T19"))
    assert refused.status_code == 422 and 'id="plan-error"' in refused.text
    assert "Arben Krasniqi" in refused.text and "<code>ends_at</code>" in refused.text
    planned = client.post("/patrols", headers=analyst, data=_plan(op_id), follow_redirects=False)
    assert planned.status_code == 303
    patrol_url = planned.headers["location"]
    page = client.get(patrol_url, headers=analyst).text
    assert "Марко Петровски" in page and 'id="report-form"' in page and "No report yet." in page
    bad = {"persons_checked": "3", "hits": "9"}
    refused = client.post(f"{patrol_url}/report", headers=analyst, data=bad)
    assert refused.status_code == 422 and 'id="report-error"' in refused.text
    assert 'name="hits" value="9"' in refused.text  # the input is kept
    good = {"persons_checked": "30", "vehicles_checked": "12", "hits": "2", "route": "Blace loop"}
    client.post(f"{patrol_url}/report", headers=analyst, data=good)
    page = client.get(patrol_url, headers=analyst).text
    assert 'id="report-XK"' in page and "Blace loop" in page and "replaces our report" in page
    overview = client.get("/patrols", headers=analyst).text
    results = overview.split('id="patrol-results"')[1].split("</table>")[0]
    assert "Đeneral Janković" in results and ">30<" in results and ">2<" in results
    timeline = client.get(url, headers=analyst).text.split('id="operation-timeline"')[1]
    assert "Reported a joint patrol" in timeline and "Planned a joint patrol" in timeline
    client.post(f"{patrol_url}/cancel", headers=analyst)
    page = client.get(patrol_url, headers=analyst).text
    assert 'id="patrol-status"' in page and 'id="report-form"' not in page


def test_patrol_pages_speak_the_users_language(client, session, token, xk) -> None:  # noqa: ANN001
    analyst = token("analyst")
    _case, terms, _url = _accepted(client, session, xk, analyst, n=8, code="JP-2", handling="H1")
    planned = client.post(
        "/patrols", headers=analyst, data=_plan(terms["op_id"]), follow_redirects=False
    )
    user = session.scalar(select(User).where(User.username == "analyst_xk"))
    for language, words, place in (
        ("mk", "Заеднички патроли", "Блаце"),
        ("sq", "Patrullime të përbashkëta", "Hani i Elezit"),
    ):
        user.language = language
        session.flush()
        page = client.get("/patrols", headers=analyst).text
        assert words in page and place in page, language
        assert place in client.get(planned.headers["location"], headers=analyst).text


def test_roles_without_the_operation_actions_cannot_see_or_plan(client, session, token, xk) -> None:  # noqa: ANN001
    analyst = token("analyst")
    _case, terms, _url = _accepted(client, session, xk, analyst, n=9, code="JP-3", handling="H1")
    planned = client.post(
        "/patrols", headers=analyst, data=_plan(terms["op_id"]), follow_redirects=False
    )
    auditor = token("auditor")
    assert client.get("/patrols", headers=auditor).status_code == 403
    assert client.get(planned.headers["location"], headers=auditor).status_code == 403
    refused = client.post("/patrols", headers=auditor, data=_plan(terms["op_id"]))
    assert refused.status_code == 403
    assert re.search(r"/patrols/[0-9a-f-]+/[0-9a-f-]+", planned.headers["location"])
