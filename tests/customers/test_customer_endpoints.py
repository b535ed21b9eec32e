from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, DomainEvent
from tests.fixtures.api import ShopWithKeys, auth

KARI = {"email": " Kari.Nordmann@Example.NO ", "phone": "+47 912 34 567", "first_name": "Kari", "last_name": "Nordmann",
        "locale": "nb-NO", "birth_date": "1988-04-12", "country": "no", "interests": ["Tennis", "golf", "tennis"],
        "customer_group": "frisør", "company_name": "Klipp og Krøll AS", "attributes": {"vip": True},
        "email_consent": {"granted": True, "at": "2026-01-05T10:00:00Z", "source": "checkout"},
        "created_at": "2025-11-02T09:30:00+01:00"}


def test_put_customer_normalises_and_reads_back(client: TestClient, shop: ShopWithKeys) -> None:
    response = client.put("/api/v1/customers/c-1", json=KARI, headers=auth(shop.ingest_key))
    assert response.status_code == 201, response.text
    body = client.get("/api/v1/customers/c-1", headers=auth(shop.read_key)).json()
    assert body["email"] == "kari.nordmann@example.no"
    assert body["phone"] == "+4791234567"
    assert body["country"] == "NO"
    assert body["interests"] == ["golf", "tennis"]
    assert body["email_consent"] is True and body["email_consent_source"] == "checkout"
    assert body["created_at"] == "2025-11-02T08:30:00Z"
    assert body["currency"] == "NOK" and body["order_count"] == 0


def test_put_keeps_fields_left_out_and_replay_changes_nothing(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    headers = auth(shop.ingest_key)
    client.put("/api/v1/customers/c-1", json=KARI, headers=headers)
    events = db.scalar(select(func.count()).select_from(DomainEvent))
    assert client.put("/api/v1/customers/c-1", json=KARI, headers=headers).status_code == 200
    assert db.scalar(select(func.count()).select_from(DomainEvent)) == events
    response = client.put("/api/v1/customers/c-1", json={"last_name": "Hansen"}, headers=headers)
    assert response.json()["last_name"] == "Hansen" and response.json()["first_name"] == "Kari"
    assert db.scalars(select(DomainEvent.type).order_by(DomainEvent.id.desc())).first() == "customer.updated"


def test_bad_customer_fields_are_named(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    for payload, field in [({"email": "nope"}, "email"), ({"phone": "912"}, "phone"), ({"country": "Norway"}, "country"),
                           ({"birth_date": "12.04.1988"}, "birth_date"), ({"interests": "tennis"}, "interests"),
                           ({"email_consent": {"granted": "maybe"}}, "email_consent.granted"),
                           ({"created_at": "2025-11-02T09:30:00"}, "created_at")]:
        response = client.put("/api/v1/customers/c-1", json=payload, headers=auth(shop.ingest_key))
        assert response.status_code == 422, payload
        assert response.json()["error"]["field"] == field
    assert db.scalar(select(func.count()).select_from(Customer)) == 0


def test_email_of_another_customer_is_a_conflict(client: TestClient, shop: ShopWithKeys) -> None:
    headers = auth(shop.ingest_key)
    client.put("/api/v1/customers/c-1", json={"email": "a@example.no"}, headers=headers)
    client.put("/api/v1/customers/c-2", json={"email": "b@example.no"}, headers=headers)
    response = client.put("/api/v1/customers/c-2", json={"email": "a@example.no"}, headers=headers)
    assert response.status_code == 409 and response.json()["error"]["field"] == "email"


def test_list_filters_and_updated_since(client: TestClient, shop: ShopWithKeys) -> None:
    headers = auth(shop.ingest_key)
    for number in range(3):
        client.put(f"/api/v1/customers/c-{number}", json={"email": f"k{number}@example.no", "first_name": f"Kari{number}"},
                   headers=headers)
    read = auth(shop.read_key)
    assert [c["external_id"] for c in client.get("/api/v1/customers?email=K1@example.no", headers=read).json()["data"]] == ["c-1"]
    assert len(client.get("/api/v1/customers?q=kari", headers=read).json()["data"]) == 3
    page = client.get("/api/v1/customers?updated_since=2000-01-01T00:00:00Z&limit=2", headers=read).json()
    assert len(page["data"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/customers?updated_since=2000-01-01T00:00:00Z&limit=2&cursor={page['next_cursor']}",
                      headers=read).json()
    assert len(rest["data"]) == 1 and rest["next_cursor"] is None
    assert client.get("/api/v1/customers?updated_since=2000-01-01T00:00:00", headers=read).status_code == 422


def test_timeline_merges_orders_refunds_and_events(client: TestClient, shop: ShopWithKeys) -> None:
    from tests.orders.test_order_endpoints import order_payload
    from tests.orders.test_refunds import REFUND

    headers = auth(shop.ingest_key)
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=headers)
    client.post("/api/v1/refunds", json=REFUND, headers=headers)
    client.post("/api/v1/events", json={"name": "checkout_started", "customer": {"external_id": "c-981"},
                                        "occurred_at": "2026-03-14T17:00:00Z", "recovery_url": "https://x.example/r",
                                        "cart": {"currency": "NOK", "total": 100, "items": []}}, headers=headers)
    timeline = client.get("/api/v1/customers/c-981/timeline", headers=auth(shop.read_key)).json()
    assert [entry["kind"] for entry in timeline] == ["refund", "order", "event"]
    assert timeline[0]["amount"] == -3990
