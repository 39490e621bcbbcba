"""Match review in the browser: the queue, a decision by keyboard shortcut, undo, a phone's view."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.matching.models import MatchLink, MatchRun
from armsbridge.records import service as records
from armsbridge.records.models import Link
from principals import as_actor

from .conftest import assert_fits_phone, shot, sign_in

pytestmark = pytest.mark.browser
WHY = "XK case 2026/31: duplicates of a suspect"
EVIDENCE = [
    {"comparison": "name", "level": "same name key", "match_weight": 11.4, "agrees": True},
    {"comparison": "father_name", "level": "same key", "match_weight": 6.0, "agrees": True},
    {
        "comparison": "birth_date",
        "level": "same year, month unknown on one side",
        "match_weight": 4.9,
        "agrees": True,
    },
    {"comparison": "birth_place", "level": "different", "match_weight": -3.1, "agrees": False},
    {  # as service.scored_pairs stores the rule that found the pair
        "comparison": "blocking_rule",
        "level": "l.name_key = r.name_key",
        "match_weight": 0.0,
        "agrees": False,
        "blocking_rule": "l.name_key = r.name_key",
    },
]


def _store(node: dict[str, Any]) -> Any:
    return engine_from_settings(node["settings"])


@pytest.fixture(scope="module")
def suggestions(node: dict[str, Any]) -> dict[str, int]:
    """Three XK persons, one written in Cyrillic, and a store run suggesting two pairs of them."""
    engine = _store(node)
    try:
        with session_scope(make_sessionmaker(engine)) as s:

            def person(**data: str) -> int:
                data = {"jurisdiction": "XK", **data}
                return records.create_record(
                    s, record_type="person", data=data, user=as_actor("test")
                ).id

            latin = person(
                given_name="Besnik",
                family_name="Gashi",
                father_name="Ilir",
                birth_date="1984-05-12",
                birth_place="Prizren",
                script="Latn",
            )
            cyrillic = person(
                given_name="Бесник",
                family_name="Гаши",
                father_name="Илир",
                birth_date="1984",
                birth_place="Призрен",
                script="Cyrl",
            )
            third = person(given_name="Besnik", family_name="Gashaj", birth_date="1984")
            run = MatchRun(
                entity_type="person",
                model_version="browser",
                model={},
                seed=1,
                auto_accept_threshold=0.99,
                review_threshold=0.5,
                records=3,
                suggested=2,
            )
            s.add(run)
            s.flush()
            ids = {"latin": latin}
            pairs = (("close", latin, cyrillic, 0.973), ("far", cyrillic, third, 0.61))
            for name, a, b, p in pairs:
                m = MatchLink(
                    run_id=run.id,
                    entity_type="person",
                    left_id=min(a, b),
                    right_id=max(a, b),
                    probability=p,
                    match_weight=19.2 if name == "close" else 2.1,
                    evidence=EVIDENCE,
                    status="review",
                )
                s.add(m)
                s.flush()
                ids[name] = m.id
            return ids
    finally:
        engine.dispose()


def _status(node: dict[str, Any], match_id: int) -> tuple[str, int]:
    engine = _store(node)
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            match = s.get(MatchLink, match_id)
            links = s.scalars(
                select(Link).where(
                    Link.kind == "same_as",
                    Link.from_id.in_((match.left_id, match.right_id)),
                    Link.to_id.in_((match.left_id, match.right_id)),
                )
            ).all()
            return match.status, len(links)
    finally:
        engine.dispose()


def test_review_confirm_by_keyboard_then_undo(page, node, suggestions) -> None:  # noqa: ANN001
    sign_in(page, node, "xk-analyst")
    page.get_by_role("link", name="Matches", exact=True).click()
    page.get_by_label("Justification").fill(WHY)
    page.get_by_role("button", name="Show").click()
    close = page.locator(f'.suggestion[data-match="{suggestions["close"]}"]')
    close.wait_for(state="visible")
    expect(close.get_by_text("Бесник Гаши")).to_be_visible()
    expect(close.get_by_text("l.name_key = r.name_key")).to_be_visible()
    expect(close.locator("meter")).to_have_count(4)
    expect(page.get_by_role("link", name="Cluster of 3 records").first).to_be_visible()
    # The likeliest suggestion has the focus: j and k move it, c confirms it.
    assert page.evaluate("document.activeElement.dataset.match") == str(suggestions["close"])
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.dataset.match") == str(suggestions["far"])
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.dataset.match") == str(suggestions["close"])
    page.keyboard.press("c")
    page.wait_for_url(re.compile(rf"done={suggestions['close']}"))
    notice = page.locator("#last-decision")
    assert "now confirmed" in notice.inner_text()
    assert _status(node, suggestions["close"]) == ("confirmed", 1)
    # z undoes the last decision (the focused suggestion, now the next one, has nothing to
    # undo); the pair waits for a decision again.
    page.keyboard.press("z")
    page.wait_for_function("document.querySelector('#last-decision').innerText.includes('undone')")
    assert _status(node, suggestions["close"]) == ("undone", 0)
    expect(page.locator(f'.suggestion[data-match="{suggestions["close"]}"]')).to_be_visible()
    # The same decisions work by the buttons (no script needed): confirm, then undo on the
    # person's own page, which lists the confirmed match.
    page.locator(f'.suggestion[data-match="{suggestions["close"]}"]').get_by_role(
        "button", name="Same", exact=True
    ).click()
    page.wait_for_url(re.compile(r"done="))
    assert _status(node, suggestions["close"])[0] == "confirmed"
    page.goto(f"{node['url']}/records/persons/{suggestions['latin']}?why={WHY}")
    matches = page.locator("#matches")
    assert "confirmed" in matches.inner_text()
    matches.get_by_role("button", name="Undo").first.click()
    page.wait_for_url(re.compile(r"/records/persons/"))
    assert _status(node, suggestions["close"]) == ("undone", 0)


def test_the_queue_on_a_phone(phone, node, suggestions) -> None:  # noqa: ANN001
    sign_in(phone, node, "xk-analyst")
    phone.goto(f"{node['url']}/matches?type=person&why={WHY}")
    phone.locator(f'.suggestion[data-match="{suggestions["far"]}"]').wait_for()
    assert_fits_phone(phone)
    buttons = phone.locator(".suggestion").first.get_by_role("button")
    assert buttons.first.bounding_box()["width"] >= 40  # big enough to tap
    phone.locator(".suggestion").first.scroll_into_view_if_needed()
    shot(phone, "match-review")


def test_a_cluster_is_shown_as_one_entity(page, node, suggestions) -> None:  # noqa: ANN001
    sign_in(page, node, "xk-analyst")
    page.goto(f"{node['url']}/matches?type=person&status=all&why={WHY}")
    page.get_by_role("link", name="Cluster of 3 records").first.click()
    page.wait_for_url(re.compile(r"/matches/clusters/persons/"))
    expect(page.get_by_role("heading", name="Cluster of 3 records")).to_be_visible()
    expect(page.locator("table.cluster tbody tr")).to_have_count(3)
    expect(page.locator(".suggestion")).to_have_count(2)  # both pairs among the three
