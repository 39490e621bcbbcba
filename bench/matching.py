"""Matching evaluation: precision, recall, F1, time and peak memory against two baselines.

Data: either the synthetic world (`--synth DIR`, written by `armsbridge synth`; truth from
DIR/truth/*.csv) or, with no --synth, a self-contained set built from the hand-written spellings
in src/armsbridge/names/data/spellings.csv (each person written once per side, MK and XK, with
script, typing and recording noise). Every method runs in its own process so that its peak
memory (ru_maxrss) is its own.

    python bench/matching.py --sizes 10000,100000 [--synth DIR] [--methods armsbridge,plain]

Method `spark` is armsbridge on the Spark backend (Java 17+, pyspark); its peak memory adds the
JVM's to the Python process's.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from linkscore import pair_scores

ROOT = Path(__file__).resolve().parent.parent
SPELLINGS = ROOT / "src/armsbridge/names/data/spellings.csv"
RESULTS = ROOT / "bench/results/matching.json"
THRESHOLD = 0.5
PLACES = [  # (Albanian, Macedonian Cyrillic, Serbian Latin)
    ("Tetovë", "Тетово", "Tetovo"),
    ("Prizren", "Призрен", "Prizren"),
    ("Gostivar", "Гостивар", "Gostivar"),
    ("Kumanovë", "Куманово", "Kumanovo"),
    ("Shkup", "Скопје", "Skoplje"),
    ("Prishtinë", "Приштина", "Priština"),
    ("Gjilan", "Гњилане", "Gnjilane"),
    ("Strugë", "Струга", "Struga"),
    ("Kërçovë", "Кичево", "Kičevo"),
    ("Ferizaj", "Урошевац", "Uroševac"),
]
PERSON_FIELDS = (
    "unique_id",
    "given_name",
    "family_name",
    "father_name",
    "birth_date",
    "birth_place",
    "sex",
    "script",
)


def _spellings() -> dict[tuple[str, str], list[dict[str, str]]]:
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    with SPELLINGS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault((row["kind"], row["origin"]), []).append(row)
    # More family names, formed the way many are: from a forefather's given name (Bajram ->
    # Bajrami in Albanian; Trajko -> Trajkovski in Macedonian), in each hand-written spelling.
    for row in out[("given_m", "sq")]:
        if row["sq"][-1] not in "aeiouë":
            out[("family", "sq")].append(
                {
                    k: v + ("и" if k == "mk" else "i")
                    for k, v in row.items()
                    if k in ("sq", "mk", "sr", "ascii")
                }
            )
    for row in out[("given_m", "mk")]:
        fam = {}
        for k in ("sq", "mk", "sr", "ascii"):
            stem = row[k][:-1] if row[k][-1] in "aeoiаеои" else row[k]
            fam[k] = stem + ("овски" if k == "mk" else "ovski")
        out[("family", "mk")].append(fam)
    return out


def _female(family: dict[str, str]) -> dict[str, str]:
    out = {}
    for k in ("sq", "mk", "sr", "ascii"):
        v = family[k]
        for m, f in (
            ("ski", "ska"),
            ("ски", "ска"),
            ("ov", "ova"),
            ("ов", "ова"),
            ("ev", "eva"),
            ("ев", "ева"),
        ):
            if v.endswith(m):
                v = v[: -len(m)] + f
                break
        out[k] = v
    return out


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s))
    op = rng.random()
    if op < 0.33:
        return s[:i] + s[i + 1 :]
    if op < 0.66:
        return s[:i] + s[i] + s[i:]
    return s[: i - 1] + s[i] + s[i - 1] + s[i + 1 :] if i < len(s) else s


def _render(rng: random.Random, p: dict, side: str) -> dict[str, str | None]:
    if side == "mk":
        style = "mk" if rng.random() < 0.85 else "ascii"
    elif p["origin"] == "sq":
        style = "sq" if rng.random() < 0.9 else "ascii"
    else:
        style = rng.choices(("sq", "sr", "ascii"), (40, 40, 20))[0]
    given, family, father = p["given"][style], p["family"][style], p["father"][style]
    if side == "xk" and p["origin"] == "sq" and style == "sq" and rng.random() < 0.05:
        father = f"i biri i {father}it"
    if rng.random() < 0.08:
        if rng.random() < 0.5:
            given = _typo(rng, given)
        else:
            family = _typo(rng, family)
    if rng.random() < 0.08:
        given, family = family, given
    b: date = p["birth"]
    r = rng.random()
    if r < 0.70:
        bd = b.isoformat()
    elif r < 0.85:
        bd = f"{b.year}"
    elif r < 0.93:
        bd = f"{b.year}-{b.month:02d}"
    elif r < 0.97 or b.day > 12:
        bd = None
    else:
        bd = f"{b.year}-{b.day:02d}-{b.month:02d}"
    place = PLACES[p["place"]][1 if style == "mk" else (0 if style == "sq" else 2)]
    return {
        "given_name": given,
        "family_name": family,
        "father_name": father if rng.random() > 0.15 else None,
        "birth_date": bd,
        "birth_place": place if rng.random() > 0.4 else None,
        "sex": p["sex"],
        "script": "Cyrl" if style == "mk" else "Latn",
    }


def curated_persons(n: int, seed: int) -> tuple[list[dict], list[dict], set[tuple[str, str]]]:
    """Build n MK and n XK person records, half of them the same people; return truth pairs."""
    rng = random.Random(seed)
    book = _spellings()
    start = date(1950, 1, 1)
    left, right, truth = [], [], set()
    shared, only = n // 2, n - n // 2
    for i in range(shared + 2 * only):
        origin = "sq" if rng.random() < 0.6 else "mk"
        sex = "F" if rng.random() < 0.2 else "M"
        fam = rng.choice(book[("family", origin)])
        p = {
            "origin": origin,
            "sex": sex,
            "given": rng.choice(book[("given_f" if sex == "F" else "given_m", origin)]),
            "family": _female(fam) if sex == "F" else fam,
            "father": rng.choice(book[("given_m", origin)]),
            "birth": start + timedelta(days=rng.randrange(20000)),
            "place": rng.randrange(len(PLACES)),
        }
        sides = ("mk", "xk") if i < shared else (("mk",) if i < shared + only else ("xk",))
        for side in sides:
            rec = _render(rng, p, side)
            rec["unique_id"] = f"{side}{i}"
            (left if side == "mk" else right).append(rec)
        if i < shared:
            truth.add((f"mk{i}", f"xk{i}"))
    return left, right, truth


def synth_persons(root: Path) -> tuple[list[dict], list[dict], set[tuple[str, str]]]:
    """Read persons.csv of DIR/mk and DIR/xk and the truth; one record per external ref."""
    from armsbridge.imports.readers import open_table
    from armsbridge.synth.files import FILES

    spec = next(f for f in FILES if f.name == "persons.csv")
    sides = {}
    for j in ("MK", "XK"):
        table = open_table(root / j.lower() / "persons.csv")
        cols = {
            f: spec.column(f, j)
            for f in (
                "person",
                "given_name",
                "family_name",
                "father_name",
                "birth_date",
                "birth_place",
                "sex",
                "personal_number",
            )
        }
        recs: dict[str, dict] = {}
        for _n, row in table.rows:
            ref = row[cols["person"]]
            if ref in recs:
                continue
            rec = {f: (row.get(c) or None) for f, c in cols.items() if f != "person"}
            rec["birth_date"] = _iso(rec["birth_date"])
            rec["id_number"] = rec.pop("personal_number")
            rec["unique_id"] = ref
            recs[ref] = rec
        # Every phone linked to the person, as an import stores it (E.164 in the node's region).
        for ref, numbers in _phones(root, j).items():
            if ref in recs:
                recs[ref]["phone"] = ";".join(numbers)
        # Every firearm and vehicle linked to the person, as the store gives them (rows.py).
        for ref, items in _items(root, j).items():
            if ref in recs:
                recs[ref]["items"] = ";".join(items)
        # The other persons of each case the person is in (rows.py gives the same).
        for ref, others in _associates(root, j).items():
            if ref in recs:
                recs[ref]["associates"] = ";".join(others)
        sides[j] = list(recs.values())
    entity: dict[str, dict[str, list[str]]] = {}
    with (root / "truth" / "persons.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            entity.setdefault(row["entity_id"], {}).setdefault(row["jurisdiction"], []).append(
                row["external_ref"]
            )
    truth = {(a, b) for e in entity.values() for a in e.get("MK", []) for b in e.get("XK", [])}
    return sides["MK"], sides["XK"], truth


def _phones(root: Path, jurisdiction: str) -> dict[str, list[str]]:
    """Return person ref -> the phone numbers linked to them in one side's phones.csv."""
    from armsbridge.imports.readers import open_table
    from armsbridge.matching.prepare import normalise_phone
    from armsbridge.synth.files import FILES

    path = root / jurisdiction.lower() / "phones.csv"
    if not path.exists():
        return {}
    spec = next(f for f in FILES if f.name == "phones.csv")
    number, person = spec.column("number_raw", jurisdiction), spec.column("person", jurisdiction)
    out: dict[str, list[str]] = {}
    for _n, row in open_table(path).rows:
        if row.get(person) and row.get(number):
            e164 = normalise_phone(row[number], jurisdiction)
            if e164 not in out.setdefault(row[person], []):
                out[row[person]].append(e164)
    return out


def _associates(root: Path, jurisdiction: str) -> dict[str, list[str]]:
    """Return person ref -> refs of the other persons in the cases they are in (one side)."""
    from armsbridge.imports.readers import open_table
    from armsbridge.matching.rows import associates_by_case
    from armsbridge.synth.files import FILES

    spec = next(f for f in FILES if f.name == "persons.csv")
    person, case = spec.column("person", jurisdiction), spec.column("case", jurisdiction)
    rows = open_table(root / jurisdiction.lower() / "persons.csv").rows
    return associates_by_case(
        (row[case], row[person]) for _n, row in rows if row.get(case) and row.get(person)
    )


def _items(root: Path, jurisdiction: str) -> dict[str, list[str]]:
    """Return person ref -> keys of the guns and cars linked to them, as the store gives them."""
    from armsbridge.imports.readers import open_table
    from armsbridge.matching.prepare import item_key
    from armsbridge.synth.files import FILES

    out: dict[str, list[str]] = {}
    for fname, kinds, people in (
        ("firearms.csv", {"serial_raw": "serial"}, ("person",)),
        ("vehicles.csv", {"plate_raw": "plate", "vin": "vin"}, ("owner", "driver")),
    ):
        path = root / jurisdiction.lower() / fname
        if not path.exists():
            continue
        spec = next(f for f in FILES if f.name == fname)
        for _n, row in open_table(path).rows:
            keys = [item_key(k, row.get(spec.column(c, jurisdiction))) for c, k in kinds.items()]
            for who in people:
                ref = row.get(spec.column(who, jurisdiction))
                if ref:
                    held = out.setdefault(ref, [])
                    held.extend(k for k in keys if k and k not in held)
    return out


ITEM_FILES = {
    "firearm": (
        "firearms.csv",
        "firearm",
        {
            "serial": "serial_raw",
            "make": "make",
            "model": "model",
            "calibre": "calibre",
            "holder": "person",
        },
    ),
    "vehicle": (
        "vehicles.csv",
        "vehicle",
        {
            "plate": "plate_raw",
            "vin": "vin",
            "make": "make",
            "model": "model",
            "colour": "colour",
            "holder": "owner",
        },
    ),
}


def synth_items(root: Path, entity: str) -> tuple[list[dict], list[dict], set[tuple[str, str]]]:
    """Read the firearms or vehicles of both exports and their truth (one record per ref)."""
    from armsbridge.imports.readers import open_table
    from armsbridge.synth.files import FILES

    fname, key, fields = ITEM_FILES[entity]
    spec = next(f for f in FILES if f.name == fname)
    sides = {}
    for j in ("MK", "XK"):
        table = open_table(root / j.lower() / fname)
        idcol = spec.column(key, j)
        cols = {ours: spec.column(theirs, j) for ours, theirs in fields.items()}
        recs: dict[str, dict] = {}
        for _n, row in table.rows:
            ref = row[idcol]
            if ref not in recs:
                recs[ref] = {"unique_id": ref, **{f: row.get(c) or None for f, c in cols.items()}}
        sides[j] = list(recs.values())
    entity_of: dict[str, dict[str, list[str]]] = {}
    with (root / "truth" / f"{entity}s.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            entity_of.setdefault(row["entity_id"], {}).setdefault(row["jurisdiction"], []).append(
                row["external_ref"]
            )
    truth = {(a, b) for e in entity_of.values() for a in e.get("MK", []) for b in e.get("XK", [])}
    return sides["MK"], sides["XK"], truth


def person_entities(data: Path) -> dict[str, str]:
    """Return person ref -> entity (cluster) id from this run's person pairs at THRESHOLD."""
    path = data / "pairs_armsbridge.parquet"
    if not path.exists():
        return {}
    table = pq.read_table(path).to_pydict()
    pairs = {
        (a, b) for a, b, p in zip(table["l"], table["r"], table["p"], strict=True) if p >= THRESHOLD
    }
    return _components(pairs)


def with_holders(rows: list[dict], entities: dict[str, str]) -> list[dict]:
    """Replace each item's holder ref by its matched person entity (as the store does)."""
    for row in rows:
        ref = row.get("holder")
        row["holder"] = entities.get(ref, ref) if ref else None
    return rows


def _iso(text: str | None) -> str | None:
    from armsbridge.vocab.values import parse_partial_date

    if not text:
        return None
    try:
        return parse_partial_date(text.strip().rstrip("."), field="birth_date")
    except Exception:  # noqa: BLE001 - an unreadable date counts as missing, as in an import
        return None


def write_side(rows: list[dict], path: Path) -> None:
    """Write one side's records to a Parquet file of text columns (None stays null)."""
    cols = sorted({k for r in rows for k in r})
    pq.write_table(
        pa.table({c: [None if r.get(c) is None else str(r.get(c)) for r in rows] for c in cols}),
        path,
    )


# --- methods (run in a child process) ------------------------------------------------------------


def _baseline(con, method: str) -> tuple[str, dict]:  # noqa: ANN001
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from armsbridge.matching.comparisons import EM_ITERATIONS
    from armsbridge.matching.engine import EM_PAIRS, U_PAIRS

    if method == "translit":
        import cyrtranslit
        from unidecode import unidecode

        # Transliterate each distinct value once (the same cost model as the engine's keys).
        union = " UNION ".join(
            f"SELECT {c} AS v FROM {t}"
            for t in ("left_raw", "right_raw")
            for c in ("given_name", "family_name", "father_name", "birth_place")
        )
        raws = [
            r[0] for r in con.execute(f"SELECT v FROM ({union}) WHERE v IS NOT NULL").fetchall()
        ]
        con.register(
            "tr_arrow",
            pa.table(
                {"raw": raws, "t": [unidecode(cyrtranslit.to_latin(v, "mk")).lower() for v in raws]}
            ),
        )
        con.execute("CREATE TABLE tr_map AS SELECT * FROM tr_arrow")

        def norm(col: str) -> str:
            return f"(SELECT t FROM tr_map WHERE raw = {col})"
    else:

        def norm(col: str) -> str:
            return f"lower({col})"

    for t in ("left_raw", "right_raw"):
        con.execute(f"""CREATE TABLE {t}_b AS SELECT unique_id,
            {norm("given_name")} AS given_name, {norm("family_name")} AS family_name,
            {norm("father_name")} AS father_name, birth_date,
            left(birth_date, 4) AS birth_year, {norm("birth_place")} AS birth_place,
            nullif(split_part(phone, ';', 1), '') AS phone,
            nullif(string_split(items, ';'), []) AS items,
            nullif(split_part(items, ';', 1), '') AS item FROM {t}""")
        # Associates: the names of the other persons of the record's cases, normalised alike.
        con.execute(f"""CREATE OR REPLACE TABLE {t}_b AS SELECT b.*, a.assoc FROM {t}_b b
            LEFT JOIN (SELECT s.unique_id, list(DISTINCT concat_ws(' ', q.given_name,
              q.family_name)) AS assoc
            FROM (SELECT unique_id, unnest(string_split(associates, ';')) AS other FROM {t}) s
            JOIN {t}_b q ON q.unique_id = s.other GROUP BY s.unique_id) a USING (unique_id)""")
    rules = [
        block_on("given_name", "family_name", "birth_year"),
        block_on("given_name", "birth_date"),
        block_on("family_name", "birth_date"),
        block_on("given_name", "family_name", "father_name"),
        block_on("given_name", "father_name", "birth_year"),
        block_on("family_name", "father_name", "birth_year"),
        block_on("phone"),
        block_on("item"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        max_iterations=EM_ITERATIONS,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.NameComparison("father_name"),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.ExactMatch("birth_place"),
            cl.ExactMatch("phone"),
            cl.ArrayIntersectAtSizes("items", [1]),
            cl.ArrayIntersectAtSizes("assoc", [1]),
        ],
        blocking_rules_to_generate_predictions=rules,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI(connection=con)
    linker = Linker(
        [
            api.register("left_raw_b", dataset_display_name="left_raw_b"),
            api.register("right_raw_b", dataset_display_name="right_raw_b"),
        ],
        settings,
        log_level=40,
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_date")], recall=0.7
    )
    # The same training budgets as the engine.
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=1, num_chunks=1)
    for rule in (block_on("given_name", "family_name"), block_on("birth_date")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=EM_PAIRS)
    df = linker.inference.predict(threshold_match_probability=0.3, warning_mode="never")
    return df.physical_name, linker.misc.save_model_to_json()


def worker(method: str, data: Path, entity: str) -> None:
    """Run one method on data/left.parquet and data/right.parquet; print a JSON line."""
    sys.path.insert(0, str(ROOT / "src"))
    from armsbridge.matching.config import MatchEngineSettings, duckdb_connection
    from armsbridge.matching.engine import link_tables
    from armsbridge.matching.prepare import COLUMNS

    con = duckdb_connection()
    for side in ("left", "right"):
        have = set(pq.read_schema(data / f"{side}.parquet").names)
        cols = ", ".join(c if c in have else f"NULL::VARCHAR AS {c}" for c in COLUMNS[entity])
        con.execute(
            f"CREATE TABLE {side}_raw AS SELECT {cols} FROM "
            f"read_parquet('{data / f'{side}.parquet'}')"
        )
    t0 = time.perf_counter()
    ours = method in ("armsbridge", "spark")
    if ours:
        backend = "spark" if method == "spark" else "duckdb"
        res = link_tables(
            con,
            entity,
            ["left_raw", "right_raw"],
            threshold=0.3,
            evidence_columns=False,
            settings=MatchEngineSettings(backend=backend),
        )
        table, n = res.predictions, res.candidate_pairs
        timings = {**res.timings, "trained": res.trained}
        first = res.first_dataset
    else:
        table, _model = _baseline(con, method)
        timings, first = {}, "left_raw_b"
        n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    elapsed = time.perf_counter() - t0
    out = data / f"pairs_{method}.parquet"
    con.execute(f"""COPY (SELECT CASE WHEN source_dataset_l = '{first}' THEN unique_id_l
        ELSE unique_id_r END AS l, CASE WHEN source_dataset_l = '{first}' THEN unique_id_r
        ELSE unique_id_l END AS r, match_probability AS p FROM {table}
        {"WHERE NOT explained_away" if ours else ""})
        TO '{out}' (FORMAT parquet)""")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024 + _children_peak_gb()
    print(json.dumps({"seconds": elapsed, "peak_gb": peak, "scored_pairs": n, **timings}))


def _children_peak_gb() -> float:
    """Return the peak resident memory of this process's live children (Spark's JVM), in GB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if int(fields.get("PPid", "0").strip()) == os.getpid() and "VmHWM" in fields:
            total += int(fields["VmHWM"].split()[0])
    return total / 1024 / 1024


# --- firearms and vehicles (self-contained) --------------------------------------------------

GUNS = [  # (make spellings, model, calibre spellings)
    (("Zastava", "ZASTAVA", "Застава", "Zastava Arms"), "M70", ("7.62x39", "7,62×39", "7.62 mm")),
    (("Zastava", "ZASTAVA", "Застава"), "M57", ("7.62x25", "7,62x25 Tokarev")),
    (("Zastava", "Застава"), "M48", ("7.92x57", "8mm Mauser")),
    (("CZ", "Česká zbrojovka", "ЦЗ"), "99", ("9x19", "9mm Para")),
    (("Zoraki", "ZORAKI", "Зораки"), "914", ("9mm PAK", "9 mm P.A.K.")),
    (("Ekol", "EKOL", "Екол"), "Tuna", ("9mm PAK", "9mm P.A.K")),
    (("Glock", "GLOCK", "Глок"), "17", ("9x19", "9mm")),
    (("Beretta", "BERETTA"), "92", ("9x19", "9 mm Luger")),
]
MISREAD = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8"}
LOOKALIKE = {
    "A": "А",
    "B": "В",
    "E": "Е",
    "K": "К",
    "M": "М",
    "H": "Н",
    "O": "О",
    "P": "Р",
    "C": "С",
    "T": "Т",
    "X": "Х",
}


def _noisy_code(rng: random.Random, code: str, partial: bool) -> str:
    chars = list(code)
    if rng.random() < 0.15:
        i = rng.randrange(len(chars))
        chars[i] = MISREAD.get(chars[i], chars[i])
    if partial and rng.random() < 0.12:
        for i in rng.sample(range(len(chars)), 2):
            chars[i] = "?"
    if rng.random() < 0.1:
        chars = [LOOKALIKE.get(c, c) for c in chars]
    text = "".join(chars)
    if rng.random() < 0.2:
        text = text[:3] + rng.choice(("-", " ", "/")) + text[3:]
    return text.lower() if rng.random() < 0.1 else text


def curated_items(entity: str, n: int, seed: int) -> tuple[list[dict], list[dict], set]:
    """Build n firearm or vehicle records per side, half shared, with serial/plate noise."""
    rng = random.Random(seed)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    left, right, truth = [], [], set()
    shared, only = n // 2, n - n // 2
    for i in range(shared + 2 * only):
        if entity == "firearm":
            makes, model, cals = rng.choice(GUNS)
            code = "".join(rng.choice(letters) for _ in range(rng.randrange(0, 3))) + "".join(
                rng.choice("0123456789") for _ in range(rng.randrange(5, 8))
            )
        else:
            makes = rng.choice(
                (
                    ("Volkswagen", "VW", "Фолксваген"),
                    ("Audi", "AUDI", "Ауди"),
                    ("Mercedes-Benz", "Mercedes", "Мерцедес"),
                    ("Opel", "OPEL"),
                )
            )
            model, cals = rng.choice(("Golf", "Passat", "A4", "C200", "Astra")), ("",)
            if rng.random() < 0.5:
                code = (
                    f"{rng.randrange(1, 8):02d}{rng.randrange(100, 999)}{rng.choice(letters)}"
                    f"{rng.choice(letters)}"
                )
            else:
                code = (
                    f"{rng.choice(('SK', 'TE', 'KU', 'GV'))}{rng.randrange(1000, 9999)}"
                    f"{rng.choice(letters)}{rng.choice(letters)}"
                )
            vin = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17))
        sides = ("mk", "xk") if i < shared else (("mk",) if i < shared + only else ("xk",))
        for k, side in enumerate(sides):
            rec = {"unique_id": f"{side}{i}", "make": rng.choice(makes), "model": model}
            if entity == "firearm":
                rec["serial"] = (
                    code if k == 0 and rng.random() < 0.5 else _noisy_code(rng, code, partial=True)
                )
                rec["calibre"] = rng.choice(cals)
            else:
                rec["plate"] = _noisy_code(rng, code, partial=False)
                rec["vin"] = vin if rng.random() < 0.6 else None
            (left if side == "mk" else right).append(rec)
        if i < shared:
            truth.add((f"mk{i}", f"xk{i}"))
    return left, right, truth


# --- evaluation --------------------------------------------------------------------------------


def _find(parent: dict, x: str) -> str:
    while parent.setdefault(x, x) != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _components(pairs: set) -> dict[str, str]:
    parent: dict[str, str] = {}
    for a, b in pairs:
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            parent[ra] = rb
    return {x: _find(parent, x) for x in list(parent)}


def _cluster_scores(pred: set, truth: set, scripts: dict | None) -> dict:
    """Score the entities: every left-right pair inside one cluster of predicted pairs counts."""
    from collections import Counter

    cluster = _components(pred)
    entity = _components(truth)
    left_ids = {a for a, _ in pred} | {a for a, _ in truth}
    members: dict[str, list[tuple[str, str]]] = {}
    for rec, c in cluster.items():
        members.setdefault(c, []).append(rec)
    predicted = tp = cpred = ctp = 0
    for recs in members.values():
        left = [r for r in recs if r in left_ids]
        right = [r for r in recs if r not in left_ids]
        predicted += len(left) * len(right)
        el = Counter((entity.get(r, r), scripts.get(r) if scripts else "") for r in left)
        er = Counter((entity.get(r, r), scripts.get(r) if scripts else "") for r in right)
        for (e, s1), n1 in el.items():
            for (e2, s2), n2 in er.items():
                if s1 != s2:
                    cpred += n1 * n2
                    ctp += n1 * n2 if e == e2 else 0
                tp += n1 * n2 if e == e2 else 0
    out = _counts(tp, predicted, len(truth))
    if scripts is not None:
        ncross = sum(1 for a, b in truth if scripts.get(a) != scripts.get(b))
        out["cross_script"] = _counts(ctp, cpred, ncross)
    return out


def _counts(tp: int, predicted: int, true: int) -> dict:
    p = tp / predicted if predicted else 0.0
    r = tp / true if true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "true_pairs": true,
        "predicted": predicted,
    }


def run_one(method: str, entity: str, data: Path, truth: set, cross: set | None) -> dict:
    """Run `method` in a child process and score its pairs against the truth."""
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", method, "--data", str(data), "--entity", entity],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"method": method, "entity": entity, "error": proc.stderr[-2000:]}
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    table = pq.read_table(data / f"pairs_{method}.parquet").to_pydict()
    pred = {
        (a, b) for a, b, p in zip(table["l"], table["r"], table["p"], strict=True) if p >= THRESHOLD
    }
    out = {"method": method, "entity": entity, **stats}
    scripts = json.loads((data / "scripts.json").read_text()) if cross is not None else None
    # Headline figures: entities (pairs clustered by connected components), the same for every
    # method; pair-level figures before clustering are kept beside them.
    out.update(_cluster_scores(pred, truth, scripts))
    out["pairs_before_clustering"] = pair_scores(pred, truth)
    if scripts is not None:
        pred_cross = {pr for pr in pred if scripts.get(pr[0]) != scripts.get(pr[1])}
        out["pairs_before_clustering"]["cross_script"] = pair_scores(pred_cross, cross)
    with_serial = data / "with_serial.json"
    if entity == "firearm" and with_serial.exists():
        # A firearm with no serial on one side can only be told apart by context (who, where).
        ok = set(json.loads(with_serial.read_text()))
        sub_truth = {pr for pr in truth if pr[0] in ok and pr[1] in ok}
        sub_pred = {pr for pr in pred if pr[0] in ok and pr[1] in ok}
        out["serial_on_both_sides"] = _cluster_scores(sub_pred, sub_truth, None)
    return out


def _script_map(rows: list[dict]) -> dict[str, str]:
    from armsbridge.matching.prepare import script_of

    return {r["unique_id"]: script_of(r.get("given_name"), r.get("family_name")) for r in rows}


def main() -> None:
    """Parse options, build or read the data per size, run the methods, print and save."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="2000", help="persons per side, comma-separated")
    ap.add_argument(
        "--synth", help="synthetic world folder(s), comma-separated (armsbridge synth --out DIR)"
    )
    ap.add_argument("--methods", default="armsbridge,plain,translit")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--items", action="store_true", help="also firearms and vehicles")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--worker"), ap.add_argument("--data", type=Path), ap.add_argument("--entity")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.entity)
        return
    sys.path.insert(0, str(ROOT / "src"))
    results = []
    worlds = [Path(d) for d in args.synth.split(",")] if args.synth else []
    sizes = [int(s) for s in args.sizes.split(",")] if not worlds else list(range(len(worlds)))
    for size in sizes:
        world = worlds[size] if worlds else None
        with tempfile.TemporaryDirectory(prefix="bench-matching-") as tmp:
            data = Path(tmp)
            if world:
                left, right, truth = synth_persons(world)
                source = f"synth:{world}"
                size = len(left)
            else:
                left, right, truth = curated_persons(size, args.seed)
                source = "curated spellings (src/armsbridge/names/data/spellings.csv)"
            scripts = {**_script_map(left), **_script_map(right)}
            (data / "scripts.json").write_text(json.dumps(scripts))
            cross = {pr for pr in truth if scripts.get(pr[0]) != scripts.get(pr[1])}
            write_side(left, data / "left.parquet")
            write_side(right, data / "right.parquet")
            del left, right
            for method in args.methods.split(","):
                row = run_one(method, "person", data, truth, cross)
                row.update(size=size, source=source)
                results.append(row)
                _print_row(row)
            if args.items:
                # Firearms and vehicles use this run's person matching for their holders.
                entities = person_entities(data) if "armsbridge" in args.methods.split(",") else {}
                n_items = max(1000, min(size // 10, 100_000))
                for entity in ("firearm", "vehicle"):
                    if world:
                        lft, rgt, tr = synth_items(world, entity)
                        lft, rgt = with_holders(lft, entities), with_holders(rgt, entities)
                        n_items = len(lft)
                    else:
                        lft, rgt, tr = curated_items(entity, n_items, args.seed)
                    write_side(lft, data / "left.parquet")
                    write_side(rgt, data / "right.parquet")
                    (data / "with_serial.json").write_text(
                        json.dumps([x["unique_id"] for x in lft + rgt if x.get("serial")])
                    )
                    ours = [m for m in args.methods.split(",") if m in ("armsbridge", "spark")]
                    for method in ours or ["armsbridge"]:
                        row = run_one(method, entity, data, tr, None)
                        row.update(
                            size=n_items,
                            source=f"synth:{world}" if world else "curated items (bench)",
                        )
                        results.append(row)
                        _print_row(row)
    _ratios(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"threshold": THRESHOLD, "cpus": os.cpu_count(), "results": results}, indent=2)
    )
    print(f"written {args.out}")


def _print_row(r: dict) -> None:
    if "error" in r:
        print(f"{r['entity']:8} {r['method']:10} ERROR {r['error'][-400:]}")
        return
    cs = r.get("cross_script") or r.get("serial_on_both_sides")
    label = "cross" if "cross_script" in r else "serial both sides"
    cross = f" {label} P/R/F1 {cs['precision']:.4f}/{cs['recall']:.4f}/{cs['f1']:.4f}" if cs else ""
    print(
        f"{r['entity']:8} {r['method']:10} n={r.get('size', 0):>8} P/R/F1 "
        f"{r['precision']:.4f}/{r['recall']:.4f}/{r['f1']:.4f}{cross} "
        f"time {r['seconds']:.1f}s peak {r['peak_gb']:.2f}GB pairs {r['scored_pairs']}",
        flush=True,
    )


def _ratios(results: list[dict]) -> None:
    print("\nratios against baselines (same run, same data):")
    for size in sorted({r["size"] for r in results if r["entity"] == "person"}):
        rows = {
            r["method"]: r
            for r in results
            if r.get("size") == size and r["entity"] == "person" and "error" not in r
        }
        ours = rows.get("armsbridge")
        for base in ("plain", "translit"):
            if ours and base in rows:
                b = rows[base]
                ours["vs_" + base] = {
                    "time_ratio": round(ours["seconds"] / b["seconds"], 2),
                    "f1_points": round(100 * (ours["f1"] - b["f1"]), 2),
                    "cross_f1_points": round(
                        100 * (ours["cross_script"]["f1"] - b["cross_script"]["f1"]), 2
                    ),
                }
                print(f"  n={size} armsbridge vs {base}: {ours['vs_' + base]}")
        if ours and "spark" in rows:
            spark = rows["spark"]
            spark["vs_duckdb"] = {
                "time_ratio": round(spark["seconds"] / ours["seconds"], 2),
                "f1_points": round(100 * (spark["f1"] - ours["f1"]), 2),
            }
            print(f"  n={size} spark vs armsbridge on duckdb: {spark['vs_duckdb']}")


if __name__ == "__main__":
    main()
