"""Spoil a deterministic share of an exported world's rows the way real exports go wrong.

Impossible dates (31.02.2021), codes the mapping does not know, and text longer than the field
allows. Only rows no other row depends on are spoiled (a person some firearm, vehicle or phone
names is left alone), so a spoiled row is quarantined by itself and every other row imports.
`truth/bad_rows.csv` lists each spoiled row: file, row (as a spreadsheet shows it), column,
value, problem.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from random import Random
from typing import Any

from armsbridge.synth.files import FILES, FileSpec
from armsbridge.vocab.service import record_fields

BAD_ROWS_FILE = "truth/bad_rows.csv"
BAD_ROWS_COLUMNS = ["file", "row", "column", "value", "problem"]

# Per export file: (field of FileSpec, problem). Fields of files whose records other files refer
# to (cases, events, groups, phones) are not spoiled: their rows would take others with them.
SPOILABLE: dict[str, tuple[tuple[str, str], ...]] = {
    "case_status.csv": (("date", "impossible_date"), ("status", "unknown_code")),
    "persons.csv": (
        ("birth_date", "impossible_date"),
        ("sex", "unknown_code"),
        ("given_name", "too_long"),
    ),
    "firearms.csv": (("kind", "unknown_code"), ("model", "too_long")),
    "ammunition.csv": (("calibre", "too_long"),),
    "explosives.csv": (("kind", "unknown_code"), ("model", "too_long")),
    "vehicles.csv": (("vin", "too_long"), ("date", "impossible_date")),
    "online_accounts.csv": (("platform", "unknown_code"), ("url", "too_long")),
    "intel_reports.csv": (("reported_on", "impossible_date"), ("source_grade", "unknown_code")),
    "calls.csv": (("valid_from", "impossible_date"),),
}
# Persons named by these (file, field) pairs are never spoiled.
_PERSON_REFS = (
    ("firearms.csv", "person"),
    ("vehicles.csv", "owner"),
    ("vehicles.csv", "driver"),
    ("phones.csv", "person"),
    ("online_accounts.csv", "person"),
    ("intel_reports.csv", "person"),
)
_UNKNOWN = {"XK": "E panjohur", "MK": "Непознато"}
_IMPOSSIBLE = ("31.02", "30.02", "29.02", "31.04", "31.06", "31.09", "31.11", "32.01")


def _spec(name: str) -> FileSpec:
    return next(s for s in FILES if s.name == name)


def _read(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _bad_value(problem: str, field: str, spec: FileSpec, old: str, j: str, rng: Random) -> str:
    if problem == "impossible_date":
        year = rng.randrange(1955, 2005) if field == "birth_date" else rng.randrange(2018, 2026)
        day = rng.choice(_IMPOSSIBLE)
        if day == "29.02" and year % 4 == 0:  # a real day in a leap year
            day = "30.02"
        return f"{day}.{year}"
    if problem == "unknown_code":
        return "Z" if field == "source_grade" else _UNKNOWN[j]
    assert spec.record_type is not None
    limit = int(record_fields(spec.record_type)[field]["max_length"])
    base = (old or "X").strip() + " "
    return (base * (limit // len(base) + 2))[: limit + rng.randrange(1, 20)].strip() + "X"


def spoil_world(out: Path, manifest: dict[str, Any], *, fraction: float, seed: int) -> int:
    """Spoil about `fraction` of the spoilable rows in place; write the truth file; return count."""
    items = {i["file"]: i for i in manifest["imports"]}
    named: dict[str, set[str]] = {"XK": set(), "MK": set()}
    for j in named:
        for file, field in _PERSON_REFS:
            item = items[f"{j.lower()}/{file}"]
            rows = _read(out / item["file"], item["encoding"], item["delimiter"])
            col = rows[0].index(_spec(file).column(field, j))
            named[j].update(r[col] for r in rows[1:] if r[col])
    truth: list[list[Any]] = []
    for item in manifest["imports"]:
        name = Path(item["file"]).name
        if name not in SPOILABLE:
            continue
        j, spec = item["jurisdiction"], _spec(name)
        path = out / item["file"]
        rows = _read(path, item["encoding"], item["delimiter"])
        header = rows[0]
        rng = Random(f"{seed}-bad-rows-{item['file']}")
        person_col = header.index(spec.column("person", j)) if name == "persons.csv" else None
        changed = False
        for index, row in enumerate(rows[1:], start=2):
            if rng.random() >= fraction:
                continue
            if person_col is not None and row[person_col] in named[j]:
                continue
            field, problem = rng.choice(SPOILABLE[name])
            col = header.index(spec.column(field, j))
            value = _bad_value(problem, field, spec, row[col], j, rng)
            row[col] = value
            truth.append([item["file"], index, header[col], value, problem])
            changed = True
        if changed:
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=item["delimiter"], lineterminator="\r\n")
            writer.writerows(rows)
            path.write_bytes(buffer.getvalue().encode(item["encoding"]))
    with (out / BAD_ROWS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(BAD_ROWS_COLUMNS)
        writer.writerows(truth)
    return len(truth)
