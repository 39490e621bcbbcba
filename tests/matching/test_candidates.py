"""Candidate pairs made in DuckDB: the pairs, match keys and scores of Splink's own blocking."""

from __future__ import annotations

import logging
import random

import duckdb
import pytest
from splink import Linker

from armsbridge.matching.backend import DuckDBBackend
from armsbridge.matching.blocking import Rule, count_pairs, join_pairs, pairs_table
from armsbridge.matching.candidates import candidate_pairs, register_candidates

NAMES = ["ana", "arben", "besa", "dritan", "elena", "goran", "ilir", "marija"]
TOWNS = ["tetovo", "prizren", "skopje", None]
# An exploded array first (as the phones and items are), a rule with a condition on one side
# only (it holds one way round), overlapping equi-joins, and one with conditions on both sides.
RULES = [
    Rule("shared link", (("links", "links"),), explode=("links",), rank=0),
    Rule("name, rare on the left", (("name", "name"),), left='{s}."n" <= 2'),
    Rule("name and town", (("name", "name"), ("town", "town"))),
    Rule("town", (("town", "town"),)),
    Rule("name, both small", (("name", "name"),), left='{s}."n" <= 3', right='{s}."n" <= 3'),
]


def _table(con: duckdb.DuckDBPyConnection, name: str, rows: int, seed: int, prefix: str) -> None:
    rng = random.Random(seed)
    values = []
    for i in range(rows):
        links = [f"+3897{rng.randrange(30)}" for _ in range(rng.randrange(3))] or None
        values.append(
            (f"{prefix}{i}", rng.choice(NAMES), rng.choice(TOWNS), links, rng.randrange(6))
        )
    con.execute(
        f"CREATE TABLE {name} (unique_id VARCHAR, name VARCHAR, town VARCHAR, "
        "links VARCHAR[], n INTEGER)"
    )
    con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?, ?)", values)


def _predict(con: duckdb.DuckDBPyConnection, tables: list[str], ours: bool) -> list[tuple]:
    """Score the pairs of RULES, blocked by Splink (ours=False) or by candidate_pairs."""
    backend = DuckDBBackend(con)
    frames = [backend.register(t, str(i)) for i, t in enumerate(tables)]
    settings = {
        "link_type": "link_only" if len(tables) == 2 else "dedupe_only",
        "comparisons": [
            {
                "output_column_name": "town",
                "comparison_levels": [
                    {
                        "sql_condition": '"town_l" IS NULL OR "town_r" IS NULL',
                        "is_null_level": True,
                    },
                    {
                        "sql_condition": '"town_l" = "town_r"',
                        "m_probability": 0.9,
                        "u_probability": 0.3,
                    },
                    {"sql_condition": "ELSE", "m_probability": 0.1, "u_probability": 0.7},
                ],
            }
        ],
        "blocking_rules_to_generate_predictions": [r.splink() for r in RULES],
    }
    linker = Linker(frames, settings, log_level=logging.ERROR)
    if ours:
        register_candidates(con, linker, backend, tables, RULES)
    df = linker.inference.predict(warning_mode="never")
    sql = (
        "SELECT unique_id_l, unique_id_r, match_key, round(match_probability, 12) "
        f"FROM {df.physical_name}"
    )
    return sorted(con.execute(sql).fetchall())


@pytest.mark.parametrize("tables", [["left_t", "right_t"], ["left_t"]], ids=["link", "dedupe"])
def test_the_pairs_match_keys_and_scores_are_those_of_splinks_own_blocking(tables) -> None:  # noqa: ANN001
    con = duckdb.connect()
    _table(con, "left_t", 80, 1, "a")
    _table(con, "right_t", 70, 2, "b")
    splink_pairs = _predict(con, tables, ours=False)
    our_pairs = _predict(con, tables, ours=True)
    assert len(splink_pairs) > 300  # every rule finds pairs, and many pairs more than one rule
    assert {p[2] for p in splink_pairs} == {str(i) for i in range(len(RULES))}
    assert our_pairs == splink_pairs


def test_each_pair_once_with_the_first_rule_that_found_it() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE l AS SELECT * FROM (VALUES ('1', 'ana', 'tetovo', ['x'], 1), "
        "('2', 'ana', 'tetovo', NULL, 9)) t(unique_id, name, town, links, n)"
    )
    con.execute(
        "CREATE TABLE r AS SELECT * FROM (VALUES ('7', 'ana', 'tetovo', ['x', 'x'], 1)) "
        "t(unique_id, name, town, links, n)"
    )
    table = candidate_pairs(con, ["l", "r"], RULES, ["0", "1"])
    rows = sorted(con.execute(f"SELECT * FROM {table}").fetchall())
    # 1-7 share a link (rule 0; twice in the array, once here), a rare name and a town; 2-7
    # share the name and the town, and the left record's n is too high for rule 1.
    assert rows == [("0", "0-__-1", "1-__-7"), ("2", "0-__-2", "1-__-7")]


def test_no_rule_that_fits_means_no_pair_to_score() -> None:
    con = duckdb.connect()
    _table(con, "left_t", 20, 1, "a")
    _table(con, "right_t", 20, 2, "b")
    table = candidate_pairs(con, ["left_t", "right_t"], [], ["0", "1"])
    assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    assert columns == ["match_key", "join_key_l", "join_key_r"]


@pytest.mark.parametrize("tables", [["left_t", "right_t"], ["left_t"]], ids=["link", "dedupe"])
def test_pairs_kept_from_the_count_make_the_same_candidates(tables) -> None:  # noqa: ANN001
    con = duckdb.connect()
    _table(con, "left_t", 80, 1, "a")
    _table(con, "right_t", 70, 2, "b")
    names = ["0", "1"][: len(tables)]
    query = "SELECT * FROM armsbridge_candidates ORDER BY ALL"
    candidate_pairs(con, tables, RULES, names)
    joined = con.execute(query).fetchall()
    # The exploded rule and every other one kept from its count; the rest joined again.
    made = []
    for index, rule in enumerate(RULES):
        name = pairs_table(rule) if index % 2 == 0 else ""  # any owner names a table
        if name:
            pairs, exact = join_pairs(con, tables, rule, name, cap=None)
            assert exact and pairs == count_pairs(con, tables, rule) or len(tables) == 1
        made.append(name)
    candidate_pairs(con, tables, RULES, names, made)
    assert con.execute(query).fetchall() == joined
    left = {n for (n,) in con.execute("SHOW TABLES").fetchall() if n.startswith("_")}
    assert not left  # the kept pairs and the exploded sides are dropped once used
