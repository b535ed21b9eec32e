"""Outgoing webhooks against a real local receiver: signed, retried, delivered once, isolated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import lojal.events.tasks  # noqa: F401  (registers the dispatcher)
import lojal.webhooks_out.tasks  # noqa: F401  (registers the reaction and the delivery job)
from lojal.config import WebhookSettings, get_settings
from lojal.errors import ValidationFailed
from lojal.kit.clock import FrozenClock, set_clock
from lojal.models import DomainEvent, WebhookDelivery
from lojal.webhooks_out import service
from lojal.webhooks_out.rules import signature_header
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload
from tests.webhooks_out.receiver import Receiver, running_receiver, verify_lojal_signature

NOW = datetime(2026, 3, 14, 17, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def allow_private_urls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LOJAL_WEBHOOKS__ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def run_jobs(session_factory: sessionmaker[Session]) -> None:
    worker = Worker(session_factory, name="test")
    while worker.run_once():
        pass


def subscribe(client: TestClient, shop: ShopWithKeys, receiver: Receiver, events: list[str]) -> dict:
    response = client.post("/api/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": events},
                           headers=auth(shop.admin_key))
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return response.json()


def test_events_are_delivered_signed_to_a_real_receiver(client: TestClient, shop: ShopWithKeys, db: Session,
                                                        session_factory: sessionmaker[Session], receiver: Receiver,
                                                        clock: FrozenClock) -> None:
    created = subscribe(client, shop, receiver, ["order.*"])
    assert created["secret"].startswith("whsec_") and created["event_types"] == ["order.*"]
    listed = client.get("/api/v1/webhooks/subscriptions", headers=auth(shop.admin_key)).json()
    assert [item["id"] for item in listed] == [created["id"]] and "secret" not in listed[0]
    assert client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key)).status_code == 201
    run_jobs(session_factory)
    assert [item.verified for item in receiver.received] == [True, True]
    bodies = [json.loads(item.body) for item in receiver.received]
    assert sorted(body["type"] for body in bodies) == ["order.paid", "order.placed"]
    events = {row.type: row for row in db.scalars(select(DomainEvent).where(DomainEvent.shop_id == shop.shop.id))}
    paid = next(body for body in bodies if body["type"] == "order.paid")
    assert paid == {"id": events["order.paid"].id, "type": "order.paid", "shop": shop.shop.slug,
                    "occurred_at": events["order.paid"].occurred_at.isoformat(),
                    "data": {**events["order.paid"].payload, "subject_type": "order",
                             "subject_id": events["order.paid"].subject_id,
                             "customer_id": events["order.paid"].customer_id}}
    headers = next(item.headers for item in receiver.received if json.loads(item.body)["type"] == "order.paid")
    assert headers["X-Lojal-Event"] == "order.paid" and headers["Content-Type"] == "application/json"
    assert headers["X-Lojal-Signature"].startswith(f"t={headers['X-Lojal-Timestamp']},v1=")
    deliveries = client.get("/api/v1/webhooks/deliveries", headers=auth(shop.admin_key)).json()
    assert {(item["event_type"], item["status"], item["attempts"], item["last_status_code"]) for item in deliveries} == {
        ("order.placed", "delivered", 1, 200), ("order.paid", "delivered", 1, 200)}
    assert {str(item["id"]) for item in deliveries} == {item.headers["X-Lojal-Delivery"] for item in receiver.received}
    assert all(item["last_response_excerpt"] == '{"ok": true}' for item in deliveries)


def test_the_documented_verification_rejects_forgeries_and_old_timestamps() -> None:
    body, secret = b'{"id": 1}', "whsec_test"
    header = signature_header(secret, 1_773_500_000, body)
    assert verify_lojal_signature(secret, body, header, now=1_773_500_010)
    assert not verify_lojal_signature(secret, body + b" ", header, now=1_773_500_010)
    assert not verify_lojal_signature("whsec_other", body, header, now=1_773_500_010)
    assert not verify_lojal_signature(secret, body, header, now=1_773_500_000 + 301)


def test_a_failing_receiver_is_retried_with_backoff_and_delivered_once(
        client: TestClient, shop: ShopWithKeys, db: Session, session_factory: sessionmaker[Session],
        receiver: Receiver, clock: FrozenClock) -> None:
    subscribe(client, shop, receiver, ["order.paid"])
    receiver.answers = [500]
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    run_jobs(session_factory)
    [delivery] = client.get("/api/v1/webhooks/deliveries", headers=auth(shop.admin_key)).json()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"], delivery["last_error"],
            delivery["last_response_excerpt"]) == ("retrying", 1, 500, "HTTP 500", "upstream exploded")
    assert delivery["next_attempt_at"] is not None and delivery["last_duration_ms"] is not None
    clock.advance(hours=1)
    run_jobs(session_factory)
    [delivery] = client.get("/api/v1/webhooks/deliveries", headers=auth(shop.admin_key)).json()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 2, 200)
    assert [item.answered for item in receiver.received] == [500, 200]
    assert len({item.headers["X-Lojal-Delivery"] for item in receiver.received}) == 1
    clock.advance(hours=2)
    run_jobs(session_factory)
    assert len(receiver.received) == 2  # delivered once, never again
    # redelivery on request
    response = client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver", headers=auth(shop.admin_key))
    assert response.status_code == 202 and response.json()["status"] == "pending"
    run_jobs(session_factory)
    assert len(receiver.received) == 3 and receiver.received[-1].verified


def test_a_dead_receiver_gives_up_after_the_last_attempt(client: TestClient, shop: ShopWithKeys, db: Session,
                                                         session_factory: sessionmaker[Session], receiver: Receiver,
                                                         clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOJAL_WEBHOOKS__MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    subscribe(client, shop, receiver, ["order.paid"])
    receiver.answers = [503, 503, 503, 503]
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    for _ in range(5):
        run_jobs(session_factory)
        clock.advance(hours=2)
    [delivery] = client.get("/api/v1/webhooks/deliveries", headers=auth(shop.admin_key)).json()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("dead", 3, 503)
    assert len(receiver.received) == 3


def test_a_replayed_event_makes_one_delivery(client: TestClient, shop: ShopWithKeys, db: Session,
                                             session_factory: sessionmaker[Session], receiver: Receiver,
                                             clock: FrozenClock) -> None:
    subscribe(client, shop, receiver, ["order.paid"])
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))  # the shop replays
    events = db.scalars(select(DomainEvent).where(DomainEvent.shop_id == shop.shop.id)).all()
    run_jobs(session_factory)
    assert service.fan_out(db, shop.shop.id, list(events), NOW, max_attempts=8) == 0  # the reaction seen again
    db.commit()
    run_jobs(session_factory)
    assert db.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    assert len(receiver.received) == 1


def test_subscriptions_are_isolated_per_shop_and_urls_are_checked(
        client: TestClient, shop: ShopWithKeys, other_shop: ShopWithKeys, db: Session,
        session_factory: sessionmaker[Session], receiver: Receiver, clock: FrozenClock) -> None:
    created = subscribe(client, other_shop, receiver, ["*"])
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    run_jobs(session_factory)
    assert receiver.received == []
    assert client.get("/api/v1/webhooks/subscriptions", headers=auth(shop.admin_key)).json() == []
    assert client.delete(f"/api/v1/webhooks/subscriptions/{created['id']}",
                         headers=auth(shop.admin_key)).status_code == 404
    assert client.get("/api/v1/webhooks/subscriptions", headers=auth(shop.read_key)).status_code == 403
    for url, events in (("ftp://example.com/x", ["*"]), (receiver.url, ["order.nonsense"]), (receiver.url, [])):
        response = client.post("/api/v1/webhooks/subscriptions", json={"url": url, "event_types": events},
                               headers=auth(shop.admin_key))
        assert response.status_code == 422, response.text
    refused = WebhookSettings(allow_private_urls=False)
    for url in ("http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest"):
        with pytest.raises(ValidationFailed, match="private or local network"):
            service.subscribe(db, shop.shop, url, ["*"], NOW, settings=refused)
    assert client.delete(f"/api/v1/webhooks/subscriptions/{created['id']}",
                         headers=auth(other_shop.admin_key)).status_code == 204
    assert client.get("/api/v1/webhooks/subscriptions", headers=auth(other_shop.admin_key)).json() == []
