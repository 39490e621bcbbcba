"""Import engine: encodings, formats, dates, quarantine, idempotence, dry run, atomicity."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from import_helpers import (
    CASE_HEADER,
    CASES,
    PERSON_HEADER,
    PERSONS,
    count,
    snapshot,
    write_csv,
    write_xlsx,
)
from sqlalchemy import delete, select, update

from armsbridge.audit.models import AuditChange, AuditEntry
from armsbridge.audit.service import verify_chain
from armsbridge.auth.principal import Principal
from armsbridge.capacity.models import Training, TrainingSession
from armsbridge.errors import UserError
from armsbridge.imports import staging as import_staging
from armsbridge.imports.profile import parse_profile
from armsbridge.imports.service import import_file
from armsbridge.records.models import Case, CaseStatusChange, Event, Firearm, Link, Person, Phone
from principals import as_actor

STORE = (Person, Phone, Case, Event, Firearm, Link, CaseStatusChange, AuditEntry)

CASE_ROWS = [
    ["XK-24-001", "XK", "trafikim", "14.03.2024", "reported", "Zastava", "К-72 45", "7,62x39", ""],
    ["XK-24-002", "XK", "posedim", "2024-05-01", "indicted", "Zoraki", "", "9mm PAK", "01-123-AB"],
]

PERSON_ROWS = [
    [
        "1",
        "Përparim",
        "Gashi",
        "Çelik",
        "14.03.1986",
        "Mashkull",
        "",
        "044 123 456",
        "XK-24-001",
        "i dyshuar",
    ],
    [
        "2",
        "Đorđe",
        "Đorđević",
        "Žarko",
        "1990-07",
        "Mashkull",
        "Djordje",
        "",
        "XK-24-002",
        "dëshmitar",
    ],
    [
        "3",
        "Shqipe",
        "Krasniqi",
        "",
        "1979",
        "Femër",
        "",
        "+389 70 123 456",
        "XK-24-001",
        "dëshmitar",
    ],
]


def _cases(session, tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, CASE_ROWS)
    return import_file(session, profile=CASES, path=path, user=as_actor("t"))


def _names(session):
    rows = session.execute(select(Person.given_name, Person.family_name, Person.father_name))
    return sorted(tuple(r) for r in rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250"])
def test_latin_export_in_each_encoding_comes_out_right(session, tmp_path, encoding):
    _cases(session, tmp_path)
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, PERSON_ROWS, encoding=encoding)
    report = import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    assert report.rows_imported == 3 and report.ok
    assert ("Đorđe", "Đorđević", "Žarko") in _names(session)
    assert ("Përparim", "Gashi", "Çelik") in _names(session)


def test_macedonian_cyrillic_windows_1251_export_comes_out_right(session, tmp_path):
    _cases(session, tmp_path)
    rows = [
        ["10", "Џафер", "Бајрами", "Ѓорѓи", "01.02.1980", "M", "", "", "XK-24-001", ""],
        ["11", "Александра", "Петровска", "Ќирил", "1985", "F", "", "", "XK-24-002", ""],
        ["12", "Шпреса", "Љутвиу", "Ѕвонко", "1990", "F", "", "", "XK-24-002", ""],
    ]
    path = write_csv(tmp_path / "mk.csv", PERSON_HEADER, rows, encoding="cp1251")
    report = import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    assert report.encoding == "cp1251"
    assert report.rows_imported == 3
    names = _names(session)
    assert ("Џафер", "Бајрами", "Ѓорѓи") in names
    assert ("Александра", "Петровска", "Ќирил") in names
    assert ("Шпреса", "Љутвиу", "Ѕвонко") in names


def test_xlsx_export_with_real_dates_and_numbers(session, tmp_path):
    _cases(session, tmp_path)
    rows = [
        [
            1,
            "Përparim",
            "Gashi",
            None,
            date(1986, 3, 14),
            "Mashkull",
            None,
            "044 123 456",
            "XK-24-001",
            "i dyshuar",
        ],
        [2, "Ђорђе", "Шабани", None, "14.03.1990", "Femër", None, None, "XK-24-002", None],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADER, rows)
    report = import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    assert report.rows_imported == 2, report.errors
    stored = dict(session.execute(select(Person.external_ref, Person.birth_date)).all())
    # an integer id cell gives the same key as the CSV text "1"; both date forms are read
    assert stored == {"P-1": "1986-03-14", "P-2": "1990-03-14"}


def test_records_are_normalised_and_linked(session, tmp_path):
    _cases(session, tmp_path)
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, PERSON_ROWS)
    import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    firearm = session.execute(select(Firearm)).scalar_one()
    case = session.execute(select(Case).where(Case.external_ref == "XK-24-001")).scalar_one()
    assert (firearm.serial_normalised, firearm.calibre_normalised) == ("K7245", "7.62x39")
    assert firearm.case_id == case.id and firearm.event_id is not None  # {record: alias}
    assert case.opened_on == date(2024, 3, 14)
    phones = dict(session.execute(select(Phone.number_raw, Phone.e164)).all())
    assert phones == {"044 123 456": "+38344123456", "+389 70 123 456": "+38970123456"}
    roles = session.execute(
        select(Person.given_name, Link.role)
        .join(Link, (Link.from_id == Person.id) & (Link.from_type == "person"))
        .where(Link.kind == "involved_in", Link.to_id == case.id)
    ).all()
    assert sorted(roles) == [("Përparim", "suspect"), ("Shqipe", "witness")]
    history = session.execute(select(CaseStatusChange.status)).scalars().all()
    assert sorted(history) == ["indicted", "reported"]


def test_invalid_rows_go_to_quarantine_with_reasons_and_write_nothing(session, tmp_path):
    _cases(session, tmp_path)
    rows = [
        PERSON_ROWS[0],
        ["7", "Agim", "Berisha", "", "31.02.1986", "Burrë", "", "", "XK-24-001", ""],
        ["8", "Arta", "Hoxha", "", "1980", "Femër", "", "044 123 456", "XK-99-404", "i dyshuar"],
        ["9", "Blerim", "Morina", "", "1980", "Mashkull", "", "12", "XK-24-001", ""],
    ]
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, rows)
    quarantine = tmp_path / "out" / "q.csv"
    before = snapshot(session, Person, Phone, Link)
    report = import_file(
        session, profile=PERSONS, path=path, user=as_actor("t"), quarantine_path=quarantine
    )
    assert (report.rows_read, report.rows_imported, report.rows_quarantined) == (4, 1, 3)
    assert report.quarantine_path == quarantine
    after = snapshot(session, Person, Phone, Link)
    # only row 2 of the file entered: one person, its phone, user_of and involved_in links
    assert after == {"Person": before["Person"] + 1, "Phone": 1, "Link": before["Link"] + 2}
    with quarantine.open(encoding="utf-8-sig") as handle:
        quarantined = list(csv.DictReader(handle))
    assert [q["row"] for q in quarantined] == ["3", "4", "5"]
    assert quarantined[0]["ID_PERSONI"] == "7" and quarantined[0]["EMRI"] == "Agim"
    assert "DATELINDJA: '31.02.1986' is not a real calendar date" in quarantined[0]["errors"]
    assert "GJINIA: 'Burrë'" in quarantined[0]["errors"]
    assert "NR_RASTIT: 'XK-99-404'" in quarantined[1]["errors"]
    assert "TELEFONI: '12'" in quarantined[2]["errors"]
    by_row = {e.row: e for e in report.errors}
    assert by_row[4].column == "NR_RASTIT" and by_row[4].value == "XK-99-404"
    assert str(by_row[4]).startswith("p.csv, row 4, column NR_RASTIT: 'XK-99-404' is not")


def test_reimporting_the_same_file_creates_no_duplicates(session, tmp_path):
    _cases(session, tmp_path)
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, PERSON_ROWS)
    first = import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    stored = snapshot(session, Person, Phone, Link, Case, Event, Firearm)
    second = import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    _cases(session, tmp_path)
    assert snapshot(session, Person, Phone, Link, Case, Event, Firearm) == stored
    assert first.created == {"person": 3, "phone": 2, "link": 5}
    assert second.created == {} and second.updated == {"person": 3, "phone": 2, "link": 5}


def test_reimport_updates_changed_values(session, tmp_path):
    _cases(session, tmp_path)
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, PERSON_ROWS[:1])
    import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    changed = [list(PERSON_ROWS[0])]
    changed[0][2] = "Gashi-Berisha"
    import_file(
        session,
        profile=PERSONS,
        path=write_csv(tmp_path / "p2.csv", PERSON_HEADER, changed),
        user=as_actor("t"),
    )
    assert session.execute(select(Person.family_name)).scalars().all() == ["Gashi-Berisha"]


def test_dry_run_validates_everything_and_writes_nothing(session, tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, [*CASE_ROWS, ["XK-24-003", "RS", "x"]])
    before = snapshot(session, *STORE)
    report = import_file(
        session,
        profile=CASES,
        path=path,
        user=as_actor("t"),
        dry_run=True,
        quarantine_path=tmp_path / "q",
    )
    assert snapshot(session, *STORE) == before
    assert (report.rows_imported, report.rows_quarantined) == (2, 1)
    assert report.created == {"case": 2, "event": 2, "firearm": 1, "vehicle": 1, "link": 1}
    assert report.quarantine_path and report.quarantine_path.exists()


def test_one_audit_entry_per_imported_file(session, tmp_path):
    report = _cases(session, tmp_path)
    entry = (
        session.execute(
            select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.seq.desc())
        )
        .scalars()
        .first()
    )
    assert entry is not None and entry.actor == "t"
    assert entry.details["sha256"] == report.sha256 and len(report.sha256) == 64
    assert entry.details["rows_imported"] == 2 and entry.details["created"]["case"] == 2
    assert count(session, AuditEntry) == 1


def test_a_failure_mid_file_leaves_the_store_as_it_was(session, tmp_path, monkeypatch):
    _cases(session, tmp_path)
    rows = [
        [str(i), f"Emri{i}", "Gashi", "", "1980", "Mashkull", "", "", "XK-24-001", ""]
        for i in range(50)
    ]
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, rows)
    before = snapshot(session, *STORE)
    real = import_staging.bulk_write
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(import_staging, "bulk_write", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(session, profile=PERSONS, path=path, user=as_actor("t"), batch_size=10)
    assert calls["n"] == 3  # two writes had succeeded before the failure
    assert snapshot(session, *STORE) == before


def test_missing_columns_are_reported_before_anything_is_read(session, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["ID_PERSONI", "EMRI"], [["1", "A"]])
    with pytest.raises(UserError, match="MBIEMRI") as info:
        import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    assert "required by profile test-persons" in str(info.value)


def test_row_with_more_cells_than_the_header_is_quarantined(session, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(";".join(CASE_HEADER) + "\nXK-1;XK;trafikim;;;;;;;surplus\n", "utf-8")
    report = import_file(
        session, profile=CASES, path=path, user=as_actor("t"), quarantine_path=tmp_path / "q"
    )
    assert report.rows_quarantined == 1
    assert "more cells than the header" in report.errors[0].expected


def test_link_target_created_by_an_earlier_row_of_the_same_file(session, tmp_path):
    profile = parse_profile(
        {
            "name": "mixed",
            "jurisdiction": "MK",
            "records": {
                "case": {
                    "type": "case",
                    "key": "{CASE}",
                    "when": "KIND",
                    "fields": {"reference": "CASE", "kind": "KIND"},
                },
                "person": {
                    "type": "person",
                    "key": "{PID}",
                    "when": "PID",
                    "fields": {"given_name": "NAME"},
                },
            },
            "links": [
                {"kind": "involved_in", "from": "person", "to": {"type": "case", "key": "{CASE}"}}
            ],
        }
    )
    rows = [["C1", "trafficking", "", ""], ["C1", "", "p1", "Иван"], ["C2", "", "p2", "Марко"]]
    path = write_csv(tmp_path / "m.csv", ["CASE", "KIND", "PID", "NAME"], rows)
    report = import_file(
        session, profile=profile, path=path, user=as_actor("t"), quarantine_path=tmp_path / "q"
    )
    assert report.rows_imported == 2 and report.rows_quarantined == 1
    assert report.errors[0].row == 4 and report.errors[0].value == "C2"
    assert count(session, Link) == 1


def test_record_types_of_other_domains_and_foreign_keys(session, tmp_path):
    profile = parse_profile(
        {
            "name": "sessions",
            "jurisdiction": "XK",
            "records": {
                "training": {
                    "type": "training",
                    "key": "T-{CODE}",
                    "fields": {"code": "CODE", "kind": {"value": "training"}},
                },
                "session": {
                    "type": "training_session",
                    "key": "S-{CODE}-{DATE}",
                    "fields": {
                        "code": "CODE",
                        "held_on": "DATE",
                        "training_id": {"record": "training"},
                    },
                },
            },
        }
    )
    rows = [["INFO-1", "12.10.2022"], ["INFO-1", "13.10.2022"]]
    path = write_csv(tmp_path / "t.csv", ["CODE", "DATE"], rows)
    import_file(session, profile=profile, path=path, user=as_actor("t"))
    import_file(session, profile=profile, path=path, user=as_actor("t"))
    training = session.execute(select(Training)).scalar_one()
    sessions = session.execute(select(TrainingSession)).scalars().all()
    assert [s.training_id for s in sessions] == [training.id, training.id]
    assert sorted(s.held_on for s in sessions) == [date(2022, 10, 12), date(2022, 10, 13)]


def test_reimport_refuses_moving_a_case_status_back(session, tmp_path):
    _cases(session, tmp_path)
    rows = [["XK-24-002", "XK", "posedim", "2024-05-01", "reported", "", "", "", ""]]
    path = write_csv(tmp_path / "c2.csv", CASE_HEADER, rows)
    report = import_file(
        session, profile=CASES, path=path, user=as_actor("t"), quarantine_path=tmp_path / "q"
    )
    assert report.rows_quarantined == 1
    assert "cannot go back from indicted to reported" in report.errors[0].expected
    case = session.execute(select(Case).where(Case.external_ref == "XK-24-002")).scalar_one()
    assert case.status == "indicted"


def test_empty_cells_do_not_erase_stored_values_on_reimport(session, tmp_path):
    _cases(session, tmp_path)
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, PERSON_ROWS[:1])
    import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    blank = [list(PERSON_ROWS[0])]
    blank[0][3] = ""  # father's name missing from the newer export
    import_file(
        session,
        profile=PERSONS,
        path=write_csv(tmp_path / "p2.csv", PERSON_HEADER, blank),
        user=as_actor("t"),
    )
    assert session.execute(select(Person.father_name)).scalars().all() == ["Çelik"]


def test_a_link_made_by_hand_and_by_an_import_is_one_link(session, tmp_path):
    from armsbridge.records import service as records_service

    _cases(session, tmp_path)
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, PERSON_ROWS[:1])
    import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    person = session.execute(select(Person)).scalar_one()
    case = session.execute(select(Case).where(Case.external_ref == "XK-24-001")).scalar_one()
    links = count(session, Link)
    records_service.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=person.id,
        to_type="case",
        to_id=case.id,
        role="accused",
        user=as_actor("analyst"),
    )
    assert count(session, Link) == links


def test_a_date_format_reads_the_file_s_dates_and_names_a_cell_that_does_not_fit(session, tmp_path):
    from armsbridge.records.models import Person

    profile = parse_profile(
        {
            "name": "dated",
            "jurisdiction": "MK",
            "records": {
                "person": {
                    "type": "person",
                    "key": "{PID}",
                    "fields": {
                        "given_name": "NAME",
                        "birth_date": {"column": "BORN", "format": "%m/%d/%Y"},
                    },
                }
            },
        }
    )
    rows = [["p1", "Иван", "03/14/1986"], ["p2", "Марко", "14.03.1986"], ["p3", "Ана", ""]]
    path = write_csv(tmp_path / "d.csv", ["PID", "NAME", "BORN"], rows)
    report = import_file(
        session, profile=profile, path=path, user=as_actor("t"), quarantine_path=tmp_path / "q"
    )
    assert report.rows_imported == 2 and report.rows_quarantined == 1
    error = report.errors[0]
    assert (error.row, error.column, error.value) == (3, "BORN", "14.03.1986")
    assert error.expected == "a date in the format %m/%d/%Y (person.birth_date)"
    born = dict(session.execute(select(Person.external_ref, Person.birth_date)).all())
    assert str(born["p1"]).startswith("1986-03-14") and born["p3"] is None


def test_an_import_lists_every_record_it_wrote_under_its_chained_entry(session, tmp_path):
    _cases(session, tmp_path)
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, PERSON_ROWS)
    import_file(session, profile=PERSONS, path=path, user=as_actor("t"))
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.seq.desc())
    ).first()
    rows = session.scalars(select(AuditChange).where(AuditChange.entry_seq == entry.seq)).all()
    persons = {r.record_id for r in rows if r.record_type == "person" and r.op == "create"}
    assert persons == set(session.scalars(select(Person.id)))
    assert entry.details["changes"] == len(rows) and len(entry.details["changes_sha256"]) == 64
    assert verify_chain(session).ok
    # Someone removes the trace of one person the import wrote: verify notices.
    victim = next(r for r in rows if r.record_type == "person")
    session.execute(delete(AuditChange).where(AuditChange.id == victim.id))
    problems = verify_chain(session).problems
    assert any(f"entry {entry.seq}: the list of records" in p for p in problems)
    session.add(
        AuditChange(
            entry_seq=entry.seq, record_type="person", record_id=victim.record_id, op="create"
        )
    )
    session.flush()
    assert verify_chain(session).ok
    session.execute(update(AuditChange).where(AuditChange.entry_seq == entry.seq).values(op="x"))
    assert not verify_chain(session).ok


def test_a_row_of_another_service_is_refused_once_with_row_and_value(session, tmp_path):
    analyst = Principal(id=0, username="xk-analyst", role="analyst", jurisdiction="XK")
    header = [
        "training_code", "training_title", "topic", "kind", "session_code", "session_date",
        "jurisdiction", "participant_ref", "sex", "institution",
    ]  # fmt: skip
    rows = [
        ["T-1", "Converted firearms", "converted", "training", "S-1", "04.10.2022", "XK", "P-1",
         "F", "Kosovo Police"],
        ["T-1", "Converted firearms", "converted", "training", "S-1", "04.10.2022", "MK", "P-2",
         "M", "MoI"],
    ]  # fmt: skip
    path = write_csv(tmp_path / "participants.csv", header, rows)
    report = import_file(session, profile="participants", path=path, user=analyst,
                         quarantine_path=tmp_path / "q.csv")  # fmt: skip
    assert (report.rows_imported, report.rows_quarantined) == (1, 1)
    (error,) = report.errors  # one line for the row, though it holds four records
    assert (error.row, error.column, error.value) == (3, "jurisdiction", "MK")
    assert "your account imports records of its own service" in error.expected
