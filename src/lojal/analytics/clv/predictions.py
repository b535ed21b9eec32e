"""Per-customer predictions from a fitted purchase model and, optionally, a spend model.

- ``expected_purchases``: E[purchases in the next ``horizon_months``] given the customer's history
  (the model's conditional expectation: P(alive) x expected purchases if alive).
- ``probability_alive``: P(still active at the end of observation | history).
- ``churn_risk`` = 1 - P(alive), banded (see CHURN_RISK_BANDS): low below 0.25, medium from 0.25
  to below 0.5, high from 0.5 (more likely gone than active). Note that the BG/NBD takes a
  customer who never bought again to be alive (risk 0, "low"): it lets customers drop out only
  after a repeat purchase. The MBG/NBD and Pareto/NBD do not have this blind spot.
- ``predicted_clv``: the lifetimes method (Fader, Hardie and Lee 2005 with monthly discounting):
  the sum over months m = 1..M of expected spend per purchase x expected purchases in month m,
  discounted by (1 + d)^m with d the monthly discount rate. A month is 30 days in the day unit
  and 4.345 weeks in the week unit, as in lifetimes, so results are comparable.
- ``days_to_next_order``: the median time until an active customer's next order, counted from the
  end of observation. While alive, the purchase rate has a Gamma(r+x, alpha+T) posterior (all
  three models), so the waiting time is Lomax and its median is (alpha+T)(2^(1/(r+x)) - 1)
  time units. It answers "if they are still a customer, by when will they probably have ordered
  again"; read it together with churn risk (it is not weighted by P(alive)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lojal.analytics.clv.fitting import PurchaseModel
from lojal.analytics.clv.gamma_gamma import GammaGamma
from lojal.analytics.clv.special import distinct_pairs
from lojal.errors import ValidationFailed

DAYS_PER_UNIT = {"day": 1.0, "week": 7.0}
UNITS_PER_MONTH = {"day": 30.0, "week": 4.345}
CHURN_RISK_BANDS = (("low", 0.0), ("medium", 0.25), ("high", 0.5))


@dataclass(frozen=True)
class PredictionSettings:
    horizon_months: float = 12.0
    monthly_discount_rate: float = 0.01
    time_unit: str = "day"

    def __post_init__(self) -> None:
        if self.time_unit not in DAYS_PER_UNIT:
            raise ValidationFailed("time unit must be 'day' or 'week'", field="time_unit")
        if not self.horizon_months > 0:
            raise ValidationFailed("the horizon must be positive", field="horizon")
        if not self.monthly_discount_rate > -1:
            raise ValidationFailed("the discount rate must be greater than -1", field="discount_rate")

    @property
    def horizon_units(self) -> float:
        return self.horizon_months * UNITS_PER_MONTH[self.time_unit]


def churn_risk_band(churn_risk: np.ndarray) -> np.ndarray:
    labels = np.array([label for label, _ in CHURN_RISK_BANDS])
    thresholds = np.array([threshold for _, threshold in CHURN_RISK_BANDS[1:]])
    return labels[np.searchsorted(thresholds, churn_risk, side="right")]


def median_days_to_next_order(model: PurchaseModel, frequency: np.ndarray, age: np.ndarray,
                              time_unit: str) -> np.ndarray:
    shape, rate = model.purchase_rate_posterior(frequency, age)
    return rate * np.expm1(np.log(2.0) / shape) * DAYS_PER_UNIT[time_unit]


def expected_purchases(model: PurchaseModel, horizon: float, frequency: np.ndarray, recency: np.ndarray,
                       age: np.ndarray) -> np.ndarray:
    """E[purchases in (T, T+horizon] | x, t_x, T]; the costly part once per distinct (x, T)."""
    x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
    distinct_frequency, distinct_age, inverse = distinct_pairs(x, age)
    if_alive = model.expected_purchases_if_alive(horizon, distinct_frequency, distinct_age)[inverse]
    return model.probability_alive(x, t_x, age) * if_alive


def discounted_expected_purchases(model: PurchaseModel, frequency: np.ndarray, recency: np.ndarray,
                                  age: np.ndarray, settings: PredictionSettings) -> np.ndarray:
    """Sum over months m of (expected purchases in month m) / (1 + d)^m; a partial last month is
    discounted as a fraction of a month."""
    x, t_x, age = (np.asarray(value, dtype=np.float64) for value in (frequency, recency, age))
    distinct_frequency, distinct_age, inverse = distinct_pairs(x, age)
    month = UNITS_PER_MONTH[settings.time_unit]
    ends = np.append(np.arange(1, int(np.floor(settings.horizon_months)) + 1, dtype=np.float64),
                     settings.horizon_months)
    ends = np.unique(ends)
    total = np.zeros(distinct_frequency.size)
    previous = np.zeros(distinct_frequency.size)
    for months in ends:
        cumulative = model.expected_purchases_if_alive(months * month, distinct_frequency, distinct_age)
        total += (cumulative - previous) / (1.0 + settings.monthly_discount_rate) ** months
        previous = cumulative
    return model.probability_alive(x, t_x, age) * total[inverse]


def predict_customers(model: PurchaseModel, frequency: object, recency: object, age: object, *,
                      settings: PredictionSettings = PredictionSettings(), spend_model: GammaGamma | None = None,
                      mean_spend: object | None = None) -> dict[str, np.ndarray]:
    """All per-customer predictions as arrays, in the order of the input."""
    x, t_x, age = (np.asarray(value, dtype=np.float64).ravel() for value in (frequency, recency, age))
    probability_alive = model.probability_alive(x, t_x, age)
    churn_risk = 1.0 - probability_alive
    predictions = {
        "expected_purchases": expected_purchases(model, settings.horizon_units, x, t_x, age),
        "probability_alive": probability_alive,
        "churn_risk": churn_risk,
        "churn_risk_band": churn_risk_band(churn_risk),
        "days_to_next_order": median_days_to_next_order(model, x, age, settings.time_unit),
    }
    if spend_model is not None:
        spend = np.full(x.size, np.nan) if mean_spend is None else np.asarray(mean_spend, dtype=np.float64).ravel()
        expected_spend = spend_model.expected_average_spend(x, spend)
        predictions["expected_spend"] = expected_spend
        predictions["predicted_clv"] = expected_spend * discounted_expected_purchases(model, x, t_x, age, settings)
    return predictions
