"""Indicators report as XLSX: a summary sheet, then one sheet per indicator group with charts.

Written in the reader's language (a Formatter); the command line writes English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from armsbridge.i18n_marker import N_
from armsbridge.indicators.labels import english, localise_report
from armsbridge.spreadsheet import safe_cell
from armsbridge.vocab.service import enum_values
from armsbridge.web.i18n import Formatter

HEAD = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE = Font(bold=True, size=14)
SUB = Font(bold=True, size=11)


def sheet_name(title: str, taken: set[str]) -> str:
    """Return a worksheet name for `title`: at most 31 characters, none of []:*?/\\, unique."""
    clean = " ".join("".join(" " if ch in "[]:*?/\\" else ch for ch in title).split()) or "-"
    name, number = _cut(clean, 31), 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({number})"
        name, number = _cut(clean, 31 - len(suffix)) + suffix, number + 1
    taken.add(name)
    return name


def _cut(text: str, size: int) -> str:
    """Return `text` cut to `size` characters, at a word's end when there is one."""
    if len(text) <= size:
        return text
    head = text[:size]
    if text[size] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:-")


def _header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill = HEAD, HEAD_FILL


def period_words(report: dict[str, Any], fmt: Formatter) -> dict[str, str]:
    """The period and scope of a report as a reader writes them."""
    period = report["period"]
    code = period["jurisdiction"]
    return {
        "start": fmt.date(period["from"]) or "...",
        "end": fmt.date(period["to"]) or "...",
        "scope": (
            fmt.gettext(enum_values("jurisdictions").get(code, code))
            if code
            else fmt.gettext(N_("Kosovo and North Macedonia (regional)"))
        ),
    }


def _summary(ws: Worksheet, report: dict[str, Any], fmt: Formatter) -> None:
    _ = fmt.gettext
    when = period_words(report, fmt)
    ws["A1"] = _("Indicators computed from the records")
    ws["A1"].font = TITLE
    ws["A2"] = _("Period: %(start)s to %(end)s", start=when["start"], end=when["end"])
    ws["A3"] = _("Jurisdiction: %(scope)s", scope=when["scope"])
    ws["A4"] = _("Definitions version: %(version)s", version=report.get("definitions_version", ""))
    labels = [
        _("Group"),
        _("Indicator identifier"),
        _("Indicator"),
        _("Unit"),
        _("Value"),
        _("Numerator"),
        _("Denominator"),
        _("Shown as"),
        _("Roadmap goals"),
        _("Roadmap KPIs"),
        _("SDG"),
        _("Labels verified"),
    ]
    _header(ws, 6, labels)
    for row, ind in enumerate(report["indicators"], start=7):
        reports_to = ind.get("reports_to") or {}
        values = [
            ind["group_label"],
            ind["id"],
            ind["title"],
            ind["unit_label"],
            ind["value"],
            ind["numerator"],
            ind["denominator"],
            ind["shown"],
            ", ".join(reports_to.get("goals") or []),
            ", ".join(reports_to.get("kpis") or []),
            reports_to.get("sdg") or "",
            _("yes") if reports_to.get("verified") else _("no (editable label)"),
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=safe_cell(value))
    for col, width in enumerate([24, 26, 60, 14, 12, 12, 12, 28, 14, 14, 8, 20], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _group_sheet(
    ws: Worksheet, title: str, indicators: list[dict[str, Any]], fmt: Formatter
) -> int:
    _ = fmt.gettext
    ws["A1"] = title
    ws["A1"].font = TITLE
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 14
    row, charts = 3, 0
    for ind in indicators:
        ws.cell(row=row, column=1, value=safe_cell(ind["title"])).font = SUB
        ws.cell(row=row + 1, column=1, value=safe_cell(_("Value: %(value)s", value=ind["shown"])))
        row += 3
        ratio = ind["unit"] == "proportion"
        for part in ind["breakdowns"]:
            pairs = part["pairs"]
            if not pairs:
                continue
            numerators = part["numerators"]
            labels = (
                [part["label"], _("Denominator"), _("Numerator")]
                if ratio
                else [part["label"], ind["unit_label"]]
            )
            _header(ws, row, labels)
            first = row + 1
            for offset, (label, value) in enumerate(pairs, start=1):
                ws.cell(row=row + offset, column=1, value=safe_cell(label))
                ws.cell(row=row + offset, column=2, value=value)
                if ratio:
                    ws.cell(row=row + offset, column=3, value=numerators.get(label, 0))
            last = row + len(pairs)
            if not part["nested"] and len(pairs) > 1:
                chart = BarChart()
                chart.type = "bar"
                chart.title = _(
                    "%(indicator)s by %(dimension)s",
                    indicator=ind["title"][:60],
                    dimension=part["label"],
                )
                if not ratio:
                    chart.legend = None
                chart.height = max(5.0, 0.9 * len(pairs) + 2)
                chart.width = 16
                data = Reference(
                    ws, min_col=2, max_col=3 if ratio else 2, min_row=row, max_row=last
                )
                chart.add_data(data, titles_from_data=True)
                chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
                ws.add_chart(chart, f"E{row}")
                charts += 1
                row = max(last + 2, row + int(chart.height * 2) + 2)
            else:
                row = last + 2
        row += 1
    for cell in ws["A"]:
        cell.alignment = Alignment(wrap_text=False)
    return charts


def write_indicators_xlsx(report: dict[str, Any], path: Path, fmt: Formatter | None = None) -> Path:
    """Write the report as an XLSX workbook: Summary, then one sheet per group with charts.

    Headers, sheet names and labels are in `fmt`'s language (English by default); figures are
    the report's own.
    """
    fmt = fmt or english()
    shown = localise_report(report, fmt)
    wb = Workbook()
    taken: set[str] = set()
    _summary(wb.active, shown, fmt)
    wb.active.title = sheet_name(fmt.gettext("Summary"), taken)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for ind in shown["indicators"]:
        by_group.setdefault(ind["group"], []).append(ind)
    for group, indicators in by_group.items():
        title = shown["groups"].get(group, group)
        ws = wb.create_sheet(sheet_name(title, taken))
        _group_sheet(ws, title, indicators, fmt)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
