"""A customer's timeline: orders, refunds and behaviour events, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lojal.events import repository as event_repository
from lojal.models import Customer, Shop
from lojal.orders import repository as order_repository


def timeline(session: Session, shop: Shop, customer: Customer, limit: int = 100) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for order in order_repository.page_orders(session, shop.id, limit=limit, customer_id=customer.id):
        entries.append({"kind": "order", "at": order.placed_at, "id": order.id, "external_id": order.external_id,
                        "title": order.order_number or order.external_id, "status": order.status,
                        "amount": order.total - order.refunded_total, "currency": order.currency})
    for refund, order_external_id in order_repository.refunds_of_customer(session, shop.id, customer.id, limit):
        entries.append({"kind": "refund", "at": refund.refunded_at, "id": refund.id, "external_id": refund.external_id,
                        "title": order_external_id, "status": refund.reason, "amount": -refund.amount,
                        "currency": refund.currency})
    for event in event_repository.of_customer(session, shop.id, customer.id, limit):
        entries.append({"kind": "event", "at": event.occurred_at, "id": event.id, "external_id": event.external_id,
                        "title": event.name, "status": event.type,
                        "amount": (event.cart or {}).get("total"), "currency": (event.cart or {}).get("currency"),
                        "recovery_url": event.recovery_url})
    entries.sort(key=lambda entry: (entry["at"], entry["id"]), reverse=True)
    return entries[:limit]


def last_activity(entries: list[dict[str, Any]]) -> datetime | None:
    return entries[0]["at"] if entries else None
