"""What the admin pages read of a shop's stored analytics: the latest run, a customer's latest
results, the R x FM grid and the distribution of predicted CLV over the stored per-customer rows,
the most valuable customers and those at risk. Counts and sums are computed by the database;
every read filters by shop. Nothing here writes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lojal.analytics import queries
from lojal.models import AnalyticsRun, Customer, CustomerPrediction, Shop

HISTOGRAM_BINS = 20
HISTOGRAM_QUANTILE = 0.98
"""The bins cover predicted CLV up to this quantile; the customers above share one open last bin,
so a few very valuable customers do not squeeze everyone else into the first bar."""


@dataclass(frozen=True)
class HistogramBin:
    low: int
    """Minor units, included."""
    high: int | None
    """Minor units, excluded; None for the open last bin."""
    customers: int


def latest_run(session: Session, shop: Shop) -> AnalyticsRun | None:
    return queries.latest_run(session, shop.id)


def prediction_of(session: Session, shop: Shop, customer_id: int) -> CustomerPrediction | None:
    """The customer's row of the latest run (None before a run or without an order then)."""
    return queries.prediction(session, shop.id, customer_id)


def churn_risk_bands(session: Session, shop: Shop) -> dict[str, int]:
    """Customers per churn-risk band (low, medium, high; ``none`` without a model)."""
    return queries.prediction_counts(session, shop.id)


def most_valuable(session: Session, shop: Shop, limit: int = 10) -> list[tuple[CustomerPrediction, Customer]]:
    return queries.top_by_predicted_clv(session, shop.id, limit)


def at_risk(session: Session, shop: Shop, limit: int = 10) -> list[tuple[CustomerPrediction, Customer]]:
    """High churn risk, the most valuable first."""
    return queries.at_risk(session, shop.id, limit, "high")


def rfm_grid(session: Session, shop: Shop) -> dict[tuple[int, int], int]:
    """Customers per (R, FM) cell of the latest run; FM = (F + M + 1) // 2 as in ``rfm``."""
    frequency_monetary = (CustomerPrediction.frequency_score + CustomerPrediction.monetary_score + 1) // 2
    rows = session.execute(select(CustomerPrediction.recency_score, frequency_monetary, func.count())
                           .where(CustomerPrediction.shop_id == shop.id)
                           .group_by(CustomerPrediction.recency_score, frequency_monetary))
    return {(int(recency), int(fm)): int(count) for recency, fm, count in rows}


def clv_distribution(session: Session, shop: Shop, bins: int = HISTOGRAM_BINS) -> list[HistogramBin]:
    """Customers by predicted CLV in equal bins of a round width (whole currency units), up to the
    98th percentile, with an open last bin for the rest. Empty when no CLV is stored."""
    has_clv = (CustomerPrediction.shop_id == shop.id) & CustomerPrediction.predicted_clv.is_not(None)
    count, maximum = session.execute(select(func.count(), func.max(CustomerPrediction.predicted_clv))
                                     .where(has_clv)).one()
    if not count:
        return []
    position = int((count - 1) * HISTOGRAM_QUANTILE)
    upper = session.scalar(select(CustomerPrediction.predicted_clv).where(has_clv)
                           .order_by(CustomerPrediction.predicted_clv).offset(position).limit(1)) or 0
    width = round_width(max(upper, 1) / bins)
    open_from = width * bins
    if maximum < open_from:
        bins = max(1, maximum // width + 1)
        open_from = None
    clv = CustomerPrediction.predicted_clv
    bucket = case((clv >= open_from, bins), else_=clv // width) if open_from else clv // width
    counts = {int(index): int(customers) for index, customers in
              session.execute(select(bucket, func.count()).where(has_clv).group_by(bucket))}
    last = bins if open_from else bins - 1
    return [HistogramBin(index * width, None if open_from and index == bins else (index + 1) * width,
                         counts.get(index, 0)) for index in range(last + 1)]


def round_width(raw: float, unit: int = 100) -> int:
    """The smallest of 1, 2, 2.5, 5 x 10^k whole units (``unit`` minor units each) at least ``raw``."""
    units = max(raw / unit, 1.0)
    power = 10 ** math.floor(math.log10(units))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= units:
            return int(step * power * unit)
    return int(10 * power * unit)  # pragma: no cover - the loop ends at 10
