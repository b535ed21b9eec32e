"""The demo shop's holdout check as of 2026-11-23 (5,000 customers, seed 42): the BG/NBD fit there
has a and b in the millions (no heterogeneity in the dropout probability), where scipy's 2F1
gave NaN and the model was refused. It now predicts finite numbers and competes."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import polars as pl

from lojal.analytics.clv.validation import choose_model, holdout_data
from lojal.analytics.transactions import calibration_and_holdout
from lojal.demo.generator import DemoConfig, generate

END = date(2026, 11, 23)
HOLDOUT_DAYS = 182


def demo_transactions() -> pl.DataFrame:
    rows = [(record["customer"]["external_id"], datetime.fromisoformat(record["placed_at"]).date(), record["total"])
            for record in generate(DemoConfig(customers=5000, seed=42, end=END))
            if record["type"] == "order" and "external_id" in record.get("customer", {})]
    return pl.DataFrame(rows, schema=["customer_id", "date", "amount"], orient="row")


def test_bg_nbd_with_a_and_b_in_the_millions_predicts_the_holdout() -> None:
    summary = calibration_and_holdout(demo_transactions(), calibration_end=END - timedelta(days=HOLDOUT_DAYS),
                                      observation_end=END, time_unit="week")
    data = holdout_data(summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["T"].to_numpy(),
                        summary["frequency_holdout"].to_numpy(), HOLDOUT_DAYS / 7)
    choice = choose_model(data, ("bg-nbd", "mbg-nbd"), days_per_unit=7)
    assert choice.refused == {}
    bg_nbd = next(report for report in choice.reports if report.model == "bg-nbd")
    assert math.isfinite(bg_nbd.mean_absolute_error) and math.isfinite(bg_nbd.predicted_total)
    assert 0.8 < bg_nbd.predicted_total / bg_nbd.actual_total < 1.3
    assert all(math.isfinite(group.predicted_mean) for group in bg_nbd.groups)
