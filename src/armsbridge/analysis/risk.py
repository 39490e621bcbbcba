"""A border risk profile learnt from past passages and seizures, and how well it ranks later ones.

Indicators are yes/no facts of a passage (a crossing point, night hours, a van, a foreign
registration, a driver known to the police, ...), each sorted as in Frontex's CIRAM into
*threat* (who and what crosses) or *vulnerability* (where and when the border is weak); the
impact of what was carried is not a property of a passage and is left to the seizures' weapon
categories. For every indicator the profile keeps its evidence: passages with it, seizures
among them, the seizure rate with a Wilson 95 % interval, and its lift over the base rate. A
logistic regression over all indicators gives each passage a score; the benchmark ranks a later
year by it and compares with random order and with the best single indicator alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import sqrt

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from armsbridge.synth.passages import PLATES, VEHICLES, Passages, crossing_codes

Z95 = 1.96
MIN_SEIZURES = 5  # an indicator with fewer seizures behind it is not reported as evidence
TOP_SHARE = 0.01


@dataclass(frozen=True)
class Indicator:
    """A yes/no fact of a passage, its CIRAM dimension and how it is computed."""

    name: str
    dimension: str  # "threat" or "vulnerability"
    test: Callable[[Passages], np.ndarray]


def indicators() -> list[Indicator]:
    """Return the indicators a risk profile considers."""
    out = [
        Indicator(f"crossing={code}", "vulnerability", lambda p, c=code: p.crossing == c)
        for code in crossing_codes()
    ]
    out += [
        Indicator("night (22:00-04:59)", "vulnerability", lambda p: (p.hour >= 22) | (p.hour < 5)),
        Indicator("weekend", "vulnerability", lambda p: p.weekday >= 5),
    ]
    out += [
        Indicator(f"vehicle={v}", "threat", lambda p, v=v: p.vehicle == v)
        for v in VEHICLES
        if v != "car"
    ]
    out += [
        Indicator(f"registration={c}", "threat", lambda p, c=c: p.plate == c)
        for c in PLATES
        if c not in ("XK", "MK")
    ]
    out += [
        Indicator(
            "young man alone",
            "threat",
            lambda p: (p.age == "18-25") & p.male & (p.occupants == 1),
        ),
        Indicator("driver known to the police", "threat", lambda p: p.known),
        Indicator("8+ crossings in 30 days", "threat", lambda p: p.crossings_30d >= 8),
    ]
    return out


def matrix(passages: Passages, chosen: list[Indicator]) -> np.ndarray:
    """Return the passages' indicator values as a 0/1 matrix (one column an indicator)."""
    return np.column_stack([ind.test(passages) for ind in chosen]).astype(np.float32)


def wilson(k: int, n: int) -> tuple[float, float]:
    """Return the Wilson 95 % interval of the proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = p + Z95**2 / (2 * n)
    half = Z95 * sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    scale = 1 + Z95**2 / n
    return max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale)


@dataclass
class RiskProfile:
    """The evidence of every indicator and the model that combines them."""

    evidence: list[dict]
    chosen: list[Indicator]
    model: LogisticRegression
    base_rate: float
    passages: int
    seizures: int

    def score(self, passages: Passages) -> np.ndarray:
        """Return each passage's modelled likelihood of a seizure."""
        return self.model.predict_proba(matrix(passages, self.chosen))[:, 1]

    def best_rule(self) -> dict:
        """Return the evidence row of the indicator with the highest lift (enough seizures)."""
        strong = [e for e in self.evidence if e["seizures"] >= MIN_SEIZURES]
        return max(strong or self.evidence, key=lambda e: e["lift"])


def learn(passages: Passages, *, label: str = "found") -> RiskProfile:
    """Learn a risk profile from passages and what was found (`label`) on them."""
    chosen = indicators()
    x = matrix(passages, chosen)
    y = getattr(passages, label).astype(int)
    base = float(y.mean()) if len(y) else 0.0
    evidence = []
    for j, ind in enumerate(chosen):
        has = x[:, j] > 0
        n, k = int(has.sum()), int(y[has].sum())
        rate = k / n if n else 0.0
        low, high = wilson(k, n)
        evidence.append(
            {
                "indicator": ind.name,
                "dimension": ind.dimension,
                "passages": n,
                "seizures": k,
                "rate": rate,
                "rate_low": low,
                "rate_high": high,
                "lift": rate / base if base else 0.0,
            }
        )
    # Balanced classes: with one seizure in 2,000 passages lbfgs stops before the weights move.
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    model.fit(x, y)
    for row, coef in zip(evidence, model.coef_[0], strict=True):
        row["weight"] = float(coef)
    evidence.sort(key=lambda e: -e["lift"])
    return RiskProfile(evidence, chosen, model, base, len(y), int(y.sum()))


def top_precision(scores: np.ndarray, truth: np.ndarray, share: float, seed: int = 1) -> float:
    """Return the share of positives among the top `share` of passages by score (ties random)."""
    k = max(1, int(round(share * len(scores))))
    jitter = np.random.default_rng(seed).random(len(scores)) * 1e-9
    top = np.argsort(-(scores + jitter))[:k]
    return float(truth[top].mean())


def evaluate(profile: RiskProfile, later: Passages, *, truth: str = "carrying") -> dict:
    """Score a later period: AUC and top-1 % precision of the profile, random and best rule."""
    y = getattr(later, truth).astype(int)
    scores = profile.score(later)
    rule = profile.best_rule()
    index = next(i for i, ind in enumerate(profile.chosen) if ind.name == rule["indicator"])
    rule_scores = profile.chosen[index].test(later).astype(float)
    random_scores = np.random.default_rng(7).random(len(y))
    out = {"passages": len(y), "positives": int(y.sum()), "base_rate": float(y.mean())}
    # The truth's own likelihood: the best any profile could rank (known in a synthetic world).
    ceiling = getattr(later, "likelihood", None)
    ranked = [("profile", scores), ("best_rule", rule_scores), ("random", random_scores)]
    if ceiling is not None:
        ranked.append(("ceiling", ceiling))
    for name, s in ranked:
        out[f"auc_{name}"] = float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else None
        out[f"top1_precision_{name}"] = top_precision(s, y, TOP_SHARE)
    out["best_rule"] = rule["indicator"]
    return out
