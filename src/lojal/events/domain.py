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
from lojal.db.upsert import insert_tuples, json_text, raw_converter
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


def record_domain_events(session: Session, shop_id: int, events: list[NewDomainEvent],
                         raw: list[tuple[Any, ...]] | None = None) -> list[int]:
    """Record ``events`` and then ``raw`` ones: ``EVENT_COLUMNS`` after the id, in the form the raw
    batch insert sends (``RawEvents`` makes them: a bulk batch's new orders record up to three
    events each, and building an object and converting each row cost 5 us per order)."""
    if not events and not raw:
        return []
    ids = allocate_ids(session, "domain_events", len(events) + len(raw or ()))
    table = DomainEvent.__table__
    rows = [(shop_id, event_id, event.type, event.subject_type, event.subject_id, event.customer_id, event.payload,
             event.occurred_at) for event_id, event in zip(ids[:len(events)], events, strict=True)]
    if raw:
        convert = raw_converter(session.get_bind().dialect.name, table, EVENT_COLUMNS)
        rows = [convert(row) for row in rows]
        rows.extend([(shop_id, event_id, *tail) for event_id, tail in zip(ids[len(events):], raw, strict=True)])
    insert_tuples(session, table, EVENT_COLUMNS, rows, converted=bool(raw))
    enqueue(session, DISPATCH_TASK, {"event_id_runs": id_runs(ids)}, shop_id=shop_id)
    return ids


def id_runs(ids: list[int]) -> list[list[int]]:
    """Sorted ids as runs of consecutive ids, ``[[first, last], ...]``: a bulk batch's 13,000
    event ids are one run (allocated as a block), and the job that listed them all was 90 kB of
    JSON for the database to parse and compress (3 % of its work on the bulk path)."""
    runs: list[list[int]] = []
    for event_id in sorted(ids):
        if runs and runs[-1][1] + 1 == event_id:
            runs[-1][1] = event_id
        else:
            runs.append([event_id, event_id])
    return runs


def ids_of(payload: dict[str, Any]) -> list[int]:
    """The event ids of a dispatch job (``event_id_runs``, or ``event_ids`` as jobs queued by
    earlier versions list them)."""
    if "event_id_runs" in payload:
        return [event_id for first, last in payload["event_id_runs"] for event_id in range(first, last + 1)]
    return list(payload["event_ids"])


class RawEvents:
    """Makes raw event rows (``record_domain_events(raw=)``) for one batch (one ``now``)."""

    def __init__(self, dialect: str, now: datetime) -> None:
        convert = raw_converter(dialect, DomainEvent.__table__, ("occurred_at",))
        (self.occurred_at,) = convert((now,))

    def rows(self, types: tuple[str, ...], subject_type: str, subject_id: int, customer_id: int | None,
             payload: dict[str, Any]) -> list[tuple[Any, ...]]:
        """One row per type, sharing the payload's JSON text."""
        text, occurred_at = json_text(payload), self.occurred_at
        return [(event_type, subject_type, subject_id, customer_id, text, occurred_at) for event_type in types]
