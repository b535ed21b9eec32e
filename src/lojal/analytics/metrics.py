"""Retention metrics over one period, computed from a frame of transactions.

Pure and vectorised (Polars filters, group_bys and joins; no loop over customers). The input
contract is described in ``lojal.analytics.order_frame``; the definitions below are the ones in
docs/analytics.md. Every ratio whose denominator is zero is ``None``, never NaN or infinity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from lojal.analytics.order_frame import Orders, Transactions, prepare_orders
from lojal.analytics.periods import Moment, Period, previous_period, spend_in_period, to_instant

Money = int | float
MICROSECONDS_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class PeriodMetrics:
    """Metrics of the period [period_start, period_end) for the customers in the frame.

    An *order* is a row of the frame (or an ``order_id``). A customer's *first order* is their
    earliest in the whole frame, so the frame must hold the history before the period.

    - customers: customers with at least one order in the period (active buyers).
    - new_customers: customers whose first order falls in the period.
    - returning_customers: customers with an order in the period whose first order came before it.
    - orders: orders placed in the period.
    - repeat_customers: customers with two or more orders in the period.
    - repeat_purchase_rate: repeat_customers / customers.
    - purchase_frequency: orders / customers (orders per active customer).
    - previous_customers: customers with an order in the previous period
      [previous_start, previous_end).
    - retained_customers: previous_customers who also ordered in the period.
    - retention_rate_period_over_period: retained_customers / previous_customers.
    - active_at_start (S): customers with an order in the trailing window
      [period_start - active_window_days, period_start).
    - active_at_end (E): customers with an order in [period_end - active_window_days, period_end).
    - reactivated_customers: customers active at the end, not new in the period and not active
      at its start (lapsed customers who came back; they count in E - N).
    - retention_rate: the classic customer retention rate CRR = (E - N) / S, N = new_customers.
    - churn_rate: 1 - retention_rate.
    - revenue: sum of order amounts in the period, before refunds.
    - refunds: sum of amounts refunded on the orders placed in the period.
    - net_revenue: revenue - refunds.
    - average_order_value: revenue / orders.
    - revenue_per_customer: net_revenue / customers.
    - return_rate: refunds / revenue.
    - orders_with_refund_share: share of the period's orders with a refund above zero.
    - mean_days_between_purchases, median_days_between_purchases: over every order in the period
      that is not its customer's first, the days since that customer's previous order (which may
      lie before the period).
    - customers_to_date: customers with a first order before period_end.
    - historical_clv: net revenue of all orders before period_end / customers_to_date.
    - historical_clv_margin: (net revenue - cost) of all orders before period_end /
      customers_to_date; None without a cost column or when a cost is unknown.
    - marketing_spend: spend of the months in the period (a month partly inside counts pro rata).
    - customer_acquisition_cost: marketing_spend / new_customers.
    - clv_to_cac_ratio: historical_clv / customer_acquisition_cost.
    - clv_margin_to_cac_ratio: historical_clv_margin / customer_acquisition_cost.

    Amounts are in the unit of the input (minor units in the product); sums keep the input type,
    averages are floats.
    """

    period_start: datetime
    period_end: datetime
    previous_start: datetime
    previous_end: datetime
    active_window_days: int
    customers: int
    new_customers: int
    returning_customers: int
    orders: int
    repeat_customers: int
    repeat_purchase_rate: float | None
    purchase_frequency: float | None
    previous_customers: int
    retained_customers: int
    retention_rate_period_over_period: float | None
    active_at_start: int
    active_at_end: int
    reactivated_customers: int
    retention_rate: float | None
    churn_rate: float | None
    revenue: Money | None
    refunds: Money | None
    net_revenue: Money | None
    average_order_value: float | None
    revenue_per_customer: float | None
    return_rate: float | None
    orders_with_refund_share: float | None
    mean_days_between_purchases: float | None
    median_days_between_purchases: float | None
    customers_to_date: int
    historical_clv: float | None
    historical_clv_margin: float | None
    marketing_spend: float | None
    customer_acquisition_cost: float | None
    clv_to_cac_ratio: float | None
    clv_margin_to_cac_ratio: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: instants as ISO 8601 strings."""
        return {field.name: _json_value(getattr(self, field.name)) for field in fields(self)}


def period_metrics(
    transactions: Transactions,
    start: Moment,
    end: Moment,
    *,
    previous: tuple[Moment, Moment] | None = None,
    active_window_days: int = 365,
    customer_ids: Iterable[object] | None = None,
    marketing_spend: Mapping[str | date, float] | None = None,
) -> PeriodMetrics:
    """All metrics of ``PeriodMetrics`` for [start, end). ``previous`` defaults to the period just
    before (see ``periods.previous_period``); ``customer_ids`` keeps a subset of customers;
    ``marketing_spend`` maps a month ("2024-03") to the spend entered for it."""
    if active_window_days < 1:
        raise ValueError("active_window_days must be at least 1")
    orders = prepare_orders(transactions, customer_ids)
    period = Period(to_instant(start, orders.time_zone), to_instant(end, orders.time_zone))
    before = previous_period(period) if previous is None else Period(
        to_instant(previous[0], orders.time_zone), to_instant(previous[1], orders.time_zone))
    in_period = _within(orders.frame, period).sort("customer_id", "placed_at")
    last_before = _last_order_before_period(orders.frame, in_period, period)
    values: dict[str, Any] = {
        "period_start": period.start, "period_end": period.end,
        "previous_start": before.start, "previous_end": before.end,
        "active_window_days": active_window_days,
    }
    values |= _buyers(in_period, last_before)
    values |= _period_over_period(orders.frame, in_period, before)
    values |= _active_window(orders.frame, in_period, last_before, period, timedelta(days=active_window_days))
    values |= _revenue(in_period, orders.has_amount, values["customers"])
    values |= _days_between_purchases(in_period, last_before)
    values |= _lifetime_value(orders, period)
    values |= _acquisition_cost(marketing_spend, period, values)
    return PeriodMetrics(**values)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _within(frame: pl.DataFrame, period: Period) -> pl.DataFrame:
    return frame.filter(pl.col("placed_at").is_between(period.start, period.end, closed="left"))


def _customer_set(frame: pl.DataFrame, period: Period) -> pl.Series:
    return _within(frame, period).get_column("customer_id").unique()


def _last_order_before_period(frame: pl.DataFrame, in_period: pl.DataFrame, period: Period) -> pl.DataFrame:
    """For each customer of the period who had ordered before it: ``last_before``, the time of
    their last order before the period. Customers of the period missing here are new."""
    buyers = in_period.select("customer_id").unique()
    return (
        frame.filter(pl.col("placed_at") < period.start)
        .join(buyers, on="customer_id", how="semi")
        .group_by("customer_id")
        .agg(last_before=pl.col("placed_at").max())
    )


def _buyers(in_period: pl.DataFrame, last_before: pl.DataFrame) -> dict[str, Any]:
    runs = in_period.get_column("customer_id").rle().struct.field("len")
    customers = runs.len()
    returning_customers = last_before.height
    repeat_customers = int((runs >= 2).sum())
    return {
        "customers": customers,
        "new_customers": customers - returning_customers,
        "returning_customers": returning_customers,
        "orders": in_period.height,
        "repeat_customers": repeat_customers,
        "repeat_purchase_rate": ratio(repeat_customers, customers),
        "purchase_frequency": ratio(in_period.height, customers),
    }


def _period_over_period(frame: pl.DataFrame, in_period: pl.DataFrame, before: Period) -> dict[str, Any]:
    previous_customers = _customer_set(frame, before)
    retained = in_period.get_column("customer_id").unique().is_in(previous_customers.implode()).sum()
    return {
        "previous_customers": previous_customers.len(),
        "retained_customers": int(retained),
        "retention_rate_period_over_period": ratio(int(retained), previous_customers.len()),
    }


def _active_window(frame: pl.DataFrame, in_period: pl.DataFrame, last_before: pl.DataFrame, period: Period,
                   window: timedelta) -> dict[str, Any]:
    active_at_start = _customer_set(frame, Period(period.start - window, period.start))
    active_at_end = _customer_set(frame, Period(period.end - window, period.end))
    buyers = in_period.get_column("customer_id").unique()
    new_customers = buyers.filter(~buyers.is_in(last_before.get_column("customer_id").implode()))
    reactivated = active_at_end.filter(
        ~active_at_end.is_in(active_at_start.implode()) & ~active_at_end.is_in(new_customers.implode()))
    start_count, end_count = active_at_start.len(), active_at_end.len()
    retention_rate = ratio(end_count - new_customers.len(), start_count)
    return {
        "active_at_start": start_count,
        "active_at_end": end_count,
        "reactivated_customers": reactivated.len(),
        "retention_rate": retention_rate,
        "churn_rate": None if retention_rate is None else 1 - retention_rate,
    }


def _revenue(in_period: pl.DataFrame, has_amount: bool, customers: int) -> dict[str, Any]:
    names = ("revenue", "refunds", "net_revenue", "average_order_value", "revenue_per_customer",
             "return_rate", "orders_with_refund_share")
    if not has_amount:
        return dict.fromkeys(names)
    sums = in_period.select(
        revenue=pl.col("amount").sum(),
        refunds=pl.col("refunded").sum(),
        refunded_orders=(pl.col("refunded") > 0).sum(),
    ).row(0, named=True)
    revenue, refunds = sums["revenue"], sums["refunds"]
    net_revenue = revenue - refunds
    return {
        "revenue": revenue,
        "refunds": refunds,
        "net_revenue": net_revenue,
        "average_order_value": ratio(revenue, in_period.height),
        "revenue_per_customer": ratio(net_revenue, customers),
        "return_rate": ratio(refunds, revenue),
        "orders_with_refund_share": ratio(sums["refunded_orders"], in_period.height),
    }


def _days_between_purchases(in_period: pl.DataFrame, last_before: pl.DataFrame) -> dict[str, Any]:
    """Gaps inside the period (``in_period`` is sorted by customer and time) and, for returning
    customers, from their last order before the period to their first in it."""
    inside = in_period.select(
        days=_days(pl.col("placed_at") - pl.col("placed_at").shift(1)),
        same_customer=pl.col("customer_id") == pl.col("customer_id").shift(1),
    ).filter("same_customer").get_column("days")
    across = (
        in_period.group_by("customer_id").agg(first_in=pl.col("placed_at").min())
        .join(last_before, on="customer_id", how="inner")
        .select(days=_days(pl.col("first_in") - pl.col("last_before")))
        .get_column("days")
    )
    gaps = pl.concat([inside, across])
    return {"mean_days_between_purchases": gaps.mean(), "median_days_between_purchases": gaps.median()}


def _days(duration: pl.Expr) -> pl.Expr:
    return duration.dt.total_microseconds() / MICROSECONDS_PER_DAY


def _lifetime_value(orders: Orders, period: Period) -> dict[str, Any]:
    to_date = orders.frame.filter(pl.col("placed_at") < period.end)
    customers = to_date.get_column("customer_id").n_unique()
    result: dict[str, Any] = {"customers_to_date": customers, "historical_clv": None, "historical_clv_margin": None}
    if not orders.has_amount:
        return result
    net = to_date.select((pl.col("amount") - pl.col("refunded")).sum()).item()
    result["historical_clv"] = ratio(net, customers)
    if orders.has_cost and to_date.get_column("cost").null_count() == 0:
        result["historical_clv_margin"] = ratio(net - to_date.get_column("cost").sum(), customers)
    return result


def _acquisition_cost(marketing_spend: Mapping[str | date, float] | None, period: Period,
                      values: Mapping[str, Any]) -> dict[str, Any]:
    if marketing_spend is None:
        return dict.fromkeys(("marketing_spend", "customer_acquisition_cost", "clv_to_cac_ratio",
                              "clv_margin_to_cac_ratio"))
    spend = spend_in_period(marketing_spend, period)
    cost = ratio(spend, values["new_customers"])
    return {
        "marketing_spend": spend,
        "customer_acquisition_cost": cost,
        "clv_to_cac_ratio": ratio(values["historical_clv"], cost),
        "clv_margin_to_cac_ratio": ratio(values["historical_clv_margin"], cost),
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
