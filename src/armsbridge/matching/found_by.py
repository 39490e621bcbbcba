"""Which blocking rule put a scored pair side by side, read from the run's model."""

from __future__ import annotations

from typing import Any


def found_by(model: dict[str, Any], match_key: Any) -> str | None:
    """Return the label of the blocking rule numbered `match_key` in `model`, or None.

    Splink numbers the rules of `blocking_rules_to_generate_predictions` in the order it applies
    them and gives each pair the first rule that found it; the run report names the rules.
    """
    try:
        index = int(match_key)
    except (TypeError, ValueError):
        return None
    rules = model.get("blocking_rules_to_generate_predictions") or []
    if not 0 <= index < len(rules):
        return None
    rule = rules[index]
    sql = rule if isinstance(rule, str) else rule.get("blocking_rule")
    if not sql:
        return None
    for line in (model.get("armsbridge") or {}).get("blocking") or []:
        if isinstance(line, dict) and line.get("sql") == sql and line.get("rule"):
            return str(line["rule"])
    return str(sql)
