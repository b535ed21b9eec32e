"""The demo shop (1,500 customers, two years) through the bulk path: the run fits a model with sane
parameters, chosen on the holdout, and stores a prediction for every customer."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.analytics import service
from lojal.demo.generator import DemoConfig, generate
from lojal.ingest.bulk import BulkIngestor
from lojal.models import CustomerPrediction
from tests.fixtures.api import ShopWithKeys

END = datetime(2026, 11, 1, tzinfo=UTC)


def test_demo_shop_gets_a_fitted_model_and_predictions(db: Session, shop: ShopWithKeys) -> None:
    ingestor = BulkIngestor(db, shop.shop, batch_size=2000)
    for number, record in enumerate(generate(DemoConfig(customers=1500, seed=7, end=END.date())), start=1):
        ingestor.feed_record(number, record)
    assert ingestor.finish().failed == 0

    run = service.run_for_shop(db, shop.shop, END)

    assert run.status == "complete" and run.message is None
    assert run.model in ("bg-nbd", "mbg-nbd") and run.time_unit == "week"
    assert run.holdout is not None and run.holdout["chosen"] == run.model and run.holdout["holdout_days"] == 182
    chosen = next(report for report in run.holdout["compared"] if report["model"] == run.model)
    assert 0 < chosen["mean_absolute_error"] < 2
    assert abs(chosen["predicted_total"] / chosen["actual_total"] - 1) < 0.25
    params = run.params["params"]
    assert all(math.isfinite(value) and value > 0 for value in params.values())
    purchases_per_year = params["r"] / params["alpha"] * 52
    assert 0.5 < purchases_per_year < 10
    spend = run.spend_params["params"]
    assert spend["q"] > 1
    mean_spend_kroner = spend["p"] * spend["gamma"] / (spend["q"] - 1) / 100
    assert 200 < mean_spend_kroner < 10_000
    rows = db.scalars(select(CustomerPrediction).where(CustomerPrediction.shop_id == shop.shop.id)).all()
    assert len(rows) == run.customers > 1400
    modelled = [row for row in rows if row.predicted_clv is not None]
    assert len(modelled) >= run.params["customers"] and len(modelled) > 0.99 * len(rows)
    assert all(0 <= row.probability_alive <= 1 and row.predicted_clv >= 0 for row in modelled)
    assert {row.churn_risk_band for row in modelled} == {"low", "medium", "high"}
    top = service.top_customers(db, shop.shop, limit=5)
    assert [prediction.predicted_clv for prediction, _ in top] == sorted((row.predicted_clv for row in modelled),
                                                                          reverse=True)[:5]
    at_risk = service.customers_at_risk(db, shop.shop, limit=3)
    assert all(prediction.churn_risk_band == "high" for prediction, _ in at_risk) and len(at_risk) == 3
