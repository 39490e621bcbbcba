"""The firearm page on a phone: a fact the category still needs is answered inline and saved."""

from __future__ import annotations

from typing import Any

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records import service as records
from armsbridge.records.models import Firearm
from principals import as_actor

from .conftest import assert_fits_phone, shot, sign_in


def _firearm(node: dict[str, Any], **data: Any) -> int:
    engine = engine_from_settings(node["settings"])
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            gun = records.create_record(
                s, record_type="firearm", data={"jurisdiction": "XK", **data}, user=as_actor("t")
            )
            s.flush()
            return gun.id
    finally:
        engine.dispose()


def _category(node: dict[str, Any], firearm_id: int) -> str | None:
    engine = engine_from_settings(node["settings"])
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            return s.get(Firearm, firearm_id).category
    finally:
        engine.dispose()


def test_a_missing_fact_is_answered_inline_on_a_phone(phone, node) -> None:  # noqa: ANN001
    gun = _firearm(node, make="Ekol", model="Tuna", serial_raw="EK-390-1", markings="PTB 948")
    sign_in(phone, node, "xk-analyst")
    phone.goto(f"{node['url']}/records/firearms/{gun}")
    panel = phone.locator("#category")
    assert "not yet determined" in panel.inner_text() or "provisionally" in panel.inner_text()
    assert_fits_phone(phone)
    panel.get_by_label("Does it meet Implementing Directive 2019/69").select_option("true")
    panel.locator("#q-meets_alarm_signal_specs").scroll_into_view_if_needed()
    shot(phone, "firearm-questions")
    panel.get_by_role("button", name="Save the answers").click()
    phone.wait_for_url("**saved=facts**")
    assert phone.locator("#facts-saved").inner_text() == "Saved."
    assert "not a firearm" in phone.locator("#category .badge").inner_text()
    assert_fits_phone(phone)
    assert _category(node, gun) == "not_a_firearm"
