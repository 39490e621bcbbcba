"""Blocking chosen from the data: count the pairs each rule of a library joins, keep what fits.

Every rule is an equi-join on prepared columns (see prepare.py), perhaps with a condition on
each side. Its pairs are counted before scoring by joining its records by record number, the
join stopped at the budget (a rule over it cannot be used; without the stop, joining every
rule of 10^6 x 10^6 records took two minutes), and the pairs of a rule that can still be used
are kept for the candidates (candidates.py), so counting them and making them is one join; an
exploded array's pair is counted once however many elements it shares. Rules are taken by rank
and from the fewest pairs up while their sum fits `max_pairs`, so a small file is compared
nearly exhaustively and a large one keeps its tight rules; the rules left out are reported with
their counts (a generous rule far over what the tight ones left is estimated on a fixed sample
from the key counts of each side instead, a group-by cheap at any size). When both files
together give fewer pairs than the budget, every pair is compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

# The pair budget when none is given: pairs per worker thread, or per record for large runs
# (docs/dev/matching-model.md §3a: at 1.1·10^5 records a side, 10^6 pairs gave the F1 of 4·10^6
# and 2·10^7 in a tenth and a twentieth of the time).
PAIRS_PER_THREAD = 500_000
PAIRS_PER_RECORD = 2
EVERY_PAIR = "every pair"


@dataclass(frozen=True)
class Rule:
    """One blocking rule: equal keys on both sides, and perhaps a condition on each side.

    A key is a column name, or an SQL expression with `{s}` for the side (`left({s}."p1", 3)`);
    so are the conditions `left` and `right` (`{s}."nkf" <= 30`). `explode` names array columns
    whose elements are joined (any shared element is a key).
    """

    label: str
    keys: tuple[tuple[str, str], ...]
    left: str = ""
    right: str = ""
    explode: tuple[str, ...] = ()
    # Taken in this order, then from the fewest pairs up: 0 an identifier (a phone, a
    # document: a pair it joins is nearly always a match), 1 a tight rule (a name with a second
    # field, counted at 10^6 to earn its pairs: docs/dev/matching-model.md §3), 2 the rest.
    rank: int = 2

    def sql(self) -> str:
        """The rule as Splink's SQL condition over `l` and `r`."""
        if not self.keys:
            return "1 = 1"
        parts = [f"{key(a, 'l')} = {key(b, 'r')}" for a, b in self.keys]
        parts += [
            cond.replace("{s}", side)
            for cond, side in ((self.left, "l"), (self.right, "r"))
            if cond
        ]
        return " AND ".join(parts)

    def splink(self) -> Any:
        """The rule as Splink takes it: SQL, or a dict when array columns are exploded."""
        if self.explode:
            return {"blocking_rule": self.sql(), "arrays_to_explode": list(self.explode)}
        return self.sql()


def key(expr: str, side: str) -> str:
    """A rule's key written for one side: `side."col"`, or the expression with `{s}` filled."""
    return expr.replace("{s}", side) if "{s}" in expr else f'{side}."{expr}"'


@dataclass
class Chosen:
    """A rule with the pairs it joins on this data, and whether it is used."""

    rule: Rule
    pairs: int
    used: bool
    exact: bool = True
    # "exactly", "at least" (a join stopped at its cap), or "about" (estimated on a sample).
    counted: str = "exactly"
    # The temp table of the pairs its exact count joined, kept for the candidates; "" if none.
    table: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The rule's line of the run report."""
        return {
            "rule": self.rule.label,
            "sql": self.rule.sql(),
            "pairs": self.pairs,
            "counted": self.counted,
            "used": self.used,
        }


@dataclass
class Blocking:
    """The rules chosen for one run, in the order Splink applies them, and those left out."""

    chosen: list[Chosen] = field(default_factory=list)
    max_pairs: int = 0

    @property
    def rules(self) -> list[Rule]:
        """The rules used."""
        return [c.rule for c in self.chosen if c.used]

    def made(self) -> list[str]:
        """Each used rule's table of pairs joined when counting ("" where none was kept)."""
        return [c.table for c in self.chosen if c.used]

    def report(self) -> list[dict[str, Any]]:
        """Every rule considered, used first, with its pair count."""
        return [c.as_dict() for c in self.chosen]


def _key_counts(table: str, rules: list[Rule], which: int) -> tuple[str, list[str]]:
    """One side's key counts for rules of the same keys: a count per distinct condition.

    Returns the query and, for each rule, the name of its count column on this side.
    """
    first = rules[0]
    exprs = [key(k[which], "t") for k in first.keys]
    conditions = list(dict.fromkeys((r.left, r.right)[which] for r in rules))
    counts = ", ".join(
        f"count(*) FILTER (WHERE {c.replace('{s}', 't')}) AS c{i}" if c else f"count(*) AS c{i}"
        for i, c in enumerate(conditions)
    )
    not_null = " AND ".join(f"{e} IS NOT NULL" for e in exprs)
    # Keys hashed to one 64-bit integer group about a fifth faster than the strings (measured at
    # 10^6 a side, the same counts); a collision could only merge two keys' counts.
    sql = (
        f"SELECT hash({', '.join(exprs)}) AS k, {counts} FROM {table} t WHERE {not_null} GROUP BY k"
    )
    return sql, [f"c{conditions.index((r.left, r.right)[which])}" for r in rules]


def count_group(con: duckdb.DuckDBPyConnection, tables: list[str], rules: list[Rule]) -> list[int]:
    """Pairs each rule joins, for rules of the same keys and arrays, in one pass per side.

    Counted from each side's key counts; an exploded rule's pairs are counted once each.
    """
    if not rules[0].keys:
        return [_every_pair(con, tables) for _ in rules]
    if rules[0].explode:
        return [count_exploded(con, tables, r, cap=None)[0] for r in rules]
    # In one table, a rule with the same keys and condition on both sides counts unordered
    # pairs of each key's records; the others pair the table with itself (ordered: a bound).
    one_table = len(tables) == 1 and all(a == b for a, b in rules[0].keys)
    alike = [r for r in rules if one_table and r.left == r.right]
    joined = [r for r in rules if r not in alike]
    found: dict[Rule, int] = {}
    if alike:
        left, cols = _key_counts(tables[0], alike, 0)
        sums = ", ".join(f"sum({c} * ({c} - 1) / 2)" for c in cols)
        found.update(zip(alike, _sums(con, f"SELECT {sums} FROM ({left})"), strict=True))
    if joined:
        left, lcols = _key_counts(tables[0], joined, 0)
        right, rcols = _key_counts(tables[-1], joined, 1)
        sums = ", ".join(f"sum(a.{lc} * b.{rc})" for lc, rc in zip(lcols, rcols, strict=True))
        sql = f"SELECT {sums} FROM ({left}) a JOIN ({right}) b USING (k)"
        found.update(zip(joined, _sums(con, sql), strict=True))
    return [found[r] for r in rules]


def _sums(con: duckdb.DuckDBPyConnection, sql: str) -> list[int]:
    return [int(v or 0) for v in con.execute(sql).fetchall()[0]]


def count_pairs(con: duckdb.DuckDBPyConnection, tables: list[str], rule: Rule) -> int:
    """Pairs the rule joins, from the key counts of each side (exploded pairs once each)."""
    return count_group(con, tables, [rule])[0]


def pairs_sql(tables: list[str], rule: Rule, sides: list[str]) -> str:
    """The query of the pairs a rule joins, as (a, b): left and right record numbers (rowid).

    An exploded rule joins `sides`, its per-side tables of `explode_side` (one table's side
    joined with itself). In one table each pair is taken once: Splink puts the record with the
    smaller id on the left, so a rule with a condition on one side holds one way round only.
    """
    one = len(tables) == 1
    if rule.explode:
        on = " AND ".join(f'a."{a}" = b."{b}"' for a, b in rule.keys)
        return (
            f"SELECT a.id AS a, b.id AS b FROM {sides[0]} a JOIN {sides[-1]} b "
            f"ON {on}{' AND a.id < b.id' if one else ''}"
        )
    return (
        f"SELECT l.rowid AS a, r.rowid AS b FROM {tables[0]} l JOIN {tables[-1]} r "
        f"ON {rule.sql()}{' AND l.unique_id < r.unique_id' if one else ''}"
    )


def join_pairs(
    con: duckdb.DuckDBPyConnection, tables: list[str], rule: Rule, name: str, *, cap: int | None
) -> tuple[int, bool]:
    """Create temp table `name` of the pairs `rule` joins; return (pairs, whether exact).

    An exploded rule's pair that shares two elements is in the table twice and counted once.
    A join of more than `cap` rows is stopped there (a common element can join billions): the
    rule then joins at least that many pairs, reported as not exact, and no table is left.
    """
    sides = [f"_exploded_{i}" for i in range(len(tables))] if rule.explode else []
    try:
        for i, (table, side) in enumerate(zip(tables, sides, strict=False)):
            explode_side(con, table, rule, i, side)
        limit = f" LIMIT {cap + 1}" if cap is not None else ""
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS {pairs_sql(tables, rule, sides)}{limit}"
        )
        distinct = f"(SELECT count(*) FROM (SELECT DISTINCT a, b FROM {name}))"
        joined, pairs = _sums(
            con, f"SELECT count(*), {distinct if rule.explode else 'count(*)'} FROM {name}"
        )
        exact = cap is None or joined <= cap
        if not exact:
            con.execute(f"DROP TABLE {name}")
        return pairs, exact
    finally:
        for side in sides:
            con.execute(f"DROP TABLE IF EXISTS {side}")


def count_exploded(
    con: duckdb.DuckDBPyConnection, tables: list[str], rule: Rule, *, cap: int | None
) -> tuple[int, bool]:
    """Pairs an exploded rule joins, each once, and whether that is exact (`join_pairs`)."""
    try:
        return join_pairs(con, tables, rule, "_exploded_pairs", cap=cap)
    finally:
        con.execute("DROP TABLE IF EXISTS _exploded_pairs")


def pairs_table(owner: object) -> str:
    """The name of the temp table that keeps a counted rule's pairs for the candidates.

    Named after its owner's identity (a `Chosen` line), so two equal rules of one library never
    share a table that one of them drops.
    """
    return f"_rule_pairs_{id(owner):x}"


def explode_side(
    con: duckdb.DuckDBPyConnection, table: str, rule: Rule, which: int, name: str
) -> None:
    """Create temp table `name` of one side of an exploded rule: a row per record and element.

    `id` is the record's row number in `table`; `which` is 0 for the left side, 1 the right.
    """
    keys = list(dict.fromkeys(k[which] for k in rule.keys))
    cols = ", ".join(f'unnest(t."{c}") AS "{c}"' if c in rule.explode else f't."{c}"' for c in keys)
    condition = (rule.left, rule.right)[which].replace("{s}", "t") or "true"
    not_null = " AND ".join(f'"{c}" IS NOT NULL' for c in keys)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM "
        f"(SELECT t.rowid AS id, {cols} FROM {table} t WHERE {condition}) WHERE {not_null}"
    )


def _every_pair(con: duckdb.DuckDBPyConnection, tables: list[str]) -> int:
    sizes = [con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables]
    return sizes[0] * sizes[1] if len(sizes) == 2 else sizes[0] * (sizes[0] - 1) // 2


def default_budget(records: int, threads: int) -> int:
    """The pair budget of a run of `records` (both sides) on `threads` worker threads."""
    return max(PAIRS_PER_THREAD * threads, PAIRS_PER_RECORD * records)


def choose(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    library: list[Rule],
    max_pairs: int,
) -> Blocking:
    """Count each rule's pairs and take, by rank and from the fewest up, the rules whose sum fits.

    Identifier and tight rules are counted exactly. The generous rest compete only for what
    they leave of the budget: each is first counted on a sample of each side, and one whose
    estimate is far over what is left is reported with that estimate and not counted exactly.
    """
    total = _every_pair(con, tables)
    if total <= max_pairs:
        return Blocking([Chosen(Rule(EVERY_PAIR, ()), total, True)], max_pairs)
    counted = [Chosen(rule, 0, False) for rule in library]
    sample = _Sample(con, tables)
    try:
        tight = [c for c in counted if c.rule.rank < 2]
        _count_exactly(con, tables, tight, max_pairs, max_pairs)
        left = _take(tight, max_pairs)
        rest = [c for c in counted if c.rule.rank >= 2]
        for group in _groups(rest):
            estimates = sample.count(group)
            near = [c for c, e in zip(group, estimates, strict=True) if e <= SCREEN * left]
            for item, estimate in zip(group, estimates, strict=True):
                if item not in near:
                    item.pairs, item.exact, item.counted = estimate, False, "about"
            _count_exactly(con, tables, near, max_pairs, left)
        _take(rest, left)
    finally:
        sample.drop()
        for item in counted:  # the pairs of the rules left out are not needed
            if item.table and not item.used:
                con.execute(f"DROP TABLE IF EXISTS {item.table}")
                item.table = ""
    used = sorted((c for c in counted if c.used), key=lambda c: (c.rule.rank, c.pairs))
    return Blocking(used + [c for c in counted if not c.used], max_pairs)


# A generous rule whose estimate on the sample is more than this many times the budget left is
# not counted exactly (its estimate is reported): at 10^6 records a side the least of them was
# 5 times what the tight rules left, the next 11 times; counting them all exactly took 3 s, and
# the sample's estimates were within 2 % of the exact counts.
SCREEN = 4
# Records per side in the sample the generous rules are first counted on.
SAMPLE_RECORDS = 50_000


def _groups(items: list[Chosen]) -> list[list[Chosen]]:
    """The items in groups of the same keys and arrays (counted together in one pass)."""
    groups: dict[tuple[Any, ...], list[Chosen]] = {}
    for item in items:
        groups.setdefault((item.rule.keys, item.rule.explode), []).append(item)
    return list(groups.values())


def _count_exactly(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    items: list[Chosen],
    max_pairs: int,
    available: int,
) -> None:
    """Set each item's pairs, joined and counted exactly up to the budget (`join_pairs`).

    The pairs of a rule that may still be used (at most `available`) are kept for the
    candidates: counting them and making them is one join, not two.
    """
    for item in items:
        # An exploded rule's join repeats a pair for each shared element: ten budgets of rows.
        cap = 10 * max_pairs if item.rule.explode else max_pairs
        name = pairs_table(item)
        item.pairs, item.exact = join_pairs(con, tables, item.rule, name, cap=cap)
        item.counted = "exactly" if item.exact else "at least"
        item.table = name if item.exact else ""
        if item.table and item.pairs > available:
            con.execute(f"DROP TABLE {name}")
            item.table = ""


def _take(items: list[Chosen], budget: int) -> int:
    """Use the items, by rank and from the fewest pairs up, while they fit; return what is left."""
    for item in sorted(items, key=lambda c: (c.rule.rank, c.pairs)):
        if 0 < item.pairs <= budget:
            item.used = True
            budget -= item.pairs
    return budget


class _Sample:
    """A fixed sample of each table (the same records every run), to estimate pair counts.

    Files of at most SAMPLE_RECORDS records a side are not sampled: every rule is counted.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
        self.con = con
        self.tables: list[str] = []
        self.scale = 1.0
        sizes = [con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables]
        if max(sizes) <= SAMPLE_RECORDS:
            return
        for i, (table, size) in enumerate(zip(tables, sizes, strict=True)):
            name = f"_blocking_sample_{i}"
            # Records chosen by a hash of their row number: a sample that does not vary by run.
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {table} t "
                f"WHERE hash(t.rowid) % {max(1, size // SAMPLE_RECORDS)} = 0"
            )
            taken = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            self.scale *= size / max(taken, 1)
            self.tables.append(name)
        if len(tables) == 1:
            self.scale *= self.scale  # the pairs of one table grow as its size squared

    def count(self, group: list[Chosen]) -> list[int]:
        """Each item's pairs estimated on the sample; 0 where it is to be counted exactly."""
        if not self.tables or group[0].rule.explode:
            return [0 for _ in group]
        counts = count_group(self.con, self.tables, [item.rule for item in group])
        return [round(n * self.scale) for n in counts]

    def drop(self) -> None:
        """Drop the sample tables."""
        for name in self.tables:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
