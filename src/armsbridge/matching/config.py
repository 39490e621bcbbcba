"""Settings of the match engine (ARMSBRIDGE_MATCH_*) and the DuckDB connection of one run."""

from __future__ import annotations

from typing import Literal

import duckdb
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    max_pairs: int | None = Field(
        default=None,
        gt=0,
        description="Most candidate pairs one person run scores; blocking rules are chosen to "
        "fit. Empty: 500,000 per thread, or 2 per record where that is more.",
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
