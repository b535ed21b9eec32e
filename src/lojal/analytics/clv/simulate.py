"""Draw customer histories from each model with known parameters (seeded, vectorised). Used to
check that fitting recovers the parameters, and by the benchmarks to make test data.

Every simulator returns (frequency, recency, age) arrays for customers observed for ``age``
time units after their first purchase; the Gamma-Gamma one returns mean repeat spends."""

from __future__ import annotations

import numpy as np

from lojal.analytics.clv.bg_nbd import BgNbd
from lojal.analytics.clv.gamma_gamma import GammaGamma
from lojal.analytics.clv.mbg_nbd import MbgNbd
from lojal.analytics.clv.pareto_nbd import ParetoNbd
from lojal.analytics.clv.shifted_beta_geometric import ShiftedBetaGeometric

Histories = tuple[np.ndarray, np.ndarray, np.ndarray]


def simulate_beta_geometric(model: BgNbd | MbgNbd, age: np.ndarray, generator: np.random.Generator) -> Histories:
    """BG/NBD: after each repeat purchase the customer drops out with probability p; MBG/NBD: also
    right after the first purchase. Repeat purchases while alive are Poisson(lambda) in (0, T]."""
    age = np.asarray(age, dtype=np.float64)
    size = age.size
    rate = generator.gamma(model.r, 1.0 / model.alpha, size)
    dropout = generator.beta(model.a, model.b, size)
    purchases_while_alive = generator.poisson(rate * age)
    # Repeat purchases made before dropping out: geometric on {1, 2, ...} (BG) or {0, 1, ...} (MBG).
    purchases_before_dropout = generator.geometric(np.clip(dropout, 1e-12, 1.0))
    if isinstance(model, MbgNbd):
        purchases_before_dropout = purchases_before_dropout - 1
    frequency = np.minimum(purchases_while_alive, purchases_before_dropout)
    return frequency.astype(np.float64), _last_purchase_time(frequency, purchases_while_alive, age, generator), age


def simulate_pareto_nbd(model: ParetoNbd, age: np.ndarray, generator: np.random.Generator) -> Histories:
    """Exponential lifetime with rate mu ~ Gamma(s, beta); Poisson(lambda) purchases while alive."""
    age = np.asarray(age, dtype=np.float64)
    rate = generator.gamma(model.r, 1.0 / model.alpha, age.size)
    dropout_rate = generator.gamma(model.s, 1.0 / model.beta, age.size)
    active_time = np.minimum(generator.exponential(1.0 / dropout_rate), age)
    frequency = generator.poisson(rate * active_time)
    return frequency.astype(np.float64), _last_purchase_time(frequency, frequency, active_time, generator), age


def _last_purchase_time(frequency: np.ndarray, purchases_in_window: np.ndarray, window: np.ndarray,
                        generator: np.random.Generator) -> np.ndarray:
    """Given n Poisson events in (0, window], the x-th one is window * Beta(x, n - x + 1)."""
    repeat = frequency > 0
    recency = np.zeros(frequency.size)
    recency[repeat] = window[repeat] * generator.beta(frequency[repeat], purchases_in_window[repeat] - frequency[repeat] + 1)
    return recency


def simulate_mean_spend(model: GammaGamma, frequency: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """Mean of x spends drawn Gamma(p, nu) with nu ~ Gamma(q, gamma): Gamma(p x, x nu). NaN for x = 0."""
    x = np.asarray(frequency, dtype=np.float64)
    nu = generator.gamma(model.q, 1.0 / model.gamma, x.size)
    spend = np.full(x.size, np.nan)
    repeat = x > 0
    spend[repeat] = generator.gamma(model.p * x[repeat], 1.0 / (nu[repeat] * x[repeat]))
    return spend


def simulate_survivors(model: ShiftedBetaGeometric, cohort_size: int, periods: int,
                       generator: np.random.Generator) -> np.ndarray:
    """Counts alive at the start of periods 0..periods for a cohort with churn ~ Beta(alpha, beta)."""
    churn = generator.beta(model.alpha, model.beta, cohort_size)
    lifetime = generator.geometric(np.clip(churn, 1e-12, 1.0))
    return np.array([(lifetime > period).sum() for period in range(periods + 1)], dtype=np.int64)
