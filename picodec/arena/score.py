"""Bayesian Bradley–Terry (Davidson ties) fit of pairwise votes, reported as Elo.

Each condition i (a codec at a level, or the original) has a strength θ_i. A vote between
i and j, asked "which is closer to the reference?", goes

    P(i) = e^θi / Z,   P(j) = e^θj / Z,   P(same) = ν e^((θi+θj)/2) / Z,   Z = sum of the three

with priors θ ~ N(0, PRIOR_SD²) and log ν ~ N(0, 1). The posterior is summarised by a
Laplace approximation: its mode (L-BFGS) and the inverse Hessian of the negative log
posterior there (exact, by autograd) as covariance. Elo = θ · 400 / ln 10, shifted so that
the original (when it is a condition) sits at 0; the credible intervals are the Gaussian's
2.5–97.5 % quantiles of that difference. tests/test_arena_score.py checks the intervals'
coverage on simulated raters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

PRIOR_SD = 3.0
ELO_PER_NAT = 400 / math.log(10)
Z95 = 1.959964


@dataclass(frozen=True)
class Rating:
    elo: float
    low: float  # 95 % credible interval
    high: float
    votes: int


def _neg_log_posterior(params: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                       outcome: torch.Tensor) -> torch.Tensor:
    """params = (θ_0 … θ_{n-1}, log ν); outcome 0: a won, 1: b won, 2: same."""
    theta, log_nu = params[:-1], params[-1]
    ta, tb = theta[a], theta[b]
    logits = torch.stack([ta, tb, log_nu + (ta + tb) / 2], dim=1)
    log_lik = torch.log_softmax(logits, dim=1).gather(1, outcome[:, None]).sum()
    log_prior = -(theta**2).sum() / (2 * PRIOR_SD**2) - log_nu**2 / 2
    return -(log_lik + log_prior)


def fit(conditions: list[str], votes: list[tuple[str, str, str]],
        reference: str | None = None) -> dict[str, Rating]:
    """Elo with 95 % credible intervals per condition from votes (a, b, "a" | "b" | "same")."""
    index = {c: i for i, c in enumerate(conditions)}
    code = {"a": 0, "b": 1, "same": 2}
    a = torch.tensor([index[v[0]] for v in votes], dtype=torch.long)
    b = torch.tensor([index[v[1]] for v in votes], dtype=torch.long)
    outcome = torch.tensor([code[v[2]] for v in votes], dtype=torch.long)
    params = torch.zeros(len(conditions) + 1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([params], max_iter=500, tolerance_grad=1e-10,
                                  tolerance_change=1e-12, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = _neg_log_posterior(params, a, b, outcome)
        loss.backward()
        return loss

    optimizer.step(closure)
    mode = params.detach()
    hessian = torch.autograd.functional.hessian(
        lambda p: _neg_log_posterior(p, a, b, outcome), mode)
    cov = torch.linalg.inv(hessian)[:-1, :-1]
    n = len(conditions)
    shift = torch.zeros(n, dtype=torch.float64)
    if reference is not None:
        shift[index[reference]] = 1.0
    counts = torch.bincount(torch.cat([a, b]), minlength=n)
    ratings = {}
    for c, i in index.items():
        contrast = -shift.clone()
        contrast[i] += 1.0  # θ_i − θ_reference
        mean = float(contrast @ mode[:-1])
        sd = math.sqrt(max(float(contrast @ cov @ contrast), 0.0))
        ratings[c] = Rating(ELO_PER_NAT * mean, ELO_PER_NAT * (mean - Z95 * sd),
                            ELO_PER_NAT * (mean + Z95 * sd), int(counts[i]))
    return ratings


PLANTED_PASS = 0.8  # share of planted pairs a rater must get right to be scored


def study_votes(rows: list[tuple]) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """The scored votes (left, right, "a" | "b" | "same") from Store.votes() rows, and
    how many raters were kept and left out, and why."""
    by_rater: dict[str, list[tuple]] = {}
    for row in rows:
        by_rater.setdefault(row[0], []).append(row)
    votes: list[tuple[str, str, str]] = []
    stats = {"raters": len(by_rater), "scored": 0, "failed_screening": 0, "inattentive": 0}
    outcome = {"left": "a", "right": "b", "same": "same"}
    for rater_rows in by_rater.values():
        colour_ok, artefact_ok = rater_rows[0][8:10]
        if colour_ok != 1 or artefact_ok != 1:
            stats["failed_screening"] += 1
            continue
        planted = [r for r in rater_rows if r[1] == "planted"]
        if planted and sum(r[5] == r[6] for r in planted) < PLANTED_PASS * len(planted):
            stats["inattentive"] += 1
            continue
        stats["scored"] += 1
        votes += [(r[3], r[4], outcome[r[6]]) for r in rater_rows if r[1] == "pair"]
    return votes, stats
