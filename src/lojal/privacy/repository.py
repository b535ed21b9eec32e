"""Queries for privacy: reading everything about one customer across the hub's tables, and the
updates that erase it. Privacy is the one domain that touches every table holding a customer's
data, so its queries live here rather than in each domain's repository; each filters by shop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, func, null, or_, select, update
from sqlalchemy.orm import Session

from lojal.models import (
    Customer,
    CustomerEvent,
    CustomerPrediction,
    DomainEvent,
    IdempotencyRecord,
    LedgerEntry,
    LoyaltyAccount,
    Order,
    OrderLine,
    PointLot,
    PrivacyRequest,
    Redemption,
    Refund,
    RefundLine,
    WebhookDelivery,
)

customers = Customer.__table__
orders = Order.__table__
refunds = Refund.__table__
customer_events = CustomerEvent.__table__
domain_events = DomainEvent.__table__
entries = LedgerEntry.__table__
records = IdempotencyRecord.__table__
deliveries = WebhookDelivery.__table__


def _rows(session: Session, table: Table, query: Any) -> list[dict[str, Any]]:
    """Every column but ``shop_id``, as a dict, in the order the query gives."""
    return [{key: value for key, value in row._mapping.items() if key != "shop_id"}
            for row in session.execute(query)]


def _of_customer(session: Session, table: Table, shop_id: int, customer_id: int, *order_by: Any) -> list[dict[str, Any]]:
    query = select(table).where(table.c.shop_id == shop_id, table.c.customer_id == customer_id)
    return _rows(session, table, query.order_by(*(order_by or (table.c.id,))))


def customer_row(session: Session, shop_id: int, customer_id: int) -> dict[str, Any] | None:
    rows = _rows(session, customers, select(customers).where(customers.c.shop_id == shop_id,
                                                             customers.c.id == customer_id))
    return rows[0] if rows else None


def customer_by_external_id(session: Session, shop_id: int, external_id: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.shop_id == shop_id,
                                                  Customer.external_id == external_id)).first()


def customer_by_email(session: Session, shop_id: int, email: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.shop_id == shop_id, Customer.email == email)).first()


def lock_customer(session: Session, shop_id: int, customer_id: int) -> None:
    """A row lock (PostgreSQL) so two erasures of one customer run one after the other."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(customers.c.id).where(customers.c.shop_id == shop_id, customers.c.id == customer_id)
                        .with_for_update()).all()


def orders_of(session: Session, shop_id: int, customer_id: int) -> list[dict[str, Any]]:
    return _of_customer(session, orders, shop_id, customer_id, orders.c.placed_at, orders.c.id)


def lines_of(session: Session, shop_id: int, order_ids: list[int]) -> list[dict[str, Any]]:
    table = OrderLine.__table__
    if not order_ids:
        return []
    return _rows(session, table, select(table).where(table.c.shop_id == shop_id, table.c.order_id.in_(order_ids))
                 .order_by(table.c.order_id, table.c.position, table.c.id))


def refunds_of(session: Session, shop_id: int, customer_id: int) -> list[dict[str, Any]]:
    return _of_customer(session, refunds, shop_id, customer_id, refunds.c.refunded_at, refunds.c.id)


def refund_lines_of(session: Session, shop_id: int, refund_ids: list[int]) -> list[dict[str, Any]]:
    table = RefundLine.__table__
    if not refund_ids:
        return []
    return _rows(session, table, select(table).where(table.c.shop_id == shop_id, table.c.refund_id.in_(refund_ids))
                 .order_by(table.c.refund_id, table.c.id))


def customer_events_of(session: Session, shop_id: int, customer_id: int) -> list[dict[str, Any]]:
    return _of_customer(session, customer_events, shop_id, customer_id, customer_events.c.occurred_at,
                        customer_events.c.id)


def domain_events_of(session: Session, shop_id: int, customer_id: int) -> list[dict[str, Any]]:
    return _of_customer(session, domain_events, shop_id, customer_id, domain_events.c.id)


def loyalty_account_of(session: Session, shop_id: int, customer_id: int) -> dict[str, Any] | None:
    table = LoyaltyAccount.__table__
    rows = _of_customer(session, table, shop_id, customer_id, table.c.customer_id)
    return rows[0] if rows else None


def ledger_of(session: Session, shop_id: int, customer_id: int) -> list[dict[str, Any]]:
    return _of_customer(session, entries, shop_id, customer_id, entries.c.id)


def lots_of(session: Session, shop_id: int, customer_id: int) -> list[dict[str, Any]]:
    table = PointLot.__table__
    return _of_customer(session, table, shop_id, customer_id, table.c.earned_at, table.c.id)


def redemptions_of(session: Session, shop_id: int, customer_id: int) -> list[dict[str, Any]]:
    table = Redemption.__table__
    return _of_customer(session, table, shop_id, customer_id, table.c.created_at, table.c.id)


def prediction_of(session: Session, shop_id: int, customer_id: int) -> dict[str, Any] | None:
    table = CustomerPrediction.__table__
    rows = _of_customer(session, table, shop_id, customer_id, table.c.customer_id)
    return rows[0] if rows else None


def privacy_requests_of(session: Session, shop_id: int, customer_id: int) -> list[PrivacyRequest]:
    return list(session.scalars(select(PrivacyRequest).where(
        PrivacyRequest.shop_id == shop_id, PrivacyRequest.customer_id == customer_id).order_by(PrivacyRequest.id)))


def erasure_of(session: Session, shop_id: int, customer_id: int) -> PrivacyRequest | None:
    return session.scalars(select(PrivacyRequest).where(
        PrivacyRequest.shop_id == shop_id, PrivacyRequest.customer_id == customer_id,
        PrivacyRequest.kind == "erasure").order_by(PrivacyRequest.id).limit(1)).first()


def erased_among(session: Session, shop_id: int, customer_ids: Iterable[int]) -> set[int]:
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    query = select(PrivacyRequest.customer_id).where(
        PrivacyRequest.shop_id == shop_id, PrivacyRequest.kind == "erasure", PrivacyRequest.customer_id.in_(ids))
    return set(session.scalars(query))


def add_request(session: Session, request: PrivacyRequest) -> PrivacyRequest:
    session.add(request)
    session.flush()
    return request


def requests(session: Session, shop_id: int, *, kind: str | None, limit: int) -> list[PrivacyRequest]:
    query = select(PrivacyRequest).where(PrivacyRequest.shop_id == shop_id)
    if kind is not None:
        query = query.where(PrivacyRequest.kind == kind)
    return list(session.scalars(query.order_by(PrivacyRequest.created_at.desc(), PrivacyRequest.id.desc()).limit(limit)))


# -- erasure -------------------------------------------------------------------------------

def _update(session: Session, table: Table, shop_id: int, customer_id: int, values: dict[str, Any]) -> int:
    result = session.execute(update(table).where(table.c.shop_id == shop_id, table.c.customer_id == customer_id)
                             .values(**values))
    return result.rowcount


def clear_customer(session: Session, shop_id: int, customer_id: int, values: dict[str, Any]) -> None:
    session.execute(update(customers).where(customers.c.shop_id == shop_id, customers.c.id == customer_id)
                    .values(**values))


def clear_orders(session: Session, shop_id: int, customer_id: int) -> int:
    return _update(session, orders, shop_id, customer_id, {"email": None, "attributes": {}})


def clear_refunds(session: Session, shop_id: int, customer_id: int) -> int:
    return _update(session, refunds, shop_id, customer_id, {"reason": None})


def clear_customer_events(session: Session, shop_id: int, customer_id: int) -> int:
    return _update(session, customer_events, shop_id, customer_id,
                   {"properties": {}, "cart": null(), "recovery_url": None})


def clear_ledger(session: Session, shop_id: int, customer_id: int) -> int:
    return _update(session, entries, shop_id, customer_id, {"note": None, "description": ""})


def domain_event_payloads(session: Session, shop_id: int, customer_id: int) -> list[Any]:
    return list(session.execute(select(domain_events.c.id, domain_events.c.type, domain_events.c.payload).where(
        domain_events.c.shop_id == shop_id, domain_events.c.customer_id == customer_id).order_by(domain_events.c.id)))


def set_domain_event_payload(session: Session, shop_id: int, event_id: int, payload: dict[str, Any]) -> None:
    session.execute(update(domain_events).where(domain_events.c.shop_id == shop_id, domain_events.c.id == event_id)
                    .values(payload=payload))


def clear_webhook_responses(session: Session, shop_id: int, event_ids: list[int]) -> int:
    if not event_ids:
        return 0
    result = session.execute(update(deliveries).where(
        deliveries.c.shop_id == shop_id, deliveries.c.domain_event_id.in_(event_ids),
        deliveries.c.last_response_excerpt.isnot(None)).values(last_response_excerpt=None))
    return result.rowcount


def records_mentioning(session: Session, shop_id: int, needles: list[str]) -> list[Any]:
    """Stored replies (idempotency records, webhook delivery documents) whose bytes contain any
    of the needles."""
    if not needles:
        return []
    if session.get_bind().dialect.name == "postgresql":
        text = func.convert_from(records.c.response_body, "UTF8")
        conditions = [text.contains(needle, autoescape=True) for needle in needles]
    else:
        conditions = [func.instr(records.c.response_body, needle.encode()) > 0 for needle in needles]
    query = select(records.c.key, records.c.response_body, records.c.content_type).where(
        records.c.shop_id == shop_id, or_(*conditions))
    return list(session.execute(query))


def set_record_body(session: Session, shop_id: int, key: str, body: bytes) -> None:
    session.execute(update(records).where(records.c.shop_id == shop_id, records.c.key == key)
                    .values(response_body=body))
