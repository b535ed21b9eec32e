from datetime import date

import numpy as np
import pytest

from lojal.analytics.clv import choose_model, fit_gamma_gamma, fit_purchase_model, fit_shifted_beta_geometric
from lojal.analytics.clv import holdout_data, holdout_report
from lojal.analytics.clv.history import InsufficientData
from lojal.analytics.transactions import TransactionColumns, calibration_and_holdout, read_transactions
from lojal.errors import ValidationFailed
from tests.analytics.clv.conftest import DATA


@pytest.fixture(scope="module")
def cdnow_holdout():
    transactions = read_transactions(DATA / "cdnow" / "CDNOW_sample.txt", TransactionColumns("2", "3", "5"))
    summary = calibration_and_holdout(transactions, calibration_end=date(1997, 9, 30),
                                      observation_end=date(1998, 6, 30), time_unit="week")
    return holdout_data(summary["frequency"], summary["recency"], summary["T"], summary["frequency_holdout"],
                        float(summary["duration_holdout"][0]))


def test_holdout_report_by_calibration_frequency(cdnow_holdout) -> None:
    fit = fit_purchase_model("bg-nbd", cdnow_holdout.frequency, cdnow_holdout.recency, cdnow_holdout.age,
                             days_per_unit=7)
    report = holdout_report(fit.model, cdnow_holdout)
    assert cdnow_holdout.holdout_duration == 39.0
    assert [group.calibration_frequency for group in report.groups] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert [group.customers for group in report.groups] == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert report.actual_total == 1882  # the papers' 1,882 holdout repeat transactions
    assert report.groups[0].actual_mean == pytest.approx(334 / 1411)
    # Fader, Hardie and Lee (2005): the BG/NBD predicts 1,652 holdout transactions.
    assert report.predicted_total == pytest.approx(1652, abs=2)
    assert 0.7 < report.mean_absolute_error < 0.9


def test_choose_model_by_holdout_error(cdnow_holdout) -> None:
    choice = choose_model(cdnow_holdout, days_per_unit=7)
    errors = {report.model: report.mean_absolute_error for report in choice.reports}
    assert set(errors) == {"bg-nbd", "mbg-nbd", "pareto-nbd"}
    assert choice.chosen.model.name == min(errors, key=errors.get)


def test_spend_model_and_retention_refusals() -> None:
    with pytest.raises(InsufficientData, match="repeat buyers"):
        fit_gamma_gamma([1, 2, 0], [10.0, 12.0, np.nan])
    with pytest.raises(ValidationFailed, match="positive amounts"):
        fit_gamma_gamma([1] * 30, [10.0] * 29 + [-5.0])
    with pytest.raises(ValidationFailed, match="cannot rise"):
        fit_shifted_beta_geometric([1000, 600, 700])
    with pytest.raises(InsufficientData, match="nobody churned"):
        fit_shifted_beta_geometric([1000, 1000, 1000])
    with pytest.raises(InsufficientData, match="three periods"):
        fit_shifted_beta_geometric([1000, 600])


def test_a_model_whose_holdout_predictions_are_not_finite_is_refused_not_chosen(cdnow_holdout, monkeypatch) -> None:
    from lojal.analytics.clv import validation

    honest = validation.holdout_report

    def broken_for_bg_nbd(model, data):  # type: ignore[no-untyped-def]
        report = honest(model, data)
        if report.model == "bg-nbd":
            return validation.HoldoutReport(report.model, report.groups, report.actual_total, float("nan"), float("nan"))
        return report

    monkeypatch.setattr(validation, "holdout_report", broken_for_bg_nbd)
    choice = validation.choose_model(cdnow_holdout, ("bg-nbd", "mbg-nbd"), days_per_unit=7)
    assert choice.chosen.model.name == "mbg-nbd" and "not finite" in choice.refused["bg-nbd"]
    assert [report.model for report in choice.reports] == ["mbg-nbd"]
