"""Pair-level precision, recall and F1 of predicted pairs against true pairs (bench helpers)."""

from __future__ import annotations


def pair_scores(pred: set, truth: set) -> dict[str, float]:
    """Return precision, recall, F1, the true and the predicted pair counts of `pred`."""
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(truth) if truth else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "true_pairs": len(truth),
        "predicted": len(pred),
    }
