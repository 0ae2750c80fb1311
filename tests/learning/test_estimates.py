"""Precision and recall from blind samples against a known synthetic truth: the 95% intervals cover it at about
the stated rate over many seeded simulations, and the estimates are unbiased when the sampling rate changes."""

from __future__ import annotations

import numpy as np
import pytest

from bastion.learning.estimates import Sample, precision, recall, wilson

RUNS = 400


def _traffic(rng: np.random.Generator, n: int = 20_000, later: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Which items are TVEC (5%, then `later` in the second half), and which the model flags (80% of TVEC, 1% of
    the rest)."""
    tvec = rng.random(n) < np.where(np.arange(n) < n // 2, 0.05, later)
    flagged = np.where(tvec, rng.random(n) < 0.8, rng.random(n) < 0.01)
    return tvec, flagged


def _one_run(seed: int, rates: tuple[float, float], later: float = 0.05) -> tuple[float, float, float, float]:
    """(true recall, estimate, low, high) for a month of traffic whose sampling rate changes half-way."""
    rng = np.random.default_rng(seed)
    tvec, flagged = _traffic(rng, later=later)
    rate = np.where(np.arange(len(tvec)) < len(tvec) // 2, rates[0], rates[1])
    drawn = ~flagged & (rng.random(len(tvec)) < rate)
    samples = [Sample(1 / r, True, bool(t)) for r, t in zip(rate[drawn], tvec[drawn], strict=True)]
    confirmed = int((flagged & tvec).sum())
    exact = precision(confirmed, int(flagged.sum()), int(flagged.sum()))  # people decide every flagged item
    estimated = recall(int(flagged.sum()), exact, samples)
    truth = confirmed / int(tvec.sum())
    assert estimated.estimate is not None and estimated.low is not None and estimated.high is not None
    return truth, estimated.estimate, estimated.low, estimated.high


@pytest.mark.parametrize(
    ("rates", "later"),
    [
        ((0.05, 0.05), 0.05),
        ((0.08, 0.02), 0.05),
        ((0.08, 0.02), 0.12),  # more TVEC when fewer are sampled: unweighted samples would under-count misses
    ],
)
def test_the_recall_interval_covers_the_truth_at_about_95_percent(rates: tuple[float, float], later: float) -> None:
    runs = np.array([_one_run(seed, rates, later) for seed in range(RUNS)])
    truth, estimate, low, high = runs.T
    coverage = float(((low <= truth) & (truth <= high)).mean())
    assert 0.91 <= coverage <= 0.99, coverage
    assert abs(float((estimate - truth).mean())) < 0.02  # weighting by the rate keeps it unbiased


def test_precision_from_a_share_of_the_flags_covers_the_truth() -> None:
    hits = 0
    for seed in range(RUNS):
        rng = np.random.default_rng(1000 + seed)
        tvec, flagged = _traffic(rng)
        decided = flagged & (rng.random(len(tvec)) < 0.3)  # people got to a third of the flags so far
        found = precision(int((decided & tvec).sum()), int(decided.sum()), int(flagged.sum()))
        truth = float((flagged & tvec).sum() / flagged.sum())
        assert found.low is not None and found.high is not None
        hits += found.low <= truth <= found.high
    assert 0.91 <= hits / RUNS <= 0.995


def test_every_flag_decided_is_counted_not_estimated() -> None:
    counted = precision(45, 50, 50)
    assert (counted.estimate, counted.low, counted.high) == (0.9, 0.9, 0.9)


def test_no_decided_sample_means_no_recall() -> None:
    assert recall(10, precision(9, 10, 10), [Sample(20, False, False)]).estimate is None
    assert precision(0, 0, 10).estimate is None


def test_wilson_matches_a_textbook_value() -> None:
    low, high = wilson(10, 100)
    assert (round(low, 4), round(high, 4)) == (0.0552, 0.1744)
