"""GDPR access and erasure: the data document, the erasure of every personal field, the shop's
numbers unchanged, idempotency, the log, the Shopify privacy webhooks, tenant isolation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import lojal.events.tasks  # noqa: F401  (registers the dispatcher)
import lojal.privacy.tasks  # noqa: F401  (registers the Shopify privacy job)
from lojal.db.base import Base
from lojal.integrations import service as integrations
from lojal.models import (
    Customer,
    CustomerEvent,
    DomainEvent,
    IdempotencyRecord,
    LedgerEntry,
    Order,
    OrderLine,
    PrivacyRequest,
    Refund,
)
from lojal.privacy.fields import CLASSIFICATION, CLEAR, PSEUDONYMISE, text_like
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys, auth
from tests.integrations.helpers import SHOPIFY_SECRET, post_shopify
from tests.orders.test_order_endpoints import order_payload

REFUND = {"external_id": "r-1", "order_external_id": "o-1", "refunded_at": "2026-03-20T12:00:00+01:00",
          "reason": "Kari syntes den var for liten", "lines": [{"line_external_id": "l-1", "quantity": 1, "amount": 3990}]}
CHECKOUT = {"external_id": "evt-1", "name": "checkout_started", "customer": {"external_id": "c-981"},
            "occurred_at": "2026-03-14T18:02:00+01:00", "recovery_url": "https://butikk.example.no/cart/recover/abc",
            "properties": {"note": "Ring Kari på 91234567"},
            "cart": {"currency": "NOK", "total": 7980,
                     "items": [{"product_external_id": "p-100", "quantity": 2, "unit_price": 3990}]}}
KARI = {"email": "kari.nordmann@example.no", "first_name": "Kari", "last_name": "Nordmann", "phone": "+4791234567",
        "birth_date": "1984-05-17", "company_name": "Nordmann AS", "attributes": {"address": "Storgata 1, Oslo"},
        "interests": ["tennis"], "email_consent": {"granted": True, "source": "checkout"}}


def load_kari(client: TestClient, shop: ShopWithKeys) -> None:
    headers = auth(shop.ingest_key)
    assert client.put("/api/v1/customers/c-981", json=KARI, headers=headers).status_code == 201
    assert client.put("/api/v1/orders/o-1", json=order_payload(attributes={"gift_note": "Til Kari"}),
                      headers=headers).status_code == 201
    assert client.put("/api/v1/orders/o-2", json=order_payload(order_number="#10235", lines=order_payload()["lines"][:1],
                                                               subtotal=7980, discount_total=0, shipping_total=0,
                                                               tax_total=1596, total=7980, discount_codes=[]),
                      headers=headers).status_code == 201
    assert client.post("/api/v1/refunds", json=REFUND, headers=headers).status_code in (200, 201)
    assert client.post("/api/v1/events", json=CHECKOUT, headers=headers).status_code in (200, 201, 202)


def shop_numbers(db: Session, shop_id: int) -> dict[str, Any]:
    db.expire_all()
    return {
        "revenue": db.scalar(select(func.sum(Order.total - Order.refunded_total)).where(Order.shop_id == shop_id)),
        "orders": [(row.external_id, row.placed_at, row.total, row.refunded_total, row.status, row.customer_id)
                   for row in db.scalars(select(Order).where(Order.shop_id == shop_id).order_by(Order.id))],
        "lines": [(row.sku, row.quantity, row.total) for row in db.scalars(select(OrderLine).where(
            OrderLine.shop_id == shop_id).order_by(OrderLine.id))],
        "refunds": [(row.amount, row.refunded_at) for row in db.scalars(select(Refund).where(Refund.shop_id == shop_id))],
        "customers": [(row.id, row.order_count, row.total_spent, row.first_order_at, row.last_order_at)
                      for row in db.scalars(select(Customer).where(Customer.shop_id == shop_id).order_by(Customer.id))],
    }


def test_every_text_column_of_customer_data_is_classified() -> None:
    """A new text column on a table with customer data must be classified in privacy/fields.py."""
    for table_name, classified in CLASSIFICATION.items():
        table = Base.metadata.tables[table_name]
        text_columns = {column.name for column in table.columns if text_like(column.type)}
        assert text_columns == set(classified), f"{table_name}: classify {sorted(text_columns ^ set(classified))}"
    tables_with_customer_id = {table.name for table in Base.metadata.sorted_tables if "customer_id" in table.columns}
    assert tables_with_customer_id <= set(CLASSIFICATION), sorted(tables_with_customer_id - set(CLASSIFICATION))


def test_the_data_document_holds_everything_about_the_customer(client: TestClient, shop: ShopWithKeys,
                                                               other_shop: ShopWithKeys, db: Session) -> None:
    load_kari(client, shop)
    response = client.get("/api/v1/customers/c-981/data", headers=auth(shop.admin_key))
    assert response.status_code == 200, response.text
    document = response.json()
    customer = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id, Customer.external_id == "c-981")).one()
    assert document["format"] == "lojal.customer-data/1" and document["erased_at"] is None
    assert document["customer"]["id"] == customer.id
    assert {name: document["customer"][name] for name in ("email", "first_name", "last_name", "phone", "birth_date",
                                                          "company_name", "attributes", "interests")} == {
        "email": "kari.nordmann@example.no", "first_name": "Kari", "last_name": "Nordmann", "phone": "+4791234567",
        "birth_date": "1984-05-17", "company_name": "Nordmann AS", "attributes": {"address": "Storgata 1, Oslo"},
        "interests": ["tennis"]}
    assert set(document["customer"]) == {column.name for column in Customer.__table__.columns} - {"shop_id"}
    assert document["consents"]["email"]["granted"] is True and document["consents"]["email"]["source"] == "checkout"
    assert [order["external_id"] for order in document["orders"]] == ["o-1", "o-2"]
    assert [[line["sku"] for line in order["lines"]] for order in document["orders"]] == [["KF-4-100", "TR-PRO"], ["KF-4-100"]]
    assert [(refund["reason"], len(refund["lines"])) for refund in document["refunds"]] == [(REFUND["reason"], 1)]
    assert [(event["name"], event["recovery_url"]) for event in document["events"]] == [
        ("checkout_started", CHECKOUT["recovery_url"])]
    activity = db.scalars(select(DomainEvent.id).where(DomainEvent.shop_id == shop.shop.id,
                                                       DomainEvent.customer_id == customer.id).order_by(DomainEvent.id)).all()
    assert [event["id"] for event in document["activity"]] == list(activity)
    assert set(document["loyalty"]) == {"account", "ledger", "lots", "redemptions"}
    [logged] = db.scalars(select(PrivacyRequest).where(PrivacyRequest.shop_id == shop.shop.id)).all()
    assert (logged.kind, logged.customer_id, logged.source, logged.actor) == ("access", customer.id, "api", logged.actor)
    assert logged.summary == {"orders": 2, "refunds": 1, "events": 1, "activity": len(activity), "ledger_entries": 0,
                              "lots": 0, "redemptions": 0}
    # another shop's key sees nothing of it; a read key may not ask
    assert client.get("/api/v1/customers/c-981/data", headers=auth(other_shop.admin_key)).status_code == 404
    assert client.get("/api/v1/customers/c-981/data", headers=auth(shop.read_key)).status_code == 403


def test_erasure_clears_every_personal_field_and_keeps_the_shops_numbers(client: TestClient, shop: ShopWithKeys,
                                                                         other_shop: ShopWithKeys, db: Session) -> None:
    load_kari(client, shop)
    client.put("/api/v1/customers/c-981", json=KARI, headers=auth(other_shop.ingest_key))
    before, other_before = shop_numbers(db, shop.shop.id), shop_numbers(db, other_shop.shop.id)
    customer_id = db.scalars(select(Customer.id).where(Customer.shop_id == shop.shop.id)).one()
    db.add(LedgerEntry(shop_id=shop.shop.id, customer_id=customer_id, kind="adjust", operation="adjust:1",
                       description="Bursdagsgave til Kari", note="Kari ringte", actor="admin:eva@example.no",
                       created_at=before["orders"][0][1]))
    db.commit()
    headers = {**auth(shop.admin_key), "Idempotency-Key": "erase-kari-1"}
    response = client.post("/api/v1/customers/c-981/erase", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_id"] == customer_id
    assert body["summary"] == {"customer": 1, "orders": 2, "refunds": 1, "events": 1, "ledger_entries": 1,
                               "activity": body["summary"]["activity"], "webhook_responses": 0,
                               "stored_replies": body["summary"]["stored_replies"]}
    db.expire_all()
    customer = db.get(Customer, (shop.shop.id, customer_id))
    assert customer is not None
    for column, action in CLASSIFICATION["customers"].items():
        if action == CLEAR:
            assert getattr(customer, column) in (None, {}, [], ""), column
    assert customer.external_id.startswith("erased-") and "c-981" not in customer.external_id
    assert CLASSIFICATION["customers"]["external_id"] == PSEUDONYMISE
    for order in db.scalars(select(Order).where(Order.shop_id == shop.shop.id)):
        assert (order.email, order.attributes) == (None, {})
    assert db.scalars(select(Refund.reason).where(Refund.shop_id == shop.shop.id)).all() == [None]
    event = db.scalars(select(CustomerEvent).where(CustomerEvent.shop_id == shop.shop.id)).one()
    assert (event.properties, event.cart, event.recovery_url) == ({}, None, None)
    entry = db.scalars(select(LedgerEntry).where(LedgerEntry.shop_id == shop.shop.id)).one()
    assert (entry.description, entry.note, entry.actor) == ("", None, "admin:eva@example.no")
    personal = ["kari", "Kari", "Nordmann", "91234567", "1984-05-17", "Storgata", "c-981", "recover/abc"]
    for payload in db.scalars(select(DomainEvent.payload).where(DomainEvent.shop_id == shop.shop.id)):
        assert not any(value in str(payload) for value in personal), payload
    for record in db.scalars(select(IdempotencyRecord).where(IdempotencyRecord.shop_id == shop.shop.id)):
        assert not any(value.encode() in record.response_body for value in personal[:5]), record.key
    assert shop_numbers(db, shop.shop.id) == before  # revenue, orders, lines, refunds, aggregates
    assert shop_numbers(db, other_shop.shop.id) == other_before
    other = db.scalars(select(Customer).where(Customer.shop_id == other_shop.shop.id)).one()
    assert (other.external_id, other.email, other.first_name) == ("c-981", "kari.nordmann@example.no", "Kari")
    [logged] = db.scalars(select(PrivacyRequest).where(PrivacyRequest.kind == "erasure")).all()
    assert (logged.shop_id, logged.customer_id, logged.source) == (shop.shop.id, customer_id, "api")
    assert logged.actor.startswith("api:key-") and logged.summary == body["summary"]
    assert not any(value in str((logged.actor, logged.reference, logged.summary)) for value in personal)
    assert "customer.erased" in db.scalars(select(DomainEvent.type).where(DomainEvent.shop_id == shop.shop.id)).all()

    # idempotent: the same key replays; a new request (by the old id, or by id:<n>) answers the same, changes nothing
    assert client.post("/api/v1/customers/c-981/erase", headers=headers).json() == body
    again = client.post("/api/v1/customers/c-981/erase", headers=auth(shop.admin_key))
    assert again.status_code == 200 and again.json() == body
    assert client.post(f"/api/v1/customers/id:{customer_id}/erase", headers=auth(shop.admin_key)).json() == body
    assert db.scalar(select(func.count()).select_from(PrivacyRequest).where(PrivacyRequest.kind == "erasure")) == 1
    document = client.get("/api/v1/customers/c-981/data", headers=auth(shop.admin_key)).json()
    assert document["erased_at"] is not None and document["customer"]["email"] is None


def test_erasure_refuses_unknown_customers_and_other_scopes(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    assert client.post("/api/v1/customers/nobody/erase", headers=auth(shop.admin_key)).status_code == 404
    load_kari(client, shop)
    assert client.post("/api/v1/customers/c-981/erase", headers=auth(shop.ingest_key)).status_code == 403
    assert db.scalar(select(func.count()).select_from(PrivacyRequest)) == 0


def test_shopify_customers_redact_erases_and_data_request_produces_the_document(
        client: TestClient, shop: ShopWithKeys, db: Session, session_factory: sessionmaker[Session]) -> None:
    integrations.connect(db, shop.shop, "shopify", SHOPIFY_SECRET, shop.shop.created_at)
    db.commit()
    load_kari(client, shop)
    customer_id = db.scalars(select(Customer.id).where(Customer.shop_id == shop.shop.id)).one()
    request = {"shop_id": 68755882026, "shop_domain": "nordlys-sport.myshopify.com",
               "customer": {"id": "c-981", "email": "kari.nordmann@example.no", "phone": "+4791234567"},
               "orders_requested": ["o-1"], "data_request": {"id": 9999}}
    assert post_shopify(client, "customers/data_request", request, slug=shop.shop.slug).status_code == 200
    redact = {key: value for key, value in request.items() if key not in ("orders_requested", "data_request")}
    assert post_shopify(client, "customers/redact", redact | {"orders_to_redact": ["o-1"]},
                        slug=shop.shop.slug).status_code == 200
    assert post_shopify(client, "customers/redact", redact, slug=shop.shop.slug, secret="forged").status_code == 401
    worker = Worker(session_factory, name="test")
    while worker.run_once():
        pass
    db.expire_all()
    customer = db.get(Customer, (shop.shop.id, customer_id))
    assert customer is not None and customer.email is None and customer.external_id.startswith("erased-")
    logged = db.scalars(select(PrivacyRequest).where(PrivacyRequest.shop_id == shop.shop.id)
                        .order_by(PrivacyRequest.id)).all()
    assert [(row.kind, row.source, row.reference) for row in logged] == [("access", "shopify", "9999"),
                                                                         ("erasure", "shopify", None)]
    deliveries = {item["topic"]: item for item in client.get("/api/v1/integrations/deliveries",
                                                             headers=auth(shop.admin_key)).json()}
    redacted = deliveries["customers/redact"]
    assert redacted["status"] == "applied"
    assert redacted["result"] == {"customer_id": customer_id, "erased": True, "privacy_request": logged[1].id}
    exported = deliveries["customers/data_request"]
    assert exported["status"] == "applied" and exported["result"]["privacy_request"] == logged[0].id
    assert exported["result"]["sections"]["orders"] == 2
    for delivery in deliveries.values():
        assert "kari" not in str(delivery) and "91234567" not in str(delivery), delivery


def test_a_replay_after_the_erasure_does_not_bring_the_person_back(client: TestClient, shop: ShopWithKeys,
                                                                     db: Session) -> None:
    load_kari(client, shop)
    before = shop_numbers(db, shop.shop.id)
    assert client.post("/api/v1/customers/c-981/erase", headers=auth(shop.admin_key)).status_code == 200
    headers = auth(shop.ingest_key)
    assert client.put("/api/v1/orders/o-1", json=order_payload(attributes={"gift_note": "Til Kari"}),
                      headers=headers).status_code == 200  # a webhook retry of an old order
    assert client.put("/api/v1/customers/c-981", json=KARI, headers=headers).status_code == 200
    guest = order_payload(customer=None, email="kari.nordmann@example.no")
    assert client.put("/api/v1/orders/o-3", json=guest, headers=headers).status_code == 201  # by e-mail alone
    db.expire_all()
    customers = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id)).all()
    assert len(customers) == 1 and customers[0].id == before["customers"][0][0]
    assert (customers[0].email, customers[0].first_name, customers[0].phone) == (None, None, None)
    orders = db.scalars(select(Order).where(Order.shop_id == shop.shop.id).order_by(Order.id)).all()
    assert [(order.email, order.attributes) for order in orders] == [(None, {})] * 3
    assert shop_numbers(db, shop.shop.id)["orders"][:2] == before["orders"]


def test_a_bulk_replay_of_customer_and_orders_after_the_erasure_writes_nothing_of_the_person(
        client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    """The customer line and its orders in one bulk batch: the orders resolve to the erased record
    and carry no personal data either (they must not reuse the line's lookup as a live customer)."""
    import orjson

    load_kari(client, shop)
    assert client.post("/api/v1/customers/c-981/erase", headers=auth(shop.admin_key)).status_code == 200
    lines = [{"type": "customer", "external_id": "c-981", **KARI},
             {"type": "order", "external_id": "o-9", **order_payload(attributes={"gift_note": "Til Kari"},
                                                                      customer={"external_id": "c-981"})}]
    response = client.post("/api/v1/bulk", content=b"\n".join(orjson.dumps(line) for line in lines),
                           headers=auth(shop.ingest_key))
    assert response.status_code == 200 and response.json()["failed"] == 0, response.text
    db.expire_all()
    customers = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id)).all()
    assert len(customers) == 1 and (customers[0].email, customers[0].first_name) == (None, None)
    orders = db.scalars(select(Order).where(Order.shop_id == shop.shop.id).order_by(Order.id)).all()
    assert len(orders) == 3 and [(order.email, order.attributes) for order in orders] == [(None, {})] * 3
