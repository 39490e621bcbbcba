"""Fuzz: any CSV or XLSX bytes give a UserError or a report; no traceback, no row lost.

Structured files (rows written properly, with hostile cells: NUL, quotes, delimiters, line
breaks, formulas, impossible dates, ragged rows, cells past the header, understated XLSX
dimensions) must import every data row or quarantine it. Mutated bytes (flipped, cut) must
give a UserError or a report whose rows all add up.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_helpers import PERSON_HEADER, PERSONS, raw_xlsx, write_xlsx

from armsbridge.errors import UserError
from armsbridge.imports.profile import parse_profile
from armsbridge.imports.service import import_file
from principals import as_actor

# The persons profile with its delimiter fixed, so a hostile sample cannot steer the sniffer.
_DATA = yaml.safe_load(PERSONS.read_text(encoding="utf-8"))
_DATA["format"]["delimiter"] = ";"
PROFILE = parse_profile(_DATA)
SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "Ag\x00im",
        '"',
        ";",
        "\n",
        "\r\n",
        '=HYPERLINK("x")',
        "'=1+1",
        "@SUM(1)",
        "+389 70 123 456",
        "31.12.9999",
        "1899",
        "14.03.1986",
        "Mashkull",
        "044 123 456",
        "N" * 200,
    ]
)
TEXT = st.text(max_size=12)
CELL = st.one_of(HOSTILE, TEXT, st.integers(1, 50).map(str))
# What XML 1.0 can hold: no control characters but tab, line feed and carriage return.
XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"),
    max_size=12,
)
FORMULA_SAVED = ("xml", '<c r="{ref}" t="str"><f>CONCAT("A","b")</f><v>Ab</v></c>')
FORMULA_UNSAVED = ("xml", '<c r="{ref}"><f>1+1</f></c>')
ERROR = ("xml", '<c r="{ref}" t="e"><v>#N/A</v></c>')
XLSX_CELL = st.one_of(
    st.none(),
    XML_TEXT,
    HOSTILE.filter(lambda t: "\x00" not in t),
    st.integers(-5, 10**6),
    st.sampled_from([FORMULA_SAVED, FORMULA_UNSAVED, ERROR]),
)


def _import(session, path: Path):
    """The report of importing `path`, or None for a UserError; the store is rolled back."""
    outer = session.begin_nested()
    try:
        return import_file(
            session,
            profile=PROFILE,
            path=path,
            user=as_actor("fuzz"),
            quarantine_path=path.parent / "q.csv",
            batch_size=4,
        )
    except UserError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return None
    finally:
        outer.rollback()


def _adds_up(report, expected: int | None = None) -> None:
    assert report.rows_imported + report.rows_quarantined == report.rows_read
    if expected is not None:
        assert report.rows_read == expected
    if report.rows_quarantined:
        with (report.quarantine_path).open(encoding="utf-8-sig", newline="") as handle:
            listed = list(csv.DictReader(handle))
        assert len(listed) == report.rows_quarantined and all(r["errors"] for r in listed)


@SETTINGS
@given(rows=st.lists(st.lists(CELL, max_size=13), max_size=12))
def test_csv_rows_are_all_imported_or_quarantined(session, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(PERSON_HEADER)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(buffer.getvalue().encode("utf-8"))
        report = _import(session, path)
        assert report is not None  # well-formed CSV: never refused whole
        _adds_up(report, sum(1 for r in rows if "".join(r).strip()))


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _counts_as_data(row: list[object]) -> bool:
    return any(not _blank(c) for c in row)


@SETTINGS
@given(
    rows=st.lists(st.lists(XLSX_CELL, max_size=13), max_size=10),
    dimension=st.sampled_from([None, "A1", "A1:J2", "A1:XFD1048576", "B3:C4"]),
)
def test_xlsx_rows_are_all_imported_or_quarantined(session, rows, dimension):
    with tempfile.TemporaryDirectory() as tmp:
        path = raw_xlsx(Path(tmp) / "fuzz.xlsx", [PERSON_HEADER, *rows], dimension=dimension)
        report = _import(session, path)
        assert report is not None
        _adds_up(report, sum(1 for r in rows if _counts_as_data(r)))


def _workbook_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [[str(i), "Agim", "Gashi", "", "14.03.1986", "Mashkull"] for i in range(1, 6)]
        return write_xlsx(Path(tmp) / "w.xlsx", PERSON_HEADER, rows).read_bytes()


WORKBOOK = _workbook_bytes()


def _inflated_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@st.composite
def mutated_workbook(draw) -> bytes:
    """A workbook cut short, with bytes flipped, or with a part's XML damaged."""
    kind = draw(st.sampled_from(["cut", "flip", "xml"]))
    if kind == "cut":
        return WORKBOOK[: draw(st.integers(0, len(WORKBOOK)))]
    if kind == "flip":
        data = bytearray(WORKBOOK)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    parts = _inflated_parts(WORKBOOK)
    name = draw(st.sampled_from(sorted(parts)))
    xml = parts[name]
    at = draw(st.integers(0, len(xml)))
    parts[name] = xml[:at] + draw(st.binary(max_size=20)) + xml[at + draw(st.integers(0, 30)) :]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return out.getvalue()


@SETTINGS
@given(
    data=st.one_of(mutated_workbook(), st.binary(max_size=400)),
    suffix=st.sampled_from([".xlsx", ".csv"]),
)
def test_damaged_bytes_give_a_user_error_or_rows_that_add_up(session, data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        report = _import(session, path)
        if report is not None:
            _adds_up(report)
