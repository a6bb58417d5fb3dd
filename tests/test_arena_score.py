"""The Elo fit recovers known strengths from simulated raters within its credible intervals."""

import math

import numpy as np

from picodec.arena.score import ELO_PER_NAT, fit


def _simulate(true_elo: dict[str, float], votes: int, nu: float, seed: int) -> list[tuple[str, str, str]]:
    """Raters who follow the Davidson model exactly, on random pairs of nearby conditions."""
    rng = np.random.default_rng(seed)
    names = sorted(true_elo, key=true_elo.get)
    out = []
    for _ in range(votes):
        i = int(rng.integers(len(names)))
        j = int(np.clip(i + rng.choice([-3, -2, -1, 1, 2, 3]), 0, len(names) - 1))
        if i == j:
            continue
        ta, tb = true_elo[names[i]] / ELO_PER_NAT, true_elo[names[j]] / ELO_PER_NAT
        weights = np.array([math.exp(ta), math.exp(tb), nu * math.exp((ta + tb) / 2)])
        outcome = ["a", "b", "same"][rng.choice(3, p=weights / weights.sum())]
        out.append((names[i], names[j], outcome))
    return out


def test_fit_recovers_strengths_within_credible_intervals():
    covered, total = 0, 0
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        true = {"original": 0.0} | {f"c{k}": float(rng.uniform(-600, 50)) for k in range(12)}
        ratings = fit(list(true), _simulate(true, 2500, nu=0.4, seed=seed), reference="original")
        assert ratings["original"].elo == 0
        for name, rating in ratings.items():
            if name == "original":
                continue
            assert rating.low < rating.elo < rating.high
            total += 1
            covered += rating.low <= true[name] <= rating.high
        errors = [abs(ratings[n].elo - true[n]) for n in true]
        assert np.mean(errors) < 60
    assert 0.88 <= covered / total <= 1.0  # nominal 95 %


def test_more_votes_narrow_the_intervals():
    true = {"original": 0.0, "a": -100.0, "b": -300.0}
    few = fit(list(true), _simulate(true, 100, 0.3, 1), reference="original")
    many = fit(list(true), _simulate(true, 2000, 0.3, 1), reference="original")
    assert many["b"].high - many["b"].low < 0.5 * (few["b"].high - few["b"].low)
    assert many["a"].votes > few["a"].votes
