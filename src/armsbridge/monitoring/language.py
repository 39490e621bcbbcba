"""Language and script identification for short posts: sq, mk, sr (Latin and Cyrillic), hr, bs, en.

The script is the majority script of the letters. The language is the best of a character n-gram
logistic regression, trained at first use on the project's corpus (train split only, with a copy
of each Latin line without diacritics, as posts are often typed), plus the markers of
data/languages.yaml: letters only one alphabet has (ѓ ќ ѕ Macedonian, ђ ћ Serbian, ë ç Albanian)
and the words that tell Serbian (ekavian: cena, lepo; hiljada, da li, prodaću), Croatian
(ijekavian: cijena; tisuća, tko, je li, prodat ću) and Bosnian (ijekavian with hiljada, KM,
jaran) apart. Nothing is downloaded: the model is trained from shipped data in about a second.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from armsbridge.monitoring.corpus import LANGUAGES, load_corpus
from armsbridge.monitoring.text import fold_text

MARKERS_FILE = Path(__file__).parent / "data" / "languages.yaml"
CYRILLIC_LANGUAGES = ("mk", "sr")
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Marker groups counted for several languages, and place names counted for their country.
_TARGETS = {
    "ijekavian": ("hr", "bs"),
    "shtokavian": ("sr", "hr", "bs"),
    "places_sr": ("sr",),
    "places_hr": ("hr",),
    "places_bs": ("bs",),
}


@dataclass(frozen=True)
class LanguageGuess:
    """The language and script of a text, with the probability of each language."""

    language: str  # ISO 639-1, or "und" for a text without letters
    script: str  # ISO 15924: Latn, Cyrl, or Zyyy for a text without letters
    scores: dict[str, float]


def script_of(text: str) -> str:
    """Return the majority script of the letters of a text (Latn, Cyrl; Zyyy without letters)."""
    latin = cyrillic = 0
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name.startswith("CYRILLIC"):
                cyrillic += 1
            elif name.startswith("LATIN"):
                latin += 1
    if not latin and not cyrillic:
        return "Zyyy"
    return "Cyrl" if cyrillic > latin else "Latn"


def _strip(text: str) -> str:
    if script_of(text) == "Cyrl":
        return text
    return fold_text(text)


@lru_cache(maxsize=1)
def _markers() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MARKERS_FILE.read_text("utf-8"))
    words: dict[str, dict[str, float]] = {}
    for group, entry in data["words"].items():
        targets = _TARGETS.get(group, (group,))
        for word in entry["words"]:
            for form in {str(word).lower(), _strip(str(word).lower())}:
                for lang in targets:
                    words.setdefault(form, {}).setdefault(lang, 0.0)
                    words[form][lang] += float(entry["weight"])
    return {"words": words, "letters": data["letters"], "latin": data["latin_letters"]}


def marker_scores(text: str) -> dict[str, float]:
    """Return the marker score of each language for a text (letters and telling words)."""
    markers = _markers()
    out = dict.fromkeys(LANGUAGES, 0.0)
    lowered = text.lower()
    tokens = _TOKEN.findall(lowered)
    stripped = [_strip(t) for t in tokens]
    seen: set[str] = set()
    for seq in (tokens, stripped):
        grams = seq + [f"{a} {b}" for a, b in zip(seq, seq[1:], strict=False)]
        for gram in grams:
            if gram in seen:
                continue
            seen.add(gram)
            for lang, weight in markers["words"].get(gram, {}).items():
                out[lang] += weight
    for lang, entry in markers["latin"].items():
        count = sum(text.count(ch) for ch in entry["letters"])
        out[lang] += min(count, 2) * float(entry["weight"])
    return out


class _Model:
    def __init__(self) -> None:
        rows = load_corpus("train")
        texts, labels = [], []
        for row in rows:
            texts.append(row["text"].lower())
            labels.append(row["language"])
            if row["script"] == "Latn":  # the same post typed without diacritics
                texts.append(_strip(row["text"].lower()))
                labels.append(row["language"])
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
        matrix = self.vectorizer.fit_transform(texts)
        self.classifier = LogisticRegression(C=20.0, max_iter=2000)
        self.classifier.fit(matrix, labels)
        self.classes = list(self.classifier.classes_)

    def log_probabilities(self, text: str) -> dict[str, float]:
        proba = self.classifier.predict_proba(self.vectorizer.transform([text.lower()]))[0]
        return {c: math.log(max(p, 1e-9)) for c, p in zip(self.classes, proba, strict=True)}


@lru_cache(maxsize=1)
def _get_model() -> _Model:
    return _Model()


def identify(text: str) -> LanguageGuess:
    """Return the language and script of a text (short posts included)."""
    script = script_of(text)
    if script == "Zyyy":
        return LanguageGuess("und", "Zyyy", {})
    markers = _markers()
    if script == "Cyrl":
        for lang in CYRILLIC_LANGUAGES:
            if any(ch in text for ch in markers["letters"][lang]):
                return LanguageGuess(lang, script, {lang: 1.0})
    candidates = CYRILLIC_LANGUAGES if script == "Cyrl" else LANGUAGES
    logp = _get_model().log_probabilities(text)
    bonus = marker_scores(text)
    totals = {lang: logp.get(lang, -20.0) + bonus[lang] for lang in candidates}
    best = max(totals, key=lambda k: totals[k])
    values = np.array(list(totals.values()))
    weights = np.exp(values - values.max())
    probabilities = weights / weights.sum()
    scores = {k: round(float(p), 4) for k, p in zip(totals, probabilities, strict=True)}
    return LanguageGuess(best, script, scores)
