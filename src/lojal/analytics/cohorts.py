"""Acquisition cohorts: customers grouped by the calendar month (or week) of their first order,
followed period by period after it.

Definitions (also in docs/analytics.md):
- cohort: the first day of the month (or Monday of the week) of the customer's first order in
  the whole frame.
- period_number: calendar periods since the cohort's period; 0 is the period of the first order.
- cohort_customers: customers in the cohort.
- active_customers: customers of the cohort with at least one order in that period.
- retention: active_customers / cohort_customers (period 0 is always 1.0).
- orders, net_revenue: orders, and amount minus refunded, of the cohort in that period.
- cumulative_net_revenue_per_customer: net revenue of the cohort from period 0 up to and
  including that period, divided by cohort_customers.

Every cohort gets a row for every period from 0 up to the last period observed (the period of the
last order, or of the instant just before ``end``), with zeros where nobody ordered, so the
output is the full triangle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import polars as pl

from lojal.analytics.order_frame import Transactions, customer_timeline, prepare_orders
from lojal.analytics.periods import Every, Moment, index_of, period_start_of_index, to_instant

COHORT_SCHEMA = {
    "cohort": pl.Date, "cohort_customers": pl.Int64, "period_number": pl.Int64,
    "active_customers": pl.Int64, "retention": pl.Float64, "orders": pl.Int64,
    "net_revenue": pl.Int64, "cumulative_net_revenue_per_customer": pl.Float64,
}
COHORT_VALUES = ("active_customers", "retention", "orders", "net_revenue", "cumulative_net_revenue_per_customer")


def cohort_table(
    transactions: Transactions,
    *,
    every: Every = "month",
    start: Moment | None = None,
    end: Moment | None = None,
    customer_ids: Iterable[object] | None = None,
) -> pl.DataFrame:
    """The long cohort frame (columns of ``COHORT_SCHEMA``; ``net_revenue`` is Float64 when the
    amounts are), sorted by cohort and period_number. Orders at or after ``end`` are ignored;
    ``start`` hides the cohorts acquired before it (their customers still belong to them)."""
    orders = prepare_orders(transactions, customer_ids)
    frame = orders.frame
    if end is not None:
        frame = frame.filter(pl.col("placed_at") < to_instant(end, orders.time_zone))
    if frame.height == 0:
        return pl.DataFrame(schema=COHORT_SCHEMA)
    timeline = customer_timeline(frame, every).with_columns(
        cohort_index=pl.when("first_of_customer").then(pl.col("period")).forward_fill(),
        net=(pl.col("amount") - pl.col("refunded")) if orders.has_amount else pl.lit(None, pl.Int64),
    )
    last_index = timeline["period"].max()
    if end is not None:
        last_index = index_of(to_instant(end, orders.time_zone) - timedelta(microseconds=1), every)
    cells = timeline.group_by("cohort_index", period_number=pl.col("period") - pl.col("cohort_index")).agg(
        active_customers=pl.col("first_in_period").sum().cast(pl.Int64),
        orders=pl.len().cast(pl.Int64),
        net_revenue=pl.col("net").sum(),
    )
    sizes = timeline.filter("first_of_customer").group_by("cohort_index").agg(
        cohort_customers=pl.len().cast(pl.Int64))
    if start is not None:
        sizes = sizes.filter(pl.col("cohort_index") >= index_of(to_instant(start, orders.time_zone), every))
    return _full_triangle(sizes, cells, last_index, every, orders.has_amount)


def _full_triangle(sizes: pl.DataFrame, cells: pl.DataFrame, last_index: int, every: Every,
                   has_amount: bool) -> pl.DataFrame:
    grid = sizes.with_columns(
        period_number=pl.int_ranges(0, last_index - pl.col("cohort_index") + 1, dtype=pl.Int64),
    ).explode("period_number")
    table = (
        grid.join(cells, on=["cohort_index", "period_number"], how="left")
        .with_columns(pl.col("active_customers", "orders", "net_revenue").fill_null(0))
        .sort("cohort_index", "period_number")
        .with_columns(
            cohort=period_start_of_index(pl.col("cohort_index"), every),
            retention=pl.col("active_customers") / pl.col("cohort_customers"),
            cumulative_net_revenue_per_customer=(
                pl.col("net_revenue").cum_sum().over("cohort_index") / pl.col("cohort_customers")),
        )
    )
    money_type = table.schema["net_revenue"] if has_amount else pl.Int64
    if not has_amount:
        table = table.with_columns(net_revenue=pl.lit(None), cumulative_net_revenue_per_customer=pl.lit(None))
    schema = COHORT_SCHEMA | {"net_revenue": money_type}
    return table.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def cohort_matrix(cohorts: pl.DataFrame, value: str = "retention") -> pl.DataFrame:
    """The long cohort frame pivoted to a matrix: one row per cohort (with its size), one column
    per period number ("0", "1", ...), cells holding ``value`` (one of ``COHORT_VALUES``); cells
    not yet observed are null."""
    if value not in COHORT_VALUES:
        raise ValueError(f"value must be one of {', '.join(COHORT_VALUES)}, not {value!r}")
    if cohorts.height == 0:
        return pl.DataFrame(schema={"cohort": pl.Date, "cohort_customers": pl.Int64})
    wide = cohorts.sort("period_number", "cohort").pivot(
        on="period_number", index=["cohort", "cohort_customers"], values=value)
    return wide.sort("cohort")
