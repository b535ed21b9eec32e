"""Numerical care: the Pareto/NBD hypergeometric term, heavy buyers, weights, predictions."""

import numpy as np
import pytest
from scipy.integrate import quad

from lojal.analytics.clv import (
    BgNbd,
    InsufficientData,
    MbgNbd,
    MinimumData,
    ParetoNbd,
    fit_purchase_model,
    predict_customers,
    purchase_histories,
)
from lojal.analytics.clv.pareto_nbd import log_a0
from lojal.analytics.clv.predictions import PredictionSettings, churn_risk_band, expected_purchases
from lojal.errors import ValidationFailed

CDNOW_PARETO = ParetoNbd(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)


def a0_by_quadrature(r, alpha, s, beta, x, t_x, age):
    """A0 = (r+s+x) * integral_{t_x}^{T} (alpha+u)^-(r+x) (beta+u)^-(s+1) du, scaled to stay finite."""
    scale = (r + x) * np.log(alpha + t_x) + (s + 1) * np.log(beta + t_x)
    integrand = lambda u: np.exp(scale - (r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u))  # noqa: E731
    value, _ = quad(integrand, t_x, age, epsabs=0, epsrel=1e-12, limit=200)
    return np.log(r + s + x) + np.log(value) - scale


@pytest.mark.parametrize(("alpha", "beta"), [(10.58, 11.67), (11.67, 10.58), (2.0, 40.0), (40.0, 2.0)])
@pytest.mark.parametrize(("x", "t_x", "age"), [(0, 0.0, 38.86), (2, 30.43, 38.86), (50, 10.0, 70.0), (350, 38.0, 39.0)])
def test_a0_matches_its_integral_on_both_branches(alpha, beta, x, t_x, age) -> None:
    computed = log_a0(0.55, alpha, 0.61, beta, np.array([float(x)]), np.array([t_x]), np.array([age]))[0]
    assert computed == pytest.approx(a0_by_quadrature(0.55, alpha, 0.61, beta, x, t_x, age), rel=1e-9, abs=1e-9)


def test_pareto_nbd_is_finite_and_sane_for_a_customer_with_hundreds_of_purchases() -> None:
    frequency = np.array([350.0, 350.0, 600.0])
    recency = np.array([38.5, 5.0, 38.8])
    age = np.array([38.86, 38.86, 38.86])
    with np.errstate(all="raise"):
        log_likelihood = CDNOW_PARETO.log_likelihood(frequency, recency, age)
        alive = CDNOW_PARETO.probability_alive(frequency, recency, age)
        expected = expected_purchases(CDNOW_PARETO, 39.0, frequency, recency, age)
    assert np.all(np.isfinite(log_likelihood))
    assert alive[0] > 0.95 and alive[1] < 1e-6  # bought to the end, or stopped 34 weeks ago
    # Keeps buying at the shrunk rate (r+x)/(alpha+T) = 7.09 a week for the expected remaining
    # lifetime within the 39 weeks, (beta+T)/(s-1) [1 - ((beta+T)/(beta+T+39))^(s-1)] = 32.4 weeks.
    assert expected[0] == pytest.approx(alive[0] * 350.5533 / 49.4376 * 32.42, rel=0.01)
    assert expected[1] < 1e-3


def test_pareto_nbd_fit_with_a_heavy_buyer_stays_sane(cdnow_summary) -> None:
    frequency, recency, age = (array.copy() for array in cdnow_summary)
    frequency[0], recency[0] = 320.0, 38.0
    fit = fit_purchase_model("pareto-nbd", frequency, recency, age, days_per_unit=7)
    assert np.isfinite(fit.log_likelihood)
    assert 0.4 < fit.model.r < 0.8 and 0.4 < fit.model.s < 0.9


@pytest.mark.parametrize("model", [BgNbd(0.243, 4.414, 0.793, 2.426), MbgNbd(0.525, 6.183, 0.891, 1.614)])
def test_beta_geometric_expectations_survive_heavy_buyers(model) -> None:
    frequency, recency, age = np.array([500.0, 2000.0]), np.array([38.0, 38.8]), np.array([38.86, 38.86])
    with np.errstate(all="raise"):
        expected = expected_purchases(model, 39.0, frequency, recency, age)
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)
    # Such buyers buy on at their own rate (x+r)/(alpha+T) per week, less the dropout chance.
    assert expected[1] < 2000 * 39 / 38.86


def test_weights_give_the_same_likelihood_as_one_row_per_customer(cdnow_summary) -> None:
    histories = purchase_histories(*cdnow_summary)
    model = BgNbd(0.243, 4.414, 0.793, 2.426)
    weighted = float(histories.weight @ model.log_likelihood(histories.frequency, histories.recency, histories.age))
    assert histories.frequency.size < 0.5 * cdnow_summary[0].size
    assert weighted == pytest.approx(float(model.log_likelihood(*cdnow_summary).sum()), rel=1e-12)


def test_unconditional_expectation_equals_the_mean_over_simulated_new_customers() -> None:
    from lojal.analytics.clv.simulate import simulate_beta_geometric

    model = BgNbd(0.243, 4.414, 0.793, 2.426)
    frequency, _, _ = simulate_beta_geometric(model, np.full(200_000, 39.0), np.random.default_rng(3))
    assert frequency.mean() == pytest.approx(model.expected_purchases_new_customer(39.0), rel=0.02)


def test_predicted_clv_is_the_monthly_discounted_sum(cdnow_summary) -> None:
    """The lifetimes method, spelled out month by month for a few customers."""
    from lojal.analytics.clv import GammaGamma

    model, spend = BgNbd(0.243, 4.414, 0.793, 2.426), GammaGamma(6.25, 3.74, 15.44)
    frequency, recency, age = (array[:50] for array in cdnow_summary)
    mean_spend = np.where(frequency > 0, 30.0, np.nan)
    settings = PredictionSettings(horizon_months=12, monthly_discount_rate=0.01, time_unit="week")
    predictions = predict_customers(model, frequency, recency, age, settings=settings, spend_model=spend,
                                    mean_spend=mean_spend)
    by_month = sum((expected_purchases(model, m * 4.345, frequency, recency, age)
                    - expected_purchases(model, (m - 1) * 4.345, frequency, recency, age)) / 1.01**m
                   for m in range(1, 13))
    assert np.allclose(predictions["predicted_clv"], spend.expected_average_spend(frequency, mean_spend) * by_month)
    assert np.allclose(predictions["churn_risk"], 1 - predictions["probability_alive"])


def test_churn_risk_bands() -> None:
    assert churn_risk_band(np.array([0.0, 0.2499, 0.25, 0.4999, 0.5, 1.0])).tolist() == [
        "low", "low", "medium", "medium", "high", "high"]


def test_minimum_data_rules_refuse_clearly(cdnow_summary) -> None:
    frequency, recency, age = cdnow_summary
    with pytest.raises(InsufficientData, match="repeat buyers"):
        fit_purchase_model("bg-nbd", np.zeros(500), np.zeros(500), np.full(500, 30.0))
    with pytest.raises(InsufficientData, match="customers"):
        fit_purchase_model("bg-nbd", frequency[:50], recency[:50], age[:50])
    with pytest.raises(InsufficientData, match="days"):
        fit_purchase_model("bg-nbd", frequency, recency / 10, age / 10)  # 3.9 days of history
    with pytest.raises(ValidationFailed, match="recency cannot exceed age"):
        fit_purchase_model("bg-nbd", [1, 2], [5.0, 9.0], [4.0, 9.0], minimum=None)
    with pytest.raises(ValidationFailed, match="unknown model"):
        fit_purchase_model("nbd", frequency, recency, age)
    assert fit_purchase_model("bg-nbd", frequency[:300], recency[:300], age[:300],
                              minimum=MinimumData(customers=200, repeat_buyers=20), days_per_unit=7).customers == 300
