"""Offer / wanted / other: a logistic regression over word and character n-grams of the folded
text plus lexicon cues, trained at first use on the corpus' train split (about a second).

The score is the probability that the post offers or asks for a weapon, an essential part,
ammunition or an explosive (1 - P(other)); the label is "other" below 0.5, else the likelier of
"offer" and "wanted". The words that drove it are the features that pushed the score most.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from armsbridge.monitoring.corpus import load_corpus
from armsbridge.monitoring.lexicon import cue_terms, find_terms
from armsbridge.monitoring.text import fold
from armsbridge.monitoring.weapons import find_weapons

CUES = ("offer", "wanted", "illicit", "other")


@dataclass(frozen=True)
class Classification:
    """A post's label, its score, the probabilities and the words that drove the score."""

    label: str
    score: float
    probabilities: dict[str, float]
    words: list[str]


def cue_features(text: str) -> tuple[list[float], list[tuple[str, str]]]:
    """Return the lexicon features of a text and the (cue, words) found."""
    folded = fold(text)
    hits = find_terms(folded, cue_terms())
    found = [(h.group, folded.text[h.start : h.end]) for h in hits]
    weapons = find_weapons(folded)
    values = [float(sum(1 for g, _ in found if g == cue)) for cue in CUES]
    values.append(float(len(weapons)))
    found += [("weapon", text[w.start : w.end]) for w in weapons]
    return values, found


class TriageClassifier:
    """The classifier: word 1-2-grams, character 2-5-grams and lexicon cues, multinomial LR."""

    def __init__(self, rows: list[dict[str, Any]] | None = None, lexicon: bool = True) -> None:
        # scikit-learn takes over a second to import; imported here, every `armsbridge` command
        # that never classifies a post starts that much sooner (docs/dev/decisions.md).
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        rows = load_corpus("train") if rows is None else rows
        self.lexicon = lexicon
        texts = [fold(r["text"]).text for r in rows]
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        matrix = self._matrix(texts, [r["text"] for r in rows], fit=True)
        self.model = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
        self.model.fit(matrix, [r["label"] for r in rows])
        self.classes = list(self.model.classes_)
        self.names = (
            list(self.words.get_feature_names_out())
            + [""] * len(self.chars.get_feature_names_out())
            + ([f"<{c}>" for c in (*CUES, "weapon")] if lexicon else [])
        )

    def _matrix(self, folded: list[str], originals: list[str], fit: bool = False) -> Any:
        from scipy.sparse import csr_matrix, hstack  # with scikit-learn, at first use

        if fit:
            parts = [self.words.fit_transform(folded), self.chars.fit_transform(folded)]
        else:
            parts = [self.words.transform(folded), self.chars.transform(folded)]
        if self.lexicon:
            cues = np.array([cue_features(t)[0] for t in originals]) * 0.5
            parts.append(csr_matrix(cues))
        return hstack(parts).tocsr()

    def classify(self, text: str) -> Classification:
        """Return the label, the score and the words that drove it."""
        folded = fold(text).text
        row = self._matrix([folded], [text])
        proba = dict(zip(self.classes, self.model.predict_proba(row)[0], strict=True))
        score = 1.0 - float(proba["other"])
        label = "other" if score < 0.5 else max(("offer", "wanted"), key=lambda c: proba[c])
        return Classification(
            label,
            round(score, 4),
            {k: round(float(v), 4) for k, v in proba.items()},
            self._words(row, label, text),
        )

    def _words(self, row: Any, label: str, text: str, most: int = 6) -> list[str]:
        coef = self.model.coef_
        target = self.classes.index(label)
        # How much each feature pushed this label against the other two.
        push = coef[target] - np.delete(coef, target, axis=0).mean(axis=0)
        row = row.tocoo()
        contributions = sorted(
            ((v * push[j], j) for j, v in zip(row.col, row.data, strict=True)), reverse=True
        )
        _, found = cue_features(text) if self.lexicon else (None, [])
        words: list[str] = []
        for value, j in contributions:
            if value <= 0 or len(words) >= most:
                break
            name = self.names[j]
            if name.startswith("<"):
                cue = name.strip("<>")
                name = next((w for g, w in found if g == cue and w not in words), "")
            if name and name not in words:
                words.append(name)
        return words


@lru_cache(maxsize=1)
def get_classifier() -> TriageClassifier:
    """Return the shipped classifier, trained on first use and kept for the process."""
    return TriageClassifier()


def classify(text: str) -> Classification:
    """Classify a post as offer, wanted or other, with its score and explaining words."""
    return get_classifier().classify(text)
