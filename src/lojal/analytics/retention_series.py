"""Retention over time, one row per calendar month (or week), for charts.

Each row holds, for its period, the same quantities as ``metrics.PeriodMetrics`` with the same
definitions: customers, new and returning customers, repeat purchase rate, the period-over-period
retention rate (against the period just before) and the classic CRR = (E - N) / S with its
churn rate. It is computed in one pass over all periods (no loop over periods or customers), and
a test checks each row against ``metrics.period_metrics``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from lojal.analytics.order_frame import Transactions, customer_timeline, prepare_orders
from lojal.analytics.periods import (
    Every,
    Moment,
    index_of,
    period_start_of_index,
    start_of_index,
    to_instant,
)

SERIES_SCHEMA = {
    "period_start": pl.Date, "customers": pl.Int64, "new_customers": pl.Int64,
    "returning_customers": pl.Int64, "orders": pl.Int64, "repeat_customers": pl.Int64,
    "repeat_purchase_rate": pl.Float64, "previous_customers": pl.Int64, "retained_customers": pl.Int64,
    "retention_rate_period_over_period": pl.Float64, "active_at_start": pl.Int64,
    "active_at_end": pl.Int64, "retention_rate": pl.Float64, "churn_rate": pl.Float64,
}


def retention_series(
    transactions: Transactions,
    start: Moment | None = None,
    end: Moment | None = None,
    *,
    every: Every = "month",
    active_window_days: int = 365,
    customer_ids: Iterable[object] | None = None,
) -> pl.DataFrame:
    """One row per month (or Monday-to-Sunday week) from the period holding ``start`` to the one
    holding the instant just before ``end`` (default: the first and last order), columns as in
    ``SERIES_SCHEMA``. Rates with a zero denominator are null."""
    orders = prepare_orders(transactions, customer_ids)
    if orders.is_empty:
        return pl.DataFrame(schema=SERIES_SCHEMA)
    timeline = customer_timeline(orders.frame.select("customer_id", "placed_at"), every)
    first_index = (index_of(to_instant(start, orders.time_zone), every)
                   if start is not None else timeline["period"].min())
    last_index = (index_of(to_instant(end, orders.time_zone) - timedelta(microseconds=1), every)
                  if end is not None else timeline["period"].max())
    if last_index < first_index:
        return pl.DataFrame(schema=SERIES_SCHEMA)
    indexes = pl.DataFrame({"period": pl.int_range(first_index - 1, last_index + 1, eager=True)})
    counts = indexes.join(_counts_per_period(timeline), on="period", how="left").fill_null(0)
    counts = counts.with_columns(previous_customers=pl.col("customers").shift(1)).slice(1)
    boundaries = [start_of_index(index, every) for index in range(first_index, last_index + 2)]
    active = _active_counts(timeline, boundaries, timedelta(days=active_window_days))
    counts = counts.with_columns(
        active_at_start=pl.Series(active[:-1], dtype=pl.Int64),
        active_at_end=pl.Series(active[1:], dtype=pl.Int64),
    )
    return _with_rates(counts, every)


def _counts_per_period(timeline: pl.DataFrame) -> pl.DataFrame:
    return timeline.group_by("period").agg(
        customers=pl.col("first_in_period").sum().cast(pl.Int64),
        new_customers=pl.col("first_of_customer").sum().cast(pl.Int64),
        orders=pl.len().cast(pl.Int64),
        repeat_customers=pl.col("second_in_period").sum().cast(pl.Int64),
        retained_customers=pl.col("follows_previous_period").sum().cast(pl.Int64),
    )


def _active_counts(timeline: pl.DataFrame, boundaries: list[datetime], window: timedelta) -> np.ndarray:
    """How many customers had an order in [t - window, t) at each boundary t.

    A customer's orders form spells of activity: consecutive orders at most ``window`` apart.
    A spell from first order p to last order q makes its customer active exactly for
    t in (p, q + window], and one customer's spells never overlap, so the active count at t is the
    number of spells started before t minus the number ended before t.
    """
    window_microseconds = int(window / timedelta(microseconds=1))
    at = pl.col("placed_at").dt.epoch("us")
    spells = timeline.select(
        at=at,
        starts_spell=pl.col("first_of_customer") | (at - at.shift(1) > window_microseconds),
    ).with_columns(ends_spell=pl.col("starts_spell").shift(-1).fill_null(True))
    starts = np.sort(spells.filter("starts_spell")["at"].to_numpy())
    ends = np.sort(spells.filter("ends_spell")["at"].to_numpy() + window_microseconds)
    instants = np.array([np.datetime64(moment, "us").astype(np.int64) for moment in boundaries])
    return np.searchsorted(starts, instants, side="left") - np.searchsorted(ends, instants, side="left")


def _with_rates(counts: pl.DataFrame, every: Every) -> pl.DataFrame:
    def share(numerator: pl.Expr, denominator: str) -> pl.Expr:
        return pl.when(pl.col(denominator) > 0).then(numerator / pl.col(denominator)).otherwise(None)

    retention_rate = share(pl.col("active_at_end") - pl.col("new_customers"), "active_at_start")
    return counts.with_columns(
        period_start=period_start_of_index(pl.col("period"), every),
        returning_customers=pl.col("customers") - pl.col("new_customers"),
        repeat_purchase_rate=share(pl.col("repeat_customers"), "customers"),
        retention_rate_period_over_period=share(pl.col("retained_customers"), "previous_customers"),
        retention_rate=retention_rate,
        churn_rate=1 - retention_rate,
    ).select([pl.col(name).cast(dtype) for name, dtype in SERIES_SCHEMA.items()])
