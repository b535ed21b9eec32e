"""Queries for behaviour events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lojal.db.upsert import insert_ignoring_conflicts
from lojal.models import CustomerEvent

customer_events = CustomerEvent.__table__


def find_by_external_ids(session: Session, shop_id: int, external_ids: list[str]) -> dict[str, Any]:
    if not external_ids:
        return {}
    rows = session.execute(select(customer_events.c.id, customer_events.c.external_id).where(
        customer_events.c.shop_id == shop_id, customer_events.c.external_id.in_(external_ids)))
    return {row.external_id: row for row in rows}


def insert(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_ignoring_conflicts(session, customer_events, rows, ["shop_id", "external_id"],
                              index_where=text("external_id IS NOT NULL"))


def of_customer(session: Session, shop_id: int, customer_id: int, limit: int,
                before: datetime | None = None) -> list[CustomerEvent]:
    query = select(CustomerEvent).where(CustomerEvent.shop_id == shop_id, CustomerEvent.customer_id == customer_id)
    if before is not None:
        query = query.where(CustomerEvent.occurred_at < before)
    return list(session.scalars(query.order_by(CustomerEvent.occurred_at.desc()).limit(limit)))


def domain_events(session: Session, shop_id: int, event_ids: list[int]) -> list[Any]:
    from lojal.models import DomainEvent

    if not event_ids:
        return []
    query = select(DomainEvent).where(DomainEvent.shop_id == shop_id, DomainEvent.id.in_(event_ids))
    return list(session.scalars(query.order_by(DomainEvent.id)))
