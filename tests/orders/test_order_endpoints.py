import copy
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, DomainEvent, Job, Order, OrderLine
from lojal.orders.schemas import ORDER_EXAMPLE
from tests.fixtures.api import ShopWithKeys, auth


def order_payload(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(ORDER_EXAMPLE)
    payload.update(changes)
    return payload


def events_of(db: Session, shop_id: int) -> list[str]:
    return list(db.scalars(select(DomainEvent.type).where(DomainEvent.shop_id == shop_id).order_by(DomainEvent.id)))


def test_put_order_creates_order_lines_customer_and_events(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    response = client.put("/api/v1/orders/o-10234", json=order_payload(), headers=auth(shop.ingest_key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["external_id"] == "o-10234"
    assert body["total"] == 53780 and body["net_total"] == 53780
    assert body["customer_external_id"] == "c-981"
    assert [line["external_id"] for line in body["lines"]] == ["l-1", "l-2"]
    customer = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id)).one()
    assert customer.email == "kari.nordmann@example.no"
    assert (customer.order_count, customer.total_spent, customer.average_order_value) == (1, 53780, 53780)
    assert events_of(db, shop.shop.id) == ["customer.created", "order.placed", "order.paid"]
    # the request's events are recorded at once: one dispatch job for the customer's and the order's
    assert db.scalar(select(func.count()).select_from(Job).where(Job.task == "events.dispatch")) == 1


def test_same_order_sent_again_changes_nothing(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    first = client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key)).json()
    events_before = events_of(db, shop.shop.id)
    again = client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    assert again.status_code == 200
    assert again.json() == first
    assert events_of(db, shop.shop.id) == events_before
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    assert db.scalar(select(func.count()).select_from(OrderLine)) == 2


def test_status_updates_converge_and_emit_each_event_once(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    headers = auth(shop.ingest_key)
    client.put("/api/v1/orders/o-2", json=order_payload(status="placed"), headers=headers)
    client.put("/api/v1/orders/o-2", json=order_payload(status="paid"), headers=headers)
    client.put("/api/v1/orders/o-2", json=order_payload(status="fulfilled"), headers=headers)
    response = client.put("/api/v1/orders/o-2", json=order_payload(status="fulfilled"), headers=headers)
    assert response.json()["status"] == "fulfilled"
    assert response.json()["paid_at"] is not None and response.json()["fulfilled_at"] is not None
    assert events_of(db, shop.shop.id) == ["customer.created", "order.placed", "order.paid", "order.fulfilled"]


def test_cancelled_order_leaves_the_aggregates(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    headers = auth(shop.ingest_key)
    client.put("/api/v1/orders/o-3", json=order_payload(status="paid"), headers=headers)
    client.put("/api/v1/orders/o-3", json=order_payload(status="cancelled"), headers=headers)
    customer = db.scalars(select(Customer)).one()
    db.refresh(customer)
    assert (customer.order_count, customer.total_spent, customer.last_order_at) == (0, 0, None)
    assert events_of(db, shop.shop.id)[-1] == "order.cancelled"


def test_older_update_is_ignored(client: TestClient, shop: ShopWithKeys) -> None:
    headers = auth(shop.ingest_key)
    client.put("/api/v1/orders/o-4", json=order_payload(status="paid", updated_at="2026-03-15T10:00:00Z"), headers=headers)
    stale = client.put("/api/v1/orders/o-4", json=order_payload(status="placed", updated_at="2026-03-14T10:00:00Z"),
                       headers=headers)
    assert stale.status_code == 200 and stale.json()["status"] == "paid"


def test_lines_are_matched_by_external_id(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    headers = auth(shop.ingest_key)
    client.put("/api/v1/orders/o-5", json=order_payload(), headers=headers)
    changed = order_payload()
    changed["lines"] = [changed["lines"][1]]
    changed.update(subtotal=45900, total=45800)
    response = client.put("/api/v1/orders/o-5", json=changed, headers=headers)
    assert response.status_code == 200
    assert [line["external_id"] for line in response.json()["lines"]] == ["l-2"]
    assert events_of(db, shop.shop.id)[-1] == "order.updated"
    assert db.scalars(select(Customer)).one().total_spent == 45800


def test_guest_order_finds_or_creates_customer_by_email(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    headers = auth(shop.ingest_key)
    guest = order_payload(email="Ola@Example.NO")
    guest.pop("customer")
    assert client.put("/api/v1/orders/g-1", json=guest, headers=headers).status_code == 201
    assert client.put("/api/v1/orders/g-2", json=guest, headers=headers).status_code == 201
    customer = db.scalars(select(Customer)).one()
    assert (customer.email, customer.is_guest, customer.external_id, customer.order_count) == ("ola@example.no", True, None, 2)
    registered = order_payload(customer={"external_id": "c-ola", "email": "ola@example.no"})
    client.put("/api/v1/orders/g-3", json=registered, headers=headers)
    db.expire_all()
    customer = db.scalars(select(Customer)).one()
    assert (customer.external_id, customer.is_guest, customer.order_count) == ("c-ola", False, 3)


def test_read_back_orders_with_cursor(client: TestClient, shop: ShopWithKeys) -> None:
    for number in range(5):
        client.put(f"/api/v1/orders/o-{number}", json=order_payload(placed_at=f"2026-03-1{number}T10:00:00Z"),
                   headers=auth(shop.ingest_key))
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/orders", params=params, headers=auth(shop.read_key)).json()
        seen += [order["external_id"] for order in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["o-4", "o-3", "o-2", "o-1", "o-0"]


def test_average_order_value_is_whole_minor_units(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    for number, price in enumerate((1000, 1000, 1001), start=1):
        body = order_payload(subtotal=price, discount_total=0, shipping_total=0, tax_total=0, total=price,
                             discount_codes=[], lines=[{"external_id": "l-1", "sku": "X", "quantity": 1,
                                                        "unit_price": price, "total": price}])
        assert client.put(f"/api/v1/orders/o-{number}", json=body, headers=auth(shop.ingest_key)).status_code == 201
    db.expire_all()
    stored = db.execute(select(Customer.average_order_value, Customer.total_spent)).one()
    assert stored == (1000, 3001) and isinstance(stored[0], int)  # 3001 / 3 rounds down to whole øre
    body = client.get("/api/v1/customers/c-981", headers=auth(shop.read_key)).json()
    assert body["average_order_value"] == 1000
