"""Domain events: recorded in the transaction of the change that caused them, together with one
``events.dispatch`` job per batch, so reactions (points, flows, webhooks) happen exactly when the
change commits and never when it rolls back.

Event types recorded by the hub: ``customer.created``, ``customer.updated``, ``order.placed``,
``order.paid``, ``order.fulfilled``, ``order.cancelled``, ``order.updated``, ``order.refunded``,
``cart.updated``, ``checkout.started``, ``event.custom``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lojal.db.ids import allocate_ids
from lojal.db.upsert import insert_tuples
from lojal.models import DomainEvent
from lojal.worker import enqueue

DISPATCH_TASK = "events.dispatch"


@dataclass(slots=True)
class NewDomainEvent:
    type: str
    subject_type: str
    subject_id: int
    customer_id: int | None
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


EVENT_COLUMNS = ("shop_id", "id", "type", "subject_type", "subject_id", "customer_id", "payload", "occurred_at")


def record_domain_events(session: Session, shop_id: int, events: list[NewDomainEvent]) -> list[int]:
    if not events:
        return []
    ids = allocate_ids(session, "domain_events", len(events))
    insert_tuples(session, DomainEvent.__table__, EVENT_COLUMNS, [
        (shop_id, event_id, event.type, event.subject_type, event.subject_id, event.customer_id, event.payload,
         event.occurred_at)
        for event_id, event in zip(ids, events, strict=True)
    ])
    enqueue(session, DISPATCH_TASK, {"event_ids": ids}, shop_id=shop_id)
    return ids
