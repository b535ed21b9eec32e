"""Shopify webhooks end to end: signed as Shopify signs them, through the endpoint and the real
worker, into the hub; refused, replayed, out of order."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.kit.clock import FrozenClock
from lojal.models import Customer, CustomerEvent, Order, OrderLine
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys, auth
from tests.integrations.helpers import (
    SHOPIFY_SECRET,
    count,
    payload,
    post_shopify,
    run_jobs,
    shopify_body,
    signature,
    snapshot,
)


def deliveries(client: TestClient, shop: ShopWithKeys, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/integrations/deliveries", params=filters, headers=auth(shop.read_key))
    assert response.status_code == 200, response.text
    return response.json()


def stored_order(db: Session, external_id: str = "5820441297194") -> Order:
    db.expire_all()
    return db.scalars(select(Order).where(Order.external_id == external_id)).one()


def test_an_order_arrives_in_ore_with_its_lines_and_customer(client: TestClient, connected: ShopWithKeys,
                                                             worker: Worker, db: Session) -> None:
    response = post_shopify(client, "orders/create", payload("shopify_order"))
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    assert count(db, Order) == 0  # answered before the work: the job applies it
    run_jobs(worker)
    order = stored_order(db)
    assert (order.order_number, order.status, order.currency, order.subtotal, order.discount_total,
            order.shipping_total, order.tax_total, order.taxes_included, order.total, order.refunded_total) == (
        "#1001", "paid", "NOK", 138122, 0, 9900, 29604, True, 148022, 0)
    assert order.discount_codes == ["VAR10"]
    lines = db.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).all()
    assert [(line.external_id, line.sku, line.quantity, line.unit_price, line.discount, line.total) for line in lines] == [
        ("14112000000001", "KF-4-100", 2, 3990, 798, 7182), ("14112000000002", "TR-PRO-G3", 1, 129900, 22990, 106910),
        ("14112000000003", "TB-4", 3, 8900, 2670, 24030)]
    customer = db.get(Customer, (order.shop_id, order.customer_id))
    assert customer is not None
    assert (customer.external_id, customer.email, customer.phone, customer.locale, customer.country, customer.is_guest,
            customer.email_consent, customer.email_consent_source, customer.sms_consent, customer.order_count,
            customer.total_spent) == ("7390231773482", "kari.nordmann@example.no", "+4791234567", "nb-NO", "NO", False,
                                      True, "shopify:confirmed_opt_in", False, 1, 148022)
    [delivery] = deliveries(client, connected)
    assert (delivery["topic"], delivery["status"], delivery["result"]) == (
        "orders/create", "applied", {"order": "5820441297194", "created": True, "changed": True, "refunds_created": 0})


def test_a_wrong_signature_is_refused_and_stores_nothing(client: TestClient, connected: ShopWithKeys,
                                                         db: Session) -> None:
    before = snapshot(db)
    body = shopify_body(payload("shopify_order"))
    forged = post_shopify(client, "orders/create", body, secret="not-the-shops-secret")
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "unauthorized"
    assert post_shopify(client, "orders/create", body, hmac_header="").status_code == 401
    tampered = body.replace(b'"total_price":"1480.22"', b'"total_price":"1.00"')
    assert tampered != body
    assert post_shopify(client, "orders/create", tampered, hmac_header=signature(SHOPIFY_SECRET, body)).status_code == 401
    assert snapshot(db) == before


def test_a_shop_without_a_secret_or_an_unknown_shop_is_refused(client: TestClient, shop: ShopWithKeys,
                                                               db: Session) -> None:
    before = snapshot(db)
    unconnected = post_shopify(client, "orders/create", payload("shopify_order"))
    assert unconnected.status_code == 401 and "not connected" in unconnected.json()["error"]["message"]
    assert post_shopify(client, "orders/create", payload("shopify_order"), slug="no-such-shop").status_code == 404
    assert snapshot(db) == before


def test_a_retry_changes_nothing_and_answers_the_same(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                                      db: Session) -> None:
    first = post_shopify(client, "orders/create", payload("shopify_order"), webhook_id="b54557e4-8a5f-4f7d",
                         event_id="98880550")
    run_jobs(worker)
    before = snapshot(db)
    again = post_shopify(client, "orders/create", payload("shopify_order"), webhook_id="b54557e4-8a5f-4f7d",
                         event_id="98880550")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    # the same event sent to a second subscription comes with another webhook id
    twin = post_shopify(client, "orders/create", payload("shopify_order"), webhook_id="another-subscription",
                        event_id="98880550")
    assert twin.status_code == 200
    run_jobs(worker)
    assert snapshot(db) == before


def test_updated_before_created_converges_on_the_newest_state(client: TestClient, connected: ShopWithKeys,
                                                              worker: Worker, db: Session) -> None:
    created = payload("shopify_order")
    fulfilled = payload("shopify_order", fulfillment_status="fulfilled", updated_at="2026-03-15T09:00:00+01:00")
    post_shopify(client, "orders/updated", fulfilled)
    run_jobs(worker)
    post_shopify(client, "orders/create", created)  # older, arrives late
    run_jobs(worker)
    order = stored_order(db)
    assert (order.status, order.total) == ("fulfilled", 148022)
    assert count(db, Order) == 1 and count(db, OrderLine) == 3
    assert [delivery["status"] for delivery in deliveries(client, connected)] == ["applied", "applied"]


def test_a_refund_before_its_order_waits_and_then_applies(client: TestClient, connected: ShopWithKeys,
                                                          worker: Worker, db: Session, clock: FrozenClock) -> None:
    post_shopify(client, "refunds/create", payload("shopify_refund"))
    run_jobs(worker)
    assert [delivery["status"] for delivery in deliveries(client, connected)] == ["received"]  # retried later
    post_shopify(client, "orders/paid", payload("shopify_order"))
    run_jobs(worker)
    clock.advance(minutes=5)
    run_jobs(worker)
    order = stored_order(db)
    assert (order.refunded_total, order.total - order.refunded_total) == (8010, 140012)
    line = db.scalars(select(OrderLine).where(OrderLine.external_id == "14112000000003")).one()
    assert (line.refunded_quantity, line.refunded_amount) == (1, 8010)
    customer = db.get(Customer, (order.shop_id, order.customer_id))
    assert customer is not None and customer.total_spent == 140012


def test_refunds_inside_orders_updated_are_applied_once(client: TestClient, connected: ShopWithKeys,
                                                        worker: Worker, db: Session) -> None:
    post_shopify(client, "orders/create", payload("shopify_order"))
    refunded = payload("shopify_order", financial_status="partially_refunded", updated_at="2026-03-20T12:00:01+01:00",
                       refunds=[payload("shopify_refund")])
    post_shopify(client, "orders/updated", refunded)
    post_shopify(client, "refunds/create", payload("shopify_refund"))  # the same refund on its own topic
    run_jobs(worker)
    assert stored_order(db).refunded_total == 8010
    assert [delivery["status"] for delivery in deliveries(client, connected)] == ["applied"] * 3


def test_a_cancelled_order_is_cancelled(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                        db: Session) -> None:
    post_shopify(client, "orders/create", payload("shopify_order"))
    post_shopify(client, "orders/cancelled", payload("shopify_order", cancelled_at="2026-03-14T20:00:00+01:00",
                                                     cancel_reason="customer", updated_at="2026-03-14T20:00:01+01:00"))
    run_jobs(worker)
    order = stored_order(db)
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert order.cancelled_at.isoformat() == "2026-03-14T19:00:00+00:00"


def test_a_guest_b2b_order_with_a_tip(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                      db: Session) -> None:
    data = payload("shopify_order", id=5820441297195, name="#1002", customer=None, email="innkjop@klippogkroll.no",
                   company={"id": 98765, "location_id": 43210}, total_tip_received="20.00", total_price="1500.22",
                   total_price_set=None)
    data["billing_address"]["company"] = "Klipp og Krøll AS"
    post_shopify(client, "orders/create", data)
    run_jobs(worker)
    order = stored_order(db, "5820441297195")
    assert (order.shipping_total, order.total, order.attributes["shopify"]["other_charges"]) == (11900, 150022, 2000)
    customer = db.get(Customer, (order.shop_id, order.customer_id))
    assert customer is not None
    assert (customer.external_id, customer.email, customer.is_guest, customer.company_name, customer.customer_group,
            customer.email_consent) == (None, "innkjop@klippogkroll.no", True, "Klipp og Krøll AS", "b2b", True)


def test_customers_and_abandoned_checkouts(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                           db: Session) -> None:
    post_shopify(client, "customers/create", payload("shopify_customer"))
    post_shopify(client, "checkouts/create", payload("shopify_checkout"))
    post_shopify(client, "checkouts/update", payload("shopify_checkout", updated_at="2026-03-14T18:05:00+01:00"))
    run_jobs(worker)
    db.expire_all()
    customer = db.scalars(select(Customer)).one()
    assert (customer.external_id, customer.first_name, customer.phone, customer.email_consent, customer.sms_consent,
            customer.sms_consent_source) == ("7390231773482", "Kari", "+4791234567", True, True, "shopify:single_opt_in")
    assert customer.created_at.isoformat() == "2025-11-02T08:30:00+00:00"
    events = db.scalars(select(CustomerEvent).order_by(CustomerEvent.occurred_at)).all()
    assert [(event.name, event.customer_id, event.cart["total"] if event.cart else None) for event in events] == [
        ("checkout_started", customer.id, 138800), ("cart_updated", customer.id, 138800)]
    assert all(event.recovery_url and "/recover?key=" in event.recovery_url for event in events)
    unsubscribed = payload("shopify_customer", updated_at="2026-03-16T10:00:00+01:00", email_marketing_consent={
        "state": "unsubscribed", "opt_in_level": "single_opt_in", "consent_updated_at": "2026-03-16T10:00:00+01:00"})
    post_shopify(client, "customers/update", unsubscribed)
    run_jobs(worker)
    db.expire_all()
    assert db.scalars(select(Customer.email_consent)).one() is False


def test_unknown_topics_are_answered_recorded_and_ignored(client: TestClient, connected: ShopWithKeys,
                                                          worker: Worker, db: Session) -> None:
    response = post_shopify(client, "products/update", {"id": 8801000000230, "title": "Tennisracket Pro"})
    assert response.status_code == 200
    run_jobs(worker)
    [delivery] = deliveries(client, connected)
    assert (delivery["status"], delivery["reason"]) == ("ignored", "topic 'products/update' is not one Lojal uses")
    assert count(db, Order) == count(db, Customer) == 0


def test_privacy_topics_are_verified_recorded_and_kept(client: TestClient, connected: ShopWithKeys,
                                                       db: Session) -> None:
    redact = {"shop_id": 68755882026, "shop_domain": "nordlys-sport.myshopify.com",
              "customer": {"id": 7390231773482, "email": "kari.nordmann@example.no", "phone": "+4791234567"},
              "orders_to_redact": [5820441297194]}
    assert post_shopify(client, "customers/redact", redact).status_code == 200
    assert post_shopify(client, "shop/redact", {"shop_id": 68755882026,
                                                "shop_domain": "nordlys-sport.myshopify.com"}).status_code == 200
    assert post_shopify(client, "customers/data_request", redact, secret="forged").status_code == 401
    recorded = deliveries(client, connected, status="recorded")
    assert sorted(delivery["topic"] for delivery in recorded) == ["customers/redact", "shop/redact"]
    request = next(delivery for delivery in recorded if delivery["topic"] == "customers/redact")["request"]
    assert request == {"shopify_shop_id": "68755882026", "shop_domain": "nordlys-sport.myshopify.com",
                       "customer_external_id": "7390231773482", "customer_email": "kari.nordmann@example.no",
                       "customer_phone": "+4791234567", "orders": ["5820441297194"]}


def test_a_payload_the_hub_refuses_is_recorded_as_failed_and_changes_nothing(
        client: TestClient, connected: ShopWithKeys, worker: Worker, db: Session) -> None:
    in_dollars = payload("shopify_order", currency="USD")
    broken = b'{"id": 5820441297194, "line_items": ['
    bad_decimals = payload("shopify_order")
    bad_decimals["line_items"][0]["price_set"]["shop_money"]["amount"] = "39.905"
    for body in (in_dollars, broken, bad_decimals):
        assert post_shopify(client, "orders/create", body).status_code == 200
    run_jobs(worker)
    assert count(db, Order) == count(db, Customer) == 0
    reasons = {delivery["reason"] for delivery in deliveries(client, connected, status="failed")}
    assert reasons == {"currency: this shop keeps its books in NOK; the order is in USD",
                       "the body is not valid JSON: unexpected end of data: line 1 column 38 (char 37)",
                       "line_items.0.price: '39.905' has more decimals than NOK allows"}


def test_another_shops_secret_does_not_open_this_shop(client: TestClient, connected: ShopWithKeys,
                                                      other_shop: ShopWithKeys, db: Session) -> None:
    from lojal.integrations import service

    service.connect(db, other_shop.shop, "shopify", "the-other-shops-secret", other_shop.shop.created_at)
    db.commit()
    before = snapshot(db)
    response = post_shopify(client, "orders/create", payload("shopify_order"), secret="the-other-shops-secret")
    assert response.status_code == 401 and snapshot(db) == before
    assert deliveries(client, other_shop) == []


def test_a_nul_character_in_a_signed_order_is_dropped_not_refused(client: TestClient, connected: ShopWithKeys,
                                                                     worker: Worker, db: Session) -> None:
    data = payload("shopify_order")
    data["line_items"][0]["name"] = "Kaffefilter\u0000 str. 4"
    response = post_shopify(client, "orders/create", data)
    assert response.status_code == 200
    run_jobs(worker)
    order = stored_order(db)
    line = db.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).first()
    assert line is not None and line.name == "Kaffefilter str. 4"
