"""PDF documents of the node (fpdf2): a Unicode font, text that always prints, a page footer.

Albanian and Macedonian (Cyrillic) texts need a TrueType font; DejaVu is looked for where the
common distributions install it, and Helvetica (Latin-1, unknown letters replaced) is the last
resort so a document is still produced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from armsbridge.web.i18n import Formatter

HEAD = (31, 78, 121)  # table headings: white on dark blue
FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)


class DocumentPDF(FPDF):
    """An A4 portrait document with a Unicode font and "title - page N" (and a marking) below."""

    def __init__(self, title: str, fmt: Formatter, marking: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.marking = marking
        self.fmt = fmt
        self.font_name, self.unicode = "helvetica", False
        for regular, bold in FONT_CANDIDATES:
            if Path(regular).exists() and Path(bold).exists():
                self.add_font("DejaVu", "", regular)
                self.add_font("DejaVu", "B", bold)
                self.font_name, self.unicode = "DejaVu", True
                break
        self.set_auto_page_break(auto=True, margin=15)

    def text_of(self, value: Any) -> str:
        """Return `value` as text the document's font can print."""
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        """Print the title, the page number and the marking at the foot of every page."""
        self.set_y(-12)
        self.set_font(self.font_name, "", 8)
        footer = self.fmt.gettext(
            "%(title)s - page %(page)s", title=self.report_title, page=self.page_no()
        )
        if self.marking:
            footer = f"{self.marking} · {footer}"
        self.cell(0, 8, self.text_of(footer), align="C")

    def rows_table(self, rows: list[list[Any]], widths: tuple[float, ...], line: float = 5) -> None:
        """Print a table whose first row is its heading, in the document's font."""
        self.set_font(self.font_name, "", 8)
        style = FontFace(emphasis="BOLD", color=255, fill_color=HEAD)
        with self.table(
            col_widths=widths,
            headings_style=style,
            line_height=line,
            text_align="LEFT",
            width=sum(widths),
            align="LEFT",
        ) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.text_of(value))
