"""`armsbridge link LEFT RIGHT --out PAIRS.csv` end to end, including its errors (exit 2)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

ARMSBRIDGE = str(Path(sys.executable).with_name("armsbridge"))


# The name columns of the two files of these tests, mapped to roles.
NAMES = [
    "--field-left",
    "given_name=ime",
    "--field-left",
    "family_name=prezime",
    "--field-right",
    "given_name=emri",
    "--field-right",
    "family_name=mbiemri",
]


def _pairs(out: Path) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in list(csv.reader(out.open(encoding="utf-8")))[1:]}


def _probabilities(out: Path) -> dict[tuple[str, str], float]:
    return {(r[0], r[1]): float(r[2]) for r in list(csv.reader(out.open(encoding="utf-8")))[1:]}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ARMSBRIDGE, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    left = tmp_path / "mk.csv"
    left.write_text(
        "id;ime;prezime;tatko;roden\n"
        "m1;Џафер;Бајрами;Рамадан;14.03.1986\n"
        "m2;Ѓорѓи;Петровски;Трајко;02.05.1979\n"
        "m3;Арбен;Красниќи;Агим;01.01.1990\n",
        encoding="utf-8",
    )
    right = tmp_path / "xk.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["rec_id", "emri", "mbiemri", "babai", "datelindja"])
    ws.append(["k1", "Xhafer", "Bajrami", "Ramadan", "14/03/1986"])
    ws.append(["k2", "Gjorgji", "Petrovski", "Trajko", "02/05/1979"])
    ws.append(["k3", "Arben", "Krasniqi", "Besim", "09/07/1971"])
    wb.save(right)
    return left, right


def test_link_writes_sorted_pairs(files: tuple[Path, Path], tmp_path: Path) -> None:
    left, right = files
    out = tmp_path / "pairs.csv"
    proc = _run(
        "link",
        str(left),
        str(right),
        "--out",
        str(out),
        "--field-left",
        "given_name=ime",
        "--field-left",
        "family_name=prezime",
        "--field-left",
        "father_name=tatko",
        "--field-left",
        "birth_date=roden:%d.%m.%Y",
        "--field-right",
        "given_name=emri",
        "--field-right",
        "family_name=mbiemri",
        "--field-right",
        "father_name=babai",
        "--field-right",
        "birth_date=datelindja:%d/%m/%Y",
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["left_id", "right_id", "probability"]
    pairs = {(r[0], r[1]) for r in rows[1:]}
    assert pairs == {("m1", "k1"), ("m2", "k2")}
    probs = [float(r[2]) for r in rows[1:]]
    assert probs == sorted(probs, reverse=True) and all(p >= 0.5 for p in probs)


def test_same_column_names_with_field_and_joined_columns(tmp_path: Path) -> None:
    left = tmp_path / "a.csv"
    right = tmp_path / "b.csv"
    left.write_text("id,first,last,year\n1,Elena,Petrovska,1983\n2,Ivan,Ivanov,1970\n")
    right.write_text("id,first,last,year\n7,Елена,Петровски,1983\n8,Jovan,Jovanović,1960\n")
    out = tmp_path / "p.csv"
    proc = _run(
        "link",
        str(left),
        str(right),
        "--out",
        str(out),
        "--field",
        "full_name=first+last",
        "--field",
        "birth_year=year",
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert [(r[0], r[1]) for r in rows[1:]] == [("1", "7")]


def test_people_sharing_a_case_in_each_file_are_associates(tmp_path: Path) -> None:
    # Besnik's family name is mistyped on the right and neither list has a birth date: his
    # accomplice Fatmir, in a case with him on each side, is what makes the pair likely.
    left = tmp_path / "mk.csv"
    left.write_text(
        "id,ime,prezime,predmet\n"
        "m1,Бесник,Бурхани,KO-12/24\n"
        "m2,Фатмир,Селими,KO-12/24; KO-3/25\n"
        "m3,Бесник,Красниќи,KO-40/24\n",
        encoding="utf-8",
    )
    right = tmp_path / "xk.csv"
    right.write_text(
        "id,emri,mbiemri,rasti\nx1,Besnik,Burhni,2024-077\nx2,Fatmir,Selimi,2024-077\n"
    )
    cases = ["--field-left", "case=predmet", "--field-right", "case=rasti"]
    out = tmp_path / "pairs.csv"
    proc = _run("link", str(left), str(right), "--out", str(out), *NAMES, *cases)
    assert proc.returncode == 0, proc.stderr
    assert _pairs(out) == {("m1", "x1"), ("m2", "x2")}
    with_case = _probabilities(out)[("m1", "x1")]
    proc = _run("link", str(left), str(right), "--out", str(out), "--threshold", "0", *NAMES)
    assert proc.returncode == 0, proc.stderr
    assert _probabilities(out)[("m1", "x1")] < with_case


def test_threshold_filters(files: tuple[Path, Path], tmp_path: Path) -> None:
    left, right = files
    out = tmp_path / "all.csv"
    args = NAMES
    proc = _run("link", str(left), str(right), "--out", str(out), "--threshold", "0.0", *args)
    assert proc.returncode == 0, proc.stderr
    n_all = len(out.read_text().splitlines())
    proc = _run("link", str(left), str(right), "--out", str(out), "--threshold", "0.999", *args)
    assert proc.returncode == 0
    assert len(out.read_text().splitlines()) <= n_all


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--field-left", "given_name=vorname"], "column 'vorname'"),
        (["--field", "nickname=ime"], "unknown role 'nickname'"),
        (["--id-left", "nr"], "id column 'nr' not found"),
        (
            ["--field-left", "given_name=ime", "--field-left", "birth_date=roden:%Y-%m-%d"],
            "is not a date in '%Y-%m-%d'",
        ),
    ],
)
def test_bad_mappings_are_clear_errors(
    files: tuple[Path, Path], tmp_path: Path, extra: list[str], message: str
) -> None:
    left, right = files
    proc = _run(
        "link",
        str(left),
        str(right),
        "--out",
        str(tmp_path / "x.csv"),
        "--field-right",
        "given_name=emri",
        "--strict",
        *extra,
    )
    assert proc.returncode == 2, proc.stderr
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_missing_id_column_and_missing_file(tmp_path: Path) -> None:
    left = tmp_path / "a.csv"
    left.write_text("nr,full\n1,Ana Ilievska\n")
    proc = _run(
        "link", str(left), str(left), "--out", str(tmp_path / "o.csv"), "--field", "full_name=full"
    )
    assert proc.returncode == 2 and "no id column" in " ".join(proc.stderr.split())
    proc = _run("link", str(tmp_path / "nope.csv"), str(left), "--out", str(tmp_path / "o.csv"))
    assert proc.returncode == 2 and "no such file" in " ".join(proc.stderr.split())


def test_impossible_dates_are_reported_not_fatal_and_strict_refuses_them(tmp_path: Path) -> None:
    # 19450493 and a month 13: the pair is still found on the names and the date as written.
    left = tmp_path / "a.csv"
    left.write_text(
        "id,first,last,dob,tel\n1,Marko,Petrovski,19450403,070 123 456\n"
        "2,Ana,Ilievska,19800115,12\n"
    )
    right = tmp_path / "b.csv"
    right.write_text(
        "id,first,last,dob\n7,Марко,Петровски,19450493\n8,Ана,Илиевска,19801315\n9,Ivo,Ris,непознат\n",
        encoding="utf-8",
    )
    fields = ["--field", "given_name=first", "--field", "family_name=last"]
    fields += ["--field", "birth_date=dob:%Y%m%d", "--field-left", "phone=tel"]
    out, report = tmp_path / "pairs.csv", tmp_path / "report.json"
    proc = _run("link", str(left), str(right), "--out", str(out), "--report", str(report), *fields)
    assert proc.returncode == 0, proc.stderr
    assert _pairs(out) == {("1", "7"), ("2", "8")}
    text = " ".join(proc.stdout.split())
    assert "3 values of" in text and "did not parse" in text and "row 2: '19450493'" in text
    summary = json.loads(report.read_text(encoding="utf-8"))
    phone, bad = summary["bad_values"]
    assert phone["count"] == 1 and phone["examples"][0] == {
        "row": 3,
        "value": "12",
        "expected": "a phone number (+389 70 123 456, 070 123 456, 044 123 456)",
    }
    # A word with no digits is missing for every comparison, and reported all the same.
    assert bad["count"] == 3 and [e["row"] for e in bad["examples"]] == [2, 3, 4]
    assert summary["blocking"] and summary["training"]["why"]
    proc = _run("link", str(left), str(right), "--out", str(out), "--strict", *fields)
    assert proc.returncode == 2
    message = " ".join(proc.stderr.split())
    assert "a.csv, row 3, column 'tel': '12' is not a phone number" in message
    proc = _run("link", str(left), str(right), "--out", str(out), "--strict", *fields[:-2])
    assert proc.returncode == 2
    message = " ".join(proc.stderr.split())
    assert "row 2, column 'dob': '19450493' is not a date in '%Y%m%d'" in message
    assert "Traceback" not in proc.stderr
