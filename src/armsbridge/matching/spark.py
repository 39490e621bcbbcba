"""Splink on Spark, for regional scale: prepared DuckDB tables go in and scored pairs come back
as Parquet files in a working directory of the run (columnar both ways, nothing through Python).

Spark runs in a JVM: Java 17 or newer and the `spark` extra (pyspark) must be installed. With no
master URL the JVM is started for this process with local[threads].
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.matching.config import MatchEngineSettings
from armsbridge.matching.dialects import JARO_WINKLER_UDF

LOG_CONFIG = Path(__file__).with_name("data") / "spark-log4j2.properties"
_ONE_RUN = threading.Lock()


def _spark_memory(limit: str) -> str:
    """Return a DuckDB-style memory limit ("5GB", "512MB") in Spark's form ("5g", "512m")."""
    found = re.fullmatch(r"\s*(\d+)\s*([KMGT])i?B?\s*", limit, re.IGNORECASE)
    if not found:
        raise UserError(
            N_(
                "ARMSBRIDGE_MATCH_MEMORY_LIMIT=%(limit)r: expected a whole number and a "
                "unit, such as 5GB or 512MB"
            ),
            values={"limit": limit},
        )
    return f"{found.group(1)}{found.group(2).lower()}"


def spark_session(settings: MatchEngineSettings) -> Any:
    """Return this process's Spark session, with armsbridge's Jaro-Winkler registered.

    The JVM starts with the first run of the process: later runs share it and its memory.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UserError(
            "ARMSBRIDGE_MATCH_BACKEND=spark needs pyspark: install armsbridge with the 'spark' "
            "extra (pip install 'armsbridge[spark]') and Java 17 or newer"
        ) from exc
    local = not settings.spark_master
    builder = (
        SparkSession.builder.master(settings.spark_master or f"local[{int(settings.threads)}]")
        .appName("armsbridge-match")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONFIG}")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", _spark_memory(settings.memory_limit))
        .config("spark.sql.shuffle.partitions", str(int(settings.spark_partitions)))
        .config("spark.default.parallelism", str(int(settings.spark_partitions)))
        .config("spark.ui.enabled", "false")
    )
    if local:
        # A local driver serves only this process: it listens on loopback, not on the network;
        # its Python workers (Jaro-Winkler, below) run in this interpreter, with its packages.
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config(
            "spark.driver.host", "127.0.0.1"
        )
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if settings.temp_directory:
        builder = builder.config("spark.local.dir", settings.temp_directory)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - no JVM, or a master that cannot be reached
        raise UserError(
            N_(
                "ARMSBRIDGE_MATCH_BACKEND=spark: Spark did not start (%(name)s: %(value)s); "
                "check that Java 17 or newer is installed and ARMSBRIDGE_MATCH_SPARK_MASTER "
                "is reachable"
            ),
            values={
                "name": type(exc).__name__,
                "value": str(exc).splitlines()[0] if str(exc) else "no message",
            },
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    register_jaro_winkler(session)
    return session


def register_jaro_winkler(session: Any) -> None:
    """Register JARO_WINKLER_UDF: rapidfuzz's Jaro-Winkler, the one DuckDB computes too.

    Splink's jar brings a Java jaro_winkler that scores some pairs differently (0.598 against
    0.626 for pavlovski / martinovski), which moves pairs across the comparison levels. An Arrow
    UDF costs about 1.2 µs a pair on one core against 0.4 µs, for the same scores on both backends.
    """
    from pyspark.sql.functions import arrow_udf
    from pyspark.sql.types import DoubleType
    from rapidfuzz.distance import JaroWinkler

    @arrow_udf(DoubleType())  # type: ignore[call-overload]  # the stubs miss this form
    def jaro_winkler(left: pa.Array, right: pa.Array) -> pa.Array:
        similarity = JaroWinkler.similarity
        return pa.array(
            [
                None if a is None or b is None else similarity(a, b)
                for a, b in zip(left.to_pylist(), right.to_pylist(), strict=True)
            ],
            type=pa.float64(),
        )

    session.udf.register(JARO_WINKLER_UDF, jaro_winkler)


class SparkBackend:
    """Splink's SparkAPI, fed from and returning to the run's DuckDB connection."""

    dialect = "spark"

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: MatchEngineSettings) -> None:
        # The checkpoint directory belongs to the whole Spark context: one run at a time.
        _ONE_RUN.acquire()
        try:
            self._start(con, settings)
        except BaseException:
            _ONE_RUN.release()
            raise

    def _start(self, con: duckdb.DuckDBPyConnection, settings: MatchEngineSettings) -> None:
        self.con = con
        self.spark = spark_session(settings)  # first: it tells a missing pyspark clearly

        from splink import SparkAPI

        self.workdir = Path(
            tempfile.mkdtemp(prefix="armsbridge-spark-", dir=settings.temp_directory or None)
        )
        # Splink writes each large intermediate table to Parquet under the checkpoint directory.
        self.spark.sparkContext.setCheckpointDir(str(self.workdir / "checkpoints"))
        self.api = SparkAPI(
            spark_session=self.spark,
            break_lineage_method="parquet",
            num_partitions_on_repartition=int(settings.spark_partitions),
            # The comparisons use no function of Splink's jar (Jaro-Winkler is our own UDF).
            register_udfs_automatically=False,
        )
        self.run = uuid.uuid4().hex[:8]
        self.views_before = self._views()

    def _views(self) -> set[str]:
        return {t.name for t in self.spark.catalog.listTables() if t.isTemporary}

    def register(self, table: str, name: str) -> Any:
        """Write the DuckDB table to Parquet and register it with Splink as a Spark table."""
        path = self.workdir / f"in_{table}"
        self.con.execute(f"COPY {table} TO '{path}' (FORMAT parquet, PER_THREAD_OUTPUT)")
        frame = self.spark.read.parquet(str(path))
        return self.api.register(
            frame, dataset_display_name=name, table_name=f"ab_{self.run}_{table}"
        )

    def fetch(self, frame: Any) -> str:
        """Write Splink's Spark output to Parquet and load it into a DuckDB table."""
        name = str(frame.physical_name)
        path = self.workdir / f"out_{name}"
        frame.as_spark_dataframe().write.mode("overwrite").parquet(str(path))
        self.con.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet('{path}/*.parquet')"
        )
        return name

    def close(self) -> None:
        """Drop the Spark tables the run made and delete its working directory."""
        try:
            for view in self._views() - self.views_before:
                self.spark.catalog.dropTempView(view)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
            _ONE_RUN.release()
