"""Fitting recovers known parameters from data simulated from each model. The tolerance is four
asymptotic standard errors (inverse observed information at the estimate) for the sample size
used: a correct estimator misses it with probability about 6e-5 per parameter."""

import numpy as np
import pytest

from lojal.analytics.clv import BgNbd, GammaGamma, MbgNbd, ParetoNbd, ShiftedBetaGeometric
from lojal.analytics.clv import fit_gamma_gamma, fit_histories, fit_shifted_beta_geometric, purchase_histories
from lojal.analytics.clv.fitting import standard_errors
from lojal.analytics.clv.gamma_gamma import gamma_gamma_log_likelihood, spend_data
from lojal.analytics.clv.optimize import observed_information_standard_errors
from lojal.analytics.clv.simulate import (
    simulate_beta_geometric,
    simulate_mean_spend,
    simulate_pareto_nbd,
    simulate_survivors,
)

CUSTOMERS = 20_000


def ages(generator: np.random.Generator) -> np.ndarray:
    # Whole days, as a shop's data are: identical histories collapse into weighted rows.
    return np.floor(generator.uniform(60, 400, CUSTOMERS))


def assert_recovered(estimates: dict[str, float], truth: dict[str, float], errors: dict[str, float]) -> None:
    for name, true_value in truth.items():
        assert abs(estimates[name] - true_value) < 4 * errors[name], (name, estimates[name], true_value, errors[name])
        assert errors[name] < 0.25 * true_value, (name, errors[name])  # the test has power


@pytest.mark.parametrize("model", [BgNbd(0.8, 40.0, 0.9, 3.0), MbgNbd(0.8, 40.0, 0.9, 3.0)])
def test_beta_geometric_models_recover_parameters(model) -> None:
    generator = np.random.default_rng(11)
    frequency, recency, age = simulate_beta_geometric(model, ages(generator), generator)
    histories = purchase_histories(frequency, np.round(recency), age)
    fit = fit_histories(model.name, histories)
    assert_recovered(fit.model.parameters(), model.parameters(), standard_errors(fit, histories))


def test_pareto_nbd_recovers_parameters() -> None:
    truth = ParetoNbd(0.8, 40.0, 0.7, 60.0)
    generator = np.random.default_rng(12)
    frequency, recency, age = simulate_pareto_nbd(truth, ages(generator), generator)
    histories = purchase_histories(frequency, np.round(recency), age)
    fit = fit_histories("pareto-nbd", histories)
    assert_recovered(fit.model.parameters(), truth.parameters(), standard_errors(fit, histories))


def test_gamma_gamma_recovers_parameters() -> None:
    truth = GammaGamma(p=6.0, q=4.0, gamma=15.0)
    generator = np.random.default_rng(13)
    frequency = generator.integers(1, 12, CUSTOMERS).astype(float)
    spend = simulate_mean_spend(truth, frequency, generator)
    fit = fit_gamma_gamma(frequency, spend)
    errors = observed_information_standard_errors(
        lambda parameters: gamma_gamma_log_likelihood(parameters, spend_data(frequency, spend))[0],
        np.array(list(fit.model.parameters().values())))
    assert_recovered(fit.model.parameters(), truth.parameters(), dict(zip(("p", "q", "gamma"), errors, strict=True)))


def test_shifted_beta_geometric_recovers_parameters() -> None:
    truth = ShiftedBetaGeometric(alpha=0.7, beta=1.2)
    alive = simulate_survivors(truth, 200_000, 8, np.random.default_rng(14))
    fit = fit_shifted_beta_geometric(alive.tolist())
    # 200,000 subscribers: the estimates are within 5% (their standard errors are about 1.5%).
    assert fit.model.alpha == pytest.approx(0.7, rel=0.05)
    assert fit.model.beta == pytest.approx(1.2, rel=0.05)
