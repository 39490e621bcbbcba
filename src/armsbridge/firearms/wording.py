"""Reasons in plain words, in the reader's language: messages that keep their English technical
text (stored, API) and the catalogue message and values to say them in any language."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import yaml

from armsbridge.firearms.reference import fact_sources
from armsbridge.i18n_marker import N_

# What each fact is called on a page (never its field name).
FACT_LABELS: dict[str, str] = {
    "kind": N_("kind of weapon"),
    "action": N_("action"),
    "ignition": N_("ignition"),
    "smooth_bore": N_("smooth-bore barrel"),
    "barrel_length_cm": N_("barrel length"),
    "overall_length_cm": N_("overall length"),
    "magazine_capacity": N_("magazine capacity"),
    "detachable_magazine": N_("detachable magazine"),
    "foldable_stock": N_("folding, telescoping or removable stock"),
    "converted_from_automatic": N_("converted from automatic"),
    "converted_to": N_("converted to"),
    "alarm_signal_device": N_("alarm or signal device"),
    "meets_alarm_signal_specs": N_("meets Implementing Directive 2019/69"),
    "deactivated": N_("deactivated"),
    "deactivation_certified": N_("deactivation certified"),
    "disguised": N_("disguised as another object"),
    "military_explosive": N_("explosive military missile or launcher"),
    "resembles_automatic": N_("resembles an automatic weapon"),
    "ammunition": N_("special ammunition"),
    "placed_on_market": N_("placed on the market"),
    "component": N_("essential component"),
    "calibre": N_("calibre"),
}
UNITS: dict[str, str] = {
    "barrel_length_cm": N_("%(number)s cm"),
    "overall_length_cm": N_("%(number)s cm"),
    "magazine_capacity": N_("%(number)s rounds"),
}
# The values of the facts that take a word (kinds, actions, ignition, ...).
VALUE_LABELS: dict[str, str] = {
    "pistol": N_("pistol"),
    "revolver": N_("revolver"),
    "rifle": N_("rifle"),
    "shotgun": N_("shotgun"),
    "submachine_gun": N_("submachine gun"),
    "machine_gun": N_("machine gun"),
    "launcher": N_("launcher"),
    "other": N_("other"),
    "automatic": N_("automatic"),
    "semi_automatic": N_("semi-automatic"),
    "repeating": N_("repeating"),
    "single_shot": N_("single-shot"),
    "centre_fire": N_("centre-fire"),
    "rimfire": N_("rimfire"),
    "blank_firing": N_("firing blanks, irritants or pyrotechnic rounds"),
    "salute_acoustic": N_("a salute or acoustic weapon"),
    "penetrating": N_("penetrating"),
    "explosive": N_("explosive"),
    "incendiary": N_("incendiary"),
    "expanding": N_("expanding"),
    "barrel": N_("barrel"),
    "frame": N_("frame"),
    "receiver": N_("receiver"),
    "slide": N_("slide"),
    "cylinder": N_("cylinder"),
    "bolt": N_("bolt"),
    "breech_block": N_("breech block"),
    "not_a_firearm": N_("not a firearm"),
    "undetermined": N_("not yet determined"),
}
YES, NO = N_("yes"), N_("no")


class Msg(str):
    """A message: its English technical text (the str) and how to say it in any language.

    `msgid` is the catalogue message with named placeholders, `params` their values (messages,
    numbers or data text); an empty msgid joins the `items` parameter with `sep`.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, english: str, msgid: str | None = None, /, **params: Any) -> Msg:
        """Make a message; without a msgid the text is its own catalogue message."""
        made = super().__new__(cls, english)
        made.msgid = english if msgid is None else msgid
        made.params = params
        return made


def seq(items: Iterable[Any], sep: str = ", ") -> Msg:
    """Join messages (or text) with a separator, each said in the reader's language."""
    listed = list(items)
    return Msg(sep.join(str(i) for i in listed), "", items=listed, sep=sep)


def both(first: Any, second: Any, text: str | None = None) -> Msg:
    """Say two conditions together ("A and B")."""
    return Msg(
        text or f"{first} and {second}", N_("%(first)s and %(second)s"), first=first, second=second
    )


def all_of(items: list[Any], text: str | None = None) -> Msg | str:
    """Say any number of conditions together; one alone stays as it is."""
    if not items:
        return ""
    joined: Any = items[0]
    for item in items[1:]:
        joined = both(joined, item)
    return Msg(text, "%(all)s", all=joined) if text is not None else joined


def technical(value: Any) -> str:
    """A fact's value as the technical text writes it (yes/no, 30 not 30.0, a/b for lists)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "/".join(technical(v) for v in value)
    return str(value)


def entry_title(make: str, model: str) -> Msg:
    """A reference entry's name: "Zastava M70", or "Zoraki (any model)" for a make's row."""
    if model == "*":
        return Msg(f"{make} (any model)", N_("%(make)s (any model)"), make=make)
    return Msg(f"{make} {model}", "%(value)s", value=f"{make} {model}")


def fact_name(name: str) -> Msg:
    """A fact's name in words ("barrel length"), its field name as the technical text."""
    return Msg(name, FACT_LABELS.get(name, name.replace("_", " ")))


def fact_value(name: str, value: Any) -> Msg:
    """A fact's value in words: yes/no, the word for a kind or action, a number with its unit."""
    text = technical(value)
    if isinstance(value, bool):
        return Msg(text, YES if value else NO)
    if isinstance(value, list | tuple):
        return Msg(text, "", items=[fact_value(name, v) for v in value], sep=" / ")
    if isinstance(value, int | float):
        number = int(value) if isinstance(value, float) and value.is_integer() else value
        return Msg(text, UNITS.get(name, "%(number)s"), number=number)
    if isinstance(value, str) and value in VALUE_LABELS:
        return Msg(text, VALUE_LABELS[value])
    return Msg(text, "%(value)s", value=value)


def fact_phrase(name: str, value: Any) -> Msg:
    """ "barrel length: 20 cm" (technical text "barrel_length_cm = 20")."""
    return Msg(
        f"{name} = {technical(value)}",
        N_("%(fact)s: %(value)s"),
        fact=fact_name(name),
        value=fact_value(name, value),
    )


def say(message: Any, gettext: Callable[[str], str], number: Callable[[Any], str] = str) -> str:
    """Say a message (or plain text, or a list) in the language of `gettext`."""
    if isinstance(message, Msg):
        if message.msgid == "":
            sep = message.params.get("sep", ", ")
            return sep.join(say(i, gettext, number) for i in message.params.get("items", []))
        template = gettext(message.msgid) if message.msgid else ""
        if not message.params:
            return template
        values = {k: say(v, gettext, number) for k, v in message.params.items()}
        try:
            return template % values
        except (KeyError, ValueError, TypeError):
            return message.msgid % values
    if isinstance(message, bool):
        return gettext(YES if message else NO)
    if isinstance(message, int | float):
        return number(message)
    if isinstance(message, date):
        return message.isoformat()
    if isinstance(message, list | tuple):
        return ", ".join(say(m, gettext, number) for m in message)
    return "" if message is None else str(message)


# The texts of the firearms data files that pages show: rule and definition wordings, rule
# sources, the reasons likely values are likely, marking meanings.
_SHOWN_KEYS = {"text", "source", "why", "meaning"}


def _texts(node: Any, keys: set[str], key: str | None = None) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _texts(v, keys, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _texts(v, keys, key)
    elif isinstance(node, str) and key in keys and node.strip():
        yield node


def extract_data_texts(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator:
    """Babel extractor: the texts of firearms/data/*.yaml that pages show, for the catalogues.

    `keys` in the babel.cfg section names the keys whose texts are taken (default: all shown).
    """
    keys = set((options or {}).get("keys", " ".join(sorted(_SHOWN_KEYS))).split())
    raw = fileobj.read().decode("utf-8")
    data = yaml.safe_load(raw) or {}
    lines = raw.splitlines()
    top = {k: v for k, v in data.items() if k != "source"}
    for text in dict.fromkeys(_texts(top, keys)):
        number = next((i for i, line in enumerate(lines, 1) if text in line), 1)
        yield number, "N_", text, []


def extract_model_texts(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator:
    """Babel extractor: the notes and sources of models.csv (each fact's source on its own)."""
    rows = csv.DictReader(io.StringIO(fileobj.read().decode("utf-8")))
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        texts = [row["notes"], row["source"]]
        if row["facts_source"]:  # the source of each fact the row gives
            sources = fact_sources(row["facts_source"])
            texts += [source for name, source in sources.items() if row.get(name)]
        for text in texts:
            if text.strip() and text not in seen:
                seen.add(text)
                yield number, "N_", text, []
