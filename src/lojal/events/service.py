"""Behaviour events from the shop: stored once per external id, with a domain event for the
kinds later features react to (carts and checkouts for abandoned-cart flows, custom events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lojal.customers import service as customers
from lojal.db.ids import allocate_ids
from lojal.events import repository
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.events.schemas import CustomerEventIn
from lojal.models import Shop

DOMAIN_EVENT_OF_TYPE = {"cart_updated": "cart.updated", "checkout_started": "checkout.started",
                        "custom": "event.custom"}


@dataclass
class EventResult:
    event_id: int
    external_id: str | None
    customer_id: int
    created: bool


def ingest_events(session: Session, shop: Shop, events: list[CustomerEventIn], now: datetime) -> list[EventResult]:
    known = repository.find_by_external_ids(session, shop.id, [event.external_id for event in events if event.external_id])
    resolved = customers.resolve(session, shop, [event.customer for event in events], now,
                                 occurred_at=[event.occurred_at for event in events])
    ids = allocate_ids(session, "customer_events", len(events))
    rows, results, domain_events, fresh_ids = [], [], [], set()
    seen: dict[str, int] = {}
    for event_id, event, customer_id in zip(ids, events, resolved.ids, strict=True):
        if event.external_id in known:
            results.append(EventResult(known[event.external_id].id, event.external_id, customer_id, False))
            continue
        if event.external_id and event.external_id in seen:
            results.append(EventResult(seen[event.external_id], event.external_id, customer_id, False))
            continue
        if event.external_id:
            seen[event.external_id] = event_id
        properties = dict(event.properties)
        if event.product_external_id:
            properties.setdefault("product_external_id", event.product_external_id)
        rows.append({"shop_id": shop.id, "id": event_id, "external_id": event.external_id, "customer_id": customer_id,
                     "type": event.type, "name": event.name, "properties": properties,
                     "cart": event.cart.model_dump() if event.cart else None, "recovery_url": event.recovery_url,
                     "occurred_at": event.occurred_at, "created_at": now})
        fresh_ids.add(event_id)
        results.append(EventResult(event_id, event.external_id, customer_id, True))
        if event.type in DOMAIN_EVENT_OF_TYPE:
            domain_events.append(NewDomainEvent(DOMAIN_EVENT_OF_TYPE[event.type], "customer_event", event_id, customer_id,
                                                now, {"event_id": event_id, "name": event.name,
                                                      "occurred_at": event.occurred_at.isoformat(),
                                                      "recovery_url": event.recovery_url,
                                                      "cart_total": event.cart.total if event.cart else None}))
    repository.insert(session, rows)
    record_domain_events(session, shop.id, domain_events)
    return results
