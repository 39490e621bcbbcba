"""Indicators, their exports and the capacity page in the user's language (sq, mk, sr)."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

from armsbridge.auth.models import User
from armsbridge.capacity import service as capacity
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.indicators.extract import extract_definitions
from armsbridge.indicators.labels import language_name, localise_report, part_label
from armsbridge.indicators.service import DEFINITIONS_FILE, compute_report, load_definitions
from armsbridge.indicators.xlsx import write_indicators_xlsx
from armsbridge.web import i18n
from armsbridge.web.i18n import Formatter
from principals import as_actor

from .conftest import sign_in

PERIOD = {"from": "2022-01-01", "to": "2022-12-31"}
# What a user typed (shown as typed, in any language) on the pages checked below.
TYPED = (
    "Armë të konvertuara",
    "Policia e Kosovës",
    "Не купувај оружје",
    "Facebook",
    "Priručnik o prepravljenom oružju",
    "Заедничка акција Блаце",
    "Policia e Kosovës; МВР",
    "12 pistols",
)
PRODUCT_LANGUAGES = ["sq", "mk"]


def _activities(node: Any) -> None:
    actor = as_actor("seed")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        for n, (jur, sex) in enumerate([("XK", "F"), ("XK", "M"), ("MK", "M")]):
            capacity.record_participation(
                s,
                user=actor,
                jurisdiction=jur,
                training_code="2022-01",
                session_code="2022-01-1",
                participant_ref=f"P{n}",
                topic="Armë të konvertuara",
                institution="Policia e Kosovës",
                sex=sex,
                session_date="04.10.2022",
            )
        capacity.record_campaign_channel(
            s,
            user=actor,
            jurisdiction="MK",
            campaign_code="2022-07",
            kind="targeted",
            channel="Facebook",
            title="Не купувај оружје",
            start_date="01.06.2022",
            end_date="30.06.2022",
            views=1200,
            impressions=4500,
        )
        capacity.record_knowledge_product(
            s,
            user=actor,
            jurisdiction="XK",
            code="2022-11",
            title="Priručnik o prepravljenom oružju",
            languages=PRODUCT_LANGUAGES,
            published_on="2022-03-01",
        )
        capacity.record_joint_operation(
            s,
            user=actor,
            jurisdiction="XK",
            code="2022-99",
            title="Заедничка акција Блаце",
            started_on="2022-11-01",
            ended_on="2022-12-15",
            agencies=["Policia e Kosovës", "МВР"],
            results="12 pistols",
        )


def _officer(node: Any, language: str) -> TestClient:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.execute(update(User).where(User.username == "officer").values(language=language))
    return sign_in(TestClient(node.app), "officer")


TITLES = {
    "sq": ("Persona të trajnuar (secili person një herë)", "Zhvillimi i kapaciteteve"),
    "mk": ("Обучени лица (секое лице еднаш)", "Развој на капацитети"),
    "sr": ("Obučene osobe (svaka osoba jednom)", "Razvoj kapaciteta"),
}


@pytest.mark.parametrize("language", ["sq", "mk", "sr"])
def test_dashboard_shows_indicator_titles_in_the_users_language(node, language: str) -> None:  # noqa: ANN001
    _activities(node)
    page = _officer(node, language).get("/indicators", params=PERIOD)
    assert page.status_code == 200
    title, group = TITLES[language]
    assert title in page.text and group in page.text
    assert 'data-indicator="trained_persons">3<' in page.text  # the figure is the same
    english = [ind.title for ind in load_definitions().indicators]
    assert [t for t in english if t in page.text] == []
    if language == "mk":
        assert "SDG 16.4.2" not in page.text and "ЦОР 16.4.2" in page.text


def test_xlsx_exported_in_albanian_has_albanian_headers_and_the_same_figures(node) -> None:  # noqa: ANN001
    _activities(node)
    answer = _officer(node, "sq").get("/indicators/report.xlsx", params=PERIOD)
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb.sheetnames[:2] == ["Përmbledhja", "Zhvillimi i kapaciteteve"]
    summary = wb["Përmbledhja"]
    headers = [c.value for c in summary[6]]
    assert headers[:5] == ["Grupi", "Identifikuesi i treguesit", "Tregues", "Njësia", "Vlera"]
    rows = {row[1]: row for row in summary.iter_rows(min_row=7, values_only=True)}
    assert rows["trained_persons"][2] == "Persona të trajnuar (secili person një herë)"
    assert rows["trained_persons"][4] == 3 and rows["campaign_views"][4] == 1200
    cells = {c for row in wb["Zhvillimi i kapaciteteve"].iter_rows(values_only=True) for c in row}
    assert "Tema / Gjinia" in cells  # a nested breakdown's name
    assert "Armë të konvertuara" in cells  # the typed topic as typed


def test_pdf_and_iafq_exported_in_macedonian_and_serbian(node) -> None:  # noqa: ANN001
    _activities(node)
    pdf = _officer(node, "mk").get("/indicators/report.pdf", params=PERIOD)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Обучени лица (секое лице еднаш)" in text and "People trained" not in text
    iafq = _officer(node, "sr").get("/indicators/iafq.xlsx", params=PERIOD)
    wb = load_workbook(io.BytesIO(iafq.content))
    assert "4 Praćenje porekla" in wb.sheetnames
    assert [c.value for c in wb["1 Oružje po vrsti"][4]][:3] == ["vrsta", "zaplenjeno", "pronađeno"]


def test_a_title_from_a_users_own_definitions_shows_as_written(node, tmp_path: Path) -> None:  # noqa: ANN001
    _activities(node)
    shipped = DEFINITIONS_FILE.read_text(encoding="utf-8")
    own = tmp_path / "definitions.yaml"
    own.write_text(
        shipped.replace(
            "title: People trained (unique persons)",
            "title: Zyrtarë të trajnuar në Hani i Elezit",
        ),
        encoding="utf-8",
    )
    definitions = load_definitions(own)
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        report = compute_report(
            s, date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), definitions=definitions
        )
    shown = {i["id"]: i for i in localise_report(report, Formatter("mk"))["indicators"]}
    assert shown["trained_persons"]["title"] == "Zyrtarë të trajnuar në Hani i Elezit"
    assert shown["trainings_held"]["title"] == "Одржани обуки и работилници"  # still translated
    out = write_indicators_xlsx(report, tmp_path / "own.xlsx")  # as the command line writes it
    titles = [
        row[2] for row in load_workbook(out)["Summary"].iter_rows(min_row=7, values_only=True)
    ]
    assert "Zyrtarë të trajnuar në Hani i Elezit" in titles
    assert "Trainings and workshops held" in titles  # English by default


# --- every visible string of these pages passes through the catalogs ---------------------------

MARK = re.compile(r"⟦[^⟦⟧]*⟧")
SEEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-label")


class _Marked(NullTranslations):
    """A catalog that wraps every message it is asked for in ⟦ ⟧."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"


class _Visible(HTMLParser):
    """The texts a user sees inside <main>: text nodes, shown attributes, chart labels."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.skip, self.texts = 0, 0, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.inside += 1
        if tag in ("script", "style"):
            self.skip += 1
        if not self.inside:
            return
        values = dict(attrs)
        self.texts += [values[a] or "" for a in SEEN_ATTRIBUTES if a in values]
        if tag in ("button", "input") and values.get("type") in ("submit", "button"):
            self.texts.append(values.get("value") or "")
        if "data-series" in values:
            self.texts += [str(label) for label, _ in json.loads(values["data-series"] or "[]")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.inside -= 1
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.inside and not self.skip:
            self.texts.append(data)


def _unmarked(html: str, allowed: tuple[str, ...]) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    left = []
    for text in parser.texts:
        while MARK.search(text):
            text = MARK.sub(" ", text)
        for value in sorted(allowed, key=len, reverse=True):
            text = text.replace(value, " ")
        if re.search(r"[^\W\d_]", text):
            left.append(text.strip())
    return left


@pytest.mark.parametrize("path", ["/indicators", "/capacity"])
def test_no_text_on_the_page_escapes_the_catalogs(node, monkeypatch, path: str) -> None:  # noqa: ANN001
    _activities(node)
    client = _officer(node, "sq")
    monkeypatch.setattr(i18n, "translations", lambda language: _Marked())
    page = client.get(path, params=PERIOD)
    assert page.status_code == 200 and "⟦" in page.text
    fmt = Formatter("sq")
    dates = [date(2022, 6, 1), date(2022, 6, 30), date(2022, 3, 1), date(2022, 11, 1)]
    allowed = (
        *TYPED,
        *(fmt.date(d) for d in [*dates, date(2022, 12, 15)]),
        *(language_name(code, fmt) for code in PRODUCT_LANGUAGES),
    )
    assert _unmarked(page.text, allowed) == []


def test_every_text_of_the_shipped_definitions_reaches_the_catalogs() -> None:
    with DEFINITIONS_FILE.open("rb") as fh:
        texts = {text for _line, _kw, text, _c in extract_definitions(fh, None, None, None)}
    definitions = load_definitions()
    assert {i.title for i in definitions.indicators} <= texts
    assert {"persons", "Legal category", "Capacity development"} <= texts
    assert definitions.roadmap["goals"]["3"]["label"] in texts
    assert "version" not in texts and "attendance" not in texts  # codes are not texts
    with (i18n.LOCALES_DIR / "messages.pot").open("rb") as fh:
        catalog = {m.id for m in read_po(fh)}
    assert sorted(texts - catalog) == []


def test_a_reversed_period_is_refused_in_the_users_language(node) -> None:  # noqa: ANN001
    page = _officer(node, "mk").get(
        "/indicators", params={"from": "2023-01-01", "to": "2022-01-01"}
    )
    assert page.status_code == 422
    assert "Периодот започнува откако завршува" in page.text
    assert "ден пред последниот ден од периодот или истиот ден" in page.text


def test_coded_parts_of_a_breakdown_show_as_labels_typed_ones_as_typed() -> None:
    sq = Formatter("sq")
    assert part_label("firearms", "converted", "yes", sq) == "po"
    assert part_label("attendance", "topic", "no", sq) == "no"  # a topic someone typed
    assert part_label("attendance", "topic", "unknown", sq) == "e panjohur"  # no value recorded
    assert part_label("knowledge_products", "language", "mk", sq) == "Maqedonisht"
    assert part_label("attendance", "institution", "Policia e Kosovës", sq) == "Policia e Kosovës"
    assert part_label("firearms", "kind", "no-such-code", sq) == "no-such-code"
