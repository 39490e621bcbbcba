"""UNODC Illicit Arms Flows Questionnaire (IAFQ) tables computed from the records, as XLSX.

Sections follow the questionnaire's subjects (DOMAIN.md §8): weapons seized, found and
surrendered by type; parts and components; ammunition; tracing results (with SDG 16.4.2);
significant seizures; criminal justice counts (persons in contact with the police, prosecuted,
convicted) by sex. The layout is the questionnaire's shape, not its official form: copy the
figures into the form UNODC sends.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from armsbridge.i18n_marker import N_
from armsbridge.indicators.labels import english, enum_label
from armsbridge.indicators.service import in_period, load_definitions, ratio, source_rows
from armsbridge.indicators.sources import ANTIQUE_BEFORE, partial_to_date
from armsbridge.indicators.xlsx import HEAD, HEAD_FILL, sheet_name
from armsbridge.records.models import Case, Event, Link, Person
from armsbridge.spreadsheet import safe_cell
from armsbridge.vocab.service import enum_values
from armsbridge.web.i18n import Formatter

CONTEXTS = ("seized", "found", "surrendered")
PROSECUTED = {"referred_to_prosecution", "indicted", "convicted", "acquitted", "dismissed"}
SIGNIFICANT_FIREARMS = 5  # a seizure of at least this many firearms is "significant"
SIGNIFICANT_ROUNDS = 1000  # ... or of at least this many rounds
Table = dict[str, Any]  # {"title", "columns", "rows", "note", "note_values", "enums"}
# The words of the tables, kept in English in the computed tables and translated when written;
# a table's `enums` names, per column, the enumerations whose codes that column holds.
OTHER = N_("other/unknown")
TOTAL = N_("total")
UNKNOWN = N_("unknown")
ANTIQUES_OUT = N_("total (antiques made before 1900 excluded)")
SDG_ROW = N_("SDG 16.4.2 proportion")
STAGES = (N_("in contact with the police"), N_("prosecuted"), N_("convicted"))
WORDS = {OTHER, TOTAL, UNKNOWN, ANTIQUES_OUT, SDG_ROW, *STAGES}
HEADERS = (
    N_("kind"),
    N_("calibre"),
    N_("seized"),
    N_("found"),
    N_("surrendered"),
    N_("tracing status"),
    N_("event"),
    N_("jurisdiction"),
    N_("date"),
    N_("firearms"),
    N_("rounds"),
    N_("description"),
    N_("stage"),
)


def _by_context(rows: list[dict[str, Any]], label: str, codes: list[str], qty: str | None) -> Table:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        context = row.get("context") if row.get("context") in CONTEXTS else OTHER
        counts[str(row.get(label) or UNKNOWN)][str(context)] += (row.get(qty) or 0) if qty else 1
    keys = [c for c in codes if c in counts] + sorted(set(counts) - set(codes))
    columns = [label, *CONTEXTS, OTHER, TOTAL]
    figures = [
        [counts[key][c] for c in (*CONTEXTS, OTHER)] + [sum(counts[key].values())] for key in keys
    ]
    totals = [sum(column) for column in zip(*figures, strict=True)] if figures else [0] * 5
    table: list[list[Any]] = [[key, *f] for key, f in zip(keys, figures, strict=True)]
    return {"columns": columns, "rows": [*table, [TOTAL, *totals]]}


def _tracing(rows: list[dict[str, Any]]) -> Table:
    universe = [
        r
        for r in rows
        if r.get("status") in CONTEXTS
        and not (r.get("year_of_manufacture") and r["year_of_manufacture"] < ANTIQUE_BEFORE)
    ]
    statuses = list(enum_values("trace_statuses"))
    counts = {s: Counter(r["status"] for r in universe if r["trace_status"] == s) for s in statuses}
    table_rows = [[s, *(counts[s][c] for c in CONTEXTS), sum(counts[s].values())] for s in statuses]
    established = {"established_by_tracing", "established_otherwise"}
    num = sum(1 for r in universe if r["trace_status"] in established)
    table_rows.append(
        [
            ANTIQUES_OUT,
            *(sum(1 for r in universe if r["status"] == c) for c in CONTEXTS),
            len(universe),
        ]
    )
    table_rows.append([SDG_ROW, "", "", "", ratio(num, len(universe))])
    return {
        "columns": ["tracing status", *CONTEXTS, TOTAL],
        "rows": table_rows,
        "enums": {0: ("trace_statuses",)},
    }


def _significant(session: Session, fire, ammo, date_from, date_to, jurisdiction) -> Table:  # noqa: ANN001
    guns = Counter(r["event"] for r in fire if r.get("event"))
    rounds: Counter[int] = Counter()
    for r in ammo:
        if r.get("event"):
            rounds[r["event"]] += r.get("quantity") or 0
    events = {e for e, n in guns.items() if n >= SIGNIFICANT_FIREARMS}
    events |= {e for e, n in rounds.items() if n >= SIGNIFICANT_ROUNDS}
    rows = []
    for event in session.scalars(select(Event).where(Event.id.in_(events)).order_by(Event.id)):
        rows.append(
            [
                event.external_ref or event.id,
                event.jurisdiction,
                event.occurred_on,
                event.kind,
                guns[event.id],
                rounds[event.id],
                event.description or "",
            ]
        )
    return {
        "columns": ["event", "jurisdiction", "date", "kind", "firearms", "rounds", "description"],
        "rows": rows,
        "note": N_("seizures of at least %(firearms)s firearms or %(rounds)s rounds"),
        "note_values": {"firearms": SIGNIFICANT_FIREARMS, "rounds": SIGNIFICANT_ROUNDS},
        "enums": {1: ("jurisdictions",), 3: ("event_kinds",)},
    }


def _justice(session: Session, date_from, date_to, jurisdiction) -> Table:  # noqa: ANN001
    stmt = (
        select(Link, Case, Person)
        .join(
            Case,
            or_(
                (Link.to_type == "case") & (Link.to_id == Case.id),
                (Link.from_type == "case") & (Link.from_id == Case.id),
            ),
        )
        .join(
            Person,
            or_(
                (Link.from_type == "person") & (Link.from_id == Person.id),
                (Link.to_type == "person") & (Link.to_id == Person.id),
            ),
        )
        .where(Link.kind == "involved_in", Link.role.in_(("suspect", "accused", "convicted")))
    )
    if jurisdiction:
        stmt = stmt.where(Case.jurisdiction == jurisdiction)
    stages: dict[str, dict[str, set[int]]] = {s: defaultdict(set) for s in STAGES}
    for link, case, person in session.execute(stmt):
        when = case.opened_on or partial_to_date(link.valid_from) or case.created_at.date()
        if not in_period({"_from": when, "_to": when}, date_from, date_to):
            continue
        sex = person.sex or UNKNOWN
        stages["in contact with the police"][sex].add(person.id)
        if case.status in PROSECUTED or link.role in ("accused", "convicted"):
            stages["prosecuted"][sex].add(person.id)
        if case.status == "convicted" or link.role == "convicted":
            stages["convicted"][sex].add(person.id)
    sexes = ["F", "M", "X", UNKNOWN]
    rows = [
        [stage, *(len(by_sex[s]) for s in sexes), len(set().union(*by_sex.values()))]
        for stage, by_sex in stages.items()
    ]
    return {
        "columns": ["stage", *sexes, TOTAL],
        "rows": rows,
        "note": N_(
            "persons linked to a case opened in the period as suspect, accused or convicted"
        ),
        "column_enums": ("sexes",),
    }


def compute_iafq(
    session: Session, *, date_from: date | None, date_to: date | None, jurisdiction: str | None
) -> dict[str, Table]:
    """Return the IAFQ tables for the period (and jurisdiction) as {sheet name: table}."""
    load_definitions()
    fire, ammo, parts = (
        source_rows(session, name, date_from=date_from, date_to=date_to, jurisdiction=jurisdiction)
        for name in ("firearms", "ammunition", "components")
    )
    kinds = list(enum_values("firearm_kinds"))
    return {
        N_("1 Weapons by type"): {
            "title": N_("Firearms seized, found and surrendered by type"),
            **_by_context(fire, "kind", kinds, None),
            "enums": {0: ("firearm_kinds",)},
        },
        N_("2 Parts and components"): {
            "title": N_("Essential components by kind (items)"),
            **_by_context(parts, "kind", list(enum_values("component_kinds")), "quantity"),
            "enums": {0: ("component_kinds",)},
        },
        N_("3 Ammunition"): {
            "title": N_("Ammunition by calibre (rounds)"),
            **_by_context(ammo, "calibre", [], "quantity"),
        },
        N_("4 Tracing"): {"title": N_("Tracing results (SDG 16.4.2)"), **_tracing(fire)},
        N_("5 Significant seizures"): {
            "title": N_("Significant seizures"),
            **_significant(session, fire, ammo, date_from, date_to, jurisdiction),
        },
        N_("6 Criminal justice"): {
            "title": N_(
                "Persons in contact with the police, prosecuted, convicted (arms offences)"
            ),
            **_justice(session, date_from, date_to, jurisdiction),
        },
    }


def _cell(table: Table, column: int, value: Any, fmt: Formatter) -> Any:
    """A cell as the reader sees it: codes as labels, the tables' own words translated."""
    if not isinstance(value, str) or not value:
        return value
    enums = table.get("enums", {}).get(column)
    if enums and (label := enum_label(enums, value, fmt)):
        return label
    if column == 0 and value in WORDS:
        return fmt.gettext(value)
    return value


def _heading(table: Table, label: str, fmt: Formatter) -> str:
    enums = table.get("column_enums")
    return (enum_label(enums, label, fmt) if enums else None) or fmt.gettext(label)


def write_iafq_xlsx(tables: dict[str, Table], path: Path, fmt: Formatter | None = None) -> Path:
    """Write the IAFQ tables to an XLSX workbook, one sheet per section, in `fmt`'s language."""
    fmt = fmt or english()
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for name, table in tables.items():
        ws = wb.create_sheet(sheet_name(fmt.gettext(name), taken))
        ws["A1"] = fmt.gettext(table["title"])
        if table.get("note"):
            ws["A2"] = fmt.gettext(table["note"], **table.get("note_values", {}))
        for col, label in enumerate(table["columns"], start=1):
            cell = ws.cell(row=4, column=col, value=_heading(table, label, fmt))
            cell.font, cell.fill = HEAD, HEAD_FILL
        for r, values in enumerate(table["rows"], start=5):
            for c, value in enumerate(values, start=1):
                ws.cell(row=r, column=c, value=safe_cell(_cell(table, c - 1, value, fmt)))
        ws.column_dimensions["A"].width = 42
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
