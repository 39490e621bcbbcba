"""What one police service records of the synthetic world, written in its own conventions."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from random import Random
from typing import IO, Any

from armsbridge.synth import noise
from armsbridge.synth.comms import CommunicationsMixin
from armsbridge.synth.entities import Firearm, Person, Place, Vehicle
from armsbridge.synth.files import CONVENTIONS, EXTRA_FILES, FILES, encoding_of
from armsbridge.synth.names import fit_encoding, load_data, name_book
from armsbridge.synth.procedure import COURT_STEPS, status_history
from armsbridge.synth.spelling import firearm_fields, person_fields

_PREFIX = {
    "XK": {
        "intel_report": "I",
        "online_account": "U",
        "person": "P",
        "event": "N",
        "firearm": "A",
        "ammunition": "M",
        "explosive": "E",
        "vehicle": "V",
        "phone": "T",
        "organisation": "G",
    },
    "MK": {
        "intel_report": "I",
        "online_account": "U",
        "person": "L",
        "event": "N",
        "firearm": "O",
        "ammunition": "M",
        "explosive": "E",
        "vehicle": "V",
        "phone": "T",
        "organisation": "G",
    },
}
_UNITS = {
    "XK": (
        "DRP Prishtinë",
        "DRP Ferizaj",
        "DRP Gjilan",
        "DRP Prizren",
        "DRP Pejë",
        "DRP Mitrovicë",
        "DRP Gjakovë",
        "Policia Kufitare",
    ),
    "MK": (
        "СВР Скопје",
        "СВР Тетово",
        "СВР Куманово",
        "СВР Гостивар",
        "СВР Штип",
        "СВР Битола",
        "СВР Охрид",
        "Гранична полиција",
    ),
}


@dataclass(slots=True)
class CaseRec:
    """A case as recorded: its reference, kind and its status at the export date."""

    ref: str
    kind: str
    status: str
    opened: date


@dataclass(slots=True)
class EventRec:
    """An event as recorded."""

    ref: str
    kind: str
    when: date
    case: CaseRec


class JurisdictionExport(CommunicationsMixin):
    """Writes one jurisdiction's export files; remembers, per story, which records it made."""

    def __init__(self, jurisdiction: str, out: Path, truth: dict[str, Any]) -> None:
        self.j = jurisdiction
        self.i = 0 if jurisdiction == "XK" else 1
        self.terms = load_data("terms.yaml")
        self.book = name_book()
        self.truth = truth
        self.counts: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.handles: list[IO[str]] = []
        self.writers: dict[str, Any] = {}
        self.enc: dict[str, str] = {}
        self.kept: set[str] = set()
        folder = out / jurisdiction.lower()
        folder.mkdir(parents=True, exist_ok=True)
        delimiter = CONVENTIONS[jurisdiction]["delimiter"]
        for spec in (*FILES, *EXTRA_FILES):
            encoding = encoding_of(jurisdiction, spec.name)
            handle = (folder / spec.name).open("w", encoding=encoding, newline="")
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(spec.header(jurisdiction))
            self.handles.append(handle)
            self.writers[spec.name] = writer
            self.enc[spec.name] = encoding
            self.rows[spec.name] = 0
        self.new_story()

    def close(self) -> None:
        """Close every file."""
        for handle in self.handles:
            handle.close()

    def keep(self, p: Person) -> None:
        """Remember this person's and phones' records across stories (suppliers of many groups)."""
        self.kept.add(p.eid)
        self.kept.update(ph.eid for ph in p.phones)

    def new_story(self) -> None:
        """Forget the records of the previous story (keeps memory bounded), except kept ones."""
        old_persons = getattr(self, "person_recs", {})
        old_phones = getattr(self, "phone_recs", {})
        self.person_recs: dict[str, list[tuple[str, list[str]]]] = {
            k: v for k, v in old_persons.items() if k in self.kept
        }
        self.phone_recs: dict[str, tuple[str, str]] = {
            k: v for k, v in old_phones.items() if k in self.kept
        }
        self.account_recs: dict[str, tuple[str, list[str]]] = {}
        self.vehicle_recs: dict[str, tuple[str, list[str]]] = {}
        self.org_recs: dict[str, str] = {}
        self.person_case: dict[tuple[str, str], str] = {}
        self.seen: set[tuple[str, ...]] = set()

    # --- helpers -------------------------------------------------------------------------------

    def term(self, table: str, code: str) -> str:
        """Return the label this service uses for `code` of `table` (terms.yaml)."""
        return self.terms[table][code][self.i]

    def _next(self, kind: str) -> str:
        n = self.counts.get(kind, 0) + 1
        self.counts[kind] = n
        return f"{_PREFIX[self.j][kind]}-{n:07d}"

    def _write(self, name: str, row: list[Any]) -> None:
        enc = self.enc[name]
        cells = ["" if v is None else str(v) for v in row]
        if not enc.startswith("utf"):
            try:
                "".join(cells).encode(enc)
            except UnicodeEncodeError:
                cells = [fit_encoding(c, enc) for c in cells]
        self.writers[name].writerow(cells)
        self.rows[name] += 1

    def _date(self, day: date | None, rng: Random) -> str:
        if day is None:
            return ""
        return noise.dmy(day, trailing_dot=self.j == "MK" and rng.random() < 0.2)

    # --- cases and events -----------------------------------------------------------------------

    def case(self, kind: str, opened: date, rng: Random, title: str) -> CaseRec:
        """Record a case and its status history up to the export date."""
        n = self.counts.get("case", 0) + 1
        self.counts["case"] = n
        if self.j == "XK":
            ref = f"{opened.year}-KP-{n:06d}"
        else:
            ref = f"МВР-{n:06d}/{opened.year % 100:02d}"
        history = status_history(opened, rng)
        court = ""
        steps = []
        for status, day in history:
            if status == "indicted":
                court = (
                    f"PKR.nr.{rng.randrange(1, 900)}/{day.year % 100:02d}"
                    if self.j == "XK"
                    else f"К-{rng.randrange(1, 2000)}/{day.year % 100:02d}"
                )
            steps.append((status, day, court if status in COURT_STEPS else ""))
        status, last = history[-1]
        code = rng.choices(("H0", "H1", "H2", "H3"), (70, 15, 12, 3))[0]
        restriction = ""
        if code == "H3":
            restriction = (
                "Vetëm për hetimin e përbashkët"
                if self.j == "XK"
                else "Само за заедничката истрага"
            )
        self._write(
            "cases.csv",
            [
                ref,
                self.term("case_kinds", kind),
                title,
                self.term("case_statuses", status),
                self._date(last, rng),
                self._date(opened, rng),
                court,
                code,
                restriction,
                rng.choice(_UNITS[self.j]),
            ],
        )
        for step, day, step_court in steps:
            self._write(
                "case_status.csv",
                [ref, self.term("case_statuses", step), self._date(day, rng), step_court],
            )
        return CaseRec(ref, kind, status, opened)

    def event(
        self, case: CaseRec, kind: str, when: date, place: Place, rng: Random, description: str
    ) -> EventRec:
        """Record an event of a case at a place."""
        ref = self._next("event")
        side = self.j.lower()
        muni = place.municipality
        lang = "mk" if side == "mk" else "sq"
        if place.code:
            pcode, pname, pkind = place.code, muni[lang], "border_crossing"
            crossing, municipality = place.code, muni[f"{side}_municipality"]
        else:
            pcode = f"ADR-{ref}"
            pname = f"{place.street}, {muni[lang]}"
            pkind, crossing, municipality = "address", "", muni[lang]
        occurred = self._date(when, rng) if rng.random() > 0.03 else f"{when.month:02d}.{when.year}"
        time = f"{rng.randrange(0, 24):02d}:{rng.choice((0, 10, 15, 20, 30, 40, 45, 50)):02d}"
        self._write(
            "events.csv",
            [
                ref,
                case.ref,
                self.term("case_kinds", case.kind),
                self.term("event_kinds", kind),
                occurred,
                time if rng.random() < 0.8 else "",
                pcode,
                pname,
                self.term("place_kinds", pkind),
                municipality,
                f"{place.lat:.5f}",
                f"{place.lon:.5f}",
                crossing,
                description,
            ],
        )
        return EventRec(ref, kind, when, case)

    # --- persons --------------------------------------------------------------------------------

    def person(self, p: Person, case: CaseRec, role: str, rng: Random, group: str = "") -> str:
        """Record a person's part in a case; reuse the person's record, now and then a new one."""
        done = self.person_case.get((p.eid, case.ref))
        if done:
            return done
        recs = self.person_recs.setdefault(p.eid, [])
        if recs and (rng.random() > 0.25):
            ref, fields = recs[0]
        else:
            ref, fields = self._next("person"), person_fields(self, p, rng)
            recs.append((ref, fields))
            self.truth["persons"].writerow([p.eid, self.j, ref])
        self.person_case[(p.eid, case.ref)] = ref
        self._write(
            "persons.csv",
            [
                ref,
                case.ref,
                self.term("roles", role),
                *fields,
                group if group and rng.random() < 0.9 else "",
            ],
        )
        return ref

    def person_ref(self, p: Person) -> str | None:
        """Return the (first) record of a person in this export, if there is one."""
        recs = self.person_recs.get(p.eid)
        return recs[0][0] if recs else None

    # --- items ----------------------------------------------------------------------------------

    def firearm(
        self, gun: Firearm, ev: EventRec, status: str, rng: Random, holder: str = ""
    ) -> str:
        """Record a firearm in an event (a new record each time it is recorded)."""
        ref = self._next("firearm")
        self.truth["firearms"].writerow([gun.eid, self.j, ref])
        fields = firearm_fields(self, gun, status, rng)
        self._write(
            "firearms.csv",
            [
                ref,
                ev.ref,
                self.term("event_kinds", ev.kind),
                ev.case.ref,
                self.term("case_kinds", ev.case.kind),
                *fields,
                holder,
            ],
        )
        return ref

    def ammunition(self, ev: EventRec, calibre: str, quantity: int, rng: Random) -> None:
        """Record a lot of cartridges in an event."""
        spelled = rng.choice(load_data("firearms.yaml")["calibre_spellings"][calibre])
        self._write(
            "ammunition.csv",
            [
                self._next("ammunition"),
                ev.ref,
                self.term("event_kinds", ev.kind),
                ev.case.ref,
                self.term("case_kinds", ev.case.kind),
                spelled,
                quantity,
            ],
        )

    def explosive(self, ev: EventRec, spec: dict[str, Any], quantity: int, rng: Random) -> None:
        """Record hand grenades or explosives in an event."""
        weight = f"{rng.uniform(0.2, 5):.1f}" if spec.get("kg") else ""
        self._write(
            "explosives.csv",
            [
                self._next("explosive"),
                ev.ref,
                self.term("event_kinds", ev.kind),
                ev.case.ref,
                self.term("case_kinds", ev.case.kind),
                self.term("explosive_kinds", spec["kind"]),
                spec["model"],
                quantity,
                weight,
            ],
        )

    def vehicle(self, v: Vehicle, ev: EventRec, rng: Random, driver: str = "") -> str:
        """Record a vehicle in an event, with its owner and driver when this service knows them."""
        known = self.vehicle_recs.get(v.eid)
        if known is None:
            ref = self._next("vehicle")
            self.truth["vehicles"].writerow([v.eid, self.j, ref])
            plate = noise.plate_as_read(v.plate, rng, cyrillic_keyboard=self.j == "MK")
            fields = [
                plate,
                self.term("countries", v.country) if rng.random() < 0.85 else "",
                noise.vin_as_read(v.vin, rng),
                v.make,
                v.model,
                self.term("colours", v.colour) if rng.random() < 0.8 else "",
            ]
            known = (ref, fields)
            self.vehicle_recs[v.eid] = known
        ref, fields = known
        owner = self.person_ref(v.owner) if v.owner else None
        self._write(
            "vehicles.csv", [ref, ev.ref, self._date(ev.when, rng), *fields, owner or "", driver]
        )
        return ref

    def intel(self, when: date, text: str, persons: list[str], rng: Random) -> str:
        """Record an intelligence report graded 4x4, one row per person it names."""
        ref = self._next("intel_report")
        source = rng.choices("ABCX", (10, 45, 30, 15))[0]
        info = rng.choices("1234", (10, 35, 35, 20))[0]
        code = rng.choices(("H0", "H1", "H2"), (40, 35, 25))[0]
        for person in persons or [""]:
            self._write(
                "intel_reports.csv", [ref, self._date(when, rng), source, info, code, text, person]
            )
        return ref

    def organisation(self, eid: str, name: str) -> str:
        """Record a criminal group under this service's name for it."""
        ref = self.org_recs.get(eid)
        if ref is None:
            ref = self._next("organisation")
            self.org_recs[eid] = ref
            self.truth["organisations"].writerow([eid, self.j, ref])
            self._write(
                "organisations.csv", [ref, name, self.term("organisation_kinds", "criminal_group")]
            )
        return ref
