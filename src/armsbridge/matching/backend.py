"""The one place that chooses the Splink backend: DuckDB in process, or Spark at regional scale."""

from __future__ import annotations

from typing import Any, Literal

import duckdb
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MatchEngineSettings(BaseSettings):
    """Engine settings, each one settable as ARMSBRIDGE_MATCH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ARMSBRIDGE_MATCH_", env_file=None, extra="ignore")

    backend: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Splink backend: duckdb (in process, default) or spark (needs pyspark and a "
        "SparkSession; for regional scale).",
    )
    seed: int = Field(default=20240611, description="Seed for sampling during training.")
    memory_limit: str = Field(default="5GB", description="DuckDB memory limit for one run.")
    threads: int = Field(default=2, description="DuckDB worker threads for one run.")
    temp_directory: str = Field(
        default="", description="Where DuckDB may spill to disk; empty means its default."
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


def make_db_api(con: Any, settings: MatchEngineSettings | None = None) -> Any:
    """Return the Splink database API for the configured backend.

    With duckdb, `con` is a DuckDB connection holding the prepared tables. With spark, `con` is a
    SparkSession whose catalog holds tables of the same names and columns; the Splink settings
    use only SQL both dialects accept (jaro_winkler_similarity, list functions are translated by
    Splink's dialect layer where they differ).
    """
    settings = settings or engine_settings()
    if settings.backend == "spark":
        from splink import SparkAPI  # optional: pyspark is not a dependency of a default node

        return SparkAPI(spark_session=con)
    from splink import DuckDBAPI

    return DuckDBAPI(connection=con)
