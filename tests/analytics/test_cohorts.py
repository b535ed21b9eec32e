"""Acquisition cohorts on the hand-built shop of the metrics tests, weekly cohorts, and a seeded
random shop whose totals must add up."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from lojal.analytics.cohorts import COHORT_SCHEMA, cohort_matrix, cohort_table
from tests.analytics.test_metrics import random_shop, seven_customers


def test_monthly_cohorts_by_hand() -> None:
    table = cohort_table(seven_customers(), start=date(2024, 1, 1))
    assert table.rows() == [
        # cohort, size, period, active, retention, orders, net revenue, cumulative per customer
        (date(2024, 1, 1), 2, 0, 2, 1.0, 2, 4000, 2000.0),  # A 1000 and B 3000
        (date(2024, 1, 1), 2, 1, 1, 0.5, 3, 3000, 3500.0),  # A: 2000, 500 refunded, 1000
        (date(2024, 1, 1), 2, 2, 0, 0.0, 0, 0, 3500.0),
        (date(2024, 2, 1), 1, 0, 1, 1.0, 1, 1500, 1500.0),  # C
        (date(2024, 2, 1), 1, 1, 1, 1.0, 1, 1500, 3000.0),
        (date(2024, 3, 1), 1, 0, 1, 1.0, 1, 800, 800.0),  # D
    ]
    assert table.schema == pl.Schema(COHORT_SCHEMA)


def test_cohorts_belong_to_the_first_order_of_all_history() -> None:
    table = cohort_table(seven_customers())
    sizes = dict(table.filter(pl.col("period_number") == 0).select("cohort", "cohort_customers").rows())
    assert sizes == {date(2022, 6, 1): 1, date(2023, 2, 1): 1, date(2023, 12, 1): 1,
                     date(2024, 1, 1): 2, date(2024, 2, 1): 1, date(2024, 3, 1): 1}
    comeback = table.filter(pl.col("cohort") == date(2022, 6, 1))
    assert comeback.height == 22  # June 2022 to March 2024
    assert comeback.filter(pl.col("active_customers") > 0)["period_number"].to_list() == [0, 21]
    assert table.height == 22 + 14 + 4 + 3 + 2 + 1


def test_an_end_cuts_the_observation() -> None:
    table = cohort_table(seven_customers(), start=date(2024, 1, 1), end=date(2024, 2, 15))
    assert table.select("cohort", "period_number", "active_customers", "orders", "net_revenue").rows() == [
        (date(2024, 1, 1), 0, 2, 2, 4000), (date(2024, 1, 1), 1, 1, 1, 2000), (date(2024, 2, 1), 0, 1, 1, 1500)]


def test_matrix() -> None:
    matrix = cohort_matrix(cohort_table(seven_customers(), start=date(2024, 1, 1)))
    assert matrix.columns == ["cohort", "cohort_customers", "0", "1", "2"]
    assert matrix.rows() == [
        (date(2024, 1, 1), 2, 1.0, 0.5, 0.0),
        (date(2024, 2, 1), 1, 1.0, 1.0, None),
        (date(2024, 3, 1), 1, 1.0, None, None),
    ]
    revenue = cohort_matrix(cohort_table(seven_customers(), start=date(2024, 1, 1)), "net_revenue")
    assert revenue.row(0) == (date(2024, 1, 1), 2, 4000, 3000, 0)
    with pytest.raises(ValueError, match="retention"):
        cohort_matrix(cohort_table(seven_customers()), "nonsense")


def test_weekly_cohorts_start_on_monday() -> None:
    frame = pl.DataFrame({
        "customer_id": ["x", "x", "x", "y"],
        "placed_at": [date(2024, 1, 1), date(2024, 1, 7), date(2024, 1, 8), date(2024, 1, 3)],
        "amount": [10.0, 20.0, 30.0, 5.5],
    })
    table = cohort_table(frame, every="week")
    assert table.select("cohort", "cohort_customers", "period_number", "active_customers", "orders", "net_revenue").rows() == [
        (date(2024, 1, 1), 2, 0, 2, 3, 35.5), (date(2024, 1, 1), 2, 1, 1, 1, 30.0)]
    assert table["net_revenue"].dtype == pl.Float64


def test_empty_and_amountless_frames() -> None:
    empty = pl.DataFrame(schema={"customer_id": pl.String, "placed_at": pl.Date, "amount": pl.Int64})
    assert cohort_table(empty).height == 0
    assert cohort_matrix(cohort_table(empty)).columns == ["cohort", "cohort_customers"]
    counts_only = cohort_table(seven_customers().drop("amount", "refunded"), start=date(2024, 3, 1))
    assert counts_only.rows() == [(date(2024, 3, 1), 1, 0, 1, 1.0, 1, None, None)]


def test_a_seeded_random_shop_adds_up() -> None:
    shop = random_shop(seed=11, customers=300)
    table = cohort_table(shop)
    first = table.filter(pl.col("period_number") == 0)
    assert first["cohort_customers"].sum() == shop["customer_id"].n_unique()
    assert first["retention"].to_list() == [1.0] * first.height
    assert table["orders"].sum() == shop.height
    assert table["net_revenue"].sum() == shop["amount"].sum()
    assert table.filter(pl.col("active_customers") > pl.col("cohort_customers")).height == 0
    last = table.group_by("cohort").agg(pl.col("cumulative_net_revenue_per_customer").last(), pl.col("cohort_customers").first())
    assert (last["cumulative_net_revenue_per_customer"] * last["cohort_customers"]).sum() == pytest.approx(shop["amount"].sum())
