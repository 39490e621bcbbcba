"""Indicators report as PDF (fpdf2): summary table, then per group the figures, charts, tables.

Charts are horizontal bars drawn with fpdf2's own primitives: a bar chart of a handful of
categories needs no plotting library, and the PDF stays small and text-searchable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from armsbridge.indicators.labels import english, figure, localise_report
from armsbridge.indicators.xlsx import period_words
from armsbridge.pdf import DocumentPDF
from armsbridge.web.i18n import Formatter

BAR = (31, 78, 121)
BAR_NUM = (112, 173, 71)
MAX_BARS = 14


class _Report(DocumentPDF):
    """The indicators report: the node's document with its title on every page."""


def _bar_chart(pdf: _Report, title: str, pairs: list[tuple[str, Any]], numerators: dict) -> None:
    pairs = [(label, value) for label, value in pairs if isinstance(value, (int, float))][:MAX_BARS]
    if len(pairs) < 2:
        return
    height = 6 + 6 * len(pairs)
    if pdf.get_y() + height > pdf.h - 20:
        pdf.add_page()
    pdf.set_font(pdf.font_name, "B", 9)
    pdf.cell(0, 6, pdf.text_of(title), new_x="LMARGIN", new_y="NEXT")
    top, left, label_w, bar_w = pdf.get_y(), pdf.l_margin, 55, 100
    biggest = max(v for _, v in pairs) or 1
    pdf.set_font(pdf.font_name, "", 8)
    for index, (label, value) in enumerate(pairs):
        y = top + index * 6
        pdf.set_xy(left, y)
        pdf.cell(label_w, 5, pdf.text_of(label[:34]), align="R")
        pdf.set_fill_color(*BAR)
        pdf.rect(left + label_w + 2, y + 0.5, max(0.3, bar_w * value / biggest), 4, style="F")
        if label in numerators:
            pdf.set_fill_color(*BAR_NUM)
            width = max(0.3, bar_w * numerators[label] / biggest)
            pdf.rect(left + label_w + 2, y + 1.5, width, 2, style="F")
        pdf.set_xy(left + label_w + 4 + bar_w * value / biggest, y)
        shown = figure(value, pdf.fmt)
        if label in numerators:
            shown = pdf.fmt.gettext(
                "%(numerator)s of %(denominator)s",
                numerator=figure(numerators[label], pdf.fmt),
                denominator=shown,
            )
        pdf.cell(30, 5, shown)
    pdf.set_y(top + 6 * len(pairs) + 3)


def _table(pdf: _Report, rows: list[list[str]], widths: tuple[int, ...]) -> None:
    pdf.rows_table(rows, widths)
    pdf.ln(3)


def _indicator(pdf: _Report, ind: dict[str, Any]) -> None:
    _ = pdf.fmt.gettext
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.set_font(pdf.font_name, "B", 11)
    pdf.multi_cell(0, 6, pdf.text_of(ind["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.font_name, "", 10)
    pdf.cell(
        0,
        6,
        pdf.text_of(f"{ind['shown']} ({ind['unit_label']})"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if ind.get("description"):
        pdf.set_font(pdf.font_name, "", 8)
        pdf.multi_cell(0, 4, pdf.text_of(ind["description"]), new_x="LMARGIN", new_y="NEXT")
    ratio = ind["unit"] == "proportion"
    charted = False
    head = (
        [_("Breakdown"), _("Part"), _("Denominator"), _("Numerator")]
        if ratio
        else [_("Breakdown"), _("Part"), ind["unit_label"]]
    )
    table_rows = [head]
    for part in ind["breakdowns"]:
        numerators = part["numerators"]
        if not charted and not part["nested"] and len(part["pairs"]) > 1:
            title = _("by %(dimension)s", dimension=part["label"])
            _bar_chart(pdf, title, part["pairs"], numerators if ratio else {})
            charted = True
        for label, value in part["pairs"]:
            row = [part["label"], label, figure(value, pdf.fmt)]
            table_rows.append([*row, figure(numerators.get(label, 0), pdf.fmt)] if ratio else row)
    if len(table_rows) > 1:
        _table(pdf, table_rows, (40, 80, 30, 30) if ratio else (40, 95, 35))


def _goals(ind: dict[str, Any], fmt: Formatter) -> str:
    """The Roadmap goal / KPI / SDG an indicator reports to, as the summary table shows it."""
    rt = ind.get("reports_to") or {}
    if not (rt.get("goals") or rt.get("kpis") or rt.get("sdg")):
        return "-"
    label = fmt.gettext(
        "Goal %(goals)s / KPI %(kpis)s",
        goals=", ".join(rt.get("goals") or []) or "-",
        kpis=", ".join(rt.get("kpis") or []) or "-",
    )
    if rt.get("sdg"):
        label += " / " + fmt.gettext("SDG %(target)s", target=rt["sdg"])
    if not rt.get("verified"):
        label += " " + fmt.gettext("(unverified)")
    return label


def write_indicators_pdf(report: dict[str, Any], path: Path, fmt: Formatter | None = None) -> Path:
    """Write the report as a PDF: title, summary table, then each group with charts and tables.

    Texts are in `fmt`'s language (English by default); figures are the report's own.
    """
    fmt = fmt or english()
    _ = fmt.gettext
    shown = localise_report(report, fmt)
    when = period_words(report, fmt)
    title = _("Indicators %(start)s to %(end)s, %(scope)s", **when)
    pdf = _Report(title, fmt)
    pdf.add_page()
    pdf.set_font(pdf.font_name, "B", 16)
    pdf.multi_cell(
        0, 9, pdf.text_of(_("Indicators computed from the records")), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(pdf.font_name, "", 10)
    intro = _(
        "Period: %(start)s to %(end)s. Jurisdiction: %(scope)s. Definitions version "
        "%(version)s. Roadmap goal/KPI labels are editable and marked unverified where their "
        "wording is not confirmed.",
        version=report.get("definitions_version", ""),
        **when,
    )
    pdf.multi_cell(0, 6, pdf.text_of(intro), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    summary = [[_("Indicator"), _("Value"), _("Roadmap goal / KPI")]]
    for ind in shown["indicators"]:
        summary.append([ind["title"], ind["shown"], _goals(ind, fmt)])
    _table(pdf, summary, (95, 45, 50))
    by_group: dict[str, list[dict[str, Any]]] = {}
    for ind in shown["indicators"]:
        by_group.setdefault(ind["group"], []).append(ind)
    for group, indicators in by_group.items():
        pdf.add_page()
        pdf.set_font(pdf.font_name, "B", 14)
        pdf.multi_cell(
            0, 8, pdf.text_of(shown["groups"].get(group, group)), new_x="LMARGIN", new_y="NEXT"
        )
        for ind in indicators:
            _indicator(pdf, ind)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
