"""Outgoing webhooks: a shop subscribes URLs to Lojal's domain events; every matching event
becomes one delivery per subscription (a replayed event finds its delivery and adds nothing),
sent by a job, signed, and retried with backoff through the job queue.

A delivery is POSTed as JSON ``{"id", "type", "occurred_at", "shop", "data"}`` with the headers
``X-Lojal-Event``, ``X-Lojal-Delivery``, ``X-Lojal-Timestamp`` and ``X-Lojal-Signature:
t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (see docs/webhooks.md for the receiver's side).
A 2xx answer delivers it; anything else, or no answer within the timeout, is recorded on the
delivery with the last response and retried; after the last attempt the delivery is ``dead``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy.orm import Session

from lojal.config import WebhookSettings
from lojal.errors import NotFound, ValidationFailed
from lojal.kit.crypto import random_token
from lojal.models import DomainEvent, Shop, WebhookDelivery, WebhookSubscription
from lojal.webhooks_out import repository
from lojal.webhooks_out.rules import RefusedUrl, check_url, matches, signature_header, valid_pattern
from lojal.worker import enqueue

DELIVER_TASK = "webhooks_out.deliver"
EXCERPT_CHARACTERS = 2000
USER_AGENT = "Lojal-Webhooks/1"


@dataclass(frozen=True)
class CreatedSubscription:
    subscription: WebhookSubscription
    secret: str
    """Shown once: the receiver verifies signatures with it."""


# -- subscriptions -------------------------------------------------------------------------

def subscribe(session: Session, shop: Shop, url: str, event_types: list[str], now: datetime, *,
              settings: WebhookSettings, description: str | None = None) -> CreatedSubscription:
    url = url.strip()
    if len(url) > 2000:
        raise ValidationFailed("the URL is longer than 2000 characters", field="url")
    try:
        check_url(url, allow_private=settings.allow_private_urls)
    except RefusedUrl as error:
        raise ValidationFailed(str(error), field="url") from error
    patterns = sorted({pattern.strip() for pattern in event_types if pattern.strip()})
    if not patterns:
        raise ValidationFailed("name at least one event type (order.paid, order.*, or *)", field="event_types")
    unknown = [pattern for pattern in patterns if not valid_pattern(pattern)]
    if unknown:
        raise ValidationFailed(f"unknown event type {unknown[0]!r}", field="event_types")
    secret = "whsec_" + random_token(24)
    subscription = repository.add_subscription(session, WebhookSubscription(
        shop_id=shop.id, url=url, event_types=patterns, secret=secret, description=description, active=True,
        created_at=now))
    return CreatedSubscription(subscription, secret)


def subscriptions(session: Session, shop: Shop) -> list[WebhookSubscription]:
    return repository.subscriptions(session, shop.id)


def get_subscription(session: Session, shop: Shop, subscription_id: int) -> WebhookSubscription:
    found = repository.subscription(session, shop.id, subscription_id)
    if found is None:
        raise NotFound(f"no webhook subscription {subscription_id}", field="subscription_id")
    return found


def unsubscribe(session: Session, shop: Shop, subscription_id: int) -> None:
    """Remove the subscription and its delivery history; queued jobs find nothing and stop."""
    get_subscription(session, shop, subscription_id)
    repository.delete_subscription(session, shop.id, subscription_id)
    session.expire_all()


# -- fan-out -------------------------------------------------------------------------------

def fan_out(session: Session, shop_id: int, events: list[DomainEvent], now: datetime, *, max_attempts: int) -> int:
    """One delivery, and one job, per (matching subscription, event); returns the new ones."""
    targets = repository.subscriptions(session, shop_id, active_only=True)
    pairs = [(subscription.id, event.id, event.type) for event in events for subscription in targets
             if matches(subscription.event_types, event.type)]
    if not pairs:
        return 0
    existing = repository.delivery_ids(session, shop_id, [(sub, event) for sub, event, _ in pairs])
    fresh = [(sub, event, kind) for sub, event, kind in pairs if (sub, event) not in existing]
    from lojal.db.ids import allocate_ids

    ids = allocate_ids(session, "webhook_deliveries", len(fresh))
    repository.insert_deliveries(session, [
        {"shop_id": shop_id, "id": delivery_id, "subscription_id": sub, "domain_event_id": event, "event_type": kind,
         "status": "pending", "attempts": 0, "last_status_code": None, "last_response_excerpt": None,
         "last_error": None, "last_duration_ms": None, "last_attempt_at": None, "next_attempt_at": now,
         "delivered_at": None, "created_at": now}
        for delivery_id, (sub, event, kind) in zip(ids, fresh, strict=True)])
    created = repository.delivery_ids(session, shop_id, [(sub, event) for sub, event, _ in fresh])
    for (sub, event), delivery_id in created.items():
        enqueue(session, DELIVER_TASK, {"delivery_id": delivery_id}, shop_id=shop_id,
                dedupe_key=f"{DELIVER_TASK}:{shop_id}:{sub}:{event}", max_attempts=max_attempts)
    return len(created)


# -- sending -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    delivered: bool
    retry: bool
    """True: the job should raise so the queue tries again later."""


def event_body(shop: Shop, event: DomainEvent) -> bytes:
    data = {**(event.payload or {}), "subject_type": event.subject_type, "subject_id": event.subject_id,
            "customer_id": event.customer_id}
    return orjson.dumps({"id": event.id, "type": event.type, "occurred_at": event.occurred_at.isoformat(),
                         "shop": shop.slug, "data": data})


def attempt_delivery(session: Session, shop: Shop, delivery_id: int, now: datetime, *, attempt: int,
                     settings: WebhookSettings, client: httpx.Client | None = None) -> Attempt:
    """Send one delivery once and record what happened. Reads only until the answer is in, so
    no write lock is held while waiting on the receiver."""
    delivery = repository.delivery(session, shop.id, delivery_id)
    if delivery is None or delivery.status in ("delivered", "cancelled"):
        return Attempt(delivered=delivery is not None and delivery.status == "delivered", retry=False)
    subscription = repository.subscription(session, shop.id, delivery.subscription_id)
    event = repository.domain_event(session, shop.id, delivery.domain_event_id)
    if subscription is None or not subscription.active or event is None:
        repository.set_delivery(session, shop.id, delivery_id, {"status": "cancelled", "next_attempt_at": None})
        return Attempt(delivered=False, retry=False)
    body = event_body(shop, event)
    outcome = _post(subscription, delivery, event, body, now, settings, client)
    final = attempt >= settings.max_attempts or outcome.get("refused", False)
    refused = outcome.pop("refused", False)
    if outcome["status"] == "delivered":
        repository.record_attempt(session, shop.id, delivery_id, {**outcome, "next_attempt_at": None})
        return Attempt(delivered=True, retry=False)
    estimated = now + timedelta(seconds=2.0 ** attempt)
    outcome.update(status="dead" if final else "retrying", next_attempt_at=None if final else estimated)
    repository.record_attempt(session, shop.id, delivery_id, outcome)
    return Attempt(delivered=False, retry=not final and not refused)


def _post(subscription: WebhookSubscription, delivery: WebhookDelivery, event: DomainEvent, body: bytes,
          now: datetime, settings: WebhookSettings, client: httpx.Client | None) -> dict[str, Any]:
    values: dict[str, Any] = {"last_attempt_at": now, "last_status_code": None, "last_response_excerpt": None,
                              "last_error": None, "last_duration_ms": None}
    try:
        check_url(subscription.url, allow_private=settings.allow_private_urls)
    except RefusedUrl as error:
        return {**values, "status": "dead", "last_error": f"refused: {error}", "refused": True}
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Lojal-Event": event.type,
               "X-Lojal-Delivery": str(delivery.id), "X-Lojal-Timestamp": str(timestamp),
               "X-Lojal-Signature": signature_header(subscription.secret, timestamp, body)}
    started = time.perf_counter()
    try:
        if client is None:
            with httpx.Client(timeout=settings.timeout_seconds, follow_redirects=False) as own:
                response = own.post(subscription.url, content=body, headers=headers)
        else:
            response = client.post(subscription.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        values.update(last_duration_ms=round((time.perf_counter() - started) * 1000),
                      last_error=f"{type(error).__name__}: {error}"[:2000], status="retrying")
        return values
    values.update(last_duration_ms=round((time.perf_counter() - started) * 1000),
                  last_status_code=response.status_code, last_response_excerpt=response.text[:EXCERPT_CHARACTERS])
    if 200 <= response.status_code < 300:
        values.update(status="delivered", delivered_at=now)
    else:
        values.update(status="retrying", last_error=f"HTTP {response.status_code}")
    return values


def redeliver(session: Session, shop: Shop, delivery_id: int, now: datetime, *, max_attempts: int) -> WebhookDelivery:
    """Send a delivery again (whatever its state) as a new job with fresh attempts."""
    delivery = get_delivery(session, shop, delivery_id)
    if repository.subscription(session, shop.id, delivery.subscription_id) is None:
        raise NotFound("the subscription of this delivery was removed", field="delivery_id")
    repository.set_delivery(session, shop.id, delivery_id, {"status": "pending", "next_attempt_at": now})
    enqueue(session, DELIVER_TASK, {"delivery_id": delivery_id}, shop_id=shop.id,
            dedupe_key=f"{DELIVER_TASK}:{shop.id}:redeliver:{delivery_id}:{random_token(8)}", max_attempts=max_attempts)
    session.expire(delivery)
    return get_delivery(session, shop, delivery_id)


def get_delivery(session: Session, shop: Shop, delivery_id: int) -> WebhookDelivery:
    found = repository.delivery(session, shop.id, delivery_id)
    if found is None:
        raise NotFound(f"no webhook delivery {delivery_id}", field="delivery_id")
    return found


def list_deliveries(session: Session, shop: Shop, *, subscription_id: int | None = None, status: str | None = None,
                    limit: int = 100) -> list[WebhookDelivery]:
    return repository.list_deliveries(session, shop.id, subscription_id=subscription_id, status=status, limit=limit)
