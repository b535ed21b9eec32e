"""Gamma-Gamma spend model: Fader, Hardie and Lee (2005), "RFM and CLV: using iso-value curves for
customer base analysis", Journal of Marketing Research 42(4), and Fader and Hardie (2013), "The
Gamma-Gamma model of monetary value".

A customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, so
the mean of a customer's x repeat transactions, m_x, has (in logs)

    ln f(m_x | x) = ln G(px+q) - ln G(px) - ln G(q) + q ln gamma + (px-1) ln m_x + px ln x
                    - (px+q) ln(gamma + x m_x)

Only repeat buyers enter, with the mean of their repeat purchases (the first purchase is left
out, as in the papers). The model assumes spend is independent of purchase frequency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import digamma, gammaln

from lojal.analytics.clv.history import InsufficientData
from lojal.analytics.clv.optimize import Optimum, maximise, polish, require_convergence
from lojal.analytics.clv.special import distinct_values, dot
from lojal.errors import ValidationFailed

MINIMUM_REPEAT_BUYERS = 20


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float

    name: ClassVar[str] = "gamma-gamma"

    def parameters(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    def population_mean_spend(self) -> float:
        """E[Z] = p gamma / (q - 1) for a new customer."""
        return self.p * self.gamma / (self.q - 1.0)

    def expected_average_spend(self, frequency: np.ndarray, mean_spend: np.ndarray) -> np.ndarray:
        """E[Z | m_x, x] = (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * m_x (equation 5 of the 2013
        note): a weighted mean of the population mean and the customer's own mean. Customers
        without repeat purchases (or with no spend known) get the population mean."""
        x = np.asarray(frequency, dtype=np.float64)
        spend = np.nan_to_num(np.asarray(mean_spend, dtype=np.float64), nan=0.0)
        own_weight = self.p * x / (self.p * x + self.q - 1.0)
        return (1.0 - own_weight) * self.population_mean_spend() + own_weight * spend


@dataclass(frozen=True)
class GammaGammaFit:
    model: GammaGamma
    log_likelihood: float
    repeat_buyers: int
    iterations: int
    frequency_spend_correlation: float


@dataclass(frozen=True)
class SpendData:
    """Repeat buyers' frequencies and mean spends, with what the likelihood needs precomputed: the
    terms in x alone are evaluated once per distinct frequency."""

    frequency: np.ndarray
    mean_spend: np.ndarray
    total_spend: np.ndarray
    distinct_frequency: np.ndarray
    customers_per_frequency: np.ndarray
    sum_log_spend: float
    sum_frequency_log_spend: float


def spend_data(frequency: np.ndarray, mean_spend: np.ndarray) -> SpendData:
    values, inverse = distinct_values(frequency)
    log_spend = np.log(mean_spend)
    return SpendData(frequency, mean_spend, frequency * mean_spend, values,
                     np.bincount(inverse, minlength=values.size).astype(np.float64), float(log_spend.sum()),
                     dot(frequency, log_spend))


def gamma_gamma_log_likelihood(parameters: np.ndarray, data: SpendData) -> tuple[float, np.ndarray]:
    """Total log-likelihood over repeat buyers and its analytic gradient in (p, q, gamma)."""
    p, q, gamma = (float(value) for value in parameters)
    values, counts = data.distinct_frequency, data.customers_per_frequency
    count = float(data.frequency.size)
    p_values = p * values
    digamma_pxq, digamma_px = digamma(p_values + q), digamma(p_values)
    denominator = gamma + data.total_spend
    log_denominator = np.log(denominator)
    sum_log_denominator = float(log_denominator.sum())
    sum_frequency_log_denominator = dot(data.frequency, log_denominator)
    log_likelihood = (dot(counts, gammaln(p_values + q) - gammaln(p_values) + p_values * np.log(values))
                      + p * data.sum_frequency_log_spend - data.sum_log_spend
                      - p * sum_frequency_log_denominator - q * sum_log_denominator
                      + count * (q * np.log(gamma) - gammaln(q)))
    gradient = np.array([
        dot(counts * values, digamma_pxq - digamma_px + np.log(values)) + data.sum_frequency_log_spend
        - sum_frequency_log_denominator,
        dot(counts, digamma_pxq) - sum_log_denominator + count * (np.log(gamma) - digamma(q)),
        count * q / gamma - float(((p * data.frequency + q) / denominator).sum()),
    ])
    return float(log_likelihood), gradient


WARM_START_ROWS = 20_000


def _maximise_spend_likelihood(frequency: np.ndarray, mean_spend: np.ndarray) -> Optimum:
    """L-BFGS-B from three starts; with more than WARM_START_ROWS repeat buyers, on every k-th
    buyer first and then Newton steps on all with that subset's Hessian (``optimize.polish``)."""
    data = spend_data(frequency, mean_spend)
    scale = float(np.mean(mean_spend))
    starts = [[1.0, 2.0, scale], [5.0, 4.0, scale * 2.0], [0.5, 1.5, scale / 2.0]]

    def log_likelihood(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        return gamma_gamma_log_likelihood(parameters, data)

    if frequency.size > WARM_START_ROWS:
        stride = frequency.size // WARM_START_ROWS + 1
        subset = spend_data(frequency[::stride], mean_spend[::stride])

        def subset_log_likelihood(parameters: np.ndarray) -> tuple[float, np.ndarray]:
            return gamma_gamma_log_likelihood(parameters, subset)

        warm = maximise(subset_log_likelihood, starts, total_weight=float(subset.frequency.size), has_gradient=True,
                        model_name="Gamma-Gamma")
        polished = polish(log_likelihood, warm.parameters, total_weight=float(frequency.size),
                          subset_log_likelihood=subset_log_likelihood, subset_weight=float(subset.frequency.size))
        if polished is not None:
            return polished
        starts = [warm.parameters.tolist(), *starts]
    return maximise(log_likelihood, starts, total_weight=float(frequency.size), has_gradient=True,
                    model_name="Gamma-Gamma")


def fit_gamma_gamma(frequency: object, mean_spend: object, *,
                    minimum_repeat_buyers: int = MINIMUM_REPEAT_BUYERS) -> GammaGammaFit:
    """Fit on customers with at least one repeat purchase and a positive mean repeat spend."""
    x = np.asarray(frequency, dtype=np.float64).ravel()
    m = np.asarray(mean_spend, dtype=np.float64).ravel()
    if x.shape != m.shape:
        raise ValidationFailed("frequency and mean spend must have the same length", field="mean_spend")
    keep = (x > 0) & np.isfinite(m)
    if np.any(m[keep] <= 0):
        raise ValidationFailed("the spend model needs positive amounts (returns and refunds are netted "
                               "before modelling)", field="mean_spend")
    x, m = x[keep], m[keep]
    if x.size < minimum_repeat_buyers:
        raise InsufficientData(f"{x.size} repeat buyers with spend: at least {minimum_repeat_buyers} are "
                               "needed to fit the spend model")
    optimum = _maximise_spend_likelihood(x, m)
    require_convergence(optimum, "Gamma-Gamma")
    model = GammaGamma(*(float(value) for value in optimum.parameters))
    if model.q <= 1.0:
        raise InsufficientData(f"the spend model's q = {model.q:.3g} <= 1: spend is too heavy-tailed for a "
                               "finite expected spend; check the amounts for outliers")
    correlation = float(np.corrcoef(x, m)[0, 1]) if x.size > 2 and np.std(x) > 0 and np.std(m) > 0 else 0.0
    return GammaGammaFit(model=model, log_likelihood=optimum.log_likelihood, repeat_buyers=int(x.size),
                         iterations=optimum.iterations, frequency_spend_correlation=correlation)
