"""The border risk profile: indicators' evidence by hand, passages of the synthetic world, and
a profile learnt on earlier years that ranks a later one better than one rule or chance."""

from __future__ import annotations

import numpy as np
import pytest

from armsbridge.analysis import risk
from armsbridge.synth.passages import Passages, generate_passages


def _hand_made() -> Passages:
    """40 passages: 10 at night (3 seizures among them), 30 by day (1 seizure), 2 known drivers."""
    n = 40
    hour = np.array([23] * 10 + [12] * 30)
    found = np.zeros(n, dtype=bool)
    found[[0, 1, 2, 15]] = True
    known = np.zeros(n, dtype=bool)
    known[[0, 20]] = True
    zeros = np.zeros(n, dtype=int)
    return Passages(
        year=np.full(n, 2024), crossing=np.array(["HANI-ELEZIT-BLACE"] * n), hour=hour,
        weekday=zeros + 2, vehicle=np.array(["car"] * n), plate=np.array(["XK"] * n),
        occupants=zeros + 2, age=np.array(["36-50"] * n), male=np.ones(n, dtype=bool),
        known=known, crossings_30d=zeros, likelihood=np.zeros(n), carrying=found.copy(),
        checked=np.ones(n, dtype=bool), found=found,
        day=np.full(n, "2024-03-06", dtype="datetime64[D]"), minute=zeros,
        side=np.array(["XK"] * n), direction=np.array(["entry"] * n),
    )  # fmt: skip


def test_the_evidence_of_each_indicator_is_counted() -> None:
    profile = risk.learn(_hand_made())
    rows = {e["indicator"]: e for e in profile.evidence}
    night = rows["night (22:00-04:59)"]
    assert (night["passages"], night["seizures"], night["rate"]) == (10, 3, 0.3)
    assert night["lift"] == pytest.approx(0.3 / 0.1)
    assert night["dimension"] == "vulnerability"
    known = rows["driver known to the police"]
    assert (known["passages"], known["seizures"], known["dimension"]) == (2, 1, "threat")
    assert rows["vehicle=van"]["passages"] == 0
    assert profile.evidence[0]["lift"] >= profile.evidence[-1]["lift"]  # highest lift first


def test_wilson_intervals_match_hand_computed_values() -> None:
    assert risk.wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert risk.wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert risk.wilson(0, 0) == (0.0, 1.0)


def test_top_precision_counts_the_top_share() -> None:
    scores = np.array([0.9, 0.8, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0])
    truth = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    assert risk.top_precision(scores, truth, 0.2) == 0.5
    assert risk.top_precision(scores, truth, 0.1) == 1.0


def test_passages_are_reproducible_and_carry_weapons_rarely() -> None:
    a = generate_passages(seed=5, years=(2024,), per_year=100_000)
    b = generate_passages(seed=5, years=(2024,), per_year=100_000)
    assert np.array_equal(a.carrying, b.carrying) and np.array_equal(a.crossing, b.crossing)
    assert 0.001 < a.carrying.mean() < 0.02
    assert not (a.found & ~a.carrying).any() and not (a.found & ~a.checked).any()
    night = (a.hour >= 22) | (a.hour < 5)
    assert a.carrying[night].mean() > 1.5 * a.carrying[~night].mean()  # effect e^1.1, ~3x


def test_a_profile_learnt_on_earlier_years_ranks_a_later_one() -> None:
    passages = generate_passages(seed=11, years=(2022, 2023, 2024), per_year=150_000)
    profile = risk.learn(passages.where(passages.year < 2024))
    result = risk.evaluate(profile, passages.where(passages.year == 2024))
    assert result["auc_profile"] > result["auc_best_rule"] > result["auc_random"] - 0.05
    assert result["auc_profile"] > 0.6 and result["auc_profile"] <= result["auc_ceiling"] + 0.03
    assert result["top1_precision_profile"] > 3 * result["base_rate"]
