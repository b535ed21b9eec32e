"""The analytics run in the product, on a small hand-built shop whose every number is known."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.analytics import queries, service
from lojal.kit.clock import FrozenClock, set_clock
from lojal.models import AnalyticsRun, Customer, CustomerPrediction
from tests.fixtures.api import ShopWithKeys, auth

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def order(customer: str, placed_at: str, total: int, status: str = "paid") -> dict[str, Any]:
    return {"customer": {"external_id": customer}, "placed_at": placed_at, "currency": "NOK", "status": status,
            "subtotal": total, "total": total,
            "lines": [{"external_id": "l-1", "name": "Vare", "quantity": 1, "unit_price": total, "total": total}]}


# Oslo time. a-3 is placed on 28 February in UTC but on 1 March in the shop's time zone.
ORDERS = {
    "a-1": order("c-a", "2026-01-10T10:00:00+01:00", 10000),
    "a-2": order("c-a", "2026-02-15T10:00:00+01:00", 20000),
    "a-3": order("c-a", "2026-02-28T23:30:00+00:00", 30000),
    "b-1": order("c-b", "2026-02-01T09:00:00+01:00", 40000),
    "b-2": order("c-b", "2026-03-10T09:00:00+01:00", 10000, status="cancelled"),
    "c-1": order("c-c", "2025-12-20T15:00:00+01:00", 15000),
}
REFUND = {"external_id": "r-1", "order_external_id": "a-3", "refunded_at": "2026-03-06T12:00:00+01:00",
          "lines": [{"line_external_id": "l-1", "quantity": 1, "amount": 5000}]}


def send_orders(client: TestClient, shop: ShopWithKeys) -> None:
    for external_id, payload in ORDERS.items():
        response = client.put(f"/api/v1/orders/{external_id}", json=payload, headers=auth(shop.ingest_key))
        assert response.status_code == 201, response.text
    assert client.post("/api/v1/refunds", json=REFUND, headers=auth(shop.ingest_key)).status_code == 201


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(NOW)
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def small_shop(client: TestClient, shop: ShopWithKeys, frozen: FrozenClock) -> ShopWithKeys:
    send_orders(client, shop)
    return shop


def customer_id(db: Session, shop: ShopWithKeys, external_id: str) -> int:
    return db.scalars(select(Customer.id).where(Customer.shop_id == shop.shop.id,
                                                Customer.external_id == external_id)).one()


def test_order_frame_reads_local_times_net_of_cancelled(db: Session, small_shop: ShopWithKeys) -> None:
    frame = queries.order_frame(db, small_shop.shop).sort("placed_at")
    ids = {external: customer_id(db, small_shop, external) for external in ("c-a", "c-b", "c-c")}
    assert frame["customer_id"].to_list() == [ids["c-c"], ids["c-a"], ids["c-b"], ids["c-a"], ids["c-a"]]
    assert str(frame.schema["placed_at"].time_zone) == "Europe/Oslo"
    assert frame["placed_at"].dt.replace_time_zone(None).to_list()[-1] == datetime(2026, 3, 1, 0, 30)
    assert frame["amount"].to_list() == [15000, 10000, 40000, 20000, 30000]
    assert frame["refunded"].to_list() == [0, 0, 0, 0, 5000]
    assert queries.order_frame(db, small_shop.shop, before=datetime(2026, 1, 1, tzinfo=UTC)).height == 1


def test_run_stores_exact_metrics_rfm_and_the_minimum_data_message(db: Session, small_shop: ShopWithKeys) -> None:
    run = service.run_for_shop(db, small_shop.shop, NOW)
    assert run.status == "insufficient_data"
    assert run.message == "3 customers: at least 100 are needed to fit a purchase model"
    assert (run.customers, run.orders, run.model, run.params) == (3, 5, None, None)
    march, february = run.metrics["this_month"], run.metrics["previous_month"]
    assert (march["period_start"], march["period_end"]) == ("2026-03-01T00:00:00", "2026-04-01T00:00:00")
    assert (march["customers"], march["new_customers"], march["orders"]) == (1, 0, 1)
    assert (march["revenue"], march["refunds"], march["net_revenue"]) == (30000, 5000, 25000)
    assert (february["customers"], february["new_customers"], february["returning_customers"]) == (2, 1, 1)
    assert (february["previous_customers"], february["retained_customers"]) == (1, 1)
    assert february["retention_rate_period_over_period"] == 1.0
    assert [row["period_start"] for row in run.metrics["series"]][-3:] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert [(row["cohort"], row["period_number"], row["active_customers"]) for row in run.cohorts] == [
        ("2025-12-01", 0, 1), ("2025-12-01", 1, 0), ("2025-12-01", 2, 0), ("2025-12-01", 3, 0),
        ("2026-01-01", 0, 1), ("2026-01-01", 1, 1), ("2026-01-01", 2, 1),
        ("2026-02-01", 0, 1), ("2026-02-01", 1, 0)]
    segments = {row["segment"]: row["customers"] for row in run.rfm_summary}
    assert segments["champions"] == segments["need_attention"] == segments["lost"] == 1
    predictions = {row.customer_id: row for row in db.scalars(
        select(CustomerPrediction).where(CustomerPrediction.shop_id == small_shop.shop.id))}
    scores = {external: (row.recency_score, row.frequency_score, row.monetary_score, row.rfm_segment,
                         row.churn_risk_band, row.predicted_clv)
              for external in ("c-a", "c-b", "c-c") for row in [predictions[customer_id(db, small_shop, external)]]}
    assert scores == {"c-a": (5, 5, 5, "champions", None, None), "c-b": (3, 2, 3, "need_attention", None, None),
                      "c-c": (1, 2, 1, "lost", None, None)}
    assert set(run.phases) == {"reading orders", "metrics", "cohorts", "rfm", "models", "writing predictions"}


def test_a_second_run_replaces_the_predictions(db: Session, client: TestClient, small_shop: ShopWithKeys) -> None:
    first = service.run_for_shop(db, small_shop.shop, NOW)
    # c-c's only order is cancelled: the customer has no order left and leaves the table.
    assert client.put("/api/v1/orders/c-1", json=order("c-c", "2025-12-20T15:00:00+01:00", 15000, "cancelled"),
                      headers=auth(small_shop.ingest_key)).status_code == 200
    second = service.run_for_shop(db, small_shop.shop, NOW)
    rows = db.scalars(select(CustomerPrediction).where(CustomerPrediction.shop_id == small_shop.shop.id)).all()
    assert len(rows) == 2 and {row.run_id for row in rows} == {second.id}
    assert second.id != first.id and second.customers == 2
    assert db.scalar(select(func.count()).select_from(AnalyticsRun)
                     .where(AnalyticsRun.shop_id == small_shop.shop.id)) == 2
    assert service.latest_run(db, small_shop.shop).id == second.id
