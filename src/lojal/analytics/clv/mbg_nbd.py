"""MBG/NBD: Batislam, Denizel and Filiztekin (2007), "Empirical validation and comparison of models
for customer base analysis", International Journal of Research in Marketing 24(3), 201-209, with
the erratum of Wagner and Hoppe (2008), IJRM 25(3), 225-226.

The BG/NBD with one change: a customer may also drop out right after the first purchase, so a
customer who never bought again is not taken to be certainly alive:

    ln L = ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x+1) - ln B(a, b)
           + ln[ (alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x) ]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import betaln, gammaln

from lojal.analytics.clv.bg_nbd import _log_bracket
from lojal.analytics.clv.special import beta_geometric_purchases_if_alive


@dataclass(frozen=True)
class MbgNbd:
    r: float
    alpha: float
    a: float
    b: float

    name: ClassVar[str] = "mbg-nbd"
    parameter_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    def parameters(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def log_likelihood(self, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
        x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + 1.0) - betaln(a, b)
        return base + _log_bracket(r, alpha, a, b, x, t_x, age, shift=1.0)[0]

    def probability_alive(self, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)) (Batislam et al., appendix A)."""
        x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
        log_odds = (np.log(self.a) - np.log(self.b + x)
                    + (self.r + x) * (np.log(self.alpha + age) - np.log(self.alpha + t_x)))
        return 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0)))

    def expected_purchases_if_alive(self, horizon: float, frequency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """(a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))]
        (Wagner and Hoppe 2008, divided by P(alive)), evaluated as the equivalent positive series of
        ``beta_geometric_purchases_if_alive`` with the dropout posterior Beta(a, b+x+1)."""
        x, age = np.asarray(frequency, dtype=np.float64), np.asarray(age, dtype=np.float64)
        if horizon <= 0:
            return np.zeros_like(x)
        return beta_geometric_purchases_if_alive(self.r + x, horizon / (self.alpha + age + horizon),
                                                 self.b + x + 1.0, self.a + self.b + x + 1.0)

    def expected_purchases_new_customer(self, horizon: float) -> float:
        """E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]: the customer
        survives the first purchase with probability b/(a+b) and then buys as one alive at x = 0."""
        if horizon <= 0:
            return 0.0
        if_alive = beta_geometric_purchases_if_alive(self.r, horizon / (self.alpha + horizon), self.b + 1.0,
                                                     self.a + self.b + 1.0)[0]
        return float(self.b / (self.a + self.b) * if_alive)

    def purchase_rate_posterior(self, frequency: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.r + np.asarray(frequency, dtype=np.float64), self.alpha + np.asarray(age, dtype=np.float64)
