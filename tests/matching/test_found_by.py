"""Each stored suggestion names the blocking rule that found its pair (shown by the review)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.matching.found_by import found_by
from armsbridge.matching.models import MatchLink
from armsbridge.matching.service import run_match
from armsbridge.records.models import Firearm, Person
from armsbridge.settings import Settings

MODEL = {
    "blocking_rules_to_generate_predictions": [
        {"blocking_rule": 'l."sfull" = r."sfull"', "sql_dialect": "duckdb"},
        'l."nk" = r."nk"',
    ],
    "armsbridge": {"blocking": [{"rule": "same serial", "sql": 'l."sfull" = r."sfull"'}]},
}


def test_the_rule_is_named_by_its_report_label_else_by_its_sql() -> None:
    assert found_by(MODEL, "0") == "same serial"
    assert found_by(MODEL, 1) == 'l."nk" = r."nk"'
    assert found_by(MODEL, "7") is None and found_by(MODEL, None) is None
    assert found_by({}, "0") is None


def test_a_store_run_stores_the_rule_with_the_evidence(session: Session) -> None:
    for j, serial in (("XK", "ZK100234"), ("MK", "ZK-10O234")):
        session.add(Firearm(jurisdiction=j, make="Zastava", model="M70", serial_raw=serial))
    session.add(Person(jurisdiction="XK", given_name="Arta", family_name="Hoxha"))
    session.flush()
    run_match(session, entity_type="firearm", settings=Settings(match_review=0.3))
    links = session.scalars(select(MatchLink).where(MatchLink.entity_type == "firearm")).all()
    assert links, "the two records of one pistol should be suggested"
    rules = [e["blocking_rule"] for m in links for e in m.evidence if e.get("blocking_rule")]
    assert len(rules) == len(links) and all(rules)
