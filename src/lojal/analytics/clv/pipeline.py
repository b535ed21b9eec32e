"""From a transactions frame to fitted models and per-customer predictions: what the command line
(and later the nightly job) runs. Without a calibration end, the models are fitted on all the
data and predict from the end of observation. With one, the models are fitted on the calibration
period, predictions are made as of the calibration end, and the holdout period checks them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from lojal.analytics.clv.fitting import PurchaseModelFit, fit_purchase_model
from lojal.analytics.clv.gamma_gamma import GammaGammaFit, fit_gamma_gamma
from lojal.analytics.clv.history import MinimumData
from lojal.analytics.clv.predictions import DAYS_PER_UNIT, PredictionSettings, predict_customers
from lojal.analytics.clv.validation import HoldoutReport, choose_model, holdout_data, holdout_report
from lojal.analytics.transactions import calibration_and_holdout, customer_summary
from lojal.errors import ValidationFailed

AUTOMATIC = "auto"
# Beyond three years the median wait says "not expected to order again", not a date: left empty.
NEXT_ORDER_LIMIT_DAYS = 3 * 365


@dataclass(frozen=True)
class ClvOptions:
    model: str = "bg-nbd"
    time_unit: str = "day"
    observation_end: date | None = None
    calibration_end: date | None = None
    horizon_months: float = 12.0
    monthly_discount_rate: float = 0.01
    minimum: MinimumData = field(default_factory=MinimumData)


@dataclass(frozen=True)
class ClvResult:
    fit: PurchaseModelFit
    spend_fit: GammaGammaFit | None
    predictions: pl.DataFrame
    as_of: date
    holdout: HoldoutReport | None
    compared: tuple[HoldoutReport, ...] = ()


def run_clv(transactions: pl.DataFrame, options: ClvOptions) -> ClvResult:
    settings = PredictionSettings(options.horizon_months, options.monthly_discount_rate, options.time_unit)
    if options.model == AUTOMATIC and options.calibration_end is None:
        raise ValidationFailed("choosing the model automatically needs a calibration end (the holdout decides)",
                               field="model")
    if options.calibration_end is None:
        as_of = options.observation_end or transactions["date"].max()
        summary = customer_summary(transactions, observation_end=as_of, time_unit=options.time_unit)
        histories = _columns(summary)
        fit = fit_purchase_model(options.model, *histories, minimum=options.minimum,
                                 days_per_unit=DAYS_PER_UNIT[options.time_unit])
        holdout, compared = None, ()
    else:
        as_of = options.calibration_end
        summary = calibration_and_holdout(transactions, calibration_end=as_of,
                                          observation_end=options.observation_end, time_unit=options.time_unit)
        histories = _columns(summary)
        data = holdout_data(*histories, summary["frequency_holdout"].to_numpy(), float(summary["duration_holdout"][0]))
        fit, holdout, compared = _fit_with_holdout(options, histories, data)
    spend_fit = None
    if "monetary_value" in summary.columns:
        spend_fit = fit_gamma_gamma(summary["frequency"].to_numpy(), summary["monetary_value"].to_numpy())
    predictions = _prediction_frame(summary, fit, spend_fit, settings, as_of)
    return ClvResult(fit=fit, spend_fit=spend_fit, predictions=predictions, as_of=as_of, holdout=holdout,
                     compared=compared)


def _fit_with_holdout(options: ClvOptions, histories: tuple[np.ndarray, ...], data) -> tuple:  # type: ignore[no-untyped-def]
    days_per_unit = DAYS_PER_UNIT[options.time_unit]
    if options.model == AUTOMATIC:
        choice = choose_model(data, minimum=options.minimum, days_per_unit=days_per_unit)
        chosen = next(report for report in choice.reports if report.model == choice.chosen.model.name)
        return choice.chosen, chosen, choice.reports
    fit = fit_purchase_model(options.model, *histories, minimum=options.minimum, days_per_unit=days_per_unit)
    return fit, holdout_report(fit.model, data), ()


def _columns(summary: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (summary["frequency"].to_numpy().astype(np.float64), summary["recency"].to_numpy(),
            summary["T"].to_numpy())


def _prediction_frame(summary: pl.DataFrame, fit: PurchaseModelFit, spend_fit: GammaGammaFit | None,
                      settings: PredictionSettings, as_of: date) -> pl.DataFrame:
    mean_spend = summary["monetary_value"].to_numpy() if spend_fit is not None else None
    predictions = predict_customers(fit.model, *_columns(summary), settings=settings,
                                    spend_model=spend_fit.model if spend_fit else None, mean_spend=mean_spend)
    days = predictions.pop("days_to_next_order")
    kept = [column for column in ("customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase",
                                  "last_purchase") if column in summary.columns]
    frame = summary.select(kept).with_columns(pl.Series(name, values) for name, values in predictions.items())
    days_series = pl.Series("days", np.where(days <= NEXT_ORDER_LIMIT_DAYS, np.round(days), np.nan)).fill_nan(None)
    next_order = pl.lit(as_of) + pl.duration(days=days_series.cast(pl.Int64))
    return frame.with_columns(next_order.alias("next_order_date"))
