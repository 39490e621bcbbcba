"""Noise study: recall and precision of the person matcher as one kind of error grows.

Data: the self-contained spellings set of bench/matching.py (MK and XK records of the same
persons, already with its own script, typing and recording noise: that is rate 0), or with
`--synth DIR` a synthetic world (`armsbridge synth --out DIR`; its persons with their phones,
guns, cars and associates, as bench/matching.py reads them). One kind of error at a time is then
pushed on the XK side at each rate:

- typo: one letter replaced by another (same script) in each given and family name word;
- transposition: two adjacent letters swapped in each given and family name word;
- deletion: one letter dropped in each given and family name word;
- inverted: given and family name swapped (family name first);
- no_father: father's name missing;
- year_only: birth date reduced to its year;
- combined: 15 % typos in each name word and 10 % inverted order (one run).

Each run is `matching.py`'s armsbridge worker (the engine's link_tables) in its own process.
Figures are matching.py's: entities (pairs clustered by connected components) first, pair-level
beside them (they differ where one person has several records on a side, as in the synthetic
world).

    python bench/matching_noise.py [--size 10000 | --synth DIR] [--rates 0,5,10,15,20,30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from matching import THRESHOLD, curated_persons, run_one, synth_persons, write_side

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results/matching-noise.json"
KINDS = ("typo", "transposition", "deletion", "inverted", "no_father", "year_only")
RATES = (0, 5, 10, 15, 20, 30)
COMBINED = {"typo": 15, "inverted": 10}
NAME_FIELDS = ("given_name", "family_name")
LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдѓежзѕијклљмнњопрстќуфхцчџш"
TARGET_RECALL = 0.97


def _substitute(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word))
    lower = word[i].lower()
    letters = CYRILLIC if lower in CYRILLIC else LATIN
    new = rng.choice([c for c in letters if c != lower])
    return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]


def _transpose(rng: random.Random, word: str) -> str:
    if len(word) < 2:
        return word
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _delete(rng: random.Random, word: str) -> str:
    if len(word) < 2:
        return word
    i = rng.randrange(len(word))
    return word[:i] + word[i + 1 :]


WORD_ERRORS = {"typo": _substitute, "transposition": _transpose, "deletion": _delete}


def add_noise(rows: list[dict], rates: dict[str, float], seed: int) -> list[dict]:
    """Return copies of `rows` with each kind of error applied at its rate (0-1)."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        new = dict(row)
        for kind, rate in rates.items():
            if kind in WORD_ERRORS:
                for field in NAME_FIELDS:
                    if new.get(field):
                        new[field] = " ".join(
                            WORD_ERRORS[kind](rng, w) if w and rng.random() < rate else w
                            for w in new[field].split(" ")
                        )
            elif kind == "inverted" and rng.random() < rate:
                new["given_name"], new["family_name"] = new["family_name"], new["given_name"]
            elif kind == "no_father" and rng.random() < rate:
                new["father_name"] = None
            elif kind == "year_only" and new.get("birth_date") and rng.random() < rate:
                new["birth_date"] = new["birth_date"][:4]
            elif kind not in KINDS:
                raise ValueError(f"unknown kind of error {kind!r}; expected one of {KINDS}")
        out.append(new)
    return out


def study(
    size: int,
    kinds: list[str],
    rates: list[int],
    seed: int,
    methods: list[str],
    synth: Path | None = None,
) -> list[dict]:
    """Run every (kind, rate) and the combined setting; return one result row per run."""
    left, right, truth = synth_persons(synth) if synth else curated_persons(size, seed)
    size = len(left)
    settings: list[tuple[str, dict[str, int]]] = [("none", {})] if 0 in rates else []
    settings += [(k, {k: r}) for k in kinds for r in rates if r]
    settings.append(("combined", dict(COMBINED)))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-noise-") as tmp:
        data = Path(tmp)
        write_side(left, data / "left.parquet")
        for label, pct in settings:
            noisy = add_noise(right, {k: v / 100 for k, v in pct.items()}, seed)
            write_side(noisy, data / "right.parquet")
            (data / "scripts.json").write_text("{}")
            for method in methods:
                row = run_one(method, "person", data, truth, None)
                pairs = row.get("pairs_before_clustering", {})
                row.update(
                    kind=label,
                    rates=pct,
                    size=size,
                    pair_precision=pairs.get("precision"),
                    pair_recall=pairs.get("recall"),
                    pair_f1=pairs.get("f1"),
                )
                results.append(row)
                print(_line(row), flush=True)
    return results


def _line(r: dict) -> str:
    head = f"{r['method']:10} {r['kind']:13} {json.dumps(r['rates']):28}"
    if "error" in r:
        return f"{head} error: {r['error'][-300:]}"
    return (
        f"{head} P/R/F1 {r['precision']:.4f}/{r['recall']:.4f}/{r['f1']:.4f} "
        f"pair recall {r['pair_recall']:.4f} time {r['seconds']:.1f}s"
    )


def below_target(results: list[dict]) -> dict[str, dict[str, int | None]]:
    """Return, per method and kind, the lowest rate (%) at which recall is below 0.97."""
    out: dict[str, dict[str, int | None]] = {}
    kinds = {k for r in results if len(r["rates"]) == 1 for k in r["rates"]}
    for r in results:
        if len(r["rates"]) > 1 or "error" in r:
            continue
        # The run without added errors is rate 0 of every kind.
        for kind, rate in r["rates"].items() or ((k, 0) for k in kinds):
            seen = out.setdefault(r["method"], {}).setdefault(kind, None)
            if r["recall"] < TARGET_RECALL and (seen is None or rate < seen):
                out[r["method"]][kind] = rate
    return out


def markdown(results: list[dict]) -> str:
    """Return the study as a Markdown table: entity figures, pair recall beside them."""
    out = [
        "| method | error | rate | precision | recall | F1 | pair recall | time s |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        rate = ", ".join(f"{k} {v} %" for k, v in r["rates"].items()) or "0 %"
        head = f"| {r['method']} | {r['kind']} | {rate} "
        if "error" in r:
            out.append(head + "| error | | | | |")
            continue
        out.append(
            head + f"| {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} "
            f"| {r['pair_recall']:.4f} | {r['seconds']:.1f} |"
        )
    return "\n".join(out)


def main() -> None:
    """Parse options, run the study, print the table and save the JSON results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=10_000, help="persons per side")
    ap.add_argument("--synth", type=Path, help="a synthetic world (armsbridge synth --out DIR)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--rates", default=",".join(str(r) for r in RATES), help="percent")
    ap.add_argument("--methods", default="armsbridge", help="also plain, translit (matching.py)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    t0 = time.perf_counter()
    results = study(
        args.size,
        args.kinds.split(","),
        [int(r) for r in args.rates.split(",")],
        args.seed,
        args.methods.split(","),
        args.synth,
    )
    first_below = below_target(results)
    print()
    print(markdown(results))
    print(f"\nlowest rate (%) with recall below {TARGET_RECALL}: {json.dumps(first_below)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "threshold": THRESHOLD,
                "cpus": os.cpu_count(),
                "data": f"synth:{args.synth}" if args.synth else "curated spellings (bench)",
                "size": results[0]["size"] if results else 0,
                "total_seconds": round(time.perf_counter() - t0, 1),
                "target_recall": TARGET_RECALL,
                "first_rate_below_target": first_below,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
