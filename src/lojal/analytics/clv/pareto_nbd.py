"""Pareto/NBD: Schmittlein, Morrison and Colombo (1987), "Counting your customers: who are they and
what will they do next?", Management Science 33(1), 1-24, in the formulation of Fader and Hardie
(2005), "A note on deriving the Pareto/NBD model and related expressions" (the note numbers the
equations cited below).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha) and has an exponential
lifetime with rate mu ~ Gamma(s, beta). The likelihood (equation 18):

    L = G(r+x) alpha^r beta^s / G(r) * [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A0 ]

where A0 (equations 19 and 20) is a difference of two Gauss hypergeometric terms. Those terms
overflow for customers with hundreds of purchases and make scipy's 2F1 return NaN or take
milliseconds when the parameters run to extremes during a fit, and their derivatives in the
parameters have no closed form. Lojal uses the integral that defines A0 instead,

    s/(r+s+x) A0 = s I,  I = integral from t_x to T of (alpha+u)^-(r+x) (beta+u)^-(s+1) du,

evaluated by quadrature (``lojal.analytics.clv.pareto_quadrature``) in logarithms: finite for
any data and any parameters, at a fixed cost, and with the analytic gradient (differentiation
under the integral sign, on the same nodes). So the fit is an ordinary L-BFGS-B search with an
exact gradient of the computed likelihood, within bounds, with an iteration limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import digamma, gammaln

from lojal.analytics.clv.history import PurchaseHistories
from lojal.analytics.clv.pareto_quadrature import ROWS_PER_BLOCK, dropout_integral
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
    """ln of the two terms in the bracket of the likelihood: alive at T, (alpha+T)^-(r+x)
    (beta+T)^-s, and dropped out in (t_x, T], s I (-inf when t_x = T)."""
    r, alpha, s, beta = model.r, model.alpha, model.s, model.beta
    alive_term = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    integral = dropout_integral(r, alpha, s, beta, x, t_x, age, with_gradient=False)
    return alive_term, np.log(s) + integral.log_value


def log_a0(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray,
           age: np.ndarray) -> np.ndarray:
    """ln A0 = ln(r+s+x) + ln I, finite for any number of purchases; -inf when t_x = T (no time to
    drop out in)."""
    x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (x, t_x, age))
    return np.log(r + s + x) + dropout_integral(r, alpha, s, beta, x, t_x, age, with_gradient=False).log_value


def pareto_nbd_log_likelihood(parameters: np.ndarray, histories: PurchaseHistories) -> tuple[float, np.ndarray]:
    """Total weighted log-likelihood and its analytic gradient in (r, alpha, s, beta).

    Per row, ln L = ln G(r+x) - ln G(r) + r ln alpha + s ln beta + ln(E + s I), with the alive term
    E = (alpha+T)^-(r+x) (beta+T)^-s. With shares e = E/(E + s I) and i = 1 - e:
        d/dr     = psi(r+x) - psi(r) + ln alpha - e ln(alpha+T)   + i d ln I/dr
        d/dalpha = r/alpha                     - e (r+x)/(alpha+T) + i d ln I/dalpha
        d/ds     = ln beta                     - e ln(beta+T)      + i (1/s + d ln I/ds)
        d/dbeta  = s/beta                      - e s/(beta+T)      + i d ln I/dbeta
    Rows are processed in blocks so the quadrature nodes stay small in memory."""
    r, alpha, s, beta = (float(value) for value in parameters)
    total, gradient = 0.0, np.zeros(4)
    for start in range(0, histories.frequency.size, ROWS_PER_BLOCK):
        block = slice(start, start + ROWS_PER_BLOCK)
        x, t_x, age, weight = (histories.frequency[block], histories.recency[block], histories.age[block],
                               histories.weight[block])
        alive_term = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
        integral = dropout_integral(r, alpha, s, beta, x, t_x, age)
        dropout_term = np.log(s) + integral.log_value
        log_bracket = np.logaddexp(alive_term, dropout_term)
        alive_share = np.exp(alive_term - log_bracket)
        dropout_share = 1.0 - alive_share
        base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        total += dot(weight, base + log_bracket)
        derivative = integral.gradient
        gradient += np.array([
            dot(weight, digamma(r + x) - digamma(r) + np.log(alpha) - alive_share * np.log(alpha + age)
                + dropout_share * derivative[0]),
            dot(weight, r / alpha - alive_share * (r + x) / (alpha + age) + dropout_share * derivative[1]),
            dot(weight, np.log(beta) - alive_share * np.log(beta + age) + dropout_share * (1.0 / s + derivative[2])),
            dot(weight, s / beta - alive_share * s / (beta + age) + dropout_share * derivative[3]),
        ])
    return total, gradient


def pareto_nbd_starts(histories: PurchaseHistories) -> list[list[float]]:
    """Starting points on the scale of the observed ages (any time unit starts well): the purchase
    rate from the mean frequency over the mean age, and lifetimes about as long as the history."""
    weight = histories.weight
    scale = max(float(np.average(histories.age, weights=weight)), 1e-6)
    rate = max(float(np.average(histories.frequency, weights=weight)) / scale, 1e-6)
    return [[1.0, 1.0 / rate, 1.0, scale], [1.0, scale / 4.0, 1.0, scale / 4.0], [0.5, scale, 0.5, scale],
            [2.0, scale / 20.0, 2.0, scale * 2.0]]
