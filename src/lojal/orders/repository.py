"""Queries for orders, lines and refunds. The ingestion path uses Core statements in batches."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from lojal.db.filters import one_of
from lojal.db.upsert import insert_rows, insert_tuples
from lojal.models import Order, OrderLine, Product, ProductVariant, Refund, RefundLine

orders = Order.__table__
lines = OrderLine.__table__
refunds = Refund.__table__
refund_lines = RefundLine.__table__


def _for_update(session: Session, query: Any) -> Any:
    return query.with_for_update() if session.get_bind().dialect.name == "postgresql" else query


def find_orders(session: Session, shop_id: int, external_ids: list[str], *, lock: bool = True) -> dict[str, Any]:
    if not external_ids:
        return {}
    query = select(orders).where(orders.c.shop_id == shop_id, one_of(session, orders.c.external_id, external_ids))
    if lock:
        query = _for_update(session, query.order_by(orders.c.id))
    return {row.external_id: row for row in session.execute(query)}


def lines_of(session: Session, shop_id: int, order_ids: list[int]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return grouped
    query = select(lines).where(lines.c.shop_id == shop_id, one_of(session, lines.c.order_id, order_ids)).order_by(
        lines.c.order_id, lines.c.position)
    for row in session.execute(query):
        grouped[row.order_id].append(row)
    return grouped


def insert_orders(session: Session, order_columns: tuple[str, ...], order_rows: list[tuple[Any, ...]],
                  line_columns: tuple[str, ...], line_rows: list[tuple[Any, ...]], *, converted: bool = False) -> None:
    """New orders and lines, each a tuple in the order of its columns (``converted``: as
    ``db.upsert.insert_tuples`` takes them)."""
    insert_tuples(session, orders, order_columns, order_rows, converted=converted)
    insert_tuples(session, lines, line_columns, line_rows, converted=converted)


def update_order(session: Session, shop_id: int, order_id: int, values: dict[str, Any]) -> None:
    session.execute(update(orders).where(orders.c.shop_id == shop_id, orders.c.id == order_id).values(**values))


def update_line(session: Session, shop_id: int, line_id: int, values: dict[str, Any]) -> None:
    session.execute(update(lines).where(lines.c.shop_id == shop_id, lines.c.id == line_id).values(**values))


def delete_lines(session: Session, shop_id: int, line_ids: list[int]) -> None:
    if line_ids:
        session.execute(delete(lines).where(lines.c.shop_id == shop_id, lines.c.id.in_(line_ids)))


def product_ids(session: Session, shop_id: int, external_ids: Iterable[str]) -> dict[str, int]:
    external_ids = sorted(set(external_ids))
    if not external_ids:
        return {}
    table = Product.__table__
    rows = session.execute(select(table.c.external_id, table.c.id).where(
        table.c.shop_id == shop_id, one_of(session, table.c.external_id, external_ids)))
    return {row.external_id: row.id for row in rows}


def variant_ids(session: Session, shop_id: int, external_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    external_ids = sorted(set(external_ids))
    if not external_ids:
        return {}
    table = ProductVariant.__table__
    rows = session.execute(select(table.c.external_id, table.c.id, table.c.product_id).where(
        table.c.shop_id == shop_id, one_of(session, table.c.external_id, external_ids)))
    return {row.external_id: (row.id, row.product_id) for row in rows}


def find_refunds(session: Session, shop_id: int, external_ids: list[str]) -> dict[str, Any]:
    if not external_ids:
        return {}
    rows = session.execute(select(refunds).where(refunds.c.shop_id == shop_id,
                                                 one_of(session, refunds.c.external_id, external_ids)))
    return {row.external_id: row for row in rows}


def insert_refund(session: Session, refund_row: dict[str, Any], line_rows: list[dict[str, Any]]) -> None:
    insert_rows(session, refunds, [refund_row])
    insert_rows(session, refund_lines, line_rows)


def get_order(session: Session, shop_id: int, order_id: int) -> Order | None:
    """Read afresh: the ingestion path writes orders with Core statements, past the identity map."""
    return session.get(Order, (shop_id, order_id), populate_existing=True)


def get_order_by_external_id(session: Session, shop_id: int, external_id: str) -> Order | None:
    return session.scalars(select(Order).where(Order.shop_id == shop_id, Order.external_id == external_id)).first()


def order_lines(session: Session, shop_id: int, order_ids: list[int]) -> dict[int, list[OrderLine]]:
    grouped: dict[int, list[OrderLine]] = {order_id: [] for order_id in order_ids}
    if order_ids:
        query = select(OrderLine).where(OrderLine.shop_id == shop_id, OrderLine.order_id.in_(order_ids))
        query = query.order_by(OrderLine.order_id, OrderLine.position).execution_options(populate_existing=True)
        for line in session.scalars(query):
            grouped[line.order_id].append(line)
    return grouped


def page_orders(session: Session, shop_id: int, *, limit: int, after: tuple[datetime, int] | None = None,
                customer_id: int | None = None, status: str | None = None,
                placed_since: datetime | None = None) -> list[Order]:
    query = select(Order).where(Order.shop_id == shop_id)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if status:
        query = query.where(Order.status == status)
    if placed_since:
        query = query.where(Order.placed_at >= placed_since)
    if after is not None:
        query = query.where(or_(Order.placed_at < after[0], and_(Order.placed_at == after[0], Order.id < after[1])))
    return list(session.scalars(query.order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit)))


def refunds_of_customer(session: Session, shop_id: int, customer_id: int, limit: int) -> list[tuple[Refund, str]]:
    query = (select(Refund, Order.external_id).join(Order, and_(Order.shop_id == Refund.shop_id, Order.id == Refund.order_id))
             .where(Refund.shop_id == shop_id, Refund.customer_id == customer_id)
             .order_by(Refund.refunded_at.desc()).limit(limit))
    return [(refund, external_id) for refund, external_id in session.execute(query)]


def external_ids_of_customers(session: Session, shop_id: int, customer_ids: list[int]) -> dict[int, str | None]:
    from lojal.models import Customer

    if not customer_ids:
        return {}
    table = Customer.__table__
    rows = session.execute(select(table.c.id, table.c.external_id).where(
        table.c.shop_id == shop_id, table.c.id.in_(sorted(set(customer_ids)))))
    return {row.id: row.external_id for row in rows}


def headline(session: Session, shop_id: int) -> dict[str, int]:
    row = session.execute(select(
        func.count(), func.coalesce(func.sum(orders.c.total - orders.c.refunded_total), 0),
    ).where(orders.c.shop_id == shop_id, orders.c.status != "cancelled")).one()
    return {"orders": row[0], "revenue": int(row[1])}




def net_spend(session: Session, shop_id: int, customer_id: int, since: datetime | None, until: datetime | None) -> int:
    """What the customer spent, net of refunds, cancelled orders left out, placed in [since, until)."""
    query = select(func.coalesce(func.sum(Order.total - Order.refunded_total), 0)).where(
        Order.shop_id == shop_id, Order.customer_id == customer_id, Order.status != "cancelled")
    if since is not None:
        query = query.where(Order.placed_at >= since)
    if until is not None:
        query = query.where(Order.placed_at < until)
    return int(session.scalar(query) or 0)


def orders_by_id(session: Session, shop_id: int, order_ids: list[int]) -> list[Any]:
    if not order_ids:
        return []
    query = select(orders).where(orders.c.shop_id == shop_id, orders.c.id.in_(sorted(set(order_ids))))
    return list(session.execute(query.order_by(orders.c.id)))


def net_spend_by_customer(session: Session, shop_id: int, customer_ids: list[int], since: datetime | None) -> dict[int, int]:
    if not customer_ids:
        return {}
    query = select(Order.customer_id, func.coalesce(func.sum(Order.total - Order.refunded_total), 0)).where(
        Order.shop_id == shop_id, Order.customer_id.in_(sorted(set(customer_ids))), Order.status != "cancelled")
    if since is not None:
        query = query.where(Order.placed_at >= since)
    return {customer_id: int(total) for customer_id, total in session.execute(query.group_by(Order.customer_id))}


def order_ids(session: Session, shop_id: int) -> list[int]:
    return list(session.scalars(select(orders.c.id).where(orders.c.shop_id == shop_id).order_by(orders.c.id)))


def order_and_customer_external_id(session: Session, shop_id: int, external_id: str) -> Any | None:
    """One order row with its customer's external id (``customer_external_id``), in one query (the
    answer to a PUT). A plain row from a statement built once: no ORM loading, no statement
    construction or cache key per call."""
    return session.execute(_view_statements()[0], {"shop_id": shop_id, "external_id": external_id}).first()


def lines_of_order(session: Session, shop_id: int, order_id: int) -> list[Any]:
    """One order's lines in position order, as plain rows (statement built once)."""
    return list(session.execute(_view_statements()[1], {"shop_id": shop_id, "order_id": order_id}))


@cache
def _view_statements() -> tuple[Any, Any]:
    from lojal.models import Customer

    customers = Customer.__table__
    order = (select(orders, customers.c.external_id.label("customer_external_id"))
             .outerjoin(customers, and_(customers.c.shop_id == orders.c.shop_id, customers.c.id == orders.c.customer_id))
             .where(orders.c.shop_id == bindparam("shop_id"), orders.c.external_id == bindparam("external_id")))
    order_lines = (select(lines).where(lines.c.shop_id == bindparam("shop_id"), lines.c.order_id == bindparam("order_id"))
                   .order_by(lines.c.position))
    return order, order_lines
