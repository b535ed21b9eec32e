"""Queries for outgoing webhooks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lojal.db.upsert import insert_ignoring_conflicts
from lojal.models import DomainEvent, WebhookDelivery, WebhookSubscription

deliveries = WebhookDelivery.__table__


def add_subscription(session: Session, subscription: WebhookSubscription) -> WebhookSubscription:
    session.add(subscription)
    session.flush()
    return subscription


def subscription(session: Session, shop_id: int, subscription_id: int) -> WebhookSubscription | None:
    return session.get(WebhookSubscription, (shop_id, subscription_id))


def subscriptions(session: Session, shop_id: int, *, active_only: bool = False) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).where(WebhookSubscription.shop_id == shop_id)
    if active_only:
        query = query.where(WebhookSubscription.active.is_(True))
    return list(session.scalars(query.order_by(WebhookSubscription.id)))


def delete_subscription(session: Session, shop_id: int, subscription_id: int) -> None:
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.shop_id == shop_id,
                                                  WebhookDelivery.subscription_id == subscription_id))
    session.execute(delete(WebhookSubscription).where(WebhookSubscription.shop_id == shop_id,
                                                      WebhookSubscription.id == subscription_id))


def insert_deliveries(session: Session, rows: list[dict[str, Any]]) -> None:
    """One row per (subscription, event); a pair already there is skipped (a replayed event)."""
    insert_ignoring_conflicts(session, deliveries, rows, ["shop_id", "subscription_id", "domain_event_id"])


def delivery_ids(session: Session, shop_id: int, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    if not pairs:
        return {}
    event_ids = sorted({event_id for _, event_id in pairs})
    rows = session.execute(select(deliveries.c.subscription_id, deliveries.c.domain_event_id, deliveries.c.id)
                           .where(deliveries.c.shop_id == shop_id, deliveries.c.domain_event_id.in_(event_ids)))
    wanted = set(pairs)
    return {(row.subscription_id, row.domain_event_id): row.id for row in rows
            if (row.subscription_id, row.domain_event_id) in wanted}


def delivery(session: Session, shop_id: int, delivery_id: int) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, (shop_id, delivery_id))


def domain_event(session: Session, shop_id: int, event_id: int) -> DomainEvent | None:
    return session.get(DomainEvent, (shop_id, event_id))


def record_attempt(session: Session, shop_id: int, delivery_id: int, values: dict[str, Any]) -> None:
    session.execute(update(deliveries).where(deliveries.c.shop_id == shop_id, deliveries.c.id == delivery_id)
                    .values(attempts=deliveries.c.attempts + 1, **values))


def set_delivery(session: Session, shop_id: int, delivery_id: int, values: dict[str, Any]) -> None:
    session.execute(update(deliveries).where(deliveries.c.shop_id == shop_id, deliveries.c.id == delivery_id)
                    .values(**values))


def list_deliveries(session: Session, shop_id: int, *, subscription_id: int | None, status: str | None,
                    limit: int) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.shop_id == shop_id)
    if subscription_id is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(session.scalars(query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
                                .limit(limit)))
