"""Pareto/NBD: Schmittlein, Morrison and Colombo (1987), "Counting your customers: who are they and
what will they do next?", Management Science 33(1), 1-24, in the formulation of Fader and Hardie
(2005), "A note on deriving the Pareto/NBD model and related expressions" (the note numbers the
equations cited below).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha) and has an exponential
lifetime with rate mu ~ Gamma(s, beta). The likelihood (equation 18):

    L = G(r+x) alpha^r beta^s / G(r) * [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A0 ]

where A0 (equations 19 and 20) is a difference of two Gauss hypergeometric terms. The note picks
the branch alpha >= beta or alpha < beta so that the series argument lies in [0, 1); on the
alpha < beta branch the function is 2F1(r+s+x, r+x; r+s+x+1; z) ~ (1-z)^-(r+x), which overflows
for customers with hundreds of purchases. Lojal uses the integral that defines A0,

    A0 = (r+s+x) * integral from t_x to T of (alpha+u)^-(r+x) (beta+u)^-(s+1) du
       = F(z(t_x)) / (alpha+t_x)^(r+s+x) - F(z(T)) / (alpha+T)^(r+s+x),
    F(z) = 2F1(r+s+x, s+1; r+s+x+1; z),  z(u) = (alpha-beta)/(alpha+u) < 1,

which holds on both branches. For z >= 0, 0 <= F <= (1-z)^-(s+1); for z < 0, Pfaff's
transformation gives F = (1-z)^-(s+1) 2F1(1, s+1; r+s+x+1; z/(z-1)) with a positive, geometrically
converging series bounded by 1-z. Everything is combined in logarithms, so no term overflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import gammaln, hyp2f1

from lojal.analytics.clv.history import PurchaseHistories
from lojal.analytics.clv.special import dot, power_ratio_minus_one_over


@dataclass(frozen=True)
class ParetoNbd:
    r: float
    alpha: float
    s: float
    beta: float

    name: ClassVar[str] = "pareto-nbd"
    parameter_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")

    def parameters(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}

    def log_likelihood(self, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
        x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        alive_term, dropout_term = _log_terms(self, x, t_x, age)
        base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        return base + np.logaddexp(alive_term, dropout_term)

    def probability_alive(self, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """P(alive) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0) (equation 34)."""
        x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
        alive_term, dropout_term = _log_terms(self, x, t_x, age)
        return 1.0 / (1.0 + np.exp(np.minimum(dropout_term - alive_term, 700.0)))

    def expected_purchases_if_alive(self, horizon: float, frequency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """(r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] (equation 41 divided by
        P(alive)); at s = 1 the bracket over (s-1) becomes ln((beta+T+t)/(beta+T))."""
        x, age = np.asarray(frequency, dtype=np.float64), np.asarray(age, dtype=np.float64)
        if horizon <= 0:
            return np.zeros_like(x)
        lifetime_factor = power_ratio_minus_one_over(self.s - 1.0, np.log1p(horizon / (self.beta + age)))
        return (self.r + x) * (self.beta + age) / (self.alpha + age) * lifetime_factor

    def expected_purchases_new_customer(self, horizon: float) -> float:
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)] (equation 27)."""
        factor = power_ratio_minus_one_over(self.s - 1.0, np.log1p(horizon / self.beta))
        return float(self.r * self.beta / self.alpha * factor)

    def purchase_rate_posterior(self, frequency: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.r + np.asarray(frequency, dtype=np.float64), self.alpha + np.asarray(age, dtype=np.float64)


def _log_terms(model: ParetoNbd, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ln of the two terms in the bracket of the likelihood: alive at T, and dropped out in (t_x, T]."""
    r, alpha, s, beta = model.r, model.alpha, model.s, model.beta
    alive_term = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    dropout_term = np.log(s) - np.log(r + s + x) + log_a0(r, alpha, s, beta, x, t_x, age)
    return alive_term, dropout_term


def log_a0(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray,
           age: np.ndarray) -> np.ndarray:
    """ln A0, finite for any number of purchases; -inf when t_x = T (no time to drop out in)."""
    shape = r + s + x
    at_recency = _log_f(shape, s, alpha, beta, t_x) - shape * np.log(alpha + t_x)
    at_age = _log_f(shape, s, alpha, beta, age) - shape * np.log(alpha + age)
    difference = at_age - at_recency
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(difference < 0, at_recency + np.log(-np.expm1(np.minimum(difference, 0.0))), -np.inf)


def _log_f(shape: np.ndarray, s: float, alpha: float, beta: float, time: np.ndarray) -> np.ndarray:
    """ln 2F1(shape, s+1; shape+1; z) with z = (alpha-beta)/(alpha+time)."""
    z = np.broadcast_to((alpha - beta) / (alpha + time), np.shape(shape))
    if alpha >= beta:
        return np.log(hyp2f1(shape, s + 1.0, shape + 1.0, z))
    return -(s + 1.0) * np.log1p(-z) + np.log(hyp2f1(1.0, s + 1.0, shape + 1.0, z / (z - 1.0)))


def pareto_nbd_log_likelihood(parameters: np.ndarray, histories: PurchaseHistories) -> float:
    """Total weighted log-likelihood (no closed-form gradient: the derivatives of 2F1 in its
    parameters have none, so the optimiser uses central differences)."""
    model = ParetoNbd(*(float(value) for value in parameters))
    return dot(histories.weight, model.log_likelihood(histories.frequency, histories.recency, histories.age))


def pareto_nbd_starts(histories: PurchaseHistories) -> list[list[float]]:
    scale = max(float(np.average(histories.age, weights=histories.weight)), 1e-6)
    return [[1.0, scale / 4.0, 1.0, scale / 4.0], [0.5, scale, 0.5, scale], [2.0, scale / 20.0, 2.0, scale * 2.0]]
