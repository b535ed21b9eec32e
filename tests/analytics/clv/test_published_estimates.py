"""The models reproduce the published maximum-likelihood estimates on the CDNOW sample and the
sBG cohort of Fader and Hardie (2007)."""

from datetime import date

import numpy as np
import polars as pl
import pytest

from lojal.analytics.clv import expected_purchases, fit_gamma_gamma, fit_purchase_model, fit_shifted_beta_geometric
from lojal.analytics.transactions import TransactionColumns, calibration_and_holdout, read_transactions
from tests.analytics.clv.conftest import DATA

WEEK = 7.0


def significant(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


def test_bg_nbd_published_cdnow_estimates(cdnow_summary) -> None:
    fit = fit_purchase_model("bg-nbd", *cdnow_summary, days_per_unit=WEEK)
    assert {name: round(value, 3) for name, value in fit.model.parameters().items()} == {
        "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(fit.log_likelihood, 1) == -9582.4
    assert (fit.customers, fit.repeat_buyers) == (2357, 946)
    # The worked example of the paper: x = 2, t_x = 30.43, T = 38.86 over the next 39 weeks.
    worked = expected_purchases(fit.model, 39.0, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert round(float(worked[0]), 3) == 1.226


def test_pareto_nbd_published_cdnow_estimates(cdnow_summary) -> None:
    """Fader, Hardie and Lee (2005): r = 0.55, alpha = 10.58, s = 0.61, beta = 11.67, LL = -9595.0."""
    fit = fit_purchase_model("pareto-nbd", *cdnow_summary, days_per_unit=WEEK)
    parameters = fit.model.parameters()
    assert (round(parameters["r"], 2), round(parameters["alpha"], 2), round(parameters["s"], 2),
            round(parameters["beta"], 1)) == (0.55, 10.58, 0.61, 11.7)
    assert round(fit.log_likelihood, 1) == -9595.0


def test_mbg_nbd_matches_btydplus_and_lifetimes(cdnow_summary) -> None:
    """BTYDplus (and lifetimes' test suite): r = 0.525, alpha = 6.183, a = 0.891, b = 1.614; lifetimes
    0.11.3 gives 1.2627 expected purchases for the worked example customer."""
    fit = fit_purchase_model("mbg-nbd", *cdnow_summary, days_per_unit=WEEK)
    assert {name: round(value, 3) for name, value in fit.model.parameters().items()} == {
        "r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    worked = expected_purchases(fit.model, 39.0, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert round(float(worked[0]), 4) == 1.2627
    # Nested in spirit: the MBG/NBD fits CDNOW about as well as the BG/NBD (-9582.1 against -9582.4).
    assert round(fit.log_likelihood, 1) == -9582.1


def test_summary_from_the_sample_transactions_is_the_published_summary(cdnow_summary) -> None:
    transactions = read_transactions(DATA / "cdnow" / "CDNOW_sample.txt", TransactionColumns("2", "3", "5"))
    summary = calibration_and_holdout(transactions, calibration_end=date(1997, 9, 30),
                                      observation_end=date(1998, 6, 30), time_unit="week")
    summary = summary.sort(pl.col("customer_id").cast(pl.Int64))
    frequency, recency, age = cdnow_summary
    assert np.array_equal(summary["frequency"].to_numpy(), frequency)
    assert np.allclose(summary["recency"].to_numpy(), recency, atol=0.005)
    assert np.allclose(summary["T"].to_numpy(), age, atol=0.005)


def test_gamma_gamma_published_cdnow_estimates() -> None:
    """Mean repeat spend over the calibration period, same-day purchases merged, first purchase
    left out: the 946 repeat buyers give p = 6.25, q = 3.74, gamma = 15.44."""
    transactions = read_transactions(DATA / "cdnow" / "CDNOW_sample.txt", TransactionColumns("2", "3", "5"))
    summary = calibration_and_holdout(transactions, calibration_end=date(1997, 9, 30),
                                      observation_end=date(1998, 6, 30), time_unit="week")
    fit = fit_gamma_gamma(summary["frequency"].to_numpy(), summary["monetary_value"].to_numpy())
    assert fit.repeat_buyers == 946
    assert {name: round(value, 2) for name, value in fit.model.parameters().items()} == {
        "p": 6.25, "q": 3.74, "gamma": 15.44}


def test_shifted_beta_geometric_published_estimates() -> None:
    frame = pl.read_csv(DATA / "retention" / "sbg_regular.csv")
    fit = fit_shifted_beta_geometric(frame["alive"].to_list()[:8])
    assert {name: round(value, 3) for name, value in fit.model.parameters().items()} == {"alpha": 0.704, "beta": 1.182}
    assert round(fit.log_likelihood, 1) == -1680.3
    # The paper's projection of years 8..12 stays within 4% of what happened.
    projected = fit.model.survival(12)[8:] * 1000
    assert np.allclose(projected, frame["alive"].to_numpy()[8:], rtol=0.04)


@pytest.mark.parametrize("name", ["bg-nbd", "mbg-nbd", "pareto-nbd"])
def test_time_unit_only_rescales_the_time_parameters(cdnow_summary, name: str) -> None:
    frequency, recency, age = cdnow_summary
    in_weeks = fit_purchase_model(name, frequency, recency, age, days_per_unit=WEEK)
    in_days = fit_purchase_model(name, frequency, recency * 7, age * 7)
    for parameter, value in in_weeks.model.parameters().items():
        scale = 7.0 if parameter in ("alpha", "beta") else 1.0
        assert in_days.model.parameters()[parameter] == pytest.approx(value * scale, rel=1e-4)
