from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, DomainEvent, OrderLine, Refund
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload

REFUND = {"external_id": "r-1", "order_external_id": "o-1", "refunded_at": "2026-03-20T12:00:00+01:00",
          "reason": "Feil størrelse", "lines": [{"line_external_id": "l-1", "quantity": 1, "amount": 3990}]}


def setup_order(client: TestClient, shop: ShopWithKeys) -> None:
    assert client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key)).status_code == 201


def test_partial_refund_follows_through_to_order_and_customer(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    setup_order(client, shop)
    response = client.post("/api/v1/refunds", json=REFUND, headers=auth(shop.ingest_key))
    assert response.status_code == 201, response.text
    assert response.json()["order_refunded_total"] == 3990
    assert response.json()["order_net_total"] == 53780 - 3990
    line = db.scalars(select(OrderLine).where(OrderLine.external_id == "l-1")).one()
    assert (line.refunded_quantity, line.refunded_amount) == (1, 3990)
    assert db.scalars(select(Customer.total_spent)).one() == 53780 - 3990
    assert db.scalars(select(DomainEvent.type).order_by(DomainEvent.id.desc())).first() == "order.refunded"


def test_refund_sent_again_changes_nothing(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    setup_order(client, shop)
    first = client.post("/api/v1/refunds", json=REFUND, headers=auth(shop.ingest_key))
    again = client.post("/api/v1/refunds", json=REFUND, headers=auth(shop.ingest_key))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert db.scalar(select(func.count()).select_from(Refund)) == 1
    assert db.scalars(select(Customer.total_spent)).one() == 53780 - 3990


def test_idempotency_key_replays_and_refuses_a_different_body(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    setup_order(client, shop)
    headers = auth(shop.ingest_key) | {"Idempotency-Key": "refund-once"}
    first = client.post("/api/v1/refunds", json=REFUND, headers=headers)
    replay = client.post("/api/v1/refunds", json=REFUND, headers=headers)
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    different = client.post("/api/v1/refunds", json=REFUND | {"external_id": "r-2"}, headers=headers)
    assert different.status_code == 422 and different.json()["error"]["field"] == "Idempotency-Key"
    assert db.scalar(select(func.count()).select_from(Refund)) == 1


def test_refund_refusals_name_the_field_and_change_nothing(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    setup_order(client, shop)
    cases = [
        (REFUND | {"order_external_id": "o-unknown"}, "order_external_id"),
        (REFUND | {"lines": [{"line_external_id": "l-9", "quantity": 1, "amount": 1}]}, "lines.0.line_external_id"),
        (REFUND | {"lines": [{"line_external_id": "l-1", "quantity": 3, "amount": 3990}]}, "lines.0.quantity"),
        (REFUND | {"lines": [{"line_external_id": "l-1", "quantity": 1, "amount": 9000}]}, "lines.0.amount"),
        (REFUND | {"lines": [], "amount": 60000}, "amount"),
        (REFUND | {"currency": "SEK"}, "currency"),
        (REFUND | {"refunded_at": "2026-03-20 12:00"}, "refunded_at"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/refunds", json=payload, headers=auth(shop.ingest_key))
        assert response.status_code == 422, (field, response.text)
        assert response.json()["error"]["field"] == field
    assert db.scalar(select(func.count()).select_from(Refund)) == 0
    assert db.scalars(select(Customer.total_spent)).one() == 53780


def test_order_cannot_drop_a_refunded_line(client: TestClient, shop: ShopWithKeys) -> None:
    setup_order(client, shop)
    client.post("/api/v1/refunds", json=REFUND, headers=auth(shop.ingest_key))
    changed = order_payload()
    changed["lines"] = [changed["lines"][1]]
    changed.update(subtotal=45900, total=45800)
    response = client.put("/api/v1/orders/o-1", json=changed, headers=auth(shop.ingest_key))
    assert response.status_code == 409 and response.json()["error"]["field"] == "lines"
