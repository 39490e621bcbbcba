"""The one place that chooses the Splink backend: DuckDB in process, or Spark at regional scale.

Keys are prepared, namesakes counted and pairs explained away in DuckDB whatever the backend
(prepare.py, counted.py, engine.explain_away): the backend only runs Splink's training and
scoring. The comparisons and rules are written in DuckDB SQL and translated for Spark by
`dialects.py`; the engine settings and the run's DuckDB connection are in `config.py`.
"""

from __future__ import annotations

from typing import Any, Protocol

import duckdb

from armsbridge.matching.config import MatchEngineSettings, engine_settings
from armsbridge.matching.spark import SparkBackend


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
        return SparkBackend(con, settings)
    return DuckDBBackend(con)
