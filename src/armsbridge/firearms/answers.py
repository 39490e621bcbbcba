"""Answers to the questions a firearm's category still depends on, saved to its record."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import PermissionDenied, ValidationFailed
from armsbridge.firearms.schemas import FACT_NAMES, CategoryResult, parse_facts
from armsbridge.firearms.service import categorize_firearm, set_facts
from armsbridge.i18n_marker import N_, Label
from armsbridge.records.service import update_record, writable_record

# Facts that are columns of the record (the edit form shows them), not entries of its `facts`.
COLUMN_FACTS = ("kind", "action")
NUMBERS = ("barrel_length_cm", "overall_length_cm", "magazine_capacity")


def answer_facts(
    session: Session, *, firearm_id: int, answers: dict[str, Any], user: Principal
) -> CategoryResult:
    """Save answers to the questions a firearm's category depends on, and recategorise it.

    Answers are the text of a form ("true", "30,5", "pistol"); empty ones are skipped. The kind
    and action go to the record's columns, the rest to its facts; each write is audited, and
    the records service applies the jurisdiction and handling rules.
    """
    if not role_allows(user.role, "record.update"):
        raise PermissionDenied(
            N_("your role (%(role)s) may not change records"),
            values={"role": Label(user.role_label)},
        )
    given = {k: str(v).strip() for k, v in answers.items() if k in FACT_NAMES and str(v).strip()}
    if not given:
        raise ValidationFailed(
            "answer at least one question, then save",
            [{"field": "answers", "value": "", "expected": N_("at least one answer")}],
        )
    for name in NUMBERS:
        if name in given:
            given[name] = given[name].replace(",", ".")
    checked = parse_facts(given, where="answers").model_dump(mode="json")
    typed = {k: checked[k] for k in given}
    columns = {k: typed.pop(k) for k in COLUMN_FACTS if k in typed}
    writable_record(session, user=user, record_type="firearm", record_id=firearm_id)
    if columns:
        update_record(session, record_type="firearm", record_id=firearm_id, data=columns, user=user)
    if typed:
        return set_facts(session, firearm_id=firearm_id, facts=typed, user=user)
    return categorize_firearm(session, firearm_id=firearm_id)
