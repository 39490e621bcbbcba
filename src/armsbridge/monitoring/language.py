"""Language and script identification for short posts: sq, mk, sr (Latin and Cyrillic), hr, bs, en.

The script is the majority script of the letters. The language is the best of a character n-gram
logistic regression, trained at first use on the project's corpus (train split only, with a copy
of each Latin line without diacritics, as posts are often typed), plus the markers of
data/languages.yaml: letters only one alphabet has (ѓ ќ ѕ Macedonian, ђ ћ Serbian, ë ç Albanian)
and the words that tell Serbian (ekavian: cena, lepo; with Bosnian: hiljada, da li, kurs,
prodaću), Croatian (ijekavian: cijena; tisuća, tko, je li, prodat ću, tečaj) and Bosnian
(ijekavian with hiljada, KM, jaran) apart. Nothing is downloaded: the model is trained from
shipped data in about a second.
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

from armsbridge.monitoring.corpus import LANGUAGES, load_corpus
from armsbridge.monitoring.text import fold_text

MARKERS_FILE = Path(__file__).parent / "data" / "languages.yaml"
CYRILLIC_LANGUAGES = ("mk", "sr")
SHTOKAVIAN = frozenset({"sr", "hr", "bs"})
STEM_SUFFIX = 3  # letters a word may add to a cue stem (cijen -> cijena, cijenu)
# Without a cue between Serbian, Croatian and Bosnian, their probabilities are moved this far
# towards their mean: the model's best guess is kept, its confidence is not.
NO_CUE_BLEND = 0.5
# The corpus' Serbian, Croatian and Bosnian lines are near translations of each other, so the
# n-gram model's preferences among the three are mostly noise: they are flattened by this
# temperature (chosen by cross-validation on the train split, bench/triage_cv.py) and the cues
# decide. The model's probability of the three together is kept.
SHTOKAVIAN_TEMPERATURE = 3.0
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class LanguageGuess:
    """The language and script of a text, with the probability of each language."""

    language: str  # ISO 639-1, or "und" for a text without letters
    script: str  # ISO 15924: Latn, Cyrl, or Zyyy for a text without letters
    scores: dict[str, float]
    cues: tuple[str, ...] = ()  # the cue groups found (languages.yaml), for explanations


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


def _forms(word: Any) -> set[str]:
    lowered = str(word).lower()
    return {lowered, _strip(lowered)}


@lru_cache(maxsize=1)
def _markers() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MARKERS_FILE.read_text("utf-8"))
    words: dict[str, list[str]] = {}
    stems: dict[str, list[str]] = {}
    excepted: dict[str, tuple[str, ...]] = {}
    patterns: list[tuple[str, re.Pattern[str]]] = []
    groups: dict[str, tuple[tuple[str, ...], float]] = {}
    for name, entry in data["cues"].items():
        groups[name] = (tuple(entry["languages"]), float(entry["weight"]))
        for word in entry.get("words", []):
            for form in _forms(word):
                words.setdefault(form, []).append(name)
        for stem in entry.get("stems", []):
            for form in _forms(stem):
                stems.setdefault(form, []).append(name)
        excepted[name] = tuple(f for e in entry.get("except", []) for f in _forms(e))
        patterns += [(name, re.compile(p)) for p in entry.get("patterns", [])]
    return {
        "words": words,
        "stems": stems,
        "except": excepted,
        "patterns": patterns,
        "groups": groups,
        "letters": data["letters"],
        "latin": data["latin_letters"],
    }


def _stem_groups(token: str, markers: dict[str, Any]) -> list[str]:
    found = []
    for cut in range(STEM_SUFFIX + 1):
        if len(token) - cut < 3:
            break
        for group in markers["stems"].get(token[: len(token) - cut], []):
            if not token.startswith(markers["except"][group]):
                found.append(group)
    return found


def find_cues(text: str) -> list[tuple[str, str]]:
    """Return the (cue group, word) pairs of languages.yaml found in a text, each word once."""
    markers = _markers()
    tokens = _TOKEN.findall(text.lower())
    grams = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for gram in grams:
        bare = _strip(gram)
        if bare in seen:
            continue
        seen.add(bare)
        groups: set[str] = set()
        for form in {gram, bare}:
            groups.update(markers["words"].get(form, []))
            if " " not in form:
                groups.update(_stem_groups(form, markers))
        found += [(group, gram) for group in sorted(groups)]
    for group, pattern in markers["patterns"]:
        match = pattern.search(text)
        if match:
            found.append((group, match.group(0)))
    return found


def marker_scores(text: str, cues: list[tuple[str, str]] | None = None) -> dict[str, float]:
    """Return the cue score of each language for a text (letters, words, stems, patterns)."""
    markers = _markers()
    out = dict.fromkeys(LANGUAGES, 0.0)
    for group, _ in find_cues(text) if cues is None else cues:
        languages, weight = markers["groups"][group]
        for lang in languages:
            out[lang] += weight
    for lang, entry in markers["latin"].items():
        count = sum(text.count(ch) for ch in entry["letters"])
        out[lang] += min(count, 2) * float(entry["weight"])
    return out


def _tells_shtokavian_apart(group: str) -> bool:
    languages = set(_markers()["groups"][group][0]) & SHTOKAVIAN
    return bool(languages) and languages != SHTOKAVIAN


class _Model:
    def __init__(self) -> None:
        # Imported at first use, as in monitoring/classify.py: scikit-learn costs every
        # `armsbridge` command over a second to import (docs/dev/decisions.md).
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

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
                return LanguageGuess(lang, script, {lang: 1.0}, (f"letters_{lang}",))
    candidates = CYRILLIC_LANGUAGES if script == "Cyrl" else LANGUAGES
    logp = _get_model().log_probabilities(text)
    cues = find_cues(text)
    bonus = marker_scores(text, cues)
    if script == "Latn":
        logp = _temper_shtokavian(logp)
    totals = {lang: logp.get(lang, -20.0) + bonus[lang] for lang in candidates}
    best = max(totals, key=lambda k: totals[k])
    values = np.array(list(totals.values()))
    weights = np.exp(values - values.max())
    probabilities = dict(zip(totals, weights / weights.sum(), strict=True))
    groups = tuple(dict.fromkeys(group for group, _ in cues))
    if best in SHTOKAVIAN and not any(_tells_shtokavian_apart(g) for g in groups):
        probabilities = _blend_shtokavian(probabilities)
    scores = {k: round(float(p), 4) for k, p in probabilities.items()}
    return LanguageGuess(best, script, scores, groups)


def _temper_shtokavian(logp: dict[str, float]) -> dict[str, float]:
    """Flatten the model's log-probabilities among sr, hr and bs, keeping their sum."""
    present = [lang for lang in SHTOKAVIAN if lang in logp]
    if len(present) < len(SHTOKAVIAN):
        return logp
    values = np.array([logp[lang] for lang in present])
    family = values.max() + math.log(np.exp(values - values.max()).sum())
    tempered = values / SHTOKAVIAN_TEMPERATURE
    tempered -= tempered.max() + math.log(np.exp(tempered - tempered.max()).sum())
    out = dict(logp)
    out.update({lang: family + float(t) for lang, t in zip(present, tempered, strict=True)})
    return out


def _blend_shtokavian(probabilities: dict[str, float]) -> dict[str, float]:
    """Move sr, hr and bs towards their mean: no cue told them apart, so no confident guess."""
    present = [lang for lang in SHTOKAVIAN if lang in probabilities]
    mean = sum(probabilities[lang] for lang in present) / len(present)
    out = dict(probabilities)
    for lang in present:
        out[lang] = (1 - NO_CUE_BLEND) * probabilities[lang] + NO_CUE_BLEND * mean
    return out
