"""A border risk profile learnt from past passages and seizures, and how well it ranks later ones.

Indicators are yes/no facts of a passage (a crossing point, night hours, a van, a foreign
registration, a driver known to the police, ...), each sorted as in Frontex's CIRAM into
*threat* (who and what crosses) or *vulnerability* (where and when the border is weak); the
impact of what was carried is not a property of a passage and is left to the seizures' weapon
categories. For every indicator the profile keeps its evidence: passages with it, seizures
among them, the seizure rate with a Wilson 95 % interval, and its lift over the base rate. A
logistic regression over all indicators gives each passage a score; the benchmark ranks a later
year by it and compares with random order and with the best single indicator alone.

The same code runs on the synthetic world's arrays (`synth.passages.Passages`, the benchmark)
and on the passages a node stores (`Traffic.from_rows`, the risk profile product): both are
columns with the names of `Traffic`. Crossing point x time window cells (`cells`) rank where
and when a joint patrol is most likely to find weapons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from math import sqrt
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from armsbridge.synth.passages import PLATES, VEHICLES, Passages, crossing_codes

Z95 = 1.96
MIN_SEIZURES = 5  # an indicator with fewer seizures behind it is not reported as evidence
TOP_SHARE = 0.01
WINDOW_HOURS = 4
WINDOWS = tuple((start % 24) for start in range(22, 46, WINDOW_HOURS))  # 22, 2, 6, 10, 14, 18


@dataclass(frozen=True)
class Traffic:
    """Stored passages as the columns the indicators read; a missing value reads as "no"."""

    crossing: np.ndarray
    hour: np.ndarray
    weekday: np.ndarray
    vehicle: np.ndarray
    plate: np.ndarray
    occupants: np.ndarray
    age: np.ndarray
    male: np.ndarray
    known: np.ndarray
    crossings_30d: np.ndarray
    found: np.ndarray
    day: np.ndarray  # datetime64[D]

    def __len__(self) -> int:
        """Return the number of passages."""
        return len(self.crossing)

    def where(self, keep: np.ndarray) -> Traffic:
        """Return the passages where `keep` is true."""
        return Traffic(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> Traffic:
        """Build the columns from rows of (crossing, passed_at, vehicle, plate, occupants,
        age_band, male, known, crossings_30d, weapons_found)."""
        data = list(rows)
        when = [r[1] for r in data]
        return cls(
            crossing=np.array([r[0] for r in data], dtype=object),
            hour=np.array([w.hour for w in when], dtype=int),
            weekday=np.array([w.weekday() for w in when], dtype=int),
            vehicle=np.array([r[2] or "" for r in data], dtype=object),
            plate=np.array([r[3] or "" for r in data], dtype=object),
            occupants=np.array([r[4] or 0 for r in data], dtype=int),
            age=np.array([r[5] or "" for r in data], dtype=object),
            male=np.array([bool(r[6]) for r in data], dtype=bool),
            known=np.array([bool(r[7]) for r in data], dtype=bool),
            crossings_30d=np.array([r[8] or 0 for r in data], dtype=int),
            found=np.array([bool(r[9]) for r in data], dtype=bool),
            day=np.array([w.date() for w in when], dtype="datetime64[D]"),
        )


Columns = Traffic | Passages  # what an indicator reads: stored rows, or the synthetic arrays


@dataclass(frozen=True)
class Indicator:
    """A yes/no fact of a passage, its CIRAM dimension and how it is computed."""

    name: str
    dimension: str  # "threat" or "vulnerability"
    test: Callable[[Columns], np.ndarray]


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


def matrix(passages: Columns, chosen: list[Indicator]) -> np.ndarray:
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


def evidence_rows(x: np.ndarray, y: np.ndarray, chosen: list[Indicator]) -> list[dict]:
    """Return each indicator's evidence: passages, seizures, rate, Wilson interval, lift."""
    base = float(y.mean()) if len(y) else 0.0
    out = []
    for j, ind in enumerate(chosen):
        has = x[:, j] > 0
        n, k = int(has.sum()), int(y[has].sum())
        out.append({"indicator": ind.name, "dimension": ind.dimension, **rate_of(k, n, base)})
    return out


def rate_of(k: int, n: int, base: float) -> dict[str, Any]:
    """Return the evidence of k seizures in n passages: rate, Wilson interval, lift over base."""
    rate = k / n if n else 0.0
    low, high = wilson(k, n)
    return {
        "passages": n,
        "seizures": k,
        "rate": rate,
        "rate_low": low,
        "rate_high": high,
        "lift": rate / base if base else 0.0,
    }


@dataclass
class RiskProfile:
    """The evidence of every indicator and the model that combines them."""

    evidence: list[dict]
    chosen: list[Indicator]
    model: LogisticRegression | None  # None when the passages hold no seizure (or only those)
    base_rate: float
    passages: int
    seizures: int

    def score(self, passages: Columns) -> np.ndarray:
        """Return each passage's modelled likelihood of a seizure (zeros without a model)."""
        if self.model is None:
            return np.zeros(len(passages))
        return self.model.predict_proba(matrix(passages, self.chosen))[:, 1]

    def best_rule(self) -> dict:
        """Return the evidence row of the indicator with the highest lift (enough seizures)."""
        strong = [e for e in self.evidence if e["seizures"] >= MIN_SEIZURES]
        return max(strong or self.evidence, key=lambda e: e["lift"])


def learn(passages: Columns, *, label: str = "found") -> RiskProfile:
    """Learn a risk profile from passages and what was found (`label`) on them."""
    chosen = indicators()
    x = matrix(passages, chosen)
    y = getattr(passages, label).astype(int)
    base = float(y.mean()) if len(y) else 0.0
    evidence = evidence_rows(x, y, chosen)
    model = None
    if 0 < y.sum() < len(y):
        # Balanced classes: with one seizure in 2,000 passages lbfgs stops before weights move.
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        model.fit(x, y)
    for j, row in enumerate(evidence):
        row["weight"] = float(model.coef_[0][j]) if model is not None else None
    evidence.sort(key=lambda e: -e["lift"])
    return RiskProfile(evidence, chosen, model, base, len(y), int(y.sum()))


def in_window(hour: np.ndarray, start: int) -> np.ndarray:
    """True for the hours of the time window that starts at `start` (WINDOW_HOURS long)."""
    return (hour - start) % 24 < WINDOW_HOURS


def cells(passages: Columns, *, base: float | None = None) -> list[dict[str, Any]]:
    """Return every crossing point x time window with passages: its evidence, highest first.

    Ranked by the lower end of the Wilson interval of the seizure rate, so a window with a few
    passages and one lucky seizure does not outrank one with steady evidence.
    """
    y = passages.found.astype(int)
    rate = float(y.mean()) if base is None and len(y) else (base or 0.0)
    out = []
    for code in sorted(set(passages.crossing.tolist())):
        at = passages.crossing == code
        for start in WINDOWS:
            has = at & in_window(passages.hour, start)
            n = int(has.sum())
            if n:
                row = rate_of(int(y[has].sum()), n, rate)
                out.append({"crossing": code, "start": start, "hours": WINDOW_HOURS, **row})
    out.sort(key=lambda c: (-c["rate_low"], -c["seizures"], c["crossing"], c["start"]))
    return out


def top_precision(scores: np.ndarray, truth: np.ndarray, share: float, seed: int = 1) -> float:
    """Return the share of positives among the top `share` of passages by score (ties random)."""
    k = max(1, int(round(share * len(scores))))
    jitter = np.random.default_rng(seed).random(len(scores)) * 1e-9
    top = np.argsort(-(scores + jitter))[:k]
    return float(truth[top].mean())


def evaluate(profile: RiskProfile, later: Columns, *, truth: str = "carrying") -> dict:
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
