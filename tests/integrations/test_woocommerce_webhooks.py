"""WooCommerce webhooks end to end: the ping, signed deliveries, guests, refunds, deletion."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.models import Customer, Order, OrderLine, Refund
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys, auth
from tests.integrations.helpers import count, payload, post_woocommerce, run_jobs, snapshot


def stored_order(db: Session, external_id: str = "727") -> Order:
    db.expire_all()
    return db.scalars(select(Order).where(Order.external_id == external_id)).one()


def test_the_ping_on_webhook_creation_is_answered_even_before_the_secret_is_set(
        client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    before = snapshot(db)
    ping = client.post("/webhooks/woocommerce/nordlys-sport", content=b"webhook_id=14",
                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                "User-Agent": "WooCommerce/8.6.1 Hookshot (WordPress/6.4.3)"})
    assert (ping.status_code, ping.json()) == (200, {"status": "pong"})
    assert client.post("/webhooks/woocommerce/no-such-shop", content=b"webhook_id=14").status_code == 404
    assert snapshot(db) == before


def test_a_guest_order_arrives_with_vat_included_prices(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                                        db: Session) -> None:
    assert post_woocommerce(client, "order.created", payload("woocommerce_order")).status_code == 200
    run_jobs(worker)
    order = stored_order(db)
    assert (order.status, order.subtotal, order.shipping_total, order.tax_total, order.taxes_included, order.total,
            order.discount_codes) == ("paid", 170730, 7900, 35726, True, 178630, ["var10"])
    assert order.paid_at is not None and order.paid_at.isoformat() == "2026-03-14T18:28:08+00:00"
    lines = db.scalars(select(OrderLine).order_by(OrderLine.position)).all()
    assert [(line.external_id, line.quantity, line.unit_price, line.discount, line.total) for line in lines] == [
        ("315", 1, 149900, 14990, 134910), ("316", 2, 19900, 3980, 35820)]
    customer = db.get(Customer, (order.shop_id, order.customer_id))
    assert customer is not None
    assert (customer.external_id, customer.email, customer.is_guest, customer.phone, customer.total_spent) == (
        None, "per.hansen@example.no", True, "+4791234568", 178630)


def test_status_changes_refunds_and_a_late_old_update(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                                      db: Session) -> None:
    post_woocommerce(client, "order.created", payload("woocommerce_order"))
    completed = payload("woocommerce_order", status="completed", date_completed_gmt="2026-03-16T08:00:00",
                        date_modified_gmt="2026-03-16T08:00:00")
    refunded = payload("woocommerce_order", status="completed", date_completed_gmt="2026-03-16T08:00:00",
                       date_modified_gmt="2026-03-20T11:00:00",
                       refunds=[{"id": 812, "reason": "Feil størrelse", "total": "-358.20"}])
    post_woocommerce(client, "order.updated", refunded)
    post_woocommerce(client, "order.updated", completed)  # older than the refund: ignored by the hub
    run_jobs(worker)
    order = stored_order(db)
    assert (order.status, order.refunded_total) == ("fulfilled", 35820)
    assert order.fulfilled_at is not None and order.fulfilled_at.isoformat() == "2026-03-16T08:00:00+00:00"
    refund = db.scalars(select(Refund)).one()
    assert (refund.external_id, refund.amount, refund.reason) == ("812", 35820, "Feil størrelse")


def test_a_registered_customer_and_their_order(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                               db: Session) -> None:
    post_woocommerce(client, "customer.created", payload("woocommerce_customer"))
    order = payload("woocommerce_order", customer_id=25)
    order["billing"].update(email="ingrid.berg@example.no", first_name="Ingrid", last_name="Berg", phone="")
    post_woocommerce(client, "order.created", order)
    run_jobs(worker)
    db.expire_all()
    customer = db.scalars(select(Customer)).one()
    assert (customer.external_id, customer.email, customer.company_name, customer.phone, customer.is_guest,
            customer.order_count) == ("25", "ingrid.berg@example.no", "Berg Frisør AS", None, False, 1)


def test_a_deleted_order_is_cancelled_and_an_unknown_one_ignored(client: TestClient, connected: ShopWithKeys,
                                                                 worker: Worker, db: Session) -> None:
    post_woocommerce(client, "order.created", payload("woocommerce_order"))
    run_jobs(worker)
    post_woocommerce(client, "order.deleted", {"id": 727})
    post_woocommerce(client, "order.deleted", {"id": 999})
    run_jobs(worker)
    order = stored_order(db)
    assert (order.status, order.total, count(db, OrderLine)) == ("cancelled", 178630, 2)
    customer = db.get(Customer, (order.shop_id, order.customer_id))
    assert customer is not None and (customer.order_count, customer.total_spent) == (0, 0)
    statuses = client.get("/api/v1/integrations/deliveries", params={"platform": "woocommerce"},
                          headers=auth(connected.read_key)).json()
    assert sorted((delivery["topic"], delivery["status"], delivery.get("reason") or "") for delivery in statuses) == [
        ("order.created", "applied", ""), ("order.deleted", "applied", ""),
        ("order.deleted", "ignored", "order 999 is not in Lojal")]


def test_replays_wrong_signatures_and_unknown_topics(client: TestClient, connected: ShopWithKeys, worker: Worker,
                                                     db: Session) -> None:
    post_woocommerce(client, "order.created", payload("woocommerce_order"), delivery_id="7b2f0c1d9e8a")
    run_jobs(worker)
    before = snapshot(db)
    replay = post_woocommerce(client, "order.created", payload("woocommerce_order"), delivery_id="7b2f0c1d9e8a")
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert post_woocommerce(client, "order.created", payload("woocommerce_order"), secret="wrong").status_code == 401
    unsigned = post_woocommerce(client, "order.created", payload("woocommerce_order"), signature_header="")
    assert unsigned.status_code == 401
    run_jobs(worker)
    assert snapshot(db) == before
    assert post_woocommerce(client, "coupon.created", {"id": 720, "code": "var10"}).status_code == 200
    run_jobs(worker)
    assert count(db, Order) == 1
