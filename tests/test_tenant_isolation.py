"""A shop's API key can neither read nor write another shop's data, on every endpoint."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.models import Customer, Order
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload
from tests.orders.test_refunds import REFUND


def seed(client: TestClient, shop: ShopWithKeys) -> None:
    headers = auth(shop.ingest_key)
    assert client.put("/api/v1/orders/o-1", json=order_payload(), headers=headers).status_code == 201
    assert client.put("/api/v1/products/p-100", json={"name": "Kaffefilter"}, headers=headers).status_code == 201


READS = ["/api/v1/customers/c-981", "/api/v1/customers/c-981/orders", "/api/v1/customers/c-981/timeline",
         "/api/v1/orders/o-1", "/api/v1/products/p-100"]
LISTS = ["/api/v1/customers", "/api/v1/orders", "/api/v1/products",
         "/api/v1/customers?email=kari.nordmann@example.no", "/api/v1/customers?external_id=c-981"]


def test_other_shop_cannot_read(client: TestClient, shop: ShopWithKeys, other_shop: ShopWithKeys) -> None:
    seed(client, shop)
    for path in READS:
        assert client.get(path, headers=auth(shop.read_key)).status_code == 200, path
        assert client.get(path, headers=auth(other_shop.read_key)).status_code == 404, path
    for path in LISTS:
        assert client.get(path, headers=auth(shop.read_key)).json()["data"], path
        assert client.get(path, headers=auth(other_shop.read_key)).json()["data"] == [], path


def test_other_shop_cannot_write_into_this_shop(client: TestClient, shop: ShopWithKeys, other_shop: ShopWithKeys,
                                               db: Session) -> None:
    seed(client, shop)
    refund = client.post("/api/v1/refunds", json=REFUND, headers=auth(other_shop.ingest_key))
    assert refund.status_code == 422 and refund.json()["error"]["field"] == "order_external_id"
    # the same external ids in the other shop make the other shop's own records
    assert client.put("/api/v1/orders/o-1", json=order_payload(status="cancelled"),
                      headers=auth(other_shop.ingest_key)).status_code == 201
    assert client.put("/api/v1/customers/c-981", json={"first_name": "Mallory"},
                      headers=auth(other_shop.ingest_key)).status_code == 200
    event = {"name": "wishlist_added", "customer": {"external_id": "c-981"}, "occurred_at": "2026-03-14T18:00:00Z"}
    assert client.post("/api/v1/events", json=event, headers=auth(other_shop.ingest_key)).status_code == 201
    bulk = b'{"type": "customer", "external_id": "c-981", "last_name": "Hacker"}\n'
    assert client.post("/api/v1/bulk", content=bulk, headers=auth(other_shop.ingest_key)).json()["failed"] == 0
    mine = db.scalars(select(Order).where(Order.shop_id == shop.shop.id)).one()
    assert mine.status == "paid" and mine.refunded_total == 0
    customer = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id)).one()
    assert (customer.first_name, customer.last_name) == ("Kari", None)
    assert client.get("/api/v1/customers/c-981/timeline", headers=auth(shop.read_key)).json()[0]["kind"] == "order"
