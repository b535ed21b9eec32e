"""Period metrics and the monthly series, on small hand-built frames with hand-computed answers,
and on a seeded random shop checked against a plain-Python reference."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lojal.analytics.metrics import PeriodMetrics, period_metrics, ratio
from lojal.analytics.periods import Period, default_period, previous_period, spend_in_period
from lojal.analytics.retention_series import retention_series

DOCS = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


def seven_customers() -> pl.DataFrame:
    """Amounts in minor units. In February 2024: A buys three times (one order fully refunded),
    C buys for the first time; G lapses out of the 365-day window; E comes back in March after
    21 months away."""
    rows = [
        ("A", date(2024, 1, 5), 1000, 0),
        ("A", date(2024, 2, 10), 2000, 0),
        ("A", date(2024, 2, 20), 500, 500),
        ("A", date(2024, 2, 22), 1000, 0),
        ("B", date(2024, 1, 15), 3000, 0),
        ("C", date(2024, 2, 3), 1500, 0),
        ("C", date(2024, 3, 3), 1500, 0),
        ("D", date(2024, 3, 10), 800, 0),
        ("E", date(2022, 6, 1), 4000, 0),
        ("E", date(2024, 3, 20), 1200, 0),
        ("F", date(2023, 12, 20), 700, 0),
        ("F", date(2024, 1, 2), 300, 0),
        ("G", date(2023, 2, 15), 900, 0),
    ]
    return pl.DataFrame(rows, schema=["customer_id", "placed_at", "amount", "refunded"], orient="row")


def test_february_by_hand() -> None:
    metrics = period_metrics(seven_customers(), date(2024, 2, 1), date(2024, 3, 1), marketing_spend={"2024-02": 3000})
    assert metrics.as_dict() == {
        "period_start": "2024-02-01T00:00:00", "period_end": "2024-03-01T00:00:00",
        "previous_start": "2024-01-01T00:00:00", "previous_end": "2024-02-01T00:00:00",
        "active_window_days": 365,
        "customers": 2, "new_customers": 1, "returning_customers": 1, "orders": 4,
        "repeat_customers": 1, "repeat_purchase_rate": 0.5, "purchase_frequency": 2.0,
        # January's buyers A, B, F; only A came back.
        "previous_customers": 3, "retained_customers": 1, "retention_rate_period_over_period": 1 / 3,
        # S = {A, B, F, G}; E = {A, B, C, F} (G's order of 2023-02-15 left the window); N = {C}.
        "active_at_start": 4, "active_at_end": 4, "reactivated_customers": 0,
        "retention_rate": 0.75, "churn_rate": 0.25,
        "revenue": 5000, "refunds": 500, "net_revenue": 4500, "average_order_value": 1250.0,
        "revenue_per_customer": 2250.0, "return_rate": 0.1, "orders_with_refund_share": 0.25,
        # A: 36 days from 5 January, then 10, then 2; C's first order has no gap.
        "mean_days_between_purchases": 16.0, "median_days_between_purchases": 10.0,
        # Before 1 March: A 4000 + B 3000 + C 1500 + E 4000 + F 1000 + G 900 = 14400 over 6.
        "customers_to_date": 6, "historical_clv": 2400.0, "historical_clv_margin": None,
        "marketing_spend": 3000.0, "customer_acquisition_cost": 3000.0,
        "clv_to_cac_ratio": 0.8, "clv_margin_to_cac_ratio": None,
    }
    assert isinstance(metrics.revenue, int)


def test_classic_rate_counts_a_reactivated_customer_as_retained() -> None:
    metrics = period_metrics(seven_customers(), date(2024, 3, 1), date(2024, 4, 1))
    # S = {A, B, C, F}; E = {A, B, C, D, E, F}; N = {D}; E came back after 21 months.
    assert (metrics.active_at_start, metrics.active_at_end, metrics.new_customers) == (4, 6, 1)
    assert metrics.reactivated_customers == 1
    assert metrics.retention_rate == 1.25
    assert metrics.churn_rate == -0.25
    assert (metrics.previous_customers, metrics.retained_customers) == (2, 1)
    assert (metrics.customers, metrics.returning_customers) == (3, 2)


def test_january_and_a_shorter_window() -> None:
    metrics = period_metrics(seven_customers(), date(2024, 1, 1), date(2024, 2, 1))
    assert (metrics.customers, metrics.new_customers, metrics.returning_customers) == (3, 2, 1)
    assert (metrics.previous_customers, metrics.retained_customers) == (1, 1)
    assert (metrics.active_at_start, metrics.active_at_end, metrics.retention_rate) == (2, 4, 1.0)
    narrow = period_metrics(seven_customers(), date(2024, 1, 1), date(2024, 2, 1), active_window_days=30)
    # S = {F} (20 December); E = {A, B, F}; N = {A, B}.
    assert (narrow.active_at_start, narrow.active_at_end, narrow.retention_rate) == (1, 3, 1.0)


def test_an_empty_period_has_counts_of_zero_and_no_ratios() -> None:
    metrics = period_metrics(seven_customers(), date(2024, 6, 1), date(2024, 7, 1))
    assert (metrics.customers, metrics.orders, metrics.revenue, metrics.net_revenue) == (0, 0, 0, 0)
    for name in ("repeat_purchase_rate", "purchase_frequency", "retention_rate_period_over_period",
                 "average_order_value", "revenue_per_customer", "return_rate", "orders_with_refund_share",
                 "mean_days_between_purchases", "median_days_between_purchases"):
        assert getattr(metrics, name) is None, name
    assert (metrics.active_at_start, metrics.active_at_end, metrics.retention_rate) == (6, 6, 1.0)


def test_no_buyers_before_means_no_retention_rate() -> None:
    metrics = period_metrics(seven_customers(), date(2022, 6, 1), date(2022, 7, 1))
    assert (metrics.customers, metrics.new_customers, metrics.previous_customers, metrics.active_at_start) == (1, 1, 0, 0)
    assert metrics.retention_rate_period_over_period is None
    assert metrics.retention_rate is None and metrics.churn_rate is None
    json.dumps(metrics.as_dict(), allow_nan=False)


def test_one_customer() -> None:
    frame = pl.DataFrame({"customer_id": [7, 7], "placed_at": [date(2024, 1, 1), date(2024, 1, 4)], "amount": [10.5, 4.5]})
    metrics = period_metrics(frame, date(2024, 1, 1), date(2024, 2, 1))
    assert (metrics.customers, metrics.new_customers, metrics.repeat_purchase_rate) == (1, 1, 1.0)
    assert (metrics.revenue, metrics.refunds, metrics.average_order_value) == (15.0, 0.0, 7.5)
    assert metrics.mean_days_between_purchases == metrics.median_days_between_purchases == 3.0


def test_an_empty_frame() -> None:
    frame = pl.DataFrame(schema={"customer_id": pl.Int64, "placed_at": pl.Date, "amount": pl.Int64})
    metrics = period_metrics(frame, date(2024, 1, 1), date(2024, 2, 1))
    assert (metrics.customers, metrics.customers_to_date, metrics.historical_clv) == (0, 0, None)
    assert retention_series(frame).height == 0


def test_margin_and_acquisition_cost() -> None:
    frame = pl.DataFrame({
        "customer_id": ["x", "y", "y"],
        "placed_at": [date(2024, 2, 1), date(2024, 2, 5), date(2024, 2, 9)],
        "amount": [1000, 2000, 1000], "refunded": [0, 0, 1000], "cost": [400, 1200, 0],
    })
    metrics = period_metrics(frame, date(2024, 2, 1), date(2024, 3, 1), marketing_spend={date(2024, 2, 1): 500})
    # Net 3000, cost 1600: margin 1400 over 2 customers. CAC 500 / 2.
    assert (metrics.historical_clv, metrics.historical_clv_margin) == (1500.0, 700.0)
    assert (metrics.customer_acquisition_cost, metrics.clv_to_cac_ratio, metrics.clv_margin_to_cac_ratio) == (250.0, 6.0, 2.8)
    unknown_cost = frame.with_columns(cost=pl.Series([400, None, 0], dtype=pl.Int64))
    assert period_metrics(unknown_cost, date(2024, 2, 1), date(2024, 3, 1)).historical_clv_margin is None


def test_spend_is_prorated_over_a_partial_month_and_zero_new_customers_gives_no_cac() -> None:
    period = Period(datetime(2024, 2, 1), datetime(2024, 2, 15))
    assert spend_in_period({"2024-02": 2900, "2024-03": 1000, "2024-01": 50}, period) == pytest.approx(1400.0)
    metrics = period_metrics(seven_customers(), date(2024, 6, 1), date(2024, 7, 1), marketing_spend={"2024-06": 100})
    assert (metrics.marketing_spend, metrics.customer_acquisition_cost, metrics.clv_to_cac_ratio) == (100.0, None, None)
    with pytest.raises(ValueError, match="2024-03"):
        spend_in_period({"March": 1}, period)


def test_order_lines_are_summed_per_order_id() -> None:
    frame = pl.DataFrame({
        "customer_id": [1, 1, 1, 2], "order_id": ["o1", "o1", "o2", "o3"],
        "placed_at": [datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 10), datetime(2024, 1, 3), datetime(2024, 1, 9)],
        "amount": [100, 50, 70, 30],
    })
    metrics = period_metrics(frame, date(2024, 1, 1), date(2024, 2, 1))
    assert (metrics.orders, metrics.revenue, metrics.average_order_value, metrics.repeat_customers) == (3, 250, 250 / 3, 1)


def test_a_subset_of_customers_and_a_lazy_frame() -> None:
    metrics = period_metrics(seven_customers().lazy(), date(2024, 2, 1), date(2024, 3, 1), customer_ids=["C", "G", "Z"])
    assert (metrics.customers, metrics.new_customers, metrics.active_at_start, metrics.active_at_end) == (1, 1, 1, 1)
    assert metrics.retention_rate == 0.0
    assert metrics.customers_to_date == 2


def test_periods_are_read_in_the_data_time_zone() -> None:
    oslo = ZoneInfo("Europe/Oslo")
    frame = pl.DataFrame({
        "customer_id": [1, 2],
        "placed_at": [datetime(2024, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC")), datetime(2024, 1, 31, 22, 30, tzinfo=ZoneInfo("UTC"))],
        "amount": [1, 1],
    }).with_columns(pl.col("placed_at").dt.convert_time_zone("Europe/Oslo"))
    february = period_metrics(frame, date(2024, 2, 1), date(2024, 3, 1))
    assert february.customers == 1  # 00:30 on 1 February in Oslo
    aware = period_metrics(frame, datetime(2024, 1, 31, 23, 0, tzinfo=ZoneInfo("UTC")), datetime(2024, 2, 2, tzinfo=oslo))
    assert aware.customers == 1
    assert aware.period_start == datetime(2024, 2, 1, 0, 0)


def test_previous_period_rules_and_an_explicit_previous() -> None:
    march = Period(datetime(2024, 3, 1), datetime(2024, 4, 1))
    assert previous_period(march) == Period(datetime(2024, 2, 1), datetime(2024, 3, 1))
    quarter = Period(datetime(2024, 4, 1), datetime(2024, 7, 1))
    assert previous_period(quarter) == Period(datetime(2024, 1, 1), datetime(2024, 4, 1))
    ten_days = Period(datetime(2024, 3, 5), datetime(2024, 3, 15))
    assert previous_period(ten_days) == Period(datetime(2024, 2, 24), datetime(2024, 3, 5))
    metrics = period_metrics(seven_customers(), date(2024, 3, 1), date(2024, 4, 1), previous=(date(2024, 1, 1), date(2024, 2, 1)))
    assert (metrics.previous_customers, metrics.retained_customers) == (3, 0)


def test_default_period_is_the_last_full_calendar_month() -> None:
    assert default_period(datetime(2023, 1, 4), datetime(2024, 6, 30, 18)) == Period(datetime(2024, 6, 1), datetime(2024, 7, 1))
    assert default_period(datetime(2023, 1, 4), datetime(2024, 3, 15)) == Period(datetime(2024, 2, 1), datetime(2024, 3, 1))
    assert default_period(datetime(2024, 3, 2), datetime(2024, 3, 15)) == Period(datetime(2024, 3, 2), datetime(2024, 3, 16))


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="placed_at"):
        period_metrics(pl.DataFrame({"customer_id": [1]}), date(2024, 1, 1), date(2024, 2, 1))
    with pytest.raises(ValueError, match="Date or Datetime"):
        period_metrics(pl.DataFrame({"customer_id": [1], "placed_at": ["2024-01-01"]}), date(2024, 1, 1), date(2024, 2, 1))
    with pytest.raises(ValueError, match="must end after"):
        period_metrics(seven_customers(), date(2024, 2, 1), date(2024, 2, 1))
    with pytest.raises(ValueError, match="numeric"):
        period_metrics(seven_customers().with_columns(pl.col("amount").cast(pl.String)), date(2024, 1, 1), date(2024, 2, 1))


def test_a_frame_without_amounts_gives_counts_and_no_money() -> None:
    metrics = period_metrics(seven_customers().drop("amount", "refunded"), date(2024, 2, 1), date(2024, 3, 1))
    assert (metrics.customers, metrics.orders, metrics.revenue, metrics.historical_clv, metrics.average_order_value) == (2, 4, None, None, None)


def test_ratio_guards_division_by_zero() -> None:
    assert (ratio(1, 0), ratio(None, 2), ratio(1, None), ratio(0, 4)) == (None, None, None, 0.0)


def test_every_metric_is_defined_in_the_docstring_and_the_docs() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for name in PeriodMetrics.__dataclass_fields__:
        assert name in (PeriodMetrics.__doc__ or ""), name
        assert f"`{name}`" in docs, name


def test_series_by_hand() -> None:
    series = retention_series(seven_customers(), date(2024, 1, 1), date(2024, 4, 1))
    assert series.select("period_start", "customers", "new_customers", "repeat_customers", "previous_customers",
                         "retained_customers", "active_at_start", "active_at_end", "retention_rate").rows() == [
        (date(2024, 1, 1), 3, 2, 0, 1, 1, 2, 4, 1.0),
        (date(2024, 2, 1), 2, 1, 1, 3, 1, 4, 4, 0.75),
        (date(2024, 3, 1), 3, 1, 0, 2, 1, 4, 6, 1.25),
    ]
    assert series["repeat_purchase_rate"].to_list() == [0.0, 0.5, 0.0]
    assert series["retention_rate_period_over_period"].to_list() == [1.0, 1 / 3, 0.5]


def test_series_over_months_without_buyers_has_nulls_not_nan() -> None:
    series = retention_series(seven_customers(), date(2022, 5, 1), date(2022, 8, 1))
    assert series["customers"].to_list() == [0, 1, 0]
    assert series["repeat_purchase_rate"].to_list() == [None, 0.0, None]
    assert series["retention_rate"].to_list() == [None, None, 1.0]  # E, active since June, still is
    assert series["retention_rate_period_over_period"].to_list() == [None, None, 0.0]


def test_weekly_series_starts_on_mondays() -> None:
    frame = pl.DataFrame({"customer_id": [1, 1, 2], "placed_at": [date(2024, 1, 3), date(2024, 1, 8), date(2024, 1, 14)]})
    series = retention_series(frame, every="week")
    assert series.select("period_start", "customers", "retained_customers").rows() == [
        (date(2024, 1, 1), 1, 0), (date(2024, 1, 8), 2, 1)]


def random_shop(seed: int, customers: int, days: int = 700) -> pl.DataFrame:
    generator = random.Random(seed)
    rows = []
    for customer in range(customers):
        moment = datetime(2023, 1, 1) + timedelta(seconds=generator.randrange(days * 86_400))
        while moment < datetime(2023, 1, 1) + timedelta(days=days):
            rows.append((f"c{customer}", moment, generator.randrange(100, 10_000)))
            moment += timedelta(days=generator.expovariate(1 / generator.choice([15, 60, 200])))
    return pl.DataFrame(rows, schema=["customer_id", "placed_at", "amount"], orient="row")


def reference_month(rows: list[tuple[str, datetime]], period: Period, window: timedelta) -> tuple:
    """The definitions, spelled out in plain Python."""
    def buyers(start: datetime, end: datetime) -> set[str]:
        return {customer for customer, moment in rows if start <= moment < end}
    first = {}
    for customer, moment in rows:
        first[customer] = min(moment, first.get(customer, moment))
    now, before = buyers(period.start, period.end), buyers(previous_period(period).start, period.start)
    new = {customer for customer in now if period.start <= first[customer] < period.end}
    start_active, end_active = buyers(period.start - window, period.start), buyers(period.end - window, period.end)
    return (len(now), len(new), len(before), len(now & before), len(start_active), len(end_active))


def test_a_seeded_random_shop_against_a_plain_python_reference() -> None:
    shop = random_shop(seed=5, customers=400)
    rows = list(zip(shop["customer_id"].to_list(), shop["placed_at"].to_list()))
    series = retention_series(shop, date(2023, 3, 1), date(2024, 12, 1), active_window_days=90)
    assert series.height == 21
    for row in series.iter_rows(named=True):
        start = datetime.combine(row["period_start"], datetime.min.time())
        period = Period(start, start.replace(month=start.month % 12 + 1, year=start.year + start.month // 12))
        expected = reference_month(rows, period, timedelta(days=90))
        assert (row["customers"], row["new_customers"], row["previous_customers"], row["retained_customers"],
                row["active_at_start"], row["active_at_end"]) == expected, row["period_start"]
        metrics = period_metrics(shop, period.start, period.end, active_window_days=90)
        assert (metrics.customers, metrics.new_customers, metrics.retained_customers, metrics.active_at_start,
                metrics.active_at_end, metrics.repeat_customers, metrics.orders) == (
            row["customers"], row["new_customers"], row["retained_customers"], row["active_at_start"],
            row["active_at_end"], row["repeat_customers"], row["orders"])
        assert metrics.retention_rate == row["retention_rate"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 150)), min_size=1, max_size=25),
       st.integers(0, 4), st.integers(1, 80))
def test_series_and_period_metrics_agree(orders: list[tuple[int, int]], month: int, window: int) -> None:
    frame = pl.DataFrame({
        "customer_id": [customer for customer, _ in orders],
        "placed_at": [datetime(2024, 1, 1) + timedelta(days=day) for _, day in orders],
    })
    start = datetime(2024, 1 + month, 1)
    end = datetime(2024, 2 + month, 1)
    row = retention_series(frame, start, end, active_window_days=window).row(0, named=True)
    metrics = period_metrics(frame, start, end, active_window_days=window)
    for name in ("customers", "new_customers", "returning_customers", "orders", "repeat_customers",
                 "previous_customers", "retained_customers", "active_at_start", "active_at_end", "retention_rate"):
        assert row[name] == getattr(metrics, name), name
    assert metrics.new_customers + metrics.returning_customers == metrics.customers
