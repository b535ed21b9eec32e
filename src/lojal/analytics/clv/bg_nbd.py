"""BG/NBD: Fader, Hardie and Lee (2005), "Counting your customers the easy way: an alternative to
the Pareto/NBD model", Marketing Science 24(2), 275-284, and the note "Computing P(alive) using
the BG/NBD model" (Fader, Hardie and Lee 2008).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after every repeat purchase
they drop out with probability p ~ Beta(a, b). For a customer with x repeat purchases, the last at
t_x, observed for T (equation 6 of the paper, in logs):

    ln L = ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x) - ln B(a, b)
           + ln[ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import betaln, digamma, gammaln

from lojal.analytics.clv.history import PurchaseHistories
from lojal.analytics.clv.special import (
    beta_geometric_purchases_if_alive,
    distinct_values,
    dot,
)


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float

    name: ClassVar[str] = "bg-nbd"
    parameter_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    def parameters(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def log_likelihood(self, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Each customer's log-likelihood."""
        x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        return base + _log_bracket(r, alpha, a, b, x, t_x, age)[0]

    def probability_alive(self, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """P(alive at T | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
        x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
        with np.errstate(divide="ignore"):
            log_odds = (np.log(self.a) - np.log(np.maximum(self.b + x - 1.0, 1e-300))
                        + (self.r + x) * (np.log(self.alpha + age) - np.log(self.alpha + t_x)))
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0))), 1.0)

    def expected_purchases_if_alive(self, horizon: float, frequency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Expected purchases in (T, T+t] for a customer alive at T: equation 10 of the paper divided
        by P(alive), (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1;
        t/(alpha+T+t))], evaluated as the equivalent positive series of
        ``beta_geometric_purchases_if_alive`` (finite for any x, a and b)."""
        x, age = np.asarray(frequency, dtype=np.float64), np.asarray(age, dtype=np.float64)
        if horizon <= 0:
            return np.zeros_like(x)
        return beta_geometric_purchases_if_alive(self.r + x, horizon / (self.alpha + age + horizon),
                                                 self.b + x, self.a + self.b + x)

    def expected_purchases_new_customer(self, horizon: float) -> float:
        """E[X(t)] for a customer just acquired (equation 9 of the paper): the expectation if alive
        at x = 0, T = 0, since the BG/NBD lets nobody drop out before a repeat purchase."""
        if horizon <= 0:
            return 0.0
        return float(beta_geometric_purchases_if_alive(self.r, horizon / (self.alpha + horizon), self.b,
                                                       self.a + self.b)[0])

    def purchase_rate_posterior(self, frequency: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shape and rate of the Gamma posterior of lambda for a customer alive at T."""
        return self.r + np.asarray(frequency, dtype=np.float64), self.alpha + np.asarray(age, dtype=np.float64)


def _log_bracket(r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray,
                 shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """ln[(alpha+T)^-(r+x) + a/(b+x+shift-1) (alpha+t_x)^-(r+x)] and the share of its second term,
    which is present for repeat buyers (BG/NBD, shift 0) or for everyone (MBG/NBD, shift 1)."""
    present = (x > 0) | (shift > 0)
    first = -(r + x) * np.log(alpha + age)
    with np.errstate(divide="ignore", invalid="ignore"):
        second = np.where(present, np.log(a) - np.log(np.where(present, b + x + shift - 1.0, 1.0))
                          - (r + x) * np.log(alpha + t_x), -np.inf)
    total = np.logaddexp(first, second)
    return total, np.exp(second - total)


@dataclass(frozen=True)
class IndexedHistories:
    """Weighted histories with each column split into its distinct values and, per row, the index
    of the row's value. Shop data have few distinct values (ages and recencies in whole days or
    weeks, small frequencies), so logarithms and reciprocals are taken once per distinct value and
    gathered: far cheaper than a transcendental function per row."""

    histories: PurchaseHistories
    frequency_values: np.ndarray
    frequency_index: np.ndarray
    customers_per_frequency: np.ndarray
    recency_values: np.ndarray
    recency_index: np.ndarray
    age_values: np.ndarray
    age_index: np.ndarray


def index_histories(histories: PurchaseHistories) -> IndexedHistories:
    frequency_values, frequency_index = _distinct(histories.frequency)
    recency_values, recency_index = _distinct(histories.recency)
    age_values, age_index = _distinct(histories.age)
    customers = np.bincount(frequency_index, weights=histories.weight, minlength=frequency_values.size)
    return IndexedHistories(histories, frequency_values, frequency_index, customers, recency_values, recency_index,
                            age_values, age_index)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return distinct_values(values)


def bg_nbd_log_likelihood(parameters: np.ndarray, data: IndexedHistories, shift: float = 0.0) -> tuple[float, np.ndarray]:
    """Total log-likelihood of weighted histories and its analytic gradient in (r, alpha, a, b);
    shift 1 gives the MBG/NBD (dropout possible right after the first purchase too).

    Per row: ln L = A(x) + first + softplus(second - first), with first = -(r+x) ln(alpha+T) and
    second = ln a - ln(b+x+shift-1) - (r+x) ln(alpha+t_x) (absent for x = 0 in the BG/NBD).
    A(x) and its digamma derivatives are summed once per distinct frequency."""
    r, alpha, a, b = (float(value) for value in parameters)
    histories = data.histories
    x, weight = histories.frequency, histories.weight
    values, customers = data.frequency_values, data.customers_per_frequency
    total_weight = float(customers.sum())
    log_alpha_age = np.log(alpha + data.age_values)[data.age_index]
    log_alpha_recency = np.log(alpha + data.recency_values)[data.recency_index]
    present_values = (values > 0) | (shift > 0)
    log_ratio_values = np.log(a) - np.log(np.where(present_values, b + values + shift - 1.0, 1.0))
    r_x = r + x
    first = -r_x * log_alpha_age
    difference = log_ratio_values[data.frequency_index] - r_x * (log_alpha_recency - log_alpha_age)
    difference[~present_values[data.frequency_index]] = -np.inf
    small = np.exp(-np.abs(difference))
    second_share = np.where(difference > 0, 1.0, small) / (1.0 + small)
    log_bracket = first + np.maximum(difference, 0.0) + np.log1p(small)
    log_likelihood = (dot(customers, gammaln(r + values) + betaln(a, b + values + shift))
                      + total_weight * (-gammaln(r) + r * np.log(alpha) - betaln(a, b)) + dot(weight, log_bracket))
    weighted_second = weight * second_share
    inverse_alpha_age = (1.0 / (alpha + data.age_values))[data.age_index]
    inverse_alpha_recency = (1.0 / (alpha + data.recency_values))[data.recency_index]
    weighted_rate = weight * r_x
    digamma_ab_x = digamma(a + b + values + shift)
    second_by_frequency = np.bincount(data.frequency_index, weights=weighted_second, minlength=values.size)
    gradient = np.array([
        dot(customers, digamma(r + values)) + total_weight * (np.log(alpha) - digamma(r))
        - dot(weight, log_alpha_age) + dot(weighted_second, log_alpha_age - log_alpha_recency),
        total_weight * r / alpha - dot(weighted_rate, inverse_alpha_age)
        + dot(weighted_rate * second_share, inverse_alpha_age - inverse_alpha_recency),
        total_weight * digamma(a + b) - dot(customers, digamma_ab_x) + second_by_frequency.sum() / a,
        dot(customers, digamma(b + values + shift) - digamma_ab_x) + total_weight * (digamma(a + b) - digamma(b))
        - dot(second_by_frequency, np.divide(1.0, b + values + shift - 1.0, out=np.zeros_like(values),
                                             where=present_values)),
    ])
    return float(log_likelihood), gradient


def bg_nbd_starts(histories: PurchaseHistories) -> list[list[float]]:
    """Starting points: alpha on the scale of the observed ages, so any time unit starts well."""
    scale = max(float(np.average(histories.age, weights=histories.weight)), 1e-6)
    return [[1.0, scale / 4.0, 1.0, 1.0], [0.5, scale, 0.5, 2.0], [2.0, scale / 20.0, 2.0, 4.0]]
