"""Bad files: every row read whatever the file claims, a message (never a traceback) otherwise."""

from __future__ import annotations

import csv
import dataclasses
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from import_helpers import (
    PERSON_HEADER,
    PERSONS,
    SHEET_START,
    raw_xlsx,
    rows_xml,
    run_cli,
    snapshot,
    write_csv,
    write_xlsx,
)

from armsbridge.audit.models import AuditEntry
from armsbridge.errors import UserError
from armsbridge.imports.limits import FileLimits
from armsbridge.imports.quarantine import write_quarantine
from armsbridge.imports.readers import open_table
from armsbridge.imports.schemas import RowError
from armsbridge.imports.service import import_file
from armsbridge.records.models import Person
from armsbridge.settings import Settings
from principals import as_actor


def _limits(**changes: int) -> FileLimits:
    return dataclasses.replace(FileLimits.of(Settings()), **changes)


def _person(pid: int, name: str = "Agim") -> list[object]:
    return [str(pid), name, "Gashi", "", "14.03.1986", "Mashkull", "", "", "", ""]


def _import(session, path: Path, **kwargs):
    return import_file(
        session,
        profile=PERSONS,
        path=path,
        user=as_actor("bad-files"),
        quarantine_path=path.parent / "q.csv",
        **kwargs,
    )


def _quarantine(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {r["row"]: r for r in csv.DictReader(handle)}


# --- every row, whatever the file claims ---------------------------------------------------------


def test_an_xlsx_whose_dimension_understates_its_size_imports_every_row(session, tmp_path):
    rows = [PERSON_HEADER] + [_person(i) for i in range(1, 8)]
    path = raw_xlsx(tmp_path / "dim.xlsx", rows, dimension="A1:N2")
    report = _import(session, path)
    assert (report.rows_read, report.rows_imported, report.rows_quarantined) == (7, 7, 0)
    assert snapshot(session, Person)["Person"] == 7


def test_xlsx_row_numbers_are_the_sheet_rows_even_with_gaps(tmp_path):
    data = rows_xml([PERSON_HEADER]) + rows_xml([_person(1)], start=5)
    path = raw_xlsx(tmp_path / "gaps.xlsx", sheet_data=data, dimension="A1:B1")
    table = open_table(path)
    assert [number for number, _values in table.rows] == [5]


# --- bad files: a message naming the file, never a traceback -------------------------------------


def _truncated(tmp_path: Path) -> Path:
    whole = write_xlsx(tmp_path / "whole.xlsx", PERSON_HEADER, [_person(i) for i in range(50)])
    data = whole.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _renamed_csv(tmp_path: Path) -> Path:
    path = tmp_path / "renamed.xlsx"
    path.write_text("ID_PERSONI;EMRI\n1;Agim\n", encoding="utf-8")
    return path


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.xlsx"
    path.write_bytes(bytes(range(256)) * 40)
    return path


def _zip_without_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "empty.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return path


def _damaged_sheet(tmp_path: Path) -> Path:
    sheet = rows_xml([PERSON_HEADER, _person(1)]) + '<row r="3"><c r="A3"><v>1</v>'
    return raw_xlsx(tmp_path / "damaged.xlsx", sheet_data=sheet, dimension="A1:J3")


def _xlsx_as_csv(tmp_path: Path) -> Path:
    path = write_xlsx(tmp_path / "book.xlsx", PERSON_HEADER, [_person(1)])
    return path.rename(tmp_path / "book.csv")


def _huge_cell(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "huge.csv", PERSON_HEADER, [_person(1), _person(2, "A" * 10**7)])


def _unclosed_quote(tmp_path: Path) -> Path:
    lines = [";".join(PERSON_HEADER), '2;"Agim;Gashi'] + [
        ";".join(map(str, _person(i, "B" * 1000))) for i in range(3, 60)
    ]
    path = tmp_path / "quote.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


BAD_FILES = {
    "truncated xlsx": (_truncated, "not an XLSX workbook"),
    "csv renamed .xlsx": (_renamed_csv, "not an XLSX workbook"),
    "garbage .xlsx": (_garbage, "not an XLSX workbook"),
    "zip without a workbook": (_zip_without_workbook, "not a readable XLSX workbook"),
    "damaged sheet xml": (_damaged_sheet, "the sheet is damaged after row 2"),
    "xlsx named .csv": (_xlsx_as_csv, "name it .xlsx"),
    "10 MB cell": (_huge_cell, "ARMSBRIDGE_IMPORT_MAX_CELL_CHARS"),
    "unclosed quote": (_unclosed_quote, 'a quote (") that is never closed'),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_a_user_error_and_leaves_the_store_as_it_was(session, tmp_path, case):
    build, message = BAD_FILES[case]
    path = build(tmp_path)
    before = snapshot(session, Person, AuditEntry)
    with pytest.raises(UserError) as caught:
        _import(session, path)
    assert message in str(caught.value) and path.name in str(caught.value)
    assert len(str(caught.value)) < 1000  # the message, not the cell
    assert snapshot(session, Person, AuditEntry) == before


@pytest.mark.parametrize("case", ["truncated xlsx", "10 MB cell", "xlsx named .csv"])
def test_the_command_prints_the_message_and_exits_2(tmp_path, store, case):
    build, message = BAD_FILES[case]
    result = run_cli(["import", str(PERSONS), str(build(tmp_path))], tmp_path, store)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr + result.stdout


# --- limits: refused before the work, each naming its setting ------------------------------------


def _bounded(work):
    """Run `work`, returning (its error, seconds, peak traced memory in bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(UserError) as caught:
            work()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return str(caught.value), time.perf_counter() - start, peak


def _bomb(path: Path, megabytes: int) -> Path:
    """An XLSX whose sheet XML of `megabytes` MB of repeated cells packs into kilobytes."""
    row = '<row r="2"><c r="A2" t="inlineStr"><is><t>boom</t></is></c></row>'
    body = row * (megabytes * 1024 * 1024 // len(row))
    sheet = f"{SHEET_START}<sheetData>{rows_xml([PERSON_HEADER])}{body}</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("[Content_Types].xml", "<Types/>")
    return path


def test_a_zip_bomb_is_refused_before_it_is_unpacked(session, tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx", 48)
    assert path.stat().st_size < 200_000
    message, seconds, peak = _bounded(lambda: _import(session, path))
    assert "xl/worksheets/sheet1.xml unpacks" in message
    assert "ARMSBRIDGE_IMPORT_MAX_COMPRESSION_RATIO" in message
    assert seconds < 2 and peak < 5_000_000
    assert not (tmp_path / "q.csv").exists()


def test_a_workbook_that_unpacks_too_large_is_refused(tmp_path):
    path = _bomb(tmp_path / "big.xlsx", 3)
    limits = _limits(max_unpacked_bytes=2 * 1024 * 1024, max_compression_ratio=10**6)
    message, seconds, peak = _bounded(lambda: open_table(path, limits=limits))
    assert "unpacks to" in message and "ARMSBRIDGE_IMPORT_MAX_UNPACKED_BYTES" in message
    assert "2,097,152" in message and seconds < 1 and peak < 2_000_000


def test_a_header_wider_than_the_limit_is_refused(tmp_path):
    wide = rows_xml([PERSON_HEADER])[:-6] + '<c r="XFD1" t="inlineStr"><is><t>Z</t></is></c></row>'
    path = raw_xlsx(tmp_path / "wide.xlsx", sheet_data=wide)
    message, _seconds, peak = _bounded(lambda: open_table(path))
    assert "the header has 16,384 columns" in message and "ARMSBRIDGE_IMPORT_MAX_COLUMNS" in message


def test_rows_past_the_limit_refuse_the_file_and_write_nothing(session, tmp_path):
    path = write_csv(tmp_path / "many.csv", PERSON_HEADER, [_person(i) for i in range(1, 12)])
    before = snapshot(session, Person, AuditEntry)
    with pytest.raises(UserError, match="more than 10 data rows.*ARMSBRIDGE_IMPORT_MAX_ROWS"):
        _import(session, path, limits=_limits(max_rows=10), batch_size=3)
    assert snapshot(session, Person, AuditEntry) == before
    xlsx = write_xlsx(tmp_path / "many.xlsx", PERSON_HEADER, [_person(i) for i in range(1, 12)])
    with pytest.raises(UserError, match="ARMSBRIDGE_IMPORT_MAX_ROWS"):
        list(open_table(xlsx, limits=_limits(max_rows=10)).rows)


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, [_person(1)])
    with pytest.raises(UserError, match=r"bytes, over the limit of 100 .*MAX_FILE_BYTES"):
        open_table(path, limits=_limits(max_file_bytes=100))


# --- per-row problems: quarantined with the reason, on both backends -----------------------------


def test_a_nul_character_quarantines_its_row_and_names_the_column(session, tmp_path):
    rows = [_person(1), _person(2, "Ag\x00im"), _person(3)]
    path = write_csv(tmp_path / "nul.csv", PERSON_HEADER, rows)
    report = _import(session, path)
    assert (report.rows_imported, report.rows_quarantined) == (2, 1)
    [error] = report.errors
    assert (error.row, error.column, error.value) == (3, "EMRI", "Ag\u2400im")
    assert "NUL character" in error.expected
    assert _quarantine(tmp_path / "q.csv")["3"]["EMRI"] == "Ag\u2400im"


def test_a_short_row_is_quarantined_with_its_cell_count(session, tmp_path):
    path = tmp_path / "short.csv"
    lines = [";".join(PERSON_HEADER), ";".join(map(str, _person(1))), "2;Agim;Gashi"]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    report = _import(session, path)
    assert (report.rows_imported, report.rows_quarantined) == (1, 1)
    assert "row 3 has 3 cells, the header has 10" in str(report.errors[0])


def test_cells_under_unnamed_header_cells_at_the_end_may_be_left_out(session, tmp_path):
    path = tmp_path / "trailing.csv"
    lines = [";".join(PERSON_HEADER) + ";;", ";".join(map(str, _person(1)))]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    report = _import(session, path)
    assert (report.rows_imported, report.rows_quarantined) == (1, 0)


def test_a_formula_uses_its_saved_value_and_one_without_is_reported(session, tmp_path):
    saved = ("xml", '<c r="{ref}" t="str"><f>CONCAT("Ag","im")</f><v>Agim</v></c>')
    unsaved = ("xml", '<c r="{ref}"><f>B2&amp;"x"</f></c>')
    failed = ("xml", '<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    rows = [PERSON_HEADER, ["1", saved, "Gashi"], ["2", "Ana", unsaved], ["3", failed, "Hoxha"]]
    path = raw_xlsx(tmp_path / "formulas.xlsx", rows)
    report = _import(session, path)
    assert (report.rows_imported, report.rows_quarantined) == (1, 2)
    by_row = {e.row: e for e in report.errors}
    assert by_row[3].column == "MBIEMRI"
    assert (
        "cell C3 holds a formula with no saved value; open and save the file in Excel or "
        "paste values" in by_row[3].expected
    )
    assert by_row[4].value == "#DIV/0!" and "cell B4 holds an error" in by_row[4].expected


def test_a_formula_written_by_openpyxl_has_no_saved_value_and_is_reported(session, tmp_path):
    path = write_xlsx(tmp_path / "written.xlsx", PERSON_HEADER, [["1", '="Ag"&"im"', "Gashi"]])
    report = _import(session, path)
    assert report.rows_quarantined == 1 and "cell B2 holds a formula" in report.errors[0].expected


# --- what is shown: bounded ---------------------------------------------------------------------


def test_the_command_prints_a_bounded_number_of_short_error_lines(tmp_path, store):
    rows = [_person(i, "N" * 5000) for i in range(1, 41)]
    path = write_csv(tmp_path / "long.csv", PERSON_HEADER, rows)
    result = run_cli(
        ["import", str(PERSONS), str(path)], tmp_path, store, ARMSBRIDGE_IMPORT_MAX_ERRORS_SHOWN="5"
    )
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if "long.csv, row" in line]
    assert len(lines) == 5 and all(len(line) < 600 for line in lines)
    assert "… and 35 more; see the quarantine file" in result.stdout
    assert len(result.stdout) < 10_000


def test_the_quarantine_stops_at_its_limit_and_counts_the_rows_left(tmp_path):
    rows = [
        (n, {"EMRI": "x" * 100}, [RowError("f.csv", n, "EMRI", "x", "a name")])
        for n in range(2, 202)
    ]
    target = tmp_path / "q.csv"
    left = write_quarantine(target, ["EMRI"], rows, max_bytes=5_000)
    assert 0 < left < 200 and target.stat().st_size < 6_000
    listed = _quarantine(target)
    last = listed.pop("")
    assert len(listed) + left == 200
    assert f"{left:,} more rows (rows {202 - left} to 201) are not listed" in last["errors"]
    assert "ARMSBRIDGE_IMPORT_MAX_QUARANTINE_BYTES" in last["errors"]


def test_quarantine_cells_cannot_run_as_formulas(session, tmp_path):
    rows = [['=HYPERLINK("http://x")', "@SUM(1)", "+1-1", "", "bad", "", "", "", "", ""]]
    path = write_csv(tmp_path / "f.csv", PERSON_HEADER, rows)
    report = _import(session, path)
    assert report.rows_quarantined == 1
    row = _quarantine(tmp_path / "q.csv")["2"]
    assert row["ID_PERSONI"] == '\'=HYPERLINK("http://x")'
    assert (row["EMRI"], row["MBIEMRI"]) == ("'@SUM(1)", "'+1-1")
    assert not row["errors"].startswith(("=", "+", "-", "@"))


def test_an_impossible_birth_date_is_quarantined_with_field_value_and_bound(session, tmp_path):
    rows = [_person(1), [*_person(2)[:4], "31.12.9999", *_person(2)[5:]], _person(3)]
    path = write_csv(tmp_path / "dates.csv", PERSON_HEADER, rows)
    report = _import(session, path)
    assert (report.rows_imported, report.rows_quarantined) == (2, 1)
    [error] = report.errors
    assert (error.row, error.column, error.value) == (3, "DATELINDJA", "31.12.9999")
    assert error.expected.startswith("a date no later than") and "person.birth_date" in str(error)


def test_a_quarantine_whose_first_row_is_past_the_limit_keeps_its_header(tmp_path):
    rows = [(2, {"EMRI": "x" * 3000}, [RowError("f.csv", 2, "EMRI", "x", "a name")])]
    target = tmp_path / "q.csv"
    assert write_quarantine(target, ["EMRI"], rows, max_bytes=1024) == 1
    [last] = _quarantine(target).values()
    assert "1 more rows (rows 2 to 2) are not listed" in last["errors"]
