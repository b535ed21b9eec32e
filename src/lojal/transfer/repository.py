"""Queries of the transfer domain: pages of a shop's customers, orders, order lines and events in
id order (keyset paging: ``id > last`` with a limit, so every page costs the same however deep
the export is), and the stored state of customers an import names (to leave unchanged ones
alone). Every query filters by the shop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lojal.models import Customer, CustomerEvent, Order, OrderLine

customers = Customer.__table__
orders = Order.__table__
lines = OrderLine.__table__
events = CustomerEvent.__table__

CUSTOMER_COLUMNS = ("id", "external_id", "email", "phone", "first_name", "last_name", "locale", "birth_date",
                    "country", "company_name", "customer_group", "interests", "email_consent", "email_consent_at",
                    "email_consent_source", "sms_consent", "sms_consent_at", "sms_consent_source", "is_guest",
                    "created_at", "updated_at", "order_count", "first_order_at", "last_order_at", "total_spent",
                    "average_order_value")
ORDER_COLUMNS = ("id", "external_id", "order_number", "customer_id", "email", "placed_at", "status", "currency",
                 "subtotal", "discount_total", "shipping_total", "tax_total", "taxes_included", "total",
                 "refunded_total", "discount_codes", "paid_at", "fulfilled_at", "cancelled_at", "source",
                 "created_at", "updated_at")
LINE_COLUMNS = ("id", "order_id", "external_id", "position", "product_external_id", "variant_external_id", "sku",
                "name", "quantity", "unit_price", "discount", "total", "refunded_quantity", "refunded_amount")
EVENT_COLUMNS = ("id", "external_id", "customer_id", "type", "name", "occurred_at", "properties", "cart",
                 "recovery_url", "created_at")


def _page(query: Select[Any], id_column: Any, after_id: int, limit: int) -> Select[Any]:
    return query.where(id_column > after_id).order_by(id_column).limit(limit)


def customer_page(session: Session, shop_id: int, after_id: int, limit: int) -> list[Any]:
    query = select(*(customers.c[name] for name in CUSTOMER_COLUMNS)).where(customers.c.shop_id == shop_id)
    return list(session.execute(_page(query, customers.c.id, after_id, limit)))


def order_page(session: Session, shop_id: int, after_id: int, limit: int) -> list[Any]:
    query = (select(*(orders.c[name] for name in ORDER_COLUMNS), customers.c.external_id.label("customer_external_id"))
             .join(customers, (customers.c.shop_id == orders.c.shop_id) & (customers.c.id == orders.c.customer_id))
             .where(orders.c.shop_id == shop_id))
    return list(session.execute(_page(query, orders.c.id, after_id, limit)))


def line_page(session: Session, shop_id: int, after_id: int, limit: int) -> list[Any]:
    query = (select(*(lines.c[name] for name in LINE_COLUMNS), orders.c.external_id.label("order_external_id"),
                    orders.c.currency)
             .join(orders, (orders.c.shop_id == lines.c.shop_id) & (orders.c.id == lines.c.order_id))
             .where(lines.c.shop_id == shop_id))
    return list(session.execute(_page(query, lines.c.id, after_id, limit)))


def event_page(session: Session, shop_id: int, after_id: int, limit: int) -> list[Any]:
    query = (select(*(events.c[name] for name in EVENT_COLUMNS), customers.c.external_id.label("customer_external_id"))
             .outerjoin(customers, (customers.c.shop_id == events.c.shop_id) & (customers.c.id == events.c.customer_id))
             .where(events.c.shop_id == shop_id))
    return list(session.execute(_page(query, events.c.id, after_id, limit)))


def stored_customers(session: Session, shop_id: int, external_ids: Iterable[str]) -> dict[str, Any]:
    """The stored rows of the customers with these external ids, by external id."""
    wanted = sorted(set(external_ids))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 1000):
        query = select(*(customers.c[name] for name in CUSTOMER_COLUMNS)).where(
            customers.c.shop_id == shop_id, customers.c.external_id.in_(wanted[start:start + 1000]))
        found.update({row.external_id: row for row in session.execute(query)})
    return found
