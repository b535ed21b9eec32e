"""Shifted-beta-geometric (sBG) retention model: Fader and Hardie (2007), "How to project customer
retention", Journal of Interactive Marketing 21(1), 76-90.

Each customer of a contract (subscription) cohort renews each period with a constant probability
1 - theta, theta ~ Beta(alpha, beta) across customers. With B the beta function:

    P(T = t) = B(alpha+1, beta+t-1) / B(alpha, beta)   (churn in period t = 1, 2, ...)
    S(t)     = B(alpha, beta+t) / B(alpha, beta)       (still a customer after t periods)
    r(t)     = S(t) / S(t-1) = (beta+t-1) / (alpha+beta+t-1)   (retention rate, rising with t)

Fitted on the counts alive at the start of periods 0..n (n_0 the cohort size):
ln L = sum_t (n_{t-1} - n_t) ln P(T=t) + n_n ln S(n)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import betaln, digamma

from lojal.analytics.clv.history import InsufficientData
from lojal.analytics.clv.optimize import maximise, require_convergence
from lojal.analytics.clv.special import dot
from lojal.errors import ValidationFailed


@dataclass(frozen=True)
class ShiftedBetaGeometric:
    alpha: float
    beta: float

    name: ClassVar[str] = "sbg"

    def parameters(self) -> dict[str, float]:
        return {"alpha": self.alpha, "beta": self.beta}

    def survival(self, periods: int) -> np.ndarray:
        """S(0..periods): the share of the cohort still a customer at the start of each period."""
        t = np.arange(periods + 1, dtype=np.float64)
        return np.exp(betaln(self.alpha, self.beta + t) - betaln(self.alpha, self.beta))

    def churn_probability(self, periods: int) -> np.ndarray:
        """P(T = t) for t = 1..periods."""
        t = np.arange(1, periods + 1, dtype=np.float64)
        return np.exp(betaln(self.alpha + 1.0, self.beta + t - 1.0) - betaln(self.alpha, self.beta))

    def retention_rates(self, periods: int) -> np.ndarray:
        """r(t) for t = 1..periods."""
        t = np.arange(1, periods + 1, dtype=np.float64)
        return (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)

    def expected_lifetime(self) -> float:
        """E[T] = (alpha+beta-1)/(alpha-1) periods counting the first, finite only for alpha > 1."""
        return (self.alpha + self.beta - 1.0) / (self.alpha - 1.0) if self.alpha > 1.0 else float("inf")


@dataclass(frozen=True)
class ShiftedBetaGeometricFit:
    model: ShiftedBetaGeometric
    log_likelihood: float
    cohort_size: int
    periods_observed: int


def survivors(alive: Sequence[int]) -> np.ndarray:
    """Validated counts alive at the start of periods 0, 1, ...: whole, positive, never rising."""
    counts = np.asarray(alive, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 3:
        raise InsufficientData("give the counts alive for at least three periods (0, 1, 2)", field="alive")
    if np.any(counts != np.round(counts)) or np.any(counts < 0) or counts[0] <= 0:
        raise ValidationFailed("the counts alive must be whole numbers, the first one positive", field="alive")
    if np.any(np.diff(counts) > 0):
        raise ValidationFailed("the counts alive cannot rise from one period to the next", field="alive")
    if counts[0] == counts[-1]:
        raise InsufficientData("nobody churned: the sBG model needs some churn to estimate", field="alive")
    if counts[-1] == 0:
        raise InsufficientData("everybody churned: the retention curve has nothing left to project",
                               field="alive")
    return counts


def shifted_beta_geometric_log_likelihood(parameters: np.ndarray, alive: np.ndarray) -> tuple[float, np.ndarray]:
    alpha, beta = (float(value) for value in parameters)
    periods = alive.size - 1
    t = np.arange(1, periods + 1, dtype=np.float64)
    churned = alive[:-1] - alive[1:]
    last = alive[-1]
    log_beta_function = betaln(alpha, beta)
    log_churn = betaln(alpha + 1.0, beta + t - 1.0) - log_beta_function
    log_survive = betaln(alpha, beta + periods) - log_beta_function
    digamma_ab = digamma(alpha + beta)
    # d/d(alpha) ln B(alpha+1, beta+t-1) = psi(alpha+1) - psi(alpha+beta+t); likewise for beta.
    churn_alpha = digamma(alpha + 1.0) - digamma(alpha + beta + t) - digamma(alpha) + digamma_ab
    churn_beta = digamma(beta + t - 1.0) - digamma(alpha + beta + t) - digamma(beta) + digamma_ab
    survive_alpha = digamma(alpha) - digamma(alpha + beta + periods) - digamma(alpha) + digamma_ab
    survive_beta = digamma(beta + periods) - digamma(alpha + beta + periods) - digamma(beta) + digamma_ab
    log_likelihood = dot(churned, log_churn) + last * log_survive
    gradient = np.array([dot(churned, churn_alpha) + last * survive_alpha, dot(churned, churn_beta) + last * survive_beta])
    return float(log_likelihood), gradient


def fit_shifted_beta_geometric(alive: Sequence[int]) -> ShiftedBetaGeometricFit:
    counts = survivors(alive)
    optimum = maximise(lambda parameters: shifted_beta_geometric_log_likelihood(parameters, counts),
                       [[1.0, 1.0], [0.5, 3.0], [3.0, 0.5]], total_weight=float(counts[0]), has_gradient=True,
                       model_name="sBG")
    require_convergence(optimum, "sBG")
    return ShiftedBetaGeometricFit(model=ShiftedBetaGeometric(*(float(value) for value in optimum.parameters)),
                                   log_likelihood=optimum.log_likelihood, cohort_size=int(counts[0]),
                                   periods_observed=int(counts.size - 1))
