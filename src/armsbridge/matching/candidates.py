"""The candidate pairs of the chosen blocking rules, made once in DuckDB and handed to Splink.

Splink makes each rule's pairs with every earlier rule excluded, `AND NOT (r1 OR r2 ...)`, a
test that grows with each rule: at 10^6 records a side its blocking of 24 rules took 7.2 s.
Here each rule joins on its own, by record number, and the pairs are grouped once, each keeping
the first rule that found it: the same pairs with the same match keys. A rule whose pairs were
kept when it was counted (blocking.join_pairs) is not joined again: at 10^6 a side the
candidates take 0.7 s (docs/dev/matching-model.md §3a). The table has Splink's columns for
blocked pairs (`match_key`, `join_key_l`, `join_key_r`), so predict scores exactly these pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from armsbridge.matching.blocking import Rule, join_pairs

TABLE = "armsbridge_candidates"
# How Splink writes a record's key across tables: "<dataset name>-__-<unique id>".
_SEPARATOR = "-__-"


def candidate_pairs(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    rules: list[Rule],
    names: list[str],
    made: Sequence[str] = (),
) -> str:
    """Create the table of the pairs `rules` join, each with its first rule; return its name.

    `tables` are the prepared tables (one to deduplicate, or left and right to link) and
    `names` the dataset names Splink knows them by. `made[i]`, where given, is a table of rule
    i's pairs already joined when it was counted (blocking.join_pairs); it is dropped once used.
    """
    one = len(tables) == 1
    temporary: list[str] = []
    queries = []
    try:
        for index, rule in enumerate(rules):
            table = made[index] if index < len(made) and made[index] else ""
            if not table:  # not kept from its count: joined here, the same way
                table = f"_candidates_rule_{index}"
                join_pairs(con, tables, rule, table, cap=None)
            temporary.append(table)
            queries.append(f"SELECT {index} AS mk, a, b FROM {table}")
        # No rule fits a budget smaller than any rule's pairs: then no pair is scored.
        none = "SELECT NULL::INTEGER AS mk, NULL::BIGINT AS a, NULL::BIGINT AS b WHERE false"
        union = " UNION ALL ".join(queries) or none
        if one:  # a pair once, whichever way round a rule found it; the smaller id on the left
            grouped = f"SELECT min(mk) AS mk, least(a, b) AS a, greatest(a, b) AS b FROM ({union})"
            grouped += " GROUP BY least(a, b), greatest(a, b)"
            key_l, key_r = "least(l.unique_id, r.unique_id)", "greatest(l.unique_id, r.unique_id)"
        else:
            grouped = f"SELECT min(mk) AS mk, a, b FROM ({union}) GROUP BY a, b"
            key_l = f"'{names[0]}{_SEPARATOR}' || l.unique_id"
            key_r = f"'{names[-1]}{_SEPARATOR}' || r.unique_id"
        con.execute(f"""
        CREATE OR REPLACE TABLE {TABLE} AS
        SELECT CAST(p.mk AS VARCHAR) AS match_key, {key_l} AS join_key_l, {key_r} AS join_key_r
        FROM ({grouped}) p
        JOIN (SELECT rowid AS id, unique_id FROM {tables[0]}) l ON l.id = p.a
        JOIN (SELECT rowid AS id, unique_id FROM {tables[-1]}) r ON r.id = p.b
        """)
    finally:
        for name in temporary:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return TABLE


def register_candidates(
    con: duckdb.DuckDBPyConnection,
    linker: Any,
    backend: Any,
    tables: list[str],
    rules: list[Rule],
    made: Sequence[str] = (),
) -> None:
    """Make the candidate pairs of `rules` and have `linker`'s predict score exactly those.

    `backend` is the run's Splink backend (backend.py), whose datasets are named "0", "1";
    `made` the rules' pairs already joined (see candidate_pairs).
    """
    names = [str(i) for i in range(len(tables))]
    pairs = candidate_pairs(con, tables, rules, names, made)
    registered = linker.table_management.register_blocked_pairs_for_predict(
        backend.register(pairs, "candidates")
    )
    # Scored as Splink scores its own pairs: the "registered" flag also makes DuckDB copy
    # every record a pair names first, which cost more than it saved (2.6 s against 1.8 s at
    # 10^6 a side; docs/dev/matching-model.md §3a).
    registered.metadata["registered_for_predict"] = False
