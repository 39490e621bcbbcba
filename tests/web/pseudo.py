"""A pseudo-locale for tests, and the visible text of a page that no catalog string accounts for.

The pseudo catalog translates every msgid of messages.pot into the msgid wrapped in ⟦ ⟧, each
%(name)s placeholder left outside the markers (``⟦Page ⟧%(page)s⟦ of ⟧%(pages)s⟦⟧``), so
what a placeholder brings in is checked too. Visible text outside markers is either data from
the store (values users typed, names, numbers, dates) or a string that missed the catalog.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from sqlalchemy import select
from sqlalchemy.engine import Engine

from armsbridge.db.registry import load_all_models
from armsbridge.vocab.registry import record_types
from armsbridge.vocab.service import load_enums
from armsbridge.web.i18n import LOCALES_DIR

OPEN, CLOSE = "⟦", "⟧"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
_MARKED = re.compile(f"{OPEN}[^{CLOSE}]*{CLOSE}")
_LETTER = re.compile(r"[^\W\d_]{2,}")
VISIBLE_ATTRS = ("title", "placeholder", "aria-label", "alt")
_BUTTON_INPUTS = ("submit", "button", "reset")
# Tables whose strings are the system's own words or codes, never data a user typed: the audit
# log (actions, reasons as codes), sessions and keys.
_NOT_DATA_TABLES = ("audit", "session", "token", "key", "rate")


def wrap(message: str) -> str:
    """Return `message` between markers, each placeholder left outside them."""
    return OPEN + _PLACEHOLDER.sub(lambda m: CLOSE + m.group(0) + OPEN, message) + CLOSE


def pseudo_translations(locale: str = "sq") -> Translations:
    """Return gettext translations where every msgid of messages.pot is wrapped in markers."""
    with (LOCALES_DIR / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    catalog = Catalog(locale=Locale.parse(locale), domain="messages")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            forms = [wrap(singular)] + [wrap(plural)] * (catalog.num_plurals - 1)
            catalog.add(message.id, tuple(forms))
        else:
            catalog.add(message.id, wrap(message.id))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def catalog_ids() -> set[str]:
    """Return every English msgid of messages.pot (singular and plural forms)."""
    with (LOCALES_DIR / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    ids: set[str] = set()
    for message in template:
        if message.id:
            ids.update(message.id if isinstance(message.id, tuple) else (message.id,))
    return ids


class _Visible(HTMLParser):
    """Collects text nodes and visible attributes, outside script, style and svg."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.attrs: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg", "template"):
            self._hidden += 1
            return
        given = dict(attrs)
        self.attrs.extend(given[a] or "" for a in VISIBLE_ATTRS if given.get(a))
        if tag == "input" and (given.get("type") or "") in _BUTTON_INPUTS and given.get("value"):
            self.attrs.append(given["value"] or "")
        self.texts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("script", "style", "svg", "template"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg", "template"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in ("p", "div", "li", "td", "th", "tr", "option", "h1", "h2", "h3", "label"):
            self.texts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.texts.append(data)


def visible_text(html: str) -> list[str]:
    """Return the visible strings of a page: text runs between blocks, then visible attributes."""
    parser = _Visible()
    parser.feed(html)
    runs = [" ".join(run.split()) for run in "".join(parser.texts).split("\n")]
    return [r for r in runs if r] + [" ".join(a.split()) for a in parser.attrs if a.strip()]


def _strip(text: str, data: Iterable[str]) -> str:
    for value in data:
        if value in text:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    return text


def unmarked(html: str, data: list[str]) -> Iterator[str]:
    """Yield each visible string that holds words outside markers that are not data."""
    parser = _Visible()
    parser.feed(html)
    # Markers may span inline tags ("⟦Read ⟧<a>⟦the guide⟧</a>"): strip them over the whole
    # text before splitting it into runs.
    flat = _MARKED.sub(" ", "".join(parser.texts))
    for run in [*flat.split("\n"), *(_MARKED.sub(" ", a) for a in parser.attrs)]:
        run = " ".join(run.split())
        if run and _LETTER.search(_strip(run, data)):
            yield run


def english_left(html: str, english: dict[str, str], data: set[str]) -> Iterator[str]:
    """Yield visible strings that are an English msgid whose translation differs (not data)."""
    for text in visible_text(html):
        if text in english and text not in data:
            yield text


def enum_words() -> set[str]:
    """Return every code and label of vocab/enums.yaml (never counted as data)."""
    words: set[str] = set()
    for _name, spec in load_enums().items():
        if isinstance(spec, dict) and "values" in spec:
            for code, label in spec["values"].items():
                words.update((str(code), str(label)))
    return words


def store_strings(engine: Engine, extra: Iterable[str] = ()) -> list[str]:
    """Return the strings held in the store's tables (data), longest first.

    Enumeration codes and labels and record-type names are never data, even where a table
    holds them (a link's `from_type`): a page that shows one shows a code.
    """
    found: set[str] = set(extra)
    metadata = load_all_models().metadata
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if any(part in table.name for part in _NOT_DATA_TABLES):
                continue
            for row in conn.execute(select(table)):
                for value in row:
                    found.update(_strings(value))
    found -= enum_words() | set(record_types())
    return sorted((s for s in found if s.strip()), key=len, reverse=True)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
