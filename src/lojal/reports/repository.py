"""Queries for the dashboard: counts and sums computed by the database."""

from __future__ import annotations

from datetime import date, datetime
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, Order

orders = Order.__table__
customers = Customer.__table__


def customer_counts(session: Session, shop_id: int) -> dict[str, int]:
    row = session.execute(select(
        func.count(),
        func.coalesce(func.sum(case((customers.c.order_count >= 1, 1), else_=0)), 0),
        func.coalesce(func.sum(case((customers.c.order_count >= 2, 1), else_=0)), 0),
    ).where(customers.c.shop_id == shop_id)).one()
    return {"customers": row[0], "buyers": int(row[1]), "repeat_buyers": int(row[2])}


def order_totals(session: Session, shop_id: int) -> dict[str, int]:
    row = session.execute(select(func.count(), func.coalesce(func.sum(orders.c.total - orders.c.refunded_total), 0))
                          .where(orders.c.shop_id == shop_id, orders.c.status != "cancelled")).one()
    return {"orders": row[0], "revenue": int(row[1])}


def orders_per_week(session: Session, shop_id: int, since: datetime, timezone: str) -> list[tuple[date, int]] | list[datetime]:
    """PostgreSQL buckets by ISO week in the shop's time zone; SQLite (one shop, one machine) gives
    the order times and the caller folds them into weeks."""
    where = (orders.c.shop_id == shop_id) & (orders.c.status != "cancelled") & (orders.c.placed_at >= since)
    if session.get_bind().dialect.name == "postgresql":
        week = func.date_trunc("week", func.timezone(timezone, orders.c.placed_at)).label("week")
        rows = session.execute(select(week, func.count()).where(where).group_by(week).order_by(week))
        return [(row[0].date(), row[1]) for row in rows]
    return [row[0] for row in session.execute(select(orders.c.placed_at).where(where))]


