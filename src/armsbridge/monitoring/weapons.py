"""Weapons and calibres named in a post: kind, make and model (firearms reference), calibre.

Makes and models come from the firearms reference (models.csv and its aliases, in any script:
Застава М70, ЦЗ 99, Глок 17, ТТ); kind words and slang from data/lexicon.yaml. A kind word next
to a model is the same weapon ("kallash M70", "pistoleta gazi Ekol Tuna"); a part or ammunition
word "for" a model is that part ("karikator per CZ 99"). Calibres are read with the firearms
calibre table and written in the triage's canonical form (7.62x39, 9x19, 7.65, 12ga, .22lr).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from armsbridge.firearms.calibre import lookup_calibre
from armsbridge.firearms.reference import ModelEntry, load_models
from armsbridge.monitoring.lexicon import find_terms, kind_terms, lexicon
from armsbridge.monitoring.text import Folded, fold_text

FIREARM_KINDS = frozenset(
    {"pistol", "revolver", "rifle", "assault_rifle", "shotgun", "submachine_gun", "alarm_pistol"}
)
_NEAR = 2  # words between a kind word and a model that still name one weapon
# Models that name a weapon alone although they have no digit (the others need a letter and a
# digit, as M70 or CZ99: a bare "17" or "914" is a number, not a Glock or a Zoraki).
_BARE_MODELS = frozenset({"tt", "tuna", "sks"})


@dataclass(frozen=True)
class Mention:
    """A weapon found in a text, with the folded word range and the original span."""

    kind: str
    make: str | None
    model: str | None
    first: int
    last: int
    start: int
    end: int


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_text(text))


def triage_kind(entry: ModelEntry) -> str:
    """Return the triage kind of a reference row (an alarm pistol stays alarm_pistol)."""
    if entry.device == "alarm_signal" and entry.kind in {"pistol", "revolver"}:
        return "alarm_pistol"
    if entry.kind in {"rifle", "machine_gun"} and entry.action == "automatic":
        return "assault_rifle"
    return "rifle" if entry.kind == "machine_gun" else entry.kind


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, list[ModelEntry]]]:
    makes: dict[str, str] = {}
    models: dict[str, list[ModelEntry]] = {}
    for entry in load_models():
        if not entry.make.startswith("("):
            aliases = [entry.make, *(k for k in entry.make_keys)]
            for alias in aliases:
                key = _key(alias)
                if len(key) >= 2:
                    makes.setdefault(key, entry.make)
        if entry.model != "*":
            for alias in {entry.model, *entry.model_keys}:
                models.setdefault(_key(alias), []).append(entry)
    return makes, models


def _make_of(word: str) -> str | None:
    makes, _ = _index()
    if word in makes:
        return makes[word]
    # Inflected make names (Zastavu, Zastave): five letters or more, two letters added at most.
    for key, make in makes.items():
        if len(key) >= 5 and word.startswith(key) and len(word) - len(key) <= 2:
            return make
    return None


def _model_at(words: list[tuple[str, int, int]], i: int, make: str | None) -> tuple[int, list]:
    """Return (words used, rows) for the longest model name starting at word i."""
    _, models = _index()
    for n in (3, 2, 1):
        if i + n > len(words):
            continue
        key = "".join(w for w, _, _ in words[i : i + n])
        rows = [e for e in models.get(key, []) if make is None or e.make == make]
        if not rows:
            continue
        alone = bool(re.search(r"[a-z]", key) and re.search(r"\d", key)) or key in _BARE_MODELS
        if make is not None or alone:
            return n, rows
    return 0, []


def _pick(rows: list[ModelEntry], kind_hint: str | None) -> ModelEntry:
    for row in rows:
        if kind_hint and triage_kind(row) == kind_hint:
            return row
    return rows[0]


def _reference_mentions(folded: Folded, kinds: dict[int, str]) -> list[Mention]:
    words = folded.words()
    out: list[Mention] = []
    i = 0
    while i < len(words):
        hint = next((kinds[j] for j in range(i - _NEAR, i + _NEAR + 2) if j in kinds), None)
        used, rows = _model_at(words, i, None)
        make = None if used else _make_of(words[i][0])
        if make and not used:
            used, rows = _model_at(words, i + 1, make)
            used = used + 1 if rows else 1
        if rows:
            row = _pick(rows, hint)
            model = row.model if row.model != "*" else None
            make = None if row.make.startswith("(") else row.make
            kind = triage_kind(row)
        elif make:
            kinds_of_make = {triage_kind(e) for e in load_models() if e.make == make}
            kind = kinds_of_make.pop() if len(kinds_of_make) == 1 else (hint or "pistol")
            model = None
        else:
            i += 1
            continue
        last = i + used - 1
        out.append(Mention(kind, make, model, i, last, *folded.span(words[i][1], words[last][2])))
        i = last + 1
    return out


def find_weapons(folded: Folded) -> list[Mention]:
    """Return the weapons a folded text names, one per distinct (kind, make, model), in order."""
    hits = find_terms(folded, kind_terms())
    kinds = {h.first: h.group for h in hits}
    refs = _reference_mentions(folded, {i: k for i, k in kinds.items() if k in FIREARM_KINDS})
    words = folded.words()
    connectors = lexicon()["connectors"]
    out: list[Mention] = []
    absorbed: set[int] = set()
    for index, hit in enumerate(hits):
        if hit.group == "grenade" and _figurative(words, hit.first):
            continue  # "auto je bomba", "this car is a bomb"
        near = [
            r for r in refs if r.first - _NEAR - 1 <= hit.last and hit.first <= r.last + _NEAR + 1
        ]
        if any(_compatible(hit.group, r.kind) for r in near):
            continue  # the model says which weapon this word names
        if hit.first in absorbed:
            continue
        nxt = hits[index + 1] if index + 1 < len(hits) else None
        if hit.group in FIREARM_KINDS and nxt and nxt.group == "part" and nxt.first == hit.last + 1:
            continue  # "AK magazines": the magazines are offered
        if hit.group in {"part", "ammunition"}:
            following = [r for r in refs if r.first in (hit.last + 1, hit.last + 2)]
            between = words[hit.last + 1][0] if hit.last + 1 < len(words) else ""
            link = following and (
                following[0].first == hit.last + 1
                or any(c.lstrip("=") == between for c in connectors)
            )
            kind_after = [h for h in hits[index + 1 :] if h.first in (hit.last + 1, hit.last + 2)]
            if not following and kind_after and kind_after[0].group in FIREARM_KINDS:
                after = kind_after[0]
                if after.first == hit.last + 1 or any(c.lstrip("=") == between for c in connectors):
                    absorbed.add(after.first)  # "okvire za kalaš": a magazine, not a rifle
                    out.append(
                        Mention(
                            hit.group,
                            None,
                            None,
                            hit.first,
                            hit.last,
                            *folded.span(hit.start, hit.end),
                        )
                    )
                    continue
            if link:
                ref = following[0]
                absorbed.add(ref.first)
                if hit.group == "part":
                    out.append(
                        Mention(
                            "part",
                            ref.make,
                            ref.model,
                            hit.first,
                            ref.last,
                            *folded.span(hit.start, words[ref.last][2]),
                        )
                    )
                else:
                    out.append(
                        Mention(
                            "ammunition",
                            None,
                            None,
                            hit.first,
                            hit.last,
                            *folded.span(hit.start, hit.end),
                        )
                    )
                continue
        out.append(
            Mention(hit.group, None, None, hit.first, hit.last, *folded.span(hit.start, hit.end))
        )
    out.extend(r for r in refs if r.first not in absorbed)
    out.sort(key=lambda m: m.first)
    seen: set[tuple[str, str | None, str | None]] = set()
    unique = []
    for m in out:
        if (m.kind, m.make, m.model) not in seen:
            seen.add((m.kind, m.make, m.model))
            unique.append(m)
    return unique


_CALIBRE = re.compile(
    r"(?<![\d.,])(?:"
    r"(?P<metric>\d{1,2}(?:[.,]\d{1,2})?\s*(?:mm)?\s*[xh]\s*\d{2}(?:\s*r\b)?)"
    r"|(?P<inch>\.?(?:22|25|32|38|357|380|44|45|223|308)\s*"
    r"(?:lr|l\.r\.|long rifle|special|spl|magnum|mag|acp|auto|win|rem)\b)"
    r"|(?P<gauge>(?:12|16|20)\s*(?:ga|gauge|g|/70|/76|bore)\b"
    r"|(?:cal|kal|kalibar|kaliber|caliber|kalibri)\.?\s*(?:12|16|20)\b"
    r"|(?:12|16|20)\s*(?:kalibar|kalibra|kalibri|kaliber)\b)"
    r"|(?P<mm>\d{1,2}(?:[.,]\d{1,2})?\s*mm\b"
    r"(?:\s*(?:para|parabellum|luger|makarov|kurz|kratak|kratki|p\.?a\.?k\.?|knall|blank))?)"
    r"|(?P<dec>\d[.,]\d{2})(?!\d|[.,]\d|\s*[xh]\s*\d)"
    r")"
)


def canonical_calibre(text: str) -> str | None:
    """Return the triage form of a calibre text ('7,62х39' -> '7.62x39', '12/70' -> '12ga')."""
    lex = lexicon()
    found = lookup_calibre(text)
    if found is None:
        bare = re.fullmatch(r"\s*9\s*mm\s*", text)
        return lex["bare_9mm"] if bare else None
    return str(lex["calibre_forms"].get(found.name, found.name))


def find_calibres(
    folded: Folded, weapons: list[Mention], taken: list[tuple[int, int]]
) -> list[tuple[str, int, int]]:
    """Return (canonical calibre, start, end) of the calibres a folded text names."""
    out: list[tuple[str, int, int]] = []
    for m in _CALIBRE.finditer(folded.text):
        start, end = folded.span(m.start(), m.end())
        if any(s < end and start < e for s, e in taken):
            continue
        text = m.group(0).replace(",", ".")
        value = canonical_calibre(re.sub(r"(?<=\d)\s*h\s*(?=\d)", "x", text))
        if value:
            out.append((value, start, end))
    # "pumparica 12", "Baikal 12": a bare 12, 16 or 20 right after a shotgun is its gauge.
    words = folded.words()
    for weapon in weapons:
        if weapon.kind == "shotgun" and weapon.last + 1 < len(words):
            word, ws, we = words[weapon.last + 1]
            start, end = folded.span(ws, we)
            if word in {"12", "16", "20"} and not any(s <= start < e for _, s, e in out):
                out.append((f"{word}ga", start, end))
    out.sort(key=lambda c: c[1])
    return out


_COMPATIBLE = (
    frozenset({"pistol", "alarm_pistol", "revolver"}),
    frozenset({"rifle", "assault_rifle", "shotgun"}),
)


def _compatible(word_kind: str, model_kind: str) -> bool:
    """Tell whether a kind word can name the weapon a model names ("pistoleta" + Zoraki)."""
    if word_kind == model_kind:
        return True
    return any(word_kind in group and model_kind in group for group in _COMPATIBLE)


def _figurative(words: list[tuple[str, int, int]], index: int) -> bool:
    """Tell whether "bomba" is said of something ("je bomba", "is a bomb", "bateria bombe")."""
    before = [w for w, _, _ in words[max(0, index - 2) : index]]
    figurative = lexicon()["figurative"]
    return (
        any(w in figurative["copulas"] for w in before[-1:])
        or (before[-2:-1] == ["is"] and before[-1:] == ["a"])
        or any(w.startswith(tuple(figurative["things"])) for w in before[-1:])
    )


def weapon_dict(mention: Mention) -> dict[str, Any]:
    """Return a mention as the item-4 weapon object."""
    return {"kind": mention.kind, "make": mention.make, "model": mention.model}
