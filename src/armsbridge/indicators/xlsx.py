"""Indicators report as XLSX: a summary sheet, then one sheet per indicator group with charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from armsbridge.spreadsheet import safe_cell

HEAD = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE = Font(bold=True, size=14)
SUB = Font(bold=True, size=11)


def flatten(tree: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Return (label, value) pairs of a possibly nested breakdown, labels joined by ' / '."""
    out: list[tuple[str, Any]] = []
    for code, value in tree.items():
        label = f"{prefix} / {code}" if prefix else str(code)
        if isinstance(value, dict):
            out.extend(flatten(value, label))
        else:
            out.append((label, value))
    return out


def display_value(ind: dict[str, Any]) -> str:
    """Return the indicator's value as a person would write it (a percentage for proportions)."""
    value = ind["value"]
    if value is None:
        return "n/a (no records)"
    if ind["unit"] == "proportion":
        return f"{value * 100:.1f}% ({ind['numerator']} of {ind['denominator']})"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def _header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill = HEAD, HEAD_FILL


def _summary(ws: Worksheet, report: dict[str, Any]) -> None:
    period = report["period"]
    ws["A1"] = "Indicators computed from the records"
    ws["A1"].font = TITLE
    ws["A2"] = f"Period: {period['from'] or '...'} to {period['to'] or '...'}"
    ws["A3"] = f"Jurisdiction: {period['jurisdiction'] or 'XK and MK (regional)'}"
    ws["A4"] = f"Definitions version: {report.get('definitions_version', '')}"
    labels = [
        "group",
        "id",
        "title",
        "unit",
        "value",
        "numerator",
        "denominator",
        "shown as",
        "Roadmap goals",
        "Roadmap KPIs",
        "SDG",
        "labels verified",
    ]
    _header(ws, 6, labels)
    for row, ind in enumerate(report["indicators"], start=7):
        reports_to = ind.get("reports_to") or {}
        values = [
            report["groups"].get(ind["group"], ind["group"]),
            ind["id"],
            ind["title"],
            ind["unit"],
            ind["value"],
            ind["numerator"],
            ind["denominator"],
            display_value(ind),
            ", ".join(reports_to.get("goals") or []),
            ", ".join(reports_to.get("kpis") or []),
            reports_to.get("sdg") or "",
            "yes" if reports_to.get("verified") else "no (editable label)",
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=safe_cell(value))
    for col, width in enumerate([24, 26, 60, 14, 12, 12, 12, 28, 14, 14, 8, 20], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _group_sheet(ws: Worksheet, title: str, indicators: list[dict[str, Any]]) -> int:
    ws["A1"] = title
    ws["A1"].font = TITLE
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 14
    row, charts = 3, 0
    for ind in indicators:
        ws.cell(row=row, column=1, value=f"{ind['title']} [{ind['id']}]").font = SUB
        ws.cell(row=row + 1, column=1, value=f"Value: {display_value(ind)}")
        row += 3
        ratio = ind["unit"] == "proportion"
        for dimension, tree in ind["breakdown"].items():
            pairs = flatten(tree)
            if not pairs:
                continue
            numerators = dict(flatten(ind.get("numerator_breakdown", {}).get(dimension, {})))
            labels = [dimension, "denominator", "numerator"] if ratio else [dimension, ind["unit"]]
            _header(ws, row, labels)
            first = row + 1
            for offset, (label, value) in enumerate(pairs, start=1):
                ws.cell(row=row + offset, column=1, value=safe_cell(label))
                ws.cell(row=row + offset, column=2, value=value)
                if ratio:
                    ws.cell(row=row + offset, column=3, value=numerators.get(label, 0))
            last = row + len(pairs)
            if "/" not in dimension and len(pairs) > 1:
                chart = BarChart()
                chart.type = "bar"
                chart.title = f"{ind['title'][:60]} by {dimension}"
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


def write_indicators_xlsx(report: dict[str, Any], path: Path) -> Path:
    """Write the report as an XLSX workbook: Summary, then one sheet per group with charts."""
    wb = Workbook()
    _summary(wb.active, report)
    wb.active.title = "Summary"
    by_group: dict[str, list[dict[str, Any]]] = {}
    for ind in report["indicators"]:
        by_group.setdefault(ind["group"], []).append(ind)
    for group, indicators in by_group.items():
        ws = wb.create_sheet(group[:31])
        _group_sheet(ws, report["groups"].get(group, group), indicators)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
