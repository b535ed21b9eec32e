"""Customer purchase histories as the models see them: (frequency, recency, age) per customer.

``frequency`` (x) is the number of repeat purchases (purchase days after the first), ``recency``
(t_x) the time from the first to the last purchase, and ``age`` (T) the time from the first purchase
to the end of observation, all in one time unit (days or weeks). Identical (x, t_x, T) rows are
collapsed into weighted rows before fitting: the likelihood is a sum over customers, so a row
standing for w customers adds w times its log-likelihood."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from lojal.errors import ValidationFailed


class InsufficientData(ValidationFailed):
    """The data cannot support the model: a clear message instead of meaningless estimates."""

    code = "insufficient_data"


@dataclass(frozen=True)
class PurchaseHistories:
    """One row per distinct (frequency, recency, age), with the number of customers behind it."""

    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    weight: np.ndarray

    @property
    def customers(self) -> float:
        return float(self.weight.sum())

    @property
    def repeat_buyers(self) -> float:
        return float(self.weight[self.frequency > 0].sum())


@dataclass(frozen=True)
class MinimumData:
    """The least data a purchase model is fitted on (defaults suit a shop, not a textbook):
    enough customers, enough of them who bought again (the repeat buyers carry all the information
    about purchase rates and dropout), and a history spanning several typical purchase cycles."""

    customers: int = 100
    repeat_buyers: int = 20
    history_days: float = 56.0


def purchase_histories(frequency: object, recency: object, age: object) -> PurchaseHistories:
    """Validate per-customer arrays and collapse identical rows into weighted rows, sorted by
    (frequency, recency, age)."""
    frequency_array = np.asarray(frequency, dtype=np.float64).ravel()
    recency_array = np.asarray(recency, dtype=np.float64).ravel()
    age_array = np.asarray(age, dtype=np.float64).ravel()
    validate_histories(frequency_array, recency_array, age_array)
    collapsed = _collapse_whole_units(frequency_array, recency_array, age_array)
    if collapsed is not None:
        return collapsed
    frame = (pl.DataFrame({"frequency": frequency_array, "recency": recency_array, "age": age_array})
             .group_by("frequency", "recency", "age").len().sort("frequency", "recency", "age"))
    return PurchaseHistories(frame["frequency"].to_numpy(), frame["recency"].to_numpy(),
                             frame["age"].to_numpy(), frame["len"].to_numpy().astype(np.float64))


FIELD_BITS = 21
TIME_STEPS = (1.0, 7.0)
"""Recency and age that are whole multiples of 1 or of 1/7 (days in a day or week unit)."""


def _collapse_whole_units(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> PurchaseHistories | None:
    """The collapse as one integer sort: when recency and age are whole numbers of days (whole
    multiples of 1/steps for steps 1 or 7, reproduced exactly by k / steps) and all three fit in
    21 bits, each row is packed into one int64 (x, t_x, T) key. None when the data are not like
    that (the general group-by then runs)."""
    if frequency.size == 0 or float(frequency.max()) >= 2**FIELD_BITS:
        return None
    for steps in TIME_STEPS:
        recency_steps, age_steps = np.rint(recency * steps), np.rint(age * steps)
        if (float(age_steps.max()) < 2**FIELD_BITS and np.array_equal(recency_steps / steps, recency)
                and np.array_equal(age_steps / steps, age)):
            key = ((frequency.astype(np.int64) << (2 * FIELD_BITS)) | (recency_steps.astype(np.int64) << FIELD_BITS)
                   | age_steps.astype(np.int64))
            distinct, counts = np.unique(key, return_counts=True)
            mask = (1 << FIELD_BITS) - 1
            return PurchaseHistories((distinct >> (2 * FIELD_BITS)).astype(np.float64),
                                     ((distinct >> FIELD_BITS) & mask) / steps, (distinct & mask) / steps,
                                     counts.astype(np.float64))
    return None


def validate_histories(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> None:
    if not (frequency.shape == recency.shape == age.shape):
        raise ValidationFailed("frequency, recency and age must have the same length", field="frequency")
    if frequency.size == 0:
        raise InsufficientData("no customers to fit the model on", field="frequency")
    for name, values in (("frequency", frequency), ("recency", recency), ("age", age)):
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValidationFailed(f"{name} must be finite and not negative", field=name)
    if np.any(frequency != np.round(frequency)):
        raise ValidationFailed("frequency must be a whole number of repeat purchases", field="frequency")
    if np.any(recency > age + 1e-9):
        raise ValidationFailed("recency cannot exceed age (last purchase after the end of observation)",
                               field="recency")
    if np.any((frequency == 0) & (recency != 0)):
        raise ValidationFailed("a customer without repeat purchases must have recency 0", field="recency")


def check_minimum_data(histories: PurchaseHistories, minimum: MinimumData, days_per_unit: float) -> None:
    """Raise InsufficientData when the data are too thin for a purchase model."""
    if histories.customers < minimum.customers:
        raise InsufficientData(
            f"{histories.customers:.0f} customers: at least {minimum.customers} are needed to fit a purchase model")
    if histories.repeat_buyers < minimum.repeat_buyers:
        raise InsufficientData(
            f"{histories.repeat_buyers:.0f} customers bought more than once: at least {minimum.repeat_buyers} "
            "repeat buyers are needed to estimate purchase rates and dropout")
    history_days = float(histories.age.max()) * days_per_unit
    if history_days < minimum.history_days:
        raise InsufficientData(
            f"the history spans {history_days:.0f} days: at least {minimum.history_days:.0f} days are needed")
