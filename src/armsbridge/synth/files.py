"""The export files of each police service: names, columns, encodings, delimiters, import order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JURISDICTIONS = ("XK", "MK")


@dataclass(frozen=True)
class FileSpec:
    """One export file: its name, what it feeds, and its columns as (field, XK name, MK name)."""

    name: str
    record_type: str | None  # None: the file holds links only
    columns: tuple[tuple[str, str, str], ...]
    description: str

    def header(self, jurisdiction: str) -> list[str]:
        """Return the column names the export of `jurisdiction` uses."""
        i = 1 if jurisdiction == "XK" else 2
        return [c[i] for c in self.columns]

    def column(self, field: str, jurisdiction: str) -> str:
        """Return the column name of `field` in the export of `jurisdiction`."""
        i = 1 if jurisdiction == "XK" else 2
        for col in self.columns:
            if col[0] == field:
                return col[i]
        raise KeyError(field)


_CASE = ("case", "NR_RASTIT", "БР_ПРЕДМЕТ")
_EVENT = ("event", "NR_NGJARJES", "БР_НАСТАН")
_PERSON = ("person", "ID_PERSONI", "ИД_ЛИЦЕ")

# In import order: cases before events before items; each row also names the records it refers
# to (its case, its event), so that a flat export can set the item's event and case.
_CASE_KIND = ("case_kind", "LLOJI_RASTIT", "ВИД_ПРЕДМЕТ")
_EVENT_KIND = ("event_kind", "LLOJI_NGJARJES", "ВИД_НАСТАН")

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "cases.csv",
        "case",
        (
            _CASE,
            _CASE_KIND,
            ("title", "TITULLI", "НАСЛОВ"),
            ("status", "STATUSI", "СТАТУС"),
            ("status_date", "DATA_STATUSIT", "ДАТУМ_СТАТУС"),
            ("opened_on", "DATA_HAPJES", "ДАТУМ_ОТВОРАЊЕ"),
            ("court_reference", "NR_LENDES_GJYKATA", "БР_ПРЕДМЕТ_СУД"),
            ("handling_code", "KODI_TRAJTIMIT", "КОД_ПОСТАПУВАЊЕ"),
            ("handling_restriction", "KUFIZIMI", "ОГРАНИЧУВАЊЕ"),
            ("unit", "NJESIA", "ОРГАНИЗАЦИОНА_ЕДИНИЦА"),
        ),
        "criminal cases with their current status and court reference",
    ),
    FileSpec(
        "case_status.csv",
        "case",
        (
            _CASE,
            ("status", "STATUSI", "СТАТУС"),
            ("date", "DATA", "ДАТУМ"),
            ("court_reference", "NR_LENDES_GJYKATA", "БР_ПРЕДМЕТ_СУД"),
        ),
        "status history of each case: one row per step, with its date and court reference",
    ),
    FileSpec(
        "organisations.csv",
        "organisation",
        (
            ("organisation", "ID_GRUPIT", "ИД_ГРУПА"),
            ("name", "EMERTIMI", "НАЗИВ"),
            ("kind", "LLOJI", "ВИД"),
        ),
        "criminal groups known to the service",
    ),
    FileSpec(
        "events.csv",
        "event",
        (
            _EVENT,
            _CASE,
            _CASE_KIND,
            _EVENT_KIND,
            ("occurred_on", "DATA", "ДАТУМ"),
            ("occurred_time", "ORA", "ВРЕМЕ"),
            ("place", "KODI_VENDIT", "ШИФРА_МЕСТО"),
            ("place_name", "VENDI", "МЕСТО"),
            ("place_kind", "LLOJI_VENDIT", "ВИД_МЕСТО"),
            ("municipality", "KOMUNA", "ОПШТИНА"),
            ("latitude", "GJERESIA", "ГЕО_ШИРИНА"),
            ("longitude", "GJATESIA", "ГЕО_ДОЛЖИНА"),
            ("crossing", "PIKA_KUFITARE", "ГРАНИЧЕН_ПРЕМИН"),
            ("description", "PERSHKRIMI", "ОПИС"),
        ),
        "seizures, finds, surrenders and incidents, each in a case, with its place",
    ),
    FileSpec(
        "persons.csv",
        "person",
        (
            _PERSON,
            _CASE,
            ("role", "ROLI", "УЛОГА"),
            ("given_name", "EMRI", "ИМЕ"),
            ("family_name", "MBIEMRI", "ПРЕЗИМЕ"),
            ("father_name", "EMRI_BABAIT", "ТАТКОВО_ИМЕ"),
            ("sex", "GJINIA", "ПОЛ"),
            ("birth_date", "DATELINDJA", "ДАТУМ_РАЃАЊЕ"),
            ("birth_place", "VENDLINDJA", "МЕСТО_РАЃАЊЕ"),
            ("nationality", "SHTETESIA", "ДРЖАВЈАНСТВО"),
            ("personal_number", "NR_PERSONAL", "ЕМБГ"),
            ("nickname", "NOFKA", "ПРЕКАР"),
            ("script", "SHKRIMI", "ПИСМО"),
            ("organisation", "ID_GRUPIT", "ИД_ГРУПА"),
        ),
        "one row per person per case, with the role in that case and the group if known",
    ),
    FileSpec(
        "firearms.csv",
        "firearm",
        (
            ("firearm", "ID_ARMES", "ИД_ОРУЖЈЕ"),
            _EVENT,
            _EVENT_KIND,
            _CASE,
            _CASE_KIND,
            ("kind", "LLOJI_ARMES", "ВИД_ОРУЖЈЕ"),
            ("make", "PRODHUESI", "ПРОИЗВОДИТЕЛ"),
            ("model", "MODELI", "МОДЕЛ"),
            ("action", "MEKANIZMI", "МЕХАНИЗАМ"),
            ("calibre", "KALIBRI", "КАЛИБАР"),
            ("serial_raw", "NR_SERIK", "СЕРИСКИ_БРОЈ"),
            ("markings", "SHENJAT", "ОЗНАКИ"),
            ("country_of_manufacture", "VENDI_PRODHIMIT", "ЗЕМЈА_НА_ПРОИЗВОДСТВО"),
            ("year_of_manufacture", "VITI_PRODHIMIT", "ГОДИНА_НА_ПРОИЗВОДСТВО"),
            ("status", "STATUSI", "СТАТУС"),
            ("converted", "E_KONVERTUAR", "ПРЕПРАВЕНО"),
            ("conversion_kind", "LLOJI_KONVERTIMIT", "ВИД_ПРЕПРАВКА"),
            _PERSON,
        ),
        "firearms in the event where they were seized, found, surrendered or reported; "
        "with the person it was seized from, if known",
    ),
    FileSpec(
        "ammunition.csv",
        "ammunition",
        (
            ("ammunition", "ID_MUNICIONIT", "ИД_МУНИЦИЈА"),
            _EVENT,
            _EVENT_KIND,
            _CASE,
            _CASE_KIND,
            ("calibre", "KALIBRI", "КАЛИБАР"),
            ("quantity", "SASIA", "КОЛИЧИНА"),
        ),
        "lots of cartridges",
    ),
    FileSpec(
        "explosives.csv",
        "explosive",
        (
            ("explosive", "ID_EKSPLOZIVIT", "ИД_ЕКСПЛОЗИВ"),
            _EVENT,
            _EVENT_KIND,
            _CASE,
            _CASE_KIND,
            ("kind", "LLOJI", "ВИД"),
            ("model", "MODELI", "МОДЕЛ"),
            ("quantity", "SASIA", "КОЛИЧИНА"),
            ("weight_kg", "PESHA_KG", "ТЕЖИНА_КГ"),
        ),
        "hand grenades and explosives",
    ),
    FileSpec(
        "vehicles.csv",
        "vehicle",
        (
            ("vehicle", "ID_AUTOMJETIT", "ИД_ВОЗИЛО"),
            _EVENT,
            ("date", "DATA", "ДАТУМ"),
            ("plate_raw", "TARGAT", "РЕГ_ТАБЛИЦИ"),
            ("registration_country", "SHTETI_REGJISTRIMIT", "ДРЖАВА_НА_РЕГИСТРАЦИЈА"),
            ("vin", "NR_SHASISE", "БРОЈ_НА_ШАСИЈА"),
            ("make", "MARKA", "МАРКА"),
            ("model", "MODELI", "МОДЕЛ"),
            ("colour", "NGJYRA", "БОЈА"),
            ("owner", "ID_PRONARIT", "ИД_СОПСТВЕНИК"),
            ("driver", "ID_SHOFERIT", "ИД_ВОЗАЧ"),
        ),
        "vehicles checked or seized in an event, with owner and driver if known",
    ),
    FileSpec(
        "phones.csv",
        "phone",
        (
            ("phone", "ID_TELEFONIT", "ИД_ТЕЛЕФОН"),
            _CASE,
            ("number_raw", "NR_TELEFONIT", "ТЕЛЕФОНСКИ_БРОЈ"),
            ("country", "SHTETI", "ДРЖАВА"),
            _PERSON,
        ),
        "phone numbers named in a case (one row per number per case), with the user if known",
    ),
    FileSpec(
        "online_accounts.csv",
        "online_account",
        (
            ("account", "ID_LLOGARISE", "ИД_ПРОФИЛ"),
            _CASE,
            ("platform", "PLATFORMA", "ПЛАТФОРМА"),
            ("handle", "EMRI_NE_RRJET", "КОРИСНИЧКО_ИМЕ"),
            ("url", "URL", "URL"),
            _PERSON,
        ),
        "accounts on social networks, messengers and marketplaces named in a case, with their user",
    ),
    FileSpec(
        "intel_reports.csv",
        "intel_report",
        (
            ("report", "ID_RAPORTIT", "ИД_ИЗВЕШТАЈ"),
            ("reported_on", "DATA", "ДАТУМ"),
            ("source_grade", "VLERESIMI_BURIMIT", "ОЦЕНКА_ИЗВОР"),
            ("information_grade", "VLERESIMI_INFORMACIONIT", "ОЦЕНКА_ИНФОРМАЦИЈА"),
            ("handling_code", "KODI_TRAJTIMIT", "КОД_ПОСТАПУВАЊЕ"),
            ("text", "PERMBAJTJA", "СОДРЖИНА"),
            _PERSON,
        ),
        "intelligence reports graded 4x4, one row per person the report names",
    ),
    FileSpec(
        "calls.csv",
        "phone",
        (
            ("phone_from", "ID_TEL_THIRRES", "ИД_ТЕЛ_ОД"),
            ("number_from", "NR_THIRRES", "БРОЈ_ОД"),
            ("phone_to", "ID_TEL_THIRRUR", "ИД_ТЕЛ_ДО"),
            ("number_to", "NR_THIRRUR", "БРОЈ_ДО"),
            ("valid_from", "THIRRJA_E_PARE", "ПРВ_ПОВИК"),
            ("valid_to", "THIRRJA_E_FUNDIT", "ПОСЛЕДЕН_ПОВИК"),
            ("calls", "NR_THIRRJEVE", "БРОЈ_ПОВИЦИ"),
        ),
        "call records between two numbers (from the analysis of seized phones)",
    ),
)

# Files written but not imported (none at present).
EXTRA_FILES: tuple[FileSpec, ...] = ()

# How each service writes its files: delimiter, and the encoding of each file (default first).
CONVENTIONS: dict[str, dict[str, Any]] = {
    "XK": {
        "delimiter": ";",
        "encoding": "utf-8",
        "encodings": {"persons.csv": "cp1250", "events.csv": "cp1250"},
    },
    "MK": {
        "delimiter": ",",
        "encoding": "utf-8",
        "encodings": {
            "persons.csv": "cp1251",
            "cases.csv": "cp1251",
            "firearms.csv": "cp1251",
            "vehicles.csv": "utf-8-sig",
        },
    },
}

TRUTH_KINDS = (
    "persons",
    "firearms",
    "vehicles",
    "phones",
    "online_accounts",
    "organisations",
)


def encoding_of(jurisdiction: str, file_name: str) -> str:
    """Return the encoding the service of `jurisdiction` writes `file_name` in."""
    conv = CONVENTIONS[jurisdiction]
    return str(conv["encodings"].get(file_name, conv["encoding"]))


def profile_name(jurisdiction: str, file_name: str) -> str:
    """Return the mapping profile name of an export file: xk-persons, mk-calls, ..."""
    stem = file_name.removesuffix(".csv").replace("_", "-")
    return f"{jurisdiction.lower()}-{stem}"
