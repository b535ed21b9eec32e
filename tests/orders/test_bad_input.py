"""Bad input gets a 4xx naming the field, and nothing is written."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, DomainEvent, Order
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload


def nothing_written(db: Session) -> bool:
    return all(db.scalar(select(func.count()).select_from(model)) == 0 for model in (Order, Customer, DomainEvent))


CASES = [
    ("wrong type", lambda p: p["lines"][0].update(quantity="two"), 422, "lines.0.quantity"),
    ("float money", lambda p: p.update(total=537.80), 422, "total"),
    ("unknown currency", lambda p: p.update(currency="NOKK"), 422, "currency"),
    ("negative quantity", lambda p: p["lines"][0].update(quantity=-1), 422, "lines.0.quantity"),
    ("negative amount", lambda p: p.update(shipping_total=-100), 422, "shipping_total"),
    ("line total off", lambda p: p["lines"][0].update(total=1), 422, "lines.0.total"),
    ("subtotal off", lambda p: p.update(subtotal=1), 422, "subtotal"),
    ("total off", lambda p: p.update(total=1), 422, "total"),
    ("date without time zone", lambda p: p.update(placed_at="2026-03-14T18:22:05"), 422, "placed_at"),
    ("no customer", lambda p: p.pop("customer"), 422, "email"),
    ("bad email", lambda p: p["customer"].update(email="not-an-email"), 422, "customer.email"),
    ("unknown status", lambda p: p.update(status="shipped"), 422, "status"),
    ("unknown field", lambda p: p.update(colour="red"), 422, "colour"),
    ("no lines", lambda p: p.update(lines=[]), 422, "lines"),
    ("other currency than the shop", lambda p: p.update(currency="SEK"), 422, "currency"),
]


@pytest.mark.parametrize(("name", "change", "status", "field"), CASES, ids=[case[0] for case in CASES])
def test_bad_order_is_refused_naming_the_field(client: TestClient, shop: ShopWithKeys, db: Session,
                                               name: str, change, status: int, field: str) -> None:  # type: ignore[no-untyped-def]
    payload = order_payload()
    change(payload)
    response = client.put("/api/v1/orders/o-1", json=payload, headers=auth(shop.ingest_key))
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field
    assert nothing_written(db)


def test_malformed_json_is_a_400(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    response = client.put("/api/v1/orders/o-1", content=b'{"total": 12', headers=auth(shop.ingest_key) | {"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert nothing_written(db)


def test_missing_or_wrong_key_is_a_401(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    assert client.put("/api/v1/orders/o-1", json=order_payload()).status_code == 401
    wrong = shop.ingest_key[:-4] + "AAAA"
    response = client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(wrong))
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    assert nothing_written(db)


def test_read_key_cannot_write(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    response = client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.read_key))
    assert response.status_code == 403
    assert nothing_written(db)


def test_revoked_key_is_refused(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    from lojal.shops.repository import get_api_key_by_prefix
    from lojal.shops.service import revoke_api_key

    key = get_api_key_by_prefix(db, shop.ingest_key.split("_")[1])
    assert key is not None
    revoke_api_key(db, shop.shop, key.id)
    db.commit()
    response = client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    assert response.status_code == 401 and "revoked" in response.json()["error"]["message"]
