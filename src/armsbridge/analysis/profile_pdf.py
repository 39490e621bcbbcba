"""A problem, subject or risk profile as PDF: marking and grades first, the figures with the
records behind them, the analyst's sections; the marking repeats at the foot of every page."""

from __future__ import annotations

from typing import Any

from armsbridge.analysis.models import AnalysisProduct
from armsbridge.analysis.words import (
    DIMENSION_TITLES,
    HELD_TITLES,
    LINK_WORDS,
    SECTION_TITLES,
    WEAPON_TITLES,
    indicator_words,
    kind_words,
    marking_words,
    per_10k,
    value_words,
    window_words,
)
from armsbridge.exchange.patrols import place_label
from armsbridge.pdf import DocumentPDF
from armsbridge.web.i18n import Formatter

SHOWN_REFS = 5


def _h(pdf: DocumentPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(pdf.font_name, "B", 12)
    pdf.multi_cell(0, 7, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.font_name, "", 9)


def _p(pdf: DocumentPDF, text: str) -> None:
    pdf.multi_cell(0, 5, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: DocumentPDF, rows: list[list[Any]], widths: tuple[int, ...]) -> None:
    if len(rows) < 2:
        _p(pdf, pdf.fmt.gettext("None in the records."))
        return
    pdf.rows_table(rows, widths, line=4.5)
    pdf.set_font(pdf.font_name, "", 9)
    pdf.ln(2)


def _refs(refs: list[str]) -> str:
    more = len(refs) - SHOWN_REFS
    return ", ".join(refs[:SHOWN_REFS]) + (f" +{more}" if more > 0 else "")


def _problem(pdf: DocumentPDF, c: dict[str, Any]) -> None:
    fmt, _ = pdf.fmt, pdf.fmt.gettext
    f = c["figures"]
    _h(pdf, _("Figures"))
    _p(
        pdf,
        _(
            "%(events)s events, %(firearms)s firearms (%(converted)s converted), %(cases)s "
            "cases, %(persons)s persons, %(vehicles)s vehicles.",
            **{
                k: fmt.number(f[k])
                for k in ("events", "firearms", "converted", "cases", "persons", "vehicles")
            },
        ),
    )
    if c.get("truncated"):
        _p(pdf, _("Only the first %(count)s events were read.", count=fmt.number(f["events"])))
    _h(pdf, _("Trend by month"))
    rows = [[_("Month"), _("Count"), _("Baseline"), _("Change detected")]]
    rows += [
        [
            m["month"],
            fmt.number(m["count"]),
            "-" if m["baseline"] is None else fmt.number(m["baseline"]),
            value_words(fmt, "change", m["change"]) if m["change"] else "",
        ]
        for m in c["trend"]
        if m["count"] or m["change"]
    ]
    _table(pdf, rows, (40, 30, 30, 40))
    _h(pdf, _("Places"))
    rows = [[_("Place"), _("Events"), _("Records")]]
    rows += [[p["label"], fmt.number(p["count"]), _refs(p["evidence"])] for p in c["places"]]
    _table(pdf, rows, (70, 20, 90))
    _h(pdf, _("Times"))
    cells = c["times"]["cells"]
    hours = [sum(day[h] for day in cells) for h in range(24)]
    days = [sum(day) for day in cells]
    if sum(days):
        peak_h = max(range(24), key=hours.__getitem__)
        peak_d = max(range(7), key=days.__getitem__)
        _p(
            pdf,
            _(
                "Most events at %(hour)s:00 and on %(weekday)s; %(undated)s without a time.",
                hour=f"{peak_h:02d}",
                weekday=value_words(fmt, "weekday", peak_d),
                undated=fmt.number(c["times"]["undated"]),
            ),
        )
    else:
        _p(pdf, _("No event with a date and a time."))
    for key, title in WEAPON_TITLES.items():
        _h(pdf, _(title))
        rows = [[_("Value"), _("Firearms"), _("Records")]]
        rows += [
            [value_words(fmt, key, w["value"]), fmt.number(w["count"]), _refs(w["evidence"])]
            for w in c["weapons"][key]
        ]
        _table(pdf, rows, (70, 20, 90))
    _h(pdf, _("Methods"))
    rows = [[_("Case kind"), _("Cases"), _("Records")]]
    rows += [
        [fmt.enum("case_kinds", k["value"]), fmt.number(k["count"]), _refs(k["evidence"])]
        for k in c["methods"]["case_kinds"]
    ]
    _table(pdf, rows, (70, 20, 90))
    _p(pdf, _("Events with a vehicle: %(count)s.", count=fmt.number(c["methods"]["with_vehicle"])))
    _h(pdf, _("People"))
    rows = [[_("Person"), _("Events"), _("Roles"), _("Records")]]
    rows += [
        [
            p["label"],
            fmt.number(p["count"]),
            ", ".join(fmt.enum("data_subject_roles", r) for r in p["roles"]),
            _refs(p["evidence"]),
        ]
        for p in c["people"]
    ]
    _table(pdf, rows, (55, 18, 37, 70))
    _h(pdf, _("Vehicles"))
    rows = [[_("Vehicle"), _("Events"), _("Records")]]
    rows += [[v["label"], fmt.number(v["count"]), _refs(v["evidence"])] for v in c["vehicles"]]
    _table(pdf, rows, (70, 20, 90))


def _subject(pdf: DocumentPDF, c: dict[str, Any]) -> None:
    fmt, _ = pdf.fmt, pdf.fmt.gettext
    _h(pdf, _("Identity"))
    for p in c["identity"]:
        born = ", ".join(x for x in (p["birth_date"], p["birth_place"]) if x)
        _p(
            pdf,
            f"{p['label']} ({p['ref']}) · {_('father')}: {p['father_name'] or '-'} · "
            f"{_('born')}: {born or '-'}",
        )
        if p["variants"]:
            _p(pdf, _("Also written: %(names)s", names=", ".join(p["variants"])))
    _h(pdf, _("The same person in other records"))
    rows = [[_("Record"), _("Service"), _("Received from")]]
    rows += [
        [
            f"{s['label']} ({s['ref']})",
            fmt.enum("jurisdictions", s["jurisdiction"]),
            fmt.enum("jurisdictions", s["provider"]) if s["provider"] else "",
        ]
        for s in c["same_as"]
    ]
    _table(pdf, rows, (90, 30, 60))
    _h(pdf, _("Cases"))
    rows = [[_("Case"), _("Kind"), _("Roles")]]
    rows += [
        [
            f"{k['label']} ({k['ref']})",
            fmt.enum("case_kinds", k["kind"]),
            ", ".join(fmt.enum("data_subject_roles", r) for r in k["roles"]),
        ]
        for k in c["cases"]
    ]
    _table(pdf, rows, (90, 45, 45))
    _h(pdf, _("Associates"))
    rows = [[_("Person"), _("Linked by")]]
    rows += [
        [f"{a['label']} ({a['ref']})", ", ".join(_(LINK_WORDS.get(w, w)) for w in a["why"])]
        for a in c["associates"]
    ]
    _table(pdf, rows, (90, 90))
    for key, title in HELD_TITLES.items():
        _h(pdf, _(title))
        rows = [[_("Record"), _("Linked by")]]
        rows += [
            [f"{h['label']} ({h['ref']})", ", ".join(_(LINK_WORDS.get(w, w)) for w in h["links"])]
            for h in c["held"][key]
        ]
        _table(pdf, rows, (110, 70))
    _h(pdf, _("Timeline"))
    rows = [[_("Date"), _("Event"), _("Place"), _("Case")]]
    rows += [
        [
            f"{e['day'] or ''} {e['time'] or ''}".strip(),
            fmt.enum("event_kinds", e["kind"]),
            e["place"] or "",
            e["case"] or "",
        ]
        for e in c["timeline"]
    ]
    _table(pdf, rows, (35, 50, 60, 35))


def _rate(fmt: Formatter, r: dict[str, Any]) -> str:
    return (
        f"{per_10k(fmt, r['rate'])} ({per_10k(fmt, r['rate_low'])}-{per_10k(fmt, r['rate_high'])})"
    )


def _risk(pdf: DocumentPDF, c: dict[str, Any]) -> None:
    fmt, _ = pdf.fmt, pdf.fmt.gettext
    f, q = c["figures"], c["question"]

    def place(code: str) -> str:
        return place_label(code, fmt.language)

    _h(pdf, _("Figures"))
    _p(
        pdf,
        _(
            "Learnt on %(passages)s passages from %(start)s to %(end)s: a check found weapons on "
            "%(seizures)s of them, %(rate)s per 10,000 passages (the base rate).",
            passages=fmt.number(f["passages"]),
            start=fmt.date(q["start"]),
            end=fmt.date(q["end"]),
            seizures=fmt.number(f["seizures"]),
            rate=per_10k(fmt, f["base_rate"]),
        ),
    )
    later = c.get("later")
    if later and later.get("auc_profile") is not None:
        _h(pdf, _("Scored on the later period"))
        rows = [[_("Ranking"), _("AUC"), _("Seizures among the top 1 %")]]
        for name, label in (
            ("profile", _("This profile")),
            ("best_rule", indicator_words(fmt, later["best_rule"], place_label)),
            ("random", _("Chance")),
        ):
            rows.append(
                [
                    label,
                    fmt.number(round(later[f"auc_{name}"], 3)),
                    f"{fmt.number(round(later[f'top1_{name}'] * 100, 1))} %",
                ]
            )
        _table(pdf, rows, (90, 30, 60))
    for dim, title in DIMENSION_TITLES.items():
        _h(pdf, _(title))
        rows = [[_("Indicator"), _("Passages"), _("Seizures"), _("Rate"), _("Lift")]]
        rows += [
            [
                indicator_words(fmt, r["indicator"], place_label),
                fmt.number(r["passages"]),
                fmt.number(r["seizures"]),
                _rate(fmt, r),
                fmt.number(round(r["lift"], 2)),
            ]
            for r in c["dimensions"][dim]
        ]
        _table(pdf, rows, (70, 25, 20, 40, 25))
    _h(pdf, _("Impact: what was seized at each crossing point"))
    rows = [[_("Crossing point"), _("Seizures"), _("Firearms"), _("Weapons by legal category")]]
    rows += [
        [
            place(i["crossing"]),
            fmt.number(i["seizures"]),
            fmt.number(i["firearms"]),
            ", ".join(
                f"{value_words(fmt, 'categories', k['value'])}: {fmt.number(k['count'])}"
                for k in i["categories"]
            ),
        ]
        for i in c["impact"]
    ]
    _table(pdf, rows, (60, 25, 25, 70))
    _h(pdf, _("Crossing points and joint patrols"))
    rows = [[_("Crossing point"), _("Passages"), _("Seizures"), _("Patrols"), _("Hours"),
             _("Checks"), _("Hits"), _("Patrol seizures")]]  # fmt: skip
    for x in c["crossings"]:
        p = x["patrols"] or {}
        rows.append(
            [place(x["crossing"]), fmt.number(x["passages"]), fmt.number(x["seizures"])]
            + [
                fmt.number(p[k]) if p else "-"
                for k in ("patrols", "hours", "checks", "hits", "seizures")
            ]  # fmt: skip
        )
    _table(pdf, rows, (45, 22, 18, 18, 18, 20, 16, 23))
    _h(pdf, _("Where and when to patrol"))
    rows = [[_("Crossing point"), _("Hours"), _("Passages"), _("Seizures"), _("Rate")]]
    rows += [
        [
            place(s["crossing"]),
            window_words(s["start"], s["hours"]),
            fmt.number(s["passages"]),
            fmt.number(s["seizures"]),
            _rate(fmt, s),
        ]
        for s in c["suggestions"]
    ]
    _table(pdf, rows, (60, 30, 25, 25, 40))


KIND_PAGES = {"problem": _problem, "subject": _subject, "risk": _risk}


def product_pdf(row: AnalysisProduct, fmt: Formatter) -> bytes:
    """Return the PDF of a profile in `fmt`'s language."""
    _ = fmt.gettext
    marking = marking_words(fmt, row)
    pdf = DocumentPDF(row.title, fmt, marking=row.handling_code)
    pdf.add_page()
    pdf.set_font(pdf.font_name, "B", 11)
    pdf.set_text_color(160, 0, 0)
    _p(pdf, marking)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(pdf.font_name, "B", 16)
    pdf.multi_cell(0, 9, pdf.text_of(row.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.font_name, "", 9)
    kind = kind_words(fmt, row.kind)
    grades = f"{row.source_grade or '-'}{row.information_grade or '-'}"
    _p(
        pdf,
        _(
            "%(kind)s · %(status)s · grades %(grades)s · made by %(author)s on %(when)s",
            kind=kind,
            status=value_words(fmt, "status", row.status),
            grades=grades,
            author=row.created_by,
            when=fmt.date(row.created_at),
        ),
    )
    if row.purpose:
        _p(pdf, _("Purpose: %(purpose)s", purpose=row.purpose))
    for name, title in SECTION_TITLES.items():
        if row.sections.get(name):
            _h(pdf, _(title))
            _p(pdf, row.sections[name])
    KIND_PAGES[row.kind](pdf, row.content)
    return bytes(pdf.output())
