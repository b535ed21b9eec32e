"""RFM scores and segments: quintiles by hand, ties, one customer, the grid, and a seeded shop."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from lojal.analytics.rfm import SEGMENT_GRID, SEGMENTS, quintile_score, rfm_scores, segment_of, segment_summary
from tests.analytics.test_metrics import random_shop

DOCS = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


def scores_of(values: list[float], higher_is_better: bool = True) -> list[int]:
    return pl.DataFrame({"value": values}).select(quintile_score(pl.col("value"), higher_is_better).alias("score"))["score"].to_list()


def test_ten_distinct_values_make_five_quintiles_of_two() -> None:
    assert scores_of([5, 1, 9, 3, 7, 2, 10, 4, 8, 6]) == [3, 1, 5, 2, 4, 1, 5, 2, 4, 3]
    assert scores_of([1, 2, 3, 4, 5], higher_is_better=False) == [5, 4, 3, 2, 1]
    assert scores_of([1, 2, 3, 4, 5, 6, 7]) == [1, 2, 2, 3, 4, 4, 5]


def test_ties_share_a_score_whatever_the_row_order() -> None:
    # Six of ten bought once: they sit at mid-rank 3.5 of 10, p = 0.3, score 2.
    values = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9]
    assert scores_of(values) == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]
    assert scores_of(values[::-1]) == [5, 5, 4, 4, 2, 2, 2, 2, 2, 2]
    assert scores_of([4, 4, 4]) == [3, 3, 3]
    assert scores_of([42]) == [3]


def test_the_grid_covers_every_cell_with_the_eleven_segments() -> None:
    cells = {segment_of(recency, fm) for recency in range(1, 6) for fm in range(1, 6)}
    assert cells == set(SEGMENTS)
    assert [segment_of(5, fm) for fm in range(1, 6)] == ["new", "potential_loyalists", "potential_loyalists", "champions", "champions"]
    assert [segment_of(recency, 1) for recency in range(1, 6)] == ["lost", "hibernating", "about_to_sleep", "promising", "new"]
    assert (segment_of(1, 5), segment_of(2, 3), segment_of(3, 3), segment_of(3, 4)) == ("cant_lose_them", "at_risk", "need_attention", "loyal")


def test_the_docs_show_the_same_grid() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for recency, row in SEGMENT_GRID.items():
        line = next(line for line in docs.splitlines() if line.startswith(f"| R = {recency} |"))
        assert [cell.strip() for cell in line.strip("|").split("|")[1:]] == [SEGMENTS[key] for key in row]


def five_customers() -> pl.DataFrame:
    """Customer k has k orders of 10, the last one 120 - 20 k days before 1 June 2024."""
    as_of = datetime(2024, 6, 1)
    rows = [(f"c{k}", as_of - timedelta(days=120 - 20 * k + order), 10) for k in range(1, 6) for order in range(k)]
    rows.append(("c5", as_of, 999))  # at as_of itself: not counted
    return pl.DataFrame(rows, schema=["customer_id", "placed_at", "amount"], orient="row")


def test_scores_and_segments_by_hand() -> None:
    scores = rfm_scores(five_customers(), date(2024, 6, 1))
    assert scores.select("customer_id", "recency_days", "frequency", "monetary", "rfm", "frequency_monetary_score", "segment").rows() == [
        ("c1", 100, 1, 10, "111", 1, "lost"),
        ("c2", 80, 2, 20, "222", 2, "hibernating"),
        ("c3", 60, 3, 30, "333", 3, "need_attention"),
        ("c4", 40, 4, 40, "444", 4, "loyal"),
        ("c5", 20, 5, 50, "555", 5, "champions"),
    ]
    summary = segment_summary(scores)
    assert summary["segment"].to_list() == list(SEGMENTS)
    assert summary.filter(pl.col("customers") > 0).select("segment", "customers", "customer_share", "monetary").rows() == [
        ("champions", 1, 0.2, 50), ("loyal", 1, 0.2, 40), ("need_attention", 1, 0.2, 30),
        ("hibernating", 1, 0.2, 20), ("lost", 1, 0.2, 10)]
    assert summary.filter(pl.col("segment") == "champions")["monetary_share"].item() == pytest.approx(50 / 150)


def test_frequency_and_monetary_average_rounds_half_up() -> None:
    frame = five_customers().with_columns(
        amount=pl.when(pl.col("customer_id") == "c1").then(1000).otherwise(pl.col("amount")))
    c1 = rfm_scores(frame, date(2024, 6, 1)).row(0, named=True)
    # F = 1, M = 5 (highest spend): FM = 3; R = 1: at risk.
    assert (c1["frequency_score"], c1["monetary_score"], c1["frequency_monetary_score"], c1["segment"]) == (1, 5, 3, "at_risk")


def test_one_customer_refunds_and_a_subset() -> None:
    frame = pl.DataFrame({"customer_id": [1, 1, 2], "placed_at": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)],
                          "amount": [100, 200, 50], "refunded": [0, 200, 0]})
    one = rfm_scores(frame, date(2024, 3, 1), customer_ids=[1])
    assert one.select("customer_id", "recency_days", "frequency", "monetary", "rfm", "segment").rows() == [
        (1, 29, 2, 100, "333", "need_attention")]
    assert rfm_scores(frame, date(2024, 1, 1)).height == 0
    assert segment_summary(rfm_scores(frame, date(2024, 1, 1)))["customers"].sum() == 0


def test_a_seeded_random_shop_fills_the_quintiles() -> None:
    shop = random_shop(seed=3, customers=500)
    scores = rfm_scores(shop, date(2025, 1, 1))
    assert scores.height == 500
    recency_counts = scores.group_by("recency_score").len().sort("recency_score")["len"].to_list()
    assert recency_counts == [100] * 5  # continuous times: no ties
    for name in ("recency_score", "frequency_score", "monetary_score", "frequency_monetary_score"):
        assert scores[name].is_between(1, 5).all()
    assert scores.filter(pl.col("rfm") == "555")["segment"].unique().to_list() in ([], ["champions"])
    again = rfm_scores(shop.sample(fraction=1.0, shuffle=True, seed=1), date(2025, 1, 1))
    assert again.equals(scores)
