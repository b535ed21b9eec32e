"""The Pareto/NBD dropout integral by quadrature: its value against an adaptive integrator and
(when mpmath is installed) against the 2F1 closed form at 60 digits, its analytic gradient
against differences, and a fit that stays bounded where the parameters run to extremes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from lojal.analytics.clv import BgNbd, InsufficientData, ParetoNbd, fit_purchase_model
from lojal.analytics.clv.history import purchase_histories
from lojal.analytics.clv.pareto_nbd import pareto_nbd_log_likelihood
from lojal.analytics.clv.pareto_quadrature import dropout_integral
from lojal.analytics.clv.simulate import simulate_beta_geometric

ROWS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (50, 10.0, 70.0), (350, 38.0, 39.0), (1, 0.5, 700.0), (600, 1.0, 700.0)]
PARAMETERS = [(0.55, 10.58, 0.61, 11.67), (0.55, 11.67, 0.61, 10.58), (0.05, 0.01, 0.05, 500.0),
              (3.0, 2.0, 8.0, 40.0), (0.3, 500.0, 40.0, 0.01), (50.0, 1e4, 0.2, 1e-2)]


def log_integral_by_quad(r, alpha, s, beta, x, t_x, age) -> float:
    scale = (r + x) * np.log(alpha + t_x) + (s + 1) * np.log(beta + t_x)
    integrand = lambda u: np.exp(scale - (r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u))
    value, _ = quad(integrand, t_x, age, epsabs=0, epsrel=1e-13, limit=500)
    return float(np.log(value) - scale)


@pytest.mark.parametrize(("r", "alpha", "s", "beta"), PARAMETERS[:4])
@pytest.mark.parametrize(("x", "t_x", "age"), ROWS[:3] + ROWS[4:5])
def test_integral_matches_adaptive_quadrature(r, alpha, s, beta, x, t_x, age) -> None:
    computed = dropout_integral(r, alpha, s, beta, np.array([float(x)]), np.array([t_x]), np.array([age]))
    assert computed.log_value[0] == pytest.approx(log_integral_by_quad(r, alpha, s, beta, x, t_x, age),
                                                  rel=1e-10, abs=1e-10)


@pytest.mark.parametrize(("r", "alpha", "s", "beta"), PARAMETERS)
@pytest.mark.parametrize(("x", "t_x", "age"), ROWS)
def test_integral_matches_the_hypergeometric_closed_form_in_mpmath(r, alpha, s, beta, x, t_x, age) -> None:
    """I = [F(t_x)/(alpha+t_x)^n - F(T)/(alpha+T)^n] / n with n = r+s+x and
    F(u) = 2F1(n, s+1; n+1; (alpha-beta)/(alpha+u)), at 60 digits (with hundreds of purchases and
    parameters far apart, where double precision 2F1 overflows)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    r_, alpha_, s_, beta_, x_, t_x_, age_ = (mpmath.mpf(value) for value in (r, alpha, s, beta, x, t_x, age))
    n = r_ + s_ + x_

    def f(u):
        return mpmath.hyp2f1(n, s_ + 1, n + 1, (alpha_ - beta_) / (alpha_ + u), maxterms=10**6) / (alpha_ + u) ** n

    expected = float(mpmath.log((f(t_x_) - f(age_)) / n))
    computed = dropout_integral(r, alpha, s, beta, np.array([float(x)]), np.array([t_x]), np.array([age]))
    assert computed.log_value[0] == pytest.approx(expected, rel=1e-10, abs=1e-7)


def test_integral_is_zero_when_the_last_purchase_is_at_the_end() -> None:
    computed = dropout_integral(0.55, 10.58, 0.61, 11.67, np.array([3.0, 0.0]), np.array([20.0, 0.0]),
                                np.array([20.0, 0.0]))
    assert np.all(computed.log_value == -np.inf) and np.all(computed.gradient == 0.0)


@pytest.mark.parametrize("parameters", [(0.5533, 10.5776, 0.6062, 11.6679), (2.0, 0.3, 40.0, 1000.0),
                                        (0.05, 100.0, 5.0, 0.5)])
def test_analytic_gradient_matches_central_differences(cdnow_summary, parameters) -> None:
    histories = purchase_histories(*cdnow_summary)
    point = np.array(parameters)
    _, gradient = pareto_nbd_log_likelihood(point, histories)
    for index in range(4):
        step = np.zeros(4)
        step[index] = 1e-6 * point[index]
        difference = (pareto_nbd_log_likelihood(point + step, histories)[0]
                      - pareto_nbd_log_likelihood(point - step, histories)[0]) / (2 * step[index])
        assert gradient[index] == pytest.approx(difference, rel=1e-5, abs=1e-3)


def test_likelihood_and_predictions_stay_finite_at_extreme_parameters(cdnow_summary) -> None:
    """Where a fit on data without dropout heterogeneity walks (s and beta to 1e8 and beyond),
    scipy's 2F1 overflows; the quadrature does not."""
    frequency, recency, age = cdnow_summary
    model = ParetoNbd(r=0.55, alpha=10.6, s=1e8, beta=1e10)
    with np.errstate(over="raise", invalid="raise", divide="ignore"):
        assert np.all(np.isfinite(model.log_likelihood(frequency, recency, age)))
        alive = model.probability_alive(frequency, recency, age)
    assert np.all((alive >= 0) & (alive <= 1))


def test_fit_on_data_without_dropout_heterogeneity_ends_with_an_answer_or_a_clear_refusal() -> None:
    """BG/NBD data with a and b in the thousands (every customer's dropout the same) push the
    Pareto/NBD's s and beta to infinity. The fit is bounded: it converges along the ridge or
    refuses with InsufficientData, and does not hang."""
    ages = np.random.default_rng(5).uniform(10, 60, 3000)
    frequency, recency, age = simulate_beta_geometric(BgNbd(2.0, 10.0, 2000.0, 18000.0), ages,
                                                      np.random.default_rng(6))
    try:
        fit = fit_purchase_model("pareto-nbd", frequency, recency, age, days_per_unit=7)
    except InsufficientData as refusal:
        assert "did not converge" in refusal.message
    else:
        assert np.isfinite(fit.log_likelihood) and all(np.isfinite(list(fit.model.parameters().values())))
