"""The demo shop is deterministic, valid for the bulk API, and shaped like a real shop."""

from collections import Counter, defaultdict
from datetime import datetime

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.catalog.schemas import BulkProductIn
from lojal.customers.schemas import BulkCustomerIn
from lojal.demo import DemoConfig, count_estimate, generate
from lojal.events.schemas import CustomerEventIn
from lojal.ingest.bulk import BulkIngestor
from lojal.models import Customer, Order, Refund
from lojal.orders.schemas import BulkOrderIn, RefundIn
from tests.fixtures.api import ShopWithKeys

SCHEMAS = {"product": BulkProductIn, "customer": BulkCustomerIn, "order": BulkOrderIn, "refund": RefundIn,
           "event": CustomerEventIn}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(generate(DemoConfig(customers=800, seed=7)))


def test_same_seed_same_shop_other_seed_other_shop(records: list[dict]) -> None:
    again = list(generate(DemoConfig(customers=800, seed=7)))
    assert orjson.dumps(again) == orjson.dumps(records)
    assert orjson.dumps(list(generate(DemoConfig(customers=800, seed=8)))) != orjson.dumps(records)


def test_every_record_validates(records: list[dict]) -> None:
    for record in records:
        body = {key: value for key, value in record.items() if key != "type"}
        SCHEMAS[record["type"]].model_validate(body)


def test_shape_of_the_shop(records: list[dict]) -> None:
    kinds = Counter(record["type"] for record in records)
    orders = [record for record in records if record["type"] == "order"]
    assert 2.0 <= kinds["order"] / 800 <= 5.0
    assert 0.03 <= kinds["refund"] / kinds["order"] <= 0.09
    guests = [order for order in orders if "email" in order["customer"]]
    assert 0.03 <= len(guests) / len(orders) <= 0.2
    groups = Counter(record.get("customer_group") for record in records if record["type"] == "customer")
    assert set(groups) >= {None, "frisør", "florist", "tømrer"}
    months = Counter(datetime.fromisoformat(order["placed_at"]).strftime("%Y-%m") for order in orders)
    assert months["2025-12"] > months["2025-10"]  # Christmas beats autumn despite fewer customers then
    assert months["2026-07"] < min(months["2026-06"], months["2026-08"])  # the summer holiday dip
    assert count_estimate(DemoConfig(customers=800)) >= len(records) * 0.5


def test_consumables_are_bought_again_near_their_rhythm(records: list[dict]) -> None:
    days_of_use = {record["external_id"]: record.get("days_of_use") for record in records if record["type"] == "product"}
    bought: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
    for order in (record for record in records if record["type"] == "order"):
        who = order["customer"].get("external_id") or order["customer"]["email"]
        for line in order["lines"]:
            bought[(who, line["product_external_id"])].append((datetime.fromisoformat(order["placed_at"]), line["quantity"]))
    ratios = []
    for (_, product), purchases in bought.items():
        if days_of_use[product] and len(purchases) >= 2:
            for (first, quantity), (second, _) in zip(purchases, purchases[1:], strict=False):
                ratios.append((second - first).days / (days_of_use[product] * quantity))
    ratios.sort()
    assert len(ratios) > 100
    assert 0.7 <= ratios[len(ratios) // 2] <= 1.3


def test_refunds_never_exceed_what_was_paid(records: list[dict]) -> None:
    orders = {record["external_id"]: record for record in records if record["type"] == "order"}
    for refund in (record for record in records if record["type"] == "refund"):
        order = orders[refund["order_external_id"]]
        line = next(line for line in order["lines"] if line["external_id"] == refund["lines"][0]["line_external_id"])
        assert refund["lines"][0]["quantity"] <= line["quantity"]
        assert refund["amount"] <= min(line["total"], order["total"])


def test_the_demo_loads_through_bulk_ingestion_without_a_refusal(db: Session, shop: ShopWithKeys) -> None:
    config = DemoConfig(customers=150, seed=3)
    ingestor = BulkIngestor(db, shop.shop, batch_size=200)
    for number, record in enumerate(generate(config), start=1):
        ingestor.feed_record(number, record)
    report = ingestor.finish()
    assert report.errors == [] and report.failed == 0
    assert db.scalar(select(func.count()).select_from(Order)) == report.counts["order"]
    assert db.scalar(select(func.count()).select_from(Refund)) == report.counts["refund"]
    spent = db.scalar(select(func.sum(Customer.total_spent)))
    net = db.scalar(select(func.sum(Order.total - Order.refunded_total)).where(Order.status != "cancelled"))
    assert spent == net
