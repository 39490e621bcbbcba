"""The one place that chooses the Splink backend: DuckDB in process, or Spark at regional scale.

Keys are prepared, namesakes counted and pairs explained away in DuckDB whatever the backend
(prepare.py, counted.py, engine.explain_away): the backend only runs Splink's training and
scoring. The comparisons and rules are written in DuckDB SQL and translated for Spark here.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import duckdb
import sqlglot
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlglot import exp


class MatchEngineSettings(BaseSettings):
    """Engine settings, each one settable as ARMSBRIDGE_MATCH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ARMSBRIDGE_MATCH_", env_file=None, extra="ignore")

    backend: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Splink backend: duckdb (in process, default) or spark (regional scale; "
        "needs Java 17+ and the 'spark' extra).",
    )
    seed: int = Field(default=20240611, description="Seed for sampling during training.")
    memory_limit: str = Field(
        default="5GB", description="Memory for one run: DuckDB's limit, and Spark's driver memory."
    )
    threads: int = Field(
        default=2, description="Worker threads for one run (DuckDB and local Spark)."
    )
    temp_directory: str = Field(
        default="", description="Where the run may spill to disk; empty means the system default."
    )
    spark_master: str = Field(
        default="",
        description="Spark master URL (spark://host:7077, yarn, ...); empty means local[threads] "
        "in a JVM started for this process.",
    )
    spark_partitions: int = Field(
        default=8, description="Spark shuffle partitions (raise with the data and the cluster)."
    )


def engine_settings() -> MatchEngineSettings:
    """Return the engine settings read from the environment."""
    return MatchEngineSettings()


def duckdb_connection(settings: MatchEngineSettings | None = None) -> duckdb.DuckDBPyConnection:
    """Return a fresh in-memory DuckDB connection with the run's memory and thread limits."""
    settings = settings or engine_settings()
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{settings.memory_limit}'")
    con.execute(f"SET threads = {int(settings.threads)}")
    con.execute("SET preserve_insertion_order = false")
    if settings.temp_directory:
        con.execute(f"SET temp_directory = '{settings.temp_directory}'")
    return con


class Backend(Protocol):
    """What the engine asks of a Splink backend, given DuckDB tables in and out."""

    dialect: str

    def register(self, table: str, name: str) -> Any:
        """Hand a DuckDB table to Splink under the dataset name `name`."""

    def fetch(self, frame: Any) -> str:
        """Return the name of a DuckDB table holding Splink's output `frame`."""

    def close(self) -> None:
        """Free what the run held (temporary files, cached tables)."""


class DuckDBBackend:
    """Splink on the DuckDB connection that holds the prepared tables: nothing is copied."""

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        from splink import DuckDBAPI

        self.api = DuckDBAPI(connection=con)

    def register(self, table: str, name: str) -> Any:
        """Register the DuckDB table itself."""
        return self.api.register(table, dataset_display_name=name)

    def fetch(self, frame: Any) -> str:
        """Splink's output is a DuckDB table already."""
        return str(frame.physical_name)

    def close(self) -> None:
        """Nothing to free: the tables live as long as the connection."""


def open_backend(
    con: duckdb.DuckDBPyConnection, settings: MatchEngineSettings | None = None
) -> Backend:
    """Return the configured backend for a run over the tables of `con`."""
    settings = settings or engine_settings()
    if settings.backend == "spark":
        from armsbridge.matching.spark import SparkBackend

        return SparkBackend(con, settings)
    return DuckDBBackend(con)


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
