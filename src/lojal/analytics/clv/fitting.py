"""Fit a purchase model (BG/NBD, MBG/NBD or Pareto/NBD) by maximum likelihood."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from lojal.analytics.clv.bg_nbd import (
    BgNbd,
    bg_nbd_log_likelihood,
    bg_nbd_starts,
    index_histories,
)
from lojal.analytics.clv.history import (
    MinimumData,
    PurchaseHistories,
    check_minimum_data,
    purchase_histories,
)
from lojal.analytics.clv.mbg_nbd import MbgNbd
from lojal.analytics.clv.optimize import (
    POLISH_FALLBACK_ITERATIONS,
    maximise,
    observed_information_standard_errors,
    polish,
    require_convergence,
)
from lojal.analytics.clv.pareto_nbd import (
    ParetoNbd,
    pareto_nbd_log_likelihood,
    pareto_nbd_starts,
)
from lojal.errors import ValidationFailed

WARM_START_ROWS = 20_000
PurchaseModel = BgNbd | MbgNbd | ParetoNbd
ModelName = Literal["bg-nbd", "mbg-nbd", "pareto-nbd"]
PURCHASE_MODELS: dict[str, type[BgNbd | MbgNbd | ParetoNbd]] = {
    "bg-nbd": BgNbd, "mbg-nbd": MbgNbd, "pareto-nbd": ParetoNbd}


@dataclass(frozen=True)
class PurchaseModelFit:
    model: PurchaseModel
    log_likelihood: float
    customers: int
    repeat_buyers: int
    distinct_histories: int
    iterations: int


def fit_purchase_model(name: str, frequency: object, recency: object, age: object, *,
                       minimum: MinimumData | None = MinimumData(), days_per_unit: float = 1.0) -> PurchaseModelFit:
    """Collapse identical histories, check the minimum-data rules (``minimum=None`` skips them),
    and fit the named model."""
    return fit_histories(name, purchase_histories(frequency, recency, age), minimum=minimum,
                         days_per_unit=days_per_unit)


def fit_histories(name: str, histories: PurchaseHistories, *, minimum: MinimumData | None = MinimumData(),
                  days_per_unit: float = 1.0) -> PurchaseModelFit:
    model_class = model_class_of(name)
    if minimum is not None:
        check_minimum_data(histories, minimum, days_per_unit)
    log_likelihood, has_gradient, starts = _likelihood_of(name, histories)
    if histories.frequency.size > WARM_START_ROWS:
        subset = _subset(histories)
        subset_log_likelihood, _, subset_starts = _likelihood_of(name, subset)
        warm = maximise(subset_log_likelihood, subset_starts, total_weight=subset.customers, has_gradient=True,
                        model_name=name)
        require_convergence(warm, name)  # the full data would not do better, only take longer
        optimum = polish(log_likelihood, warm.parameters, total_weight=histories.customers,
                         subset_log_likelihood=subset_log_likelihood, subset_weight=subset.customers)
        if optimum is None:
            optimum = maximise(log_likelihood, [warm.parameters.tolist()], total_weight=histories.customers,
                               has_gradient=True, model_name=name, max_iterations=POLISH_FALLBACK_ITERATIONS)
    else:
        optimum = maximise(log_likelihood, starts, total_weight=histories.customers, has_gradient=has_gradient,
                           model_name=name)
    require_convergence(optimum, name)
    return PurchaseModelFit(model=model_class(*(float(value) for value in optimum.parameters)),
                            log_likelihood=optimum.log_likelihood, customers=int(histories.customers),
                            repeat_buyers=int(histories.repeat_buyers),
                            distinct_histories=int(histories.frequency.size), iterations=optimum.iterations)


def _subset(histories: PurchaseHistories) -> PurchaseHistories:
    """An evenly spread subset of about WARM_START_ROWS rows (rows are sorted by frequency,
    recency and age, so every stride-th row spans them all). Its optimum is a start close to the
    full optimum, and its Hessian steers the full-data Newton steps (``optimize.polish``); the
    result is the full-data optimum."""
    stride = histories.frequency.size // WARM_START_ROWS + 1
    return PurchaseHistories(histories.frequency[::stride], histories.recency[::stride], histories.age[::stride],
                             histories.weight[::stride])


def model_class_of(name: str) -> type[BgNbd | MbgNbd | ParetoNbd]:
    if name not in PURCHASE_MODELS:
        raise ValidationFailed(f"unknown model {name!r}: choose one of {', '.join(PURCHASE_MODELS)}", field="model")
    return PURCHASE_MODELS[name]


def _likelihood_of(name: str, histories: PurchaseHistories) -> tuple[Callable, bool, list[list[float]]]:
    if name == "pareto-nbd":
        return (lambda parameters: pareto_nbd_log_likelihood(parameters, histories)), True, pareto_nbd_starts(histories)
    shift = 1.0 if name == "mbg-nbd" else 0.0
    indexed = index_histories(histories)
    return ((lambda parameters: bg_nbd_log_likelihood(parameters, indexed, shift)), True,
            bg_nbd_starts(histories))


def standard_errors(fit: PurchaseModelFit, histories: PurchaseHistories) -> dict[str, float]:
    """Asymptotic standard errors of the estimates (inverse observed information)."""
    log_likelihood, has_gradient, _ = _likelihood_of(fit.model.name, histories)

    def value(parameters: np.ndarray) -> float:
        result = log_likelihood(parameters)
        return float(result[0] if has_gradient else result)

    parameters = np.array(list(fit.model.parameters().values()))
    errors = observed_information_standard_errors(value, parameters)
    return dict(zip(fit.model.parameter_names, (float(error) for error in errors), strict=True))
