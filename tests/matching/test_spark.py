"""The Spark backend scores every pair as the DuckDB backend does, on the same records."""

from __future__ import annotations

import builtins
import shutil
from pathlib import Path
from typing import Any

import pytest

from armsbridge.errors import UserError
from armsbridge.matching import comparisons as cmp
from armsbridge.matching.config import MatchEngineSettings, duckdb_connection
from armsbridge.matching.dialects import translate_settings, translate_sql
from armsbridge.matching.engine import evidence, link_tables
from armsbridge.matching.prepare import table_from_rows
from armsbridge.matching.priors import apply_priors

from .test_engine import MK, XK, _accomplices

SPARK = MatchEngineSettings(backend="spark", memory_limit="1GB", spark_partitions=2)
needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="the Spark backend needs Java (.ci/run installs it)"
)

GUNS = (
    [
        {"unique_id": "f1", "serial": "ZK-10O234", "make": "Zoraki", "model": "914"},
        {"unique_id": "f2", "serial": "M70-44**1", "make": "Zastava", "model": "M70"},
        {"unique_id": "f3", "serial": "551203", "make": "CZ", "model": "99", "calibre": "9x19"},
    ],
    [
        {"unique_id": "g1", "serial": "ZK100234", "make": "ZORAKI", "model": "914"},
        {"unique_id": "g2", "serial": "M7044701", "make": "Zastava", "model": "M70"},
        {"unique_id": "g4", "serial": "998812", "make": "CZ", "model": "99", "calibre": "9x19"},
    ],
)
CARS = (
    [{"unique_id": "v1", "plate": "SK 1234 AB", "make": "VW", "model": "Golf"}],
    [
        {"unique_id": "w1", "plate": "ЅК-1234-АВ", "make": "Volkswagen", "model": "Golf"},
        {"unique_id": "w2", "plate": "SK-1239-AB", "make": "VW", "model": "Polo"},
    ],
)
# Two men with one name in common, the other one close (Jaro-Winkler 0.626 in DuckDB, 0.598 in
# the Java implementation Splink's Spark jar brings), each in a case with a Fatmir Selimi.
CLOSE_NAMES = (
    [
        {
            "unique_id": "m1",
            "given_name": "Ѓорѓи",
            "family_name": "Мартиновски",
            "associates": "m2",
        },
        {"unique_id": "m2", "given_name": "Фатмир", "family_name": "Селими", "associates": "m1"},
    ],
    [
        {
            "unique_id": "x1",
            "given_name": "Gjorgji",
            "family_name": "Pavlovski",
            "associates": "x2",
        },
        {"unique_id": "x2", "given_name": "Fatmir", "family_name": "Selimi", "associates": "x1"},
    ],
)
PHONES = (
    [{"unique_id": "m1", "given_name": "Агрон", "family_name": "Гаши", "phone": "+38344123456"}],
    [
        {
            "unique_id": "x1",
            "given_name": "Artan",
            "family_name": "Berisha",
            "phone": "+38971222333;044 123 456",
        }
    ],
)


def _scored(entity: str, sides: tuple[list[dict], ...], settings: MatchEngineSettings) -> Any:
    """Link (two sides) or deduplicate (one side); return pairs and evidence per pair."""
    con = duckdb_connection(settings)
    names = [f"side{i}" for i in range(len(sides))]
    for name, rows in zip(names, sides, strict=True):
        table_from_rows(con, name, entity, rows)
    result = link_tables(con, entity, names, settings=settings)
    cur = con.execute(f"SELECT * FROM {result.predictions}")
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, v, strict=True)) for v in cur.fetchall()]
    explained = {
        frozenset((r["unique_id_l"], r["unique_id_r"])): evidence(result.model, r) for r in rows
    }
    return result.pairs(0.0), explained, result.model


@needs_java
@pytest.mark.xdist_group("spark")
@pytest.mark.parametrize(
    ("entity", "sides"),
    [
        ("person", (MK, XK)),
        ("person", (MK + XK,)),  # one table: duplicates within it
        ("person", _accomplices(with_associates=True)),
        ("person", PHONES),
        ("person", CLOSE_NAMES),
        ("firearm", GUNS),
        ("vehicle", CARS),
    ],
    ids=[
        "persons",
        "persons-dedupe",
        "associates",
        "phones",
        "close-names",
        "firearms",
        "vehicles",
    ],
)
def test_spark_scores_every_pair_as_duckdb_does(entity: str, sides: tuple) -> None:
    duck_pairs, duck_evidence, _ = _scored(entity, sides, MatchEngineSettings())
    spark_pairs, spark_evidence, model = _scored(entity, sides, SPARK)
    assert duck_pairs, "the data must give pairs to compare"
    assert [(a, b) for a, b, _ in spark_pairs] == [(a, b) for a, b, _ in duck_pairs]
    for (_, _, p_spark), (_, _, p_duck) in zip(spark_pairs, duck_pairs, strict=True):
        assert p_spark == pytest.approx(p_duck, abs=1e-9)
    assert spark_evidence == duck_evidence
    assert model["armsbridge"]["backend"] == "spark" and model["sql_dialect"] == "spark"


@needs_java
@pytest.mark.xdist_group("spark")
def test_a_model_saved_on_spark_scores_on_duckdb_and_back() -> None:
    _, _, spark_model = _scored("person", (MK, XK), SPARK)
    con = duckdb_connection()
    table_from_rows(con, "mk", "person", MK)
    table_from_rows(con, "xk", "person", XK)
    again = link_tables(con, "person", ["mk", "xk"], model=spark_model)
    assert {(a, b) for a, b, _ in again.pairs(0.5)} == {
        ("mk1", "xk1"),
        ("mk2", "xk2"),
        ("mk3", "xk3"),
    }
    assert again.model["sql_dialect"] == "duckdb"


def test_conditions_use_the_function_names_spark_knows() -> None:
    overlap = translate_sql('list_has_any("phones_l", "phones_r")', "duckdb", "spark")
    assert overlap.lower() == "arrays_overlap(`phones_l`, `phones_r`)"
    similar = translate_sql('jaro_winkler_similarity("n1_l", "n1_r") >= 0.9', "duckdb", "spark")
    assert similar.lower() == "armsbridge_jaro_winkler(`n1_l`, `n1_r`) >= 0.9"
    # And back: a model saved on Spark reads the same on DuckDB.
    assert translate_sql(overlap, "spark", "duckdb") == '"phones_l" && "phones_r"'
    assert translate_sql(similar, "spark", "duckdb").lower().startswith("jaro_winkler_similarity(")


def test_every_condition_and_rule_is_translated_and_duckdb_settings_are_untouched() -> None:
    settings = apply_priors(cmp.person_settings({"nk", "fk", "bd", "phone", "assoc", "links"}))
    assert translate_settings(settings, "duckdb") is settings
    spark = translate_settings(settings, "spark")
    conditions = [
        lv["sql_condition"] for c in spark["comparisons"] for lv in c["comparison_levels"]
    ]
    rules = [
        r["blocking_rule"] if isinstance(r, dict) else r
        for r in spark["blocking_rules_to_generate_predictions"]
    ]
    assert spark["sql_dialect"] == "spark"
    # Double quotes are string literals in Spark SQL: no identifier may keep them.
    assert not [sql for sql in conditions + rules if '"' in sql]
    assert not [sql for sql in conditions if "list_has_any" in sql or "_similarity" in sql]
    exploded = spark["blocking_rules_to_generate_predictions"][0]
    assert exploded["arrays_to_explode"] == ["links"]
    # The settings given are not changed.
    assert '"' in settings["comparisons"][0]["comparison_levels"][1]["sql_condition"]


def test_spark_without_pyspark_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pyspark(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyspark"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    con = duckdb_connection()
    table_from_rows(con, "one", "person", [{"unique_id": "a", "given_name": "Arben"}])
    with pytest.raises(UserError, match=r"needs pyspark: install armsbridge with the 'spark'"):
        link_tables(con, "person", ["one"], settings=SPARK)


def test_a_memory_limit_spark_cannot_read_is_a_clear_error() -> None:
    from armsbridge.matching.spark import _spark_memory

    assert _spark_memory("5GB") == "5g" and _spark_memory("512 MiB") == "512m"
    with pytest.raises(UserError, match=r"MEMORY_LIMIT='80%': expected a whole number and a unit"):
        _spark_memory("80%")


@needs_java
@pytest.mark.xdist_group("spark")
def test_a_spark_run_leaves_no_records_behind(tmp_path: Path) -> None:
    from armsbridge.matching.spark import spark_session

    settings = SPARK.model_copy(update={"temp_directory": str(tmp_path)})
    views = {t.name for t in spark_session(settings).catalog.listTables()}
    # A session started here keeps its own scratch folders here until the JVM ends.
    scratch = set(tmp_path.iterdir())
    pairs, _, _ = _scored("person", (MK, XK), settings)
    assert pairs
    # The prepared records (personal data) were written under the temporary directory.
    assert set(tmp_path.iterdir()) == scratch
    assert {t.name for t in spark_session(settings).catalog.listTables()} == views
