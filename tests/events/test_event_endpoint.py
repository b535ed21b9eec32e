from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import CustomerEvent, DomainEvent
from tests.fixtures.api import ShopWithKeys, auth

CHECKOUT = {"external_id": "evt-1", "name": "checkout_started", "customer": {"email": "ola@example.no"},
            "occurred_at": "2026-03-14T18:02:00+01:00", "recovery_url": "https://butikk.example.no/cart/recover/abc",
            "cart": {"currency": "NOK", "total": 7980,
                     "items": [{"product_external_id": "p-100", "quantity": 2, "unit_price": 3990}]}}


def test_event_is_stored_once_per_external_id(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    first = client.post("/api/v1/events", json=CHECKOUT, headers=auth(shop.ingest_key))
    again = client.post("/api/v1/events", json=CHECKOUT, headers=auth(shop.ingest_key))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    event = db.scalars(select(CustomerEvent)).one()
    assert (event.type, event.recovery_url, event.cart["total"]) == ("checkout_started", CHECKOUT["recovery_url"], 7980)
    assert list(db.scalars(select(DomainEvent.type).order_by(DomainEvent.id))) == ["customer.created", "checkout.started"]


def test_event_refusals(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    cases = [({k: v for k, v in CHECKOUT.items() if k != "cart"}, "cart"),
             (CHECKOUT | {"name": "product_viewed", "cart": None}, "product_external_id"),
             (CHECKOUT | {"occurred_at": "2026-03-14"}, "occurred_at"),
             (CHECKOUT | {"customer": {}}, "customer"),
             (CHECKOUT | {"name": ""}, "name")]
    for payload, field in cases:
        response = client.post("/api/v1/events", json=payload, headers=auth(shop.ingest_key))
        assert response.status_code == 422, payload
        assert response.json()["error"]["field"] == field, response.json()
    assert db.scalar(select(func.count()).select_from(CustomerEvent)) == 0
