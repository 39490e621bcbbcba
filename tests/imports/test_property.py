"""Property: every row is imported or quarantined with a reason; none lost, none duplicated."""

from __future__ import annotations

import contextlib
import csv
import tempfile
from datetime import date
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_helpers import PERSON_HEADER, PERSONS, snapshot, write_csv
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.imports import staging as import_staging
from armsbridge.imports.service import import_file
from armsbridge.records.models import Link, Person, Phone
from principals import as_actor

LATIN_NAMES = [
    "Përparim",
    "Gashi",
    "Đorđe",
    "Šabani",
    "Çelik",
    "Žarko",
    "Ćosić",
    "Xhafer",
    "Bajrami",
    "Dhurata",
    "Llapashtica",
    "Jovanoviq",
    "Hoxha",
    "Ana Marija",
]
CYRILLIC_NAMES = [
    "Џафер",
    "Бајрами",
    "Ѓорѓи",
    "Петровска",
    "Ќирил",
    "Љупчо",
    "Ѕвонко",
    "Шпреса",
    "Јовановиќ",
    "Николовски",
    "Жаклина",
]
NAMES = {"utf-8": LATIN_NAMES + CYRILLIC_NAMES, "cp1250": LATIN_NAMES, "cp1251": CYRILLIC_NAMES}
GOOD_DATES = (  # a birth date from 1900 to today (records.yaml bounds)
    st.dates(min_value=date(1900, 1, 1), max_value=date.today()).flatmap(
        lambda d: st.sampled_from([d.strftime("%d.%m.%Y"), d.isoformat(), str(d.year)])
    )
)
BAD_DATES = st.sampled_from(
    ["31.02.1986", "1986-13-01", "yesterday", "12/03/1986", "00.00.0000", "31.12.9999", "1899"]
)
GOOD_SEX = st.sampled_from(["Mashkull", "Femër", "M", "F", ""])
BAD_SEX = st.sampled_from(["Z", "burrë", "?"])
GOOD_PHONES = st.sampled_from(
    ["", "044 123 456", "+389 70 123 456", "049/555-666", "0038345111222"]
)
BAD_PHONES = st.sampled_from(["abc", "12", "phone"])
BAD_NAME = st.just("N" * 121)  # longer than the 120 characters a name may have


def _encodable(text: str, encoding: str, fallback: str) -> str:
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        return fallback


@st.composite
def export(draw):
    """Draw an encoding and rows; each row is known good or bad by construction."""
    encoding = draw(st.sampled_from(sorted(NAMES)))
    name = st.sampled_from(NAMES[encoding])
    ids = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=25, unique=True))
    rows, good = [], []
    for pid in ids:
        bad_part = draw(st.sampled_from([None, None, "date", "sex", "phone", "name"]))
        row = [
            str(pid),
            draw(BAD_NAME if bad_part == "name" else name),
            draw(name),
            draw(st.one_of(st.just(""), name)),
            draw(BAD_DATES if bad_part == "date" else GOOD_DATES),
            _encodable(
                draw(BAD_SEX if bad_part == "sex" else GOOD_SEX),
                encoding,
                "Z" if bad_part == "sex" else "F",
            ),
            draw(st.one_of(st.just(""), name)),
            draw(BAD_PHONES if bad_part == "phone" else GOOD_PHONES),
            "",
            "",
        ]
        rows.append(row)
        good.append(bad_part is None)
    fail_at = draw(st.integers(1, 4))
    batch = draw(st.integers(1, 8))
    return encoding, rows, good, fail_at, batch


def _stored_persons(session):
    return dict(session.execute(select(Person.external_ref, Person.given_name)).all())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(export())
def test_every_row_is_imported_or_quarantined_never_lost_or_duplicated(session, data):
    encoding, rows, good, fail_at, batch = data
    outer = session.begin_nested()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_csv(Path(tmp) / "export.csv", PERSON_HEADER, rows, encoding=encoding)
            quarantine = Path(tmp) / "q.csv"
            report = import_file(
                session,
                profile=PERSONS,
                path=path,
                user=as_actor("prop"),
                quarantine_path=quarantine,
                batch_size=batch,
            )
            # none lost: each row is imported or quarantined, never both, never neither
            assert report.rows_read == len(rows)
            assert report.rows_imported + report.rows_quarantined == len(rows)
            quarantined = {}
            if quarantine.exists():
                with quarantine.open(encoding="utf-8-sig") as handle:
                    quarantined = {r["ID_PERSONI"]: r for r in csv.DictReader(handle)}
            stored = _stored_persons(session)
            for row, is_good in zip(rows, good, strict=True):
                ref = f"P-{row[0]}"
                if is_good:
                    assert ref in stored and row[0] not in quarantined, (row, report.errors)
                    assert stored[ref] == row[1]  # text survives the encoding round trip
                else:
                    assert ref not in stored
                    assert quarantined[row[0]]["errors"].strip()  # with a reason
            assert len(stored) == sum(good)
            # none duplicated: importing the same file again changes no count
            counts = snapshot(session, Person, Phone, Link)
            again = import_file(
                session,
                profile=PERSONS,
                path=path,
                user=as_actor("prop"),
                quarantine_path=quarantine,
            )
            assert snapshot(session, Person, Phone, Link) == counts
            assert again.created == {} and again.rows_imported == sum(good)
            # a failure mid-file leaves the store as it was
            before = snapshot(session, Person, Phone, Link, AuditEntry)
            real = import_staging.bulk_write
            calls = {"n": 0}

            def failing(*args, **kwargs):
                calls["n"] += 1
                if calls["n"] >= fail_at:
                    raise RuntimeError("injected failure")
                return real(*args, **kwargs)

            edited = [[r[0], r[1] + "x", *r[2:]] for r in rows]
            path2 = write_csv(Path(tmp) / "edited.csv", PERSON_HEADER, edited, encoding="utf-8")
            patched = mock.patch.object(import_staging, "bulk_write", failing)
            with patched, contextlib.suppress(RuntimeError):
                import_file(
                    session, profile=PERSONS, path=path2, user=as_actor("prop"), batch_size=1
                )
            if calls["n"] >= fail_at:
                assert snapshot(session, Person, Phone, Link, AuditEntry) == before
                assert _stored_persons(session) == stored
    finally:
        outer.rollback()
