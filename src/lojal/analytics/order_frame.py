"""One shape of orders for every metric: the input contract of the analytics, checked and
normalised once.

Input: a Polars DataFrame or LazyFrame with
- ``customer_id`` (text or integer),
- ``placed_at`` (Datetime, with or without a time zone, or Date),
- optional ``amount`` (integer minor units in the product, or floats from an analyst's file),
- optional ``refunded`` (same unit as amount; missing means nothing refunded),
- optional ``cost`` (cost of the goods the customer kept, for margin),
- optional ``order_id``: when present, rows are order lines and are summed per
  (customer_id, order_id) into one order placed at the line's earliest ``placed_at``; when
  absent, every row is one order.

Output: one row per order with ``customer_id``, ``placed_at`` (naive Datetime in microseconds:
wall-clock time in the data's own time zone), ``amount``, ``refunded`` and, if given, ``cost``.
Rows without a customer or a time are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from lojal.analytics.periods import Every, period_index

Transactions = pl.DataFrame | pl.LazyFrame

REQUIRED_COLUMNS = ("customer_id", "placed_at")


@dataclass(frozen=True)
class Orders:
    """Orders in the normalised shape, and what the input held."""

    frame: pl.DataFrame
    has_amount: bool
    has_cost: bool
    time_zone: str | None

    @property
    def is_empty(self) -> bool:
        return self.frame.height == 0


def prepare_orders(transactions: Transactions, customer_ids: Iterable[object] | None = None) -> Orders:
    """Check the input contract and return one row per order; ``customer_ids``, when given, keeps
    only those customers (a tier, a B2B group)."""
    lazy = transactions.lazy()
    schema = lazy.collect_schema()
    missing = [name for name in REQUIRED_COLUMNS if name not in schema]
    if missing:
        raise ValueError(f"the transactions lack the column(s) {', '.join(missing)}")
    time_zone = _time_zone_of(schema["placed_at"])
    money_type = _money_type(schema.get("amount"))
    columns = [
        pl.col("customer_id"),
        _placed_at_expression(schema["placed_at"]),
        _money_column(schema, "amount", money_type, default=None),
        _money_column(schema, "refunded", money_type, default=0),
    ]
    if "cost" in schema:
        columns.append(_money_column(schema, "cost", _money_type(schema["cost"]), default=None))
    if "order_id" in schema:
        columns.append(pl.col("order_id"))
    lazy = lazy.select(columns).drop_nulls(["customer_id", "placed_at"])
    if customer_ids is not None:
        wanted = pl.Series(list(customer_ids)).cast(schema["customer_id"])
        lazy = lazy.filter(pl.col("customer_id").is_in(wanted.implode()))
    if "order_id" in schema:
        lazy = _sum_lines_into_orders(lazy, has_cost="cost" in schema)
    return Orders(lazy.collect(), has_amount="amount" in schema, has_cost="cost" in schema, time_zone=time_zone)


def _placed_at_expression(dtype: pl.DataType) -> pl.Expr:
    column = pl.col("placed_at")
    if dtype == pl.Date:
        return column.cast(pl.Datetime("us"))
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            column = column.dt.replace_time_zone(None)
        return column.cast(pl.Datetime("us"))
    raise ValueError(f"placed_at must be a Date or Datetime column, not {dtype}: parse it first")


def _time_zone_of(dtype: pl.DataType) -> str | None:
    return dtype.time_zone if isinstance(dtype, pl.Datetime) else None


def _money_type(dtype: pl.DataType | None) -> pl.DataType:
    if dtype is None or dtype.is_integer():
        return pl.Int64
    if dtype.is_numeric():
        return pl.Float64
    raise ValueError(f"money columns must be numeric, not {dtype}")


def _money_column(schema: pl.Schema, name: str, money_type: pl.DataType, default: int | None) -> pl.Expr:
    if name not in schema:
        return pl.lit(default, dtype=money_type).alias(name)
    _money_type(schema[name])
    column = pl.col(name).cast(money_type)
    return column.fill_null(default) if default is not None else column


def _sum_lines_into_orders(lazy: pl.LazyFrame, has_cost: bool) -> pl.LazyFrame:
    sums = [pl.col("placed_at").min(), pl.col("amount").sum(), pl.col("refunded").sum()]
    if has_cost:
        # One line of unknown cost makes the order's cost unknown.
        cost = pl.when(pl.col("cost").null_count() > 0).then(None).otherwise(pl.col("cost").sum())
        sums.append(cost.alias("cost"))
    return lazy.group_by("customer_id", "order_id").agg(sums).drop("order_id")


def customer_timeline(frame: pl.DataFrame, every: Every) -> pl.DataFrame:
    """The orders sorted by customer then time, with their calendar ``period`` (see
    ``periods.period_index``) and flags that make per-customer questions linear passes instead of
    group_bys over a million customers:

    - ``first_of_customer``: the customer's first order;
    - ``first_in_period``: the customer's first order in this period;
    - ``second_in_period``: the customer's second order in this period (they bought 2+ times);
    - ``follows_previous_period``: ``first_in_period`` and the customer's previous order lies in
      the period just before.
    """
    customer, period = pl.col("customer_id"), pl.col("period")
    return (
        frame.sort("customer_id", "placed_at")
        .with_columns(
            period=period_index(pl.col("placed_at"), every),
            first_of_customer=(customer != customer.shift(1)).fill_null(True),
        )
        .with_columns(first_in_period=pl.col("first_of_customer") | (period != period.shift(1)))
        .with_columns(
            second_in_period=~pl.col("first_in_period") & pl.col("first_in_period").shift(1).fill_null(False),
            follows_previous_period=pl.col("first_in_period") & ~pl.col("first_of_customer")
            & (period.shift(1) == period - 1),
        )
    )
