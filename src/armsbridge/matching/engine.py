"""Run one linkage: prepare, train without labels (EM), predict, and explain each pair.

The engine knows nothing of the store: it links DuckDB tables of raw columns, so the store run,
the `link` command on an analyst's files, and the evaluation bench all share it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from armsbridge.matching import comparisons as cmp
from armsbridge.matching.backend import open_backend
from armsbridge.matching.blocking import Blocking, default_budget
from armsbridge.matching.blocking import choose as choose_blocking
from armsbridge.matching.candidates import register_candidates
from armsbridge.matching.config import MatchEngineSettings, engine_settings
from armsbridge.matching.counted import (
    count_holder_u,
    count_namesake_u,
    merge_namesake_m,
    register_namesake_frequencies,
    uses_namesake_frequencies,
)
from armsbridge.matching.dialects import translate_settings, translate_sql
from armsbridge.matching.person_rules import person_library
from armsbridge.matching.prepare import prepare_firearms, prepare_persons, prepare_vehicles

if TYPE_CHECKING:
    from splink import Linker
from armsbridge.matching.priors import apply_priors

ENTITY_TYPES = ("person", "firearm", "vehicle")
# Below this many records per side EM has too few pairs to learn from: the priors are used.
# Persons train from 250 (FEBRL1's 500 x 500 trained: F1 0.998, on priors 0.993); guns and cars
# learn from serials, plates and holders seen twice, which a small file seldom has (the MK demo
# store's 455 guns trained found none of the 6 pairs its priors find).
MIN_RECORDS_TO_TRAIN = {"person": 250, "firearm": 2000, "vehicle": 2000}


@dataclass
class LinkResult:
    """What one linkage produced: the scored pairs (a DuckDB table) and the model that scored."""

    con: duckdb.DuckDBPyConnection
    predictions: str
    model: dict[str, Any]
    trained: bool
    candidate_pairs: int
    timings: dict[str, float] = field(default_factory=dict)
    first_dataset: str = ""

    def report(self) -> dict[str, Any]:
        """How the run blocked and trained, for the analyst's run report."""
        own = self.model.get("armsbridge", {})
        return {
            "candidate_pairs": self.candidate_pairs,
            "trained": self.trained,
            "training": own.get("training", {}),
            "blocking": own.get("blocking", []),
            "max_pairs": own.get("max_pairs"),
        }

    def pairs(self, threshold: float = 0.0) -> list[tuple[str, str, float]]:
        """Return (left_id, right_id, probability) at or above `threshold`, best first."""
        # Splink may put either input on the left of a pair: turn each pair to input order.
        cols = [r[0] for r in self.con.execute(f"DESCRIBE {self.predictions}").fetchall()]
        if "source_dataset_l" in cols and self.first_dataset:
            left = (
                f"CASE WHEN source_dataset_l = '{self.first_dataset}' THEN unique_id_l "
                "ELSE unique_id_r END"
            )
            right = (
                f"CASE WHEN source_dataset_l = '{self.first_dataset}' THEN unique_id_r "
                "ELSE unique_id_l END"
            )
        else:
            left, right = "unique_id_l", "unique_id_r"
        rows = self.con.execute(
            f"SELECT {left} AS a, {right} AS b, match_probability FROM {self.predictions} "
            "WHERE match_probability >= ? AND NOT explained_away "
            "ORDER BY match_probability DESC, a, b",
            [threshold],
        ).fetchall()
        return [(str(a), str(b), float(p)) for a, b, p in rows]


# Training budgets: pairs sampled for u, and pairs per EM session (fixed, so training time does
# not grow with the data; both are plenty for the few levels each comparison has).
U_PAIRS = 4e5
EM_PAIRS = 2e5

# A pair is explained away when both of its records have a better partner by this many bits.
EXPLAIN_AWAY_BITS = 3.0


def explain_away(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Return a copy of `table` with `explained_away`: both records have a clearly better match.

    Fellegi-Sunter scores each pair alone, so twin brothers (same father, birth date and place,
    one name different) score high against each other's records. When each record of a pair
    has another partner with a clearly higher weight, the pair is the weaker explanation.
    """
    out = f"{table}_final"
    con.execute(f"""
    CREATE OR REPLACE TABLE {out} AS
    WITH best AS (
      SELECT id, max(w) AS w FROM (
        SELECT unique_id_l AS id, match_weight AS w FROM {table}
        UNION ALL SELECT unique_id_r, match_weight FROM {table}) GROUP BY id)
    SELECT p.*, (bl.w >= p.match_weight + {EXPLAIN_AWAY_BITS}
                 AND br.w >= p.match_weight + {EXPLAIN_AWAY_BITS}) AS explained_away
    FROM {table} p JOIN best bl ON bl.id = p.unique_id_l JOIN best br ON br.id = p.unique_id_r
    """)
    return out


def _present_columns(con: duckdb.DuckDBPyConnection, tables: list[str]) -> set[str]:
    cols = [r[0] for r in con.execute(f"DESCRIBE {tables[0]}").fetchall()]
    present = set(cols)
    for t in tables:
        counts = con.execute(
            "SELECT " + ", ".join(f'count("{c}")' for c in cols) + f" FROM {t}"
        ).fetchall()[0]
        present &= {c for c, n in zip(cols, counts or (), strict=True) if n}
    return present


def _settings_for(
    entity: str, present: set[str], link_type: str, large: bool = True
) -> dict[str, Any]:
    if entity == "person":
        return cmp.person_settings(present, link_type=link_type, tf=large)
    if entity == "firearm":
        return cmp.firearm_settings(link_type=link_type, present=present)
    if entity == "vehicle":
        return cmp.vehicle_settings(link_type=link_type, present=present)
    raise ValueError(f"unknown entity type {entity!r}; expected one of {ENTITY_TYPES}")


def _training_rules(entity: str, present: set[str]) -> list[str]:
    if entity == "person":
        return cmp.person_training_rules(present)
    if entity == "firearm":
        # Serials are learnt only where most pairs are one gun: the same holder's only gun of
        # that model. EM on all guns of one model (nearly all different guns) learnt, in some
        # runs, that matches often differ in serial.
        rules = ['l."sfull" = r."sfull"']
        if "holder" in present:
            rules.append(
                'l."holder" = r."holder" AND l."model" = r."model"'
                ' AND l."hguns" = 1 AND r."hguns" = 1'
            )
        return rules
    return ['l."plate" = r."plate"', 'l."vin8" = r."vin8"']


def link_tables(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    tables: list[str],
    *,
    threshold: float = 0.0,
    model: dict[str, Any] | None = None,
    train: bool | None = None,
    settings: MatchEngineSettings | None = None,
    progress: Callable[[str], None] | None = None,
    evidence_columns: bool = True,
    max_pairs: int | None = None,
) -> LinkResult:
    """Link two tables (link_only) or deduplicate one, returning scored pairs and the model."""
    import time

    settings = settings or engine_settings()
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    say("preparing keys")
    prepare = {"person": prepare_persons, "firearm": prepare_firearms, "vehicle": prepare_vehicles}
    prepared = prepare[entity](con, tables)
    timings["prepare_s"] = time.perf_counter() - t0
    link_type = "link_only" if len(tables) > 1 else "dedupe_only"
    t_setup = time.perf_counter()
    present = _present_columns(con, prepared)
    if "nk" not in present and entity == "person":
        present.add("nk")
    sizes = [con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in prepared]
    least = MIN_RECORDS_TO_TRAIN[entity]
    large = min(sizes) >= least
    if model is not None:
        # A saved model carries armsbridge's own record of the run, which Splink does not read.
        splink_settings = {k: v for k, v in model.items() if k != "armsbridge"}
    else:
        splink_settings = apply_priors(_settings_for(entity, present, link_type, large))
    if model is None and large and entity in ("firearm", "vehicle") and "holder" in present:
        count_holder_u(con, prepared, splink_settings)
    namesake_priors: list[str] = []
    if model is None and large and entity == "person":
        namesake_priors = count_namesake_u(con, prepared, splink_settings)
    blocking = None
    if model is None and entity == "person":
        say("counting the pairs of each blocking rule")
        blocking = choose_blocking(
            con,
            prepared,
            person_library(present),
            max_pairs or settings.max_pairs or default_budget(sum(sizes), settings.threads),
        )
        splink_settings["blocking_rules_to_generate_predictions"] = [
            r.splink() for r in blocking.rules
        ]
    if model is None and not evidence_columns:
        splink_settings["retain_intermediate_calculation_columns"] = False
        splink_settings["retain_matching_columns"] = False
    # Splink is imported here, not at the top: every armsbridge command imports this module and
    # few of them link (docs/dev/decisions.md, "Heavy libraries imported where first used").
    from splink import Linker

    backend = open_backend(con, settings)
    try:
        splink_settings = translate_settings(splink_settings, backend.dialect)
        # Splink keys every record by "<dataset name>-__-<id>" in each pass: short names.
        frames = [backend.register(t, str(i)) for i, t in enumerate(prepared)]
        linker = Linker(frames, splink_settings, log_level=logging.ERROR)
        if uses_namesake_frequencies(splink_settings):
            register_namesake_frequencies(con, linker, backend, prepared)
        do_train = large if train is None else train
        do_train = do_train and model is None
        timings["setup_s"] = time.perf_counter() - t_setup
        if model is None:
            # Before training, expect about one true match per record of the larger side.
            linker._settings_obj._probability_two_random_records_match = min(0.01, 1 / max(sizes))
        t1 = time.perf_counter()
        reverted: list[str] = []
        no_em: list[str] = []
        if do_train:
            say("training (EM, no labels)")
            no_em = _train(linker, entity, present, settings.seed, backend.dialect)
            trained_model = linker.misc.save_model_to_json()
            reverted = _guard_model(trained_model, splink_settings)
            floor_disagreement(trained_model)
            merge_namesake_m(trained_model, splink_settings)
            linker = Linker(frames, trained_model, log_level=logging.ERROR)
        timings["train_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        say("scoring candidate pairs")
        if blocking is not None:
            register_candidates(con, linker, backend, prepared, blocking.rules, blocking.made())
        df = linker.inference.predict(
            threshold_match_probability=threshold or None, warning_mode="never"
        )
        table = backend.fetch(df)
        timings["predict_s"] = time.perf_counter() - t2
        model_json = linker.misc.save_model_to_json()
    finally:
        backend.close()
    model_json["armsbridge"] = {
        "model_version": cmp.MODEL_VERSION,
        "entity": entity,
        "seed": settings.seed,
        "trained": do_train,
        "sizes": sizes,
        "reverted_to_priors": reverted,
        "backend": backend.dialect,
        "blocking": _blocking_report(con, table, blocking, splink_settings),
        "max_pairs": blocking.max_pairs if blocking else None,
        "training": _training_report(do_train, sizes, least, reverted + no_em, namesake_priors),
    }
    n_pairs = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # type: ignore[index]
    t3 = time.perf_counter()
    final = explain_away(con, table)
    timings["explain_away_s"] = time.perf_counter() - t3
    return LinkResult(con, final, model_json, do_train, int(n_pairs), timings, "0")


def _blocking_report(
    con: duckdb.DuckDBPyConnection,
    table: str,
    blocking: Blocking | None,
    settings: dict[str, Any],
) -> list[dict[str, Any]]:
    """Each rule with the pairs it was counted to join and the scored pairs it found first."""
    found = dict(
        con.execute(f"SELECT match_key, count(*) FROM {table} GROUP BY match_key").fetchall()
    )
    if blocking is None:
        rules = settings.get("blocking_rules_to_generate_predictions", [])
        return [
            {"rule": r if isinstance(r, str) else r["blocking_rule"], "found": found.get(str(i), 0)}
            for i, r in enumerate(rules)
        ]
    lines = blocking.report()
    for i, line in enumerate(lines[: len(blocking.rules)]):
        line["found"] = found.get(str(i), 0)
    return lines


def _training_report(
    trained: bool, sizes: list[int], least: int, reverted: list[str], namesake_priors: list[str]
) -> dict[str, Any]:
    """What was learnt from the files and what came from the documented priors, and why."""
    if not trained:
        return {
            "learnt_from_data": [],
            "priors": "all m and u (docs/dev/matching-model.md, priors)",
            "why": f"fewer than {least} records on a side ({min(sizes)}): too few "
            "pairs to learn from",
        }
    return {
        "learnt_from_data": [
            "u of each level (random pairs of these files)",
            "m of each level (EM on these files, no labels)",
            "share of pairs that match",
        ],
        "priors": ", ".join(reverted + namesake_priors) or "none",
        "why": "; ".join(
            why
            for why, given in (
                ("EM turned these upside down, or found too few pairs to learn from", reverted),
                (
                    f"no name is carried by more than {cmp.COMMON_NAME} records, so the u of "
                    "agreement between namesakes cannot be counted",
                    namesake_priors,
                ),
            )
            if given
        ),
    }


def _train(linker: Linker, entity: str, present: set[str], seed: int, dialect: str) -> list[str]:
    """Train the linker; return the EM rules that had too few pairs (their comparisons keep
    the priors)."""
    # Deterministic rules for the share of matches: strict ones, or namesakes inflate it.
    exact: list[Any] = (
        ['l."nk" = r."nk" AND l."bd" = r."bd" AND length(l."bd") = 10']
        if entity == "person"
        else ['l."sfull" = r."sfull"']
    )
    if entity == "vehicle":
        exact = ['l."vin" = r."vin"']
    exact = [translate_sql(rule, "duckdb", dialect) for rule in exact]
    before = linker._settings_obj._probability_two_random_records_match
    linker.training.estimate_probability_two_random_records_match(exact, recall=0.6)
    if not 0 < linker._settings_obj._probability_two_random_records_match < 1:
        # No pair meets the strict rules (a small file of guns with no serial read twice): a
        # share of 0 would make every weight minus infinity; the prior share stays.
        linker._settings_obj._probability_two_random_records_match = before
    # One chunk: the rarest levels (a name key shared by chance) never reach Splink's early-stop
    # count, so its probe-and-chunk passes all run and only add queries (same sample, same u).
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed, num_chunks=1)
    skipped: list[str] = []
    for rule in _training_rules(entity, present):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                translate_sql(rule, "duckdb", dialect), max_pairs=EM_PAIRS
            )
        except Exception as exc:  # noqa: BLE001 - a rule with too few pairs keeps the priors
            logging.getLogger(__name__).debug("EM on %s kept priors: %s", rule, exc)
            skipped.append(rule)
    return skipped


# The least m a "different" level keeps: one field in a thousand is miswritten beyond any
# similarity level (two typos in a short name, a wrong birth place), so no single field can
# veto a match by more than about ten bits. EM, which sees such pairs only among non-matches,
# learnt m down to 1e-9 for names (at 10^4 records: 5e-4 of true pairs had "different" names).
MIN_M_DIFFERENT = 1e-3


def floor_disagreement(model: dict[str, Any]) -> None:
    """Raise to MIN_M_DIFFERENT the m of every level of every comparison.

    The last ("different") level for the reason above; the others because EM sees a level
    that training blocks rarely reach (one digit of a birth date mistyped) almost only among
    non-matches, and learnt m = 1e-20 for it: a veto of 50 bits on one typo.
    """
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        if len(levels) < 2:
            continue
        for level in levels:
            if level.get("m_probability") is not None:
                level["m_probability"] = max(level["m_probability"], MIN_M_DIFFERENT)


def _guard_model(model: dict[str, Any], priors: dict[str, Any]) -> list[str]:
    """Put back the prior m of any comparison EM turned upside down; return their names.

    EM without labels can converge on the wrong split (for instance "same name" against
    "different name" instead of match against non-match). A trained comparison whose best level
    is less likely among matches than its worst level is such a case.
    """
    reverted = []
    prior_by_name = {c["output_column_name"]: c for c in priors["comparisons"]}
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        best, worst = levels[0].get("m_probability"), levels[-1].get("m_probability")
        if best is None or worst is None or best >= worst:
            continue
        prior = prior_by_name.get(comp["output_column_name"])
        if prior is not None:
            # Only m came from the failed EM; u was counted on random pairs and stays.
            for level, prior_level in zip(
                comp["comparison_levels"], prior["comparison_levels"], strict=True
            ):
                if "m_probability" in prior_level:
                    level["m_probability"] = prior_level["m_probability"]
            reverted.append(comp["output_column_name"])
    return reverted


def evidence(model: dict[str, Any], row: dict[str, Any]) -> list[dict[str, Any]]:
    """Explain one scored pair: per comparison, the level reached and its match weight."""
    out = []
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        gamma = row.get(f"gamma_{name}")
        mw = row.get(f"mw_{name}")
        if gamma is None:
            continue
        levels = comp["comparison_levels"]
        # Splink numbers levels from the top: the null level is -1, the rest count down to 0.
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        if gamma == -1:
            label = "missing"
        else:
            idx = len(non_null) - 1 - int(gamma)
            label = non_null[idx]["label_for_charts"] if 0 <= idx < len(non_null) else str(gamma)
        weight = float(mw) if mw is not None else 0.0
        out.append(
            {
                "comparison": name,
                "level": label,
                "match_weight": round(weight, 2),
                "agrees": weight > 0,
            }
        )
    return out
