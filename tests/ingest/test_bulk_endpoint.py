import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, CustomerEvent, Order, Product, Refund
from tests.fixtures.api import ShopWithKeys, auth


def ndjson(records: list[Any]) -> bytes:
    return "\n".join(record if isinstance(record, str) else json.dumps(record) for record in records).encode() + b"\n"


def order(external_id: str, customer: str, total: int = 7980, **extra: Any) -> dict[str, Any]:
    return {"type": "order", "external_id": external_id, "customer": {"external_id": customer},
            "placed_at": "2026-03-14T18:22:05+01:00", "currency": "NOK", "status": "paid",
            "subtotal": total, "total": total,
            "lines": [{"external_id": "1", "sku": "KF-4", "quantity": 2, "unit_price": total // 2, "total": total}]} | extra


def good_records() -> list[dict[str, Any]]:
    return [
        {"type": "product", "external_id": "p-1", "name": "Kaffefilter", "price": 3990, "consumable": True, "days_of_use": 50},
        {"type": "customer", "external_id": "c-1", "email": "kari@example.no", "first_name": "Kari"},
        order("o-1", "c-1"),
        order("o-2", "c-1", total=10000),
        {"type": "refund", "external_id": "r-1", "order_external_id": "o-1", "refunded_at": "2026-03-20T12:00:00+01:00",
         "lines": [{"line_external_id": "1", "quantity": 1, "amount": 3990}]},
        {"type": "event", "external_id": "e-1", "name": "checkout_started", "customer": {"external_id": "c-1"},
         "occurred_at": "2026-03-14T18:00:00+01:00", "recovery_url": "https://butikk.example.no/r/1",
         "cart": {"currency": "NOK", "total": 3990, "items": [{"sku": "KF-4", "quantity": 1, "unit_price": 3990}]}},
    ]


def counts(db: Session) -> tuple[int, ...]:
    return tuple(db.scalar(select(func.count()).select_from(model)) or 0
                 for model in (Product, Customer, Order, Refund, CustomerEvent))


def test_bulk_stores_everything_and_reports_counts(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    response = client.post("/api/v1/bulk", content=ndjson(good_records()), headers=auth(shop.ingest_key))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["errors"] == [] and report["failed"] == 0
    assert report["counts"] == {"product": 1, "customer": 1, "order": 2, "refund": 1, "event": 1}
    customer = db.scalars(select(Customer)).one()
    assert (customer.first_name, customer.order_count, customer.total_spent) == ("Kari", 2, 7980 + 10000 - 3990)
    assert db.scalar(select(Order.refunded_total).where(Order.external_id == "o-1")) == 3990
    assert counts(db) == (1, 1, 2, 1, 1)


def test_bulk_sent_twice_changes_nothing(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    client.post("/api/v1/bulk", content=ndjson(good_records()), headers=auth(shop.ingest_key))
    before = counts(db)
    spent = db.scalars(select(Customer.total_spent)).one()
    again = client.post("/api/v1/bulk", content=ndjson(good_records()), headers=auth(shop.ingest_key)).json()
    assert again["failed"] == 0
    assert counts(db) == before
    assert db.scalars(select(Customer.total_spent)).one() == spent


def test_bad_lines_are_reported_by_number_and_the_rest_is_stored(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    records: list[Any] = good_records()[:3]
    records.insert(1, "{not json")
    records.append(order("o-bad-total", "c-1") | {"total": 1})
    records.append(order("o-bad-currency", "c-1") | {"currency": "SEK"})
    records.append({"type": "refund", "external_id": "r-x", "order_external_id": "nope",
                    "refunded_at": "2026-03-20T12:00:00+01:00", "amount": 100})
    records.append({"type": "voucher", "external_id": "v-1"})
    records.append(order("o-ok", "c-2"))
    report = client.post("/api/v1/bulk", content=ndjson(records), headers=auth(shop.ingest_key)).json()
    errors = {error["line"]: (error["field"], error["message"]) for error in report["errors"]}
    assert report["received"] == 9 and report["succeeded"] == 4 and report["failed"] == 5
    assert errors[2][1].startswith("not valid JSON")
    assert errors[5][0] == "total"
    assert errors[6][0] == "currency" and "NOK" in errors[6][1]
    assert errors[7][0] == "order_external_id"
    assert errors[8][0] == "type"
    assert sorted(db.scalars(select(Order.external_id))) == ["o-1", "o-ok"]


def test_bulk_idempotency_key_replays_the_report(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    headers = auth(shop.ingest_key) | {"Idempotency-Key": "import-2026-03-14"}
    first = client.post("/api/v1/bulk", content=ndjson(good_records()), headers=headers)
    replay = client.post("/api/v1/bulk", content=ndjson(good_records()), headers=headers)
    assert replay.json() == first.json() and replay.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/bulk", content=ndjson(good_records()[:2]), headers=headers)
    assert other.status_code == 422 and other.json()["error"]["field"] == "Idempotency-Key"


def test_bulk_needs_the_ingest_scope(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    response = client.post("/api/v1/bulk", content=ndjson(good_records()), headers=auth(shop.read_key))
    assert response.status_code == 403
    assert counts(db) == (0, 0, 0, 0, 0)
