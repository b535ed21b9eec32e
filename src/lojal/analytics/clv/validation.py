"""Calibration/holdout validation: fit on the calibration period, predict the holdout period, and
compare with what customers actually did (Fader, Hardie and Lee 2005, figure 4 and table 2).

The table groups customers by their calibration frequency (0, 1, ..., 6 and 7+) and gives, per
group, the number of customers, the actual and the predicted mean number of holdout purchases.
The totals compare the predicted and actual holdout purchases of all customers; the
customer-level mean absolute error (MAE) is the criterion for choosing between models: the lower,
the better (it rewards getting individual customers right, not only the aggregate)."""

from __future__ import annotations

import math

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lojal.analytics.clv.fitting import PurchaseModel, PurchaseModelFit, fit_histories
from lojal.analytics.clv.history import InsufficientData, MinimumData, purchase_histories
from lojal.analytics.clv.predictions import expected_purchases
from lojal.errors import ValidationFailed

TOP_FREQUENCY_GROUP = 7


@dataclass(frozen=True)
class HoldoutGroup:
    calibration_frequency: str
    customers: int
    actual_mean: float
    predicted_mean: float


@dataclass(frozen=True)
class HoldoutReport:
    model: str
    groups: tuple[HoldoutGroup, ...]
    actual_total: float
    predicted_total: float
    mean_absolute_error: float

    def as_dict(self) -> dict[str, object]:
        return {"model": self.model, "groups": [group.__dict__ for group in self.groups],
                "actual_total": self.actual_total, "predicted_total": self.predicted_total,
                "mean_absolute_error": self.mean_absolute_error}


@dataclass(frozen=True)
class HoldoutData:
    """Calibration histories and holdout outcomes, one entry per customer."""

    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    holdout_purchases: np.ndarray
    holdout_duration: float


def holdout_data(frequency: object, recency: object, age: object, holdout_purchases: object,
                 holdout_duration: float) -> HoldoutData:
    arrays = [np.asarray(value, dtype=np.float64).ravel() for value in (frequency, recency, age, holdout_purchases)]
    if len({array.size for array in arrays}) != 1:
        raise ValidationFailed("calibration and holdout columns must have the same length", field="holdout")
    if not holdout_duration > 0:
        raise ValidationFailed("the holdout period must be longer than zero", field="calibration_end")
    return HoldoutData(*arrays, holdout_duration=float(holdout_duration))


def holdout_report(model: PurchaseModel, data: HoldoutData) -> HoldoutReport:
    predicted = expected_purchases(model, data.holdout_duration, data.frequency, data.recency, data.age)
    actual = data.holdout_purchases
    group_index = np.minimum(data.frequency, TOP_FREQUENCY_GROUP).astype(np.int64)
    groups = []
    for index in range(TOP_FREQUENCY_GROUP + 1):
        members = group_index == index
        if not members.any():
            continue
        label = f"{index}+" if index == TOP_FREQUENCY_GROUP else str(index)
        groups.append(HoldoutGroup(label, int(members.sum()), float(actual[members].mean()),
                                   float(predicted[members].mean())))
    return HoldoutReport(model=model.name, groups=tuple(groups), actual_total=float(actual.sum()),
                         predicted_total=float(predicted.sum()),
                         mean_absolute_error=float(np.abs(predicted - actual).mean()))


@dataclass(frozen=True)
class ModelChoice:
    chosen: PurchaseModelFit
    reports: tuple[HoldoutReport, ...]
    refused: dict[str, str]


def choose_model(data: HoldoutData, candidates: Sequence[str] = ("bg-nbd", "mbg-nbd", "pareto-nbd"), *,
                 minimum: MinimumData | None = MinimumData(), days_per_unit: float = 1.0) -> ModelChoice:
    """Fit each candidate on the calibration period; choose the lowest holdout MAE. A candidate
    that cannot be fitted is reported in ``refused`` with the reason."""
    histories = purchase_histories(data.frequency, data.recency, data.age)
    best: tuple[float, PurchaseModelFit] | None = None
    reports, refused = [], {}
    for name in candidates:
        try:
            fit = fit_histories(name, histories, minimum=minimum, days_per_unit=days_per_unit)
        except InsufficientData as error:
            refused[name] = error.message
            continue
        report = holdout_report(fit.model, data)
        if not math.isfinite(report.mean_absolute_error):
            refused[name] = "its predictions of the holdout are not finite numbers on these data"
            continue
        reports.append(report)
        if best is None or report.mean_absolute_error < best[0]:
            best = (report.mean_absolute_error, fit)
    if best is None:
        raise InsufficientData("no model could be fitted: " + "; ".join(f"{name}: {reason}" for name, reason in refused.items()))
    return ModelChoice(chosen=best[1], reports=tuple(reports), refused=refused)
