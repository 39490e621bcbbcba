"""u values counted exactly on the data, where random sampling cannot see them.

Two guns share a holder, or two people of one name agree on their birth place, too rarely among
random pairs for a sample to count, and at a rate no prior can know: these are counted on the
prepared tables and fixed before training.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import duckdb

from armsbridge.matching import comparisons as cmp
from armsbridge.matching.backend import Backend

if TYPE_CHECKING:
    from splink import Linker


def count_holder_u(
    con: duckdb.DuckDBPyConnection, tables: list[str], settings: dict[str, Any]
) -> None:
    """Set the holder levels' u to their exact share of all pairs, and keep it fixed.

    Two random guns (or cars) share a holder about once per number of holders: at 10^5 a sample of
    random pairs sees it too rarely to count, and a prior cannot know the size of the data.
    """
    per = [
        f"SELECT holder, count(*) AS n, count(*) FILTER (hguns = 1) AS a FROM {t} "
        "WHERE holder IS NOT NULL GROUP BY holder"
        for t in tables
    ]
    sizes = [con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables]
    if len(tables) == 2:
        same, only = con.execute(
            f"SELECT coalesce(sum(l.n * r.n), 0), coalesce(sum(l.a * r.a), 0) "
            f"FROM ({per[0]}) l JOIN ({per[1]}) r USING (holder)"
        ).fetchall()[0]
        total = sizes[0] * sizes[1]
    else:
        same, only = con.execute(
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0), coalesce(sum(a * (a - 1) / 2), 0) "
            f"FROM ({per[0]})"
        ).fetchall()[0]
        total = sizes[0] * (sizes[0] - 1) / 2
    if not total:
        return
    shares = {
        "same holder, their only such one": max(only / total, 1e-9),
        "same holder, one of several such": max((same - only) / total, 1e-9),
    }
    comp = next(c for c in settings["comparisons"] if c["output_column_name"] == "holder")
    for level in comp["comparison_levels"]:
        if level.get("label_for_charts") in shares:
            level["u_probability"] = shares[level["label_for_charts"]]
            level["fix_u_probability"] = True


def count_namesake_u(
    con: duckdb.DuckDBPyConnection, tables: list[str], settings: dict[str, Any]
) -> list[str]:
    """Set each "names agree" level's u to its share among pairs of one common name, fixed.

    The share is counted exactly on the data, over names whose sound more than COMMON_NAME
    records carry (their pairs are nearly all namesakes). With no such name the data cannot
    tell: the prior stays, fixed, since u sampled on random pairs would count the name twice.
    Returns the levels left at their prior.
    """
    union = " UNION ALL ".join(f"SELECT np FROM {t}" for t in tables)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE common_names AS SELECT np FROM ({union}) "
        f"WHERE np IS NOT NULL GROUP BY np HAVING count(*) > {cmp.COMMON_NAME}"
    )
    common = "SELECT np FROM common_names"
    kept: list[str] = []
    for comp in settings["comparisons"]:
        levels = comp["comparison_levels"]
        for i, level in enumerate(levels):
            if not level.get("label_for_charts", "").endswith(cmp.NAMES_AGREE):
                continue
            col = re.search(r'"(\w+)_l" = "\1_r"', levels[i + 1]["sql_condition"]).group(1)  # type: ignore[union-attr]
            per = [
                f"SELECT np, {col} AS v, count(*) AS c FROM {t} WHERE {col} IS NOT NULL "
                f"AND np IN ({common}) GROUP BY np, {col}"
                for t in tables
            ]
            if len(tables) == 2:
                pairs = f"FROM ({per[0]}) l JOIN ({per[1]}) r USING (np)"
                same, total = con.execute(
                    f"SELECT sum(l.c * r.c) FILTER (l.v = r.v), sum(l.c * r.c) {pairs}"
                ).fetchall()[0]
            else:
                same, total = con.execute(
                    f"SELECT sum(c * (c - 1) / 2), (SELECT sum(n * (n - 1) / 2) FROM "
                    f"(SELECT sum(c) AS n FROM ({per[0]}) GROUP BY np)) FROM ({per[0]})"
                ).fetchall()[0]
            if total:
                level["u_probability"] = max(float(same or 0) / float(total), 1e-6)
            else:
                kept.append(f"{comp['output_column_name']}: {level['label_for_charts']}")
            level["fix_u_probability"] = True
    con.execute("DROP TABLE common_names")
    return kept


def register_namesake_frequencies(
    con: duckdb.DuckDBPyConnection, linker: Linker, backend: Backend, tables: list[str]
) -> None:
    """Give the father's "names agree" level its u: that father's name among people of one name.

    For a common name it is counted on the data (with the name's records as the sample); for a
    name too rare to count, the father's name's frequency among all records stands in.
    """
    union = " UNION ALL ".join(
        f"SELECT np, fk FROM {t} WHERE np IS NOT NULL AND fk IS NOT NULL" for t in tables
    )
    con.execute(f"""
    CREATE OR REPLACE TABLE namesake_tf_nfk AS
    WITH u AS ({union}),
    f AS (SELECT fk, count(*) / (SELECT count(*) FROM u) AS tf FROM u GROUP BY fk),
    nm AS (SELECT np, count(*) AS n FROM u GROUP BY np)
    SELECT u.np || '|' || u.fk AS nfk,
      CASE WHEN nm.n > {cmp.COMMON_NAME} THEN greatest(count(*) / nm.n, f.tf) ELSE f.tf END
        AS tf_nfk
    FROM u JOIN f USING (fk) JOIN nm USING (np) GROUP BY u.np, u.fk, nm.n, f.tf
    """)
    frame = backend.register("namesake_tf_nfk", "namesake_tf_nfk")
    linker.table_management.register_term_frequency_lookup(frame, "nfk")


def uses_namesake_frequencies(settings: dict[str, Any]) -> bool:
    """Return whether the settings adjust a level on the namesake frequency table."""
    return any(
        lv.get("tf_adjustment_column") == "nfk"
        for comp in settings["comparisons"]
        for lv in comp["comparison_levels"]
    )


def merge_namesake_m(model: dict[str, Any], priors: dict[str, Any]) -> None:
    """Give a "names agree" level and its twin the same m: the agreement's share among matches.

    EM splits matches between the two by whether the names agree; the evidence is the field's
    agreement given that, so both take the sum (u is what differs). A comparison EM did not
    train still has its priors, which are that share already, and is left as it is.
    """
    prior_m = {
        (c["output_column_name"], lv.get("label_for_charts")): lv.get("m_probability")
        for c in priors["comparisons"]
        for lv in c["comparison_levels"]
    }
    for comp in model["comparisons"]:
        levels = comp["comparison_levels"]
        for i, level in enumerate(levels):
            if not level.get("label_for_charts", "").endswith(cmp.NAMES_AGREE):
                continue
            twin = levels[i + 1]
            name = comp["output_column_name"]
            if all(
                lv.get("m_probability") == prior_m.get((name, lv.get("label_for_charts")))
                for lv in (level, twin)
            ):
                continue
            m = min(level.get("m_probability", 0.0) + twin.get("m_probability", 0.0), 1.0)
            level["m_probability"] = twin["m_probability"] = m
