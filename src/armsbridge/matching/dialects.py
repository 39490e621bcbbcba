"""Splink SQL written once for DuckDB, translated by sqlglot for Spark (and read back)."""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp

# Functions sqlglot renders wrongly for Spark, with the name Spark knows them by (and back, the
# Spark names to read as those functions). sqlglot writes DuckDB's list_has_any as Spark `&&`,
# which Spark lacks; Jaro-Winkler is armsbridge's own UDF on Spark (spark.register_jaro_winkler),
# since the Java one of Splink's jar (jaro_winkler) scores differently from DuckDB's.
JARO_WINKLER_UDF = "armsbridge_jaro_winkler"
_FUNCTIONS: dict[str, dict[type, str]] = {
    "spark": {exp.ArrayOverlaps: "arrays_overlap", exp.JarowinklerSimilarity: JARO_WINKLER_UDF},
}
_FROM_SPARK: dict[str, type] = {
    "arrays_overlap": exp.ArrayOverlaps,
    JARO_WINKLER_UDF: exp.JarowinklerSimilarity,
    "jaro_winkler": exp.JarowinklerSimilarity,
}


def translate_sql(sql: str, source: str, target: str) -> str:
    """Return one SQL condition or rule written for `source` rewritten for `target`."""
    if source == target or sql.strip().upper() == "ELSE":
        return sql
    renames = _FUNCTIONS.get(target, {})

    def fix(node: exp.Expression) -> Any:
        if type(node) in renames:
            return exp.Anonymous(this=renames[type(node)], expressions=[node.this, node.expression])
        if source == "spark" and isinstance(node, exp.Anonymous):
            known = _FROM_SPARK.get(str(node.this).lower())
            if known is not None and len(node.expressions) == 2:
                return known(this=node.expressions[0], expression=node.expressions[1])
        return node

    tree = sqlglot.parse_one(sql, read=source).transform(fix)
    return tree.sql(dialect=target)


def translate_settings(settings: dict[str, Any], target: str) -> dict[str, Any]:
    """Return Splink settings (or a saved model) with every condition and rule for `target`."""
    source = settings.get("sql_dialect", "duckdb")
    if source == target:
        return settings
    out = {**settings, "sql_dialect": target}
    out["comparisons"] = [
        {
            **comp,
            "comparison_levels": [
                {**lv, "sql_condition": translate_sql(lv["sql_condition"], source, target)}
                for lv in comp["comparison_levels"]
            ],
        }
        for comp in settings["comparisons"]
    ]
    rules = []
    for rule in settings.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict):
            rule = {**rule, "blocking_rule": translate_sql(rule["blocking_rule"], source, target)}
            rule.pop("sql_dialect", None)
        else:
            rule = translate_sql(rule, source, target)
        rules.append(rule)
    out["blocking_rules_to_generate_predictions"] = rules
    return out
