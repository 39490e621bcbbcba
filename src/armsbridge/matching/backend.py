"""The one place that chooses the Splink backend: DuckDB in process, or Spark at regional scale."""

from __future__ import annotations

from typing import Any, Literal

import duckdb
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from armsbridge.errors import UserError


class MatchEngineSettings(BaseSettings):
    """Engine settings, each one settable as ARMSBRIDGE_MATCH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ARMSBRIDGE_MATCH_", env_file=None, extra="ignore")

    backend: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Splink backend: duckdb (in process, default); spark is reserved for regional "
        "scale and refused by this version.",
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

    `con` is the DuckDB connection holding the prepared tables. The setting accepts "spark" so
    that a node can be configured for it, but this version refuses it with a clear message.
    """
    settings = settings or engine_settings()
    if settings.backend == "spark":
        # Keys are prepared in DuckDB SQL (prepare.py); Spark would need that preparation and the
        # comparisons' DuckDB functions (list_has_any, starts_with) in its own dialect first.
        raise UserError(
            "ARMSBRIDGE_MATCH_BACKEND=spark: the Spark backend is not available in this version "
            "(key preparation runs in DuckDB only); unset it to use the default, duckdb"
        )
    from splink import DuckDBAPI

    return DuckDBAPI(connection=con)
