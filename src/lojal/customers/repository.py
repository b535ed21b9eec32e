"""Queries for customers. Core statements on the ingestion path (batched), ORM for reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any, NamedTuple

import orjson
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lojal.db.filters import one_of
from lojal.db.upsert import COPY_THRESHOLD as BATCH_INSERT_FROM
from lojal.db.upsert import (insert_ignoring_conflicts, insert_rows, raw_converter, row_placeholders, sqlite_chunks,
                             sqlite_datetime)
from lojal.models import Customer, CustomerTombstone, Order, Shop

customers = Customer.__table__


def find_by_keys(session: Session, shop_id: int, external_ids: Iterable[str],
                 emails: Iterable[str]) -> list[Any]:
    """Customers with any of the external ids or e-mails. PostgreSQL combines both indexes for an
    OR in one statement; SQLite scans the table for it, so there it is one query per key kind."""
    columns = (customers.c.id, customers.c.external_id, customers.c.email, customers.c.is_guest)
    keys = [(column, values) for column, values in ((customers.c.external_id, sorted(set(external_ids))),
                                                    (customers.c.email, sorted(set(emails)))) if values]
    if not keys:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = select(*columns).where(customers.c.shop_id == shop_id,
                                       or_(*(one_of(session, column, values) for column, values in keys)))
        return list(session.execute(query))
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    found: dict[int, CustomerKeys] = {}
    for column, values in keys:
        (text,) = raw.execute(_FIND_BY_KEYS_SQLITE.format(column=column.name),
                              (shop_id, orjson.dumps(values).decode())).fetchone()
        found.update((row[0], CustomerKeys(row[0], row[1], row[2], bool(row[3]))) for row in orjson.loads(text))
    return list(found.values())


class CustomerKeys(NamedTuple):
    id: int
    external_id: str | None
    email: str | None
    is_guest: bool


# SQLite: the keys travel as one JSON array and the customers come back as one JSON array: a
# statement text that never changes (no placeholder per key to render and compile) and one
# statement step instead of one per customer (sqlite3 lets go of Python's lock at every step).
_FIND_BY_KEYS_SQLITE = """
SELECT json_group_array(json_array(id, external_id, email, is_guest)) FROM customers
WHERE shop_id = ? AND {column} IN (SELECT value FROM json_each(?))
"""


def insert_new(session: Session, rows: list[dict[str, Any]]) -> bool:
    """Rows that lost a race (same external id or e-mail inserted meanwhile by another
    transaction) are skipped; the caller reads the keys back. Registered customers go first, so
    a guest with the same e-mail in the batch yields to them. True when every row was stored
    (the caller then knows the ids without reading them back)."""
    by_external = [row for row in rows if row["external_id"] is not None]
    guests = [row for row in rows if row["external_id"] is None]
    stored_all = _insert_skipping_taken(session, by_external)
    return _insert_skipping_taken(session, guests) and stored_all


def _insert_skipping_taken(session: Session, rows: list[dict[str, Any]]) -> bool:
    """A batch is first sent as a plain batch insert (COPY on PostgreSQL) in a savepoint: keys
    are rarely taken, as the caller has just looked them up. Only when one is, the batch is sent
    again row by row with ON CONFLICT DO NOTHING. True when all rows were stored for sure."""
    if not rows:
        return True
    if len(rows) >= BATCH_INSERT_FROM:
        try:
            with session.begin_nested():
                insert_rows(session, customers, rows)
            return True
        except IntegrityError:
            pass
    insert_ignoring_conflicts(session, customers, rows, None)
    return False


def stored_fields(session: Session, shop_id: int, customer_ids: list[int],
                  names: list[str]) -> dict[int, dict[str, Any]]:
    """The named columns of these customers, by id (to write only what changes)."""
    if not customer_ids or not names:
        return {}
    query = select(customers.c.id, *(customers.c[name] for name in names)).where(
        customers.c.shop_id == shop_id, one_of(session, customers.c.id, customer_ids))
    return {row.id: dict(row._mapping) for row in session.execute(query)}


def update_many(session: Session, shop_id: int, changes: dict[int, dict[str, Any]]) -> None:
    """Update many customers, each with its own values: one statement per set of columns and few
    hundred customers (an order file restates the same fields for many customers), the values
    sent as the raw batch insert sends them: ``UPDATE ... FROM (VALUES ...)`` on SQLite, one JSON
    text on PostgreSQL. SQLAlchemy's executemany with its per-row parameter processing was 6 % of
    a Shopify CSV import (each order restates its customer's name and consent)."""
    by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for customer_id, values in sorted(changes.items()):
        columns = tuple(sorted(values))
        by_columns.setdefault(columns, []).append((customer_id, *(values[name] for name in columns)))
    dialect = session.get_bind().dialect
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        for columns, rows in by_columns.items():
            convert = raw_converter(dialect.name, customers, ("id", *columns))
            converted = [convert(row) for row in rows]
            if dialect.name == "postgresql":
                assignments = ", ".join(f"{name} = (d.row->>{position})::{customers.c[name].type.compile(dialect)}"
                                        for position, name in enumerate(columns, start=1))
                cursor.execute(f"UPDATE customers AS c SET {assignments} "
                               f"FROM json_array_elements(%(rows)s::json) AS d(row) "
                               f"WHERE c.shop_id = %(shop_id)s AND c.id = (d.row->>0)::bigint",
                               {"rows": orjson.dumps(converted).decode(), "shop_id": shop_id})
                continue
            assignments = ", ".join(f"{name} = d.column{position}" for position, name in enumerate(columns, start=2))
            width = len(columns) + 1
            for size, chunks in sqlite_chunks(converted, width):
                cursor.executemany(
                    f"UPDATE customers SET {assignments} FROM (VALUES {', '.join([row_placeholders(width)] * size)}) AS d "
                    f"WHERE customers.shop_id = ? AND customers.id = d.column1",
                    [[*chain.from_iterable(chunk), shop_id] for chunk in chunks])
    finally:
        cursor.close()


def update_fields(session: Session, shop_id: int, customer_id: int, values: dict[str, Any]) -> None:
    session.execute(
        update(customers).where(customers.c.shop_id == shop_id, customers.c.id == customer_id)
        .values(**values)
    )


def lock(session: Session, shop_id: int, customer_ids: list[int]) -> None:
    """Row locks in id order (PostgreSQL), so concurrent writers to the same customers queue
    instead of racing on the aggregates. SQLite's single writer already serialises them."""
    if not customer_ids or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        select(customers.c.id).where(customers.c.shop_id == shop_id,
                                     one_of(session, customers.c.id, sorted(set(customer_ids))))
        .order_by(customers.c.id).with_for_update()
    ).all()


def refresh_aggregates(session: Session, shop_id: int, customer_ids: list[int], now: datetime) -> None:
    """Recompute order count, first/last order, net spent and AOV from the customer's orders.
    Recomputing (rather than adding deltas) converges whatever order updates arrive in."""
    if not customer_ids:
        return
    orders = Order.__table__
    counted = and_(orders.c.shop_id == customers.c.shop_id,
                   orders.c.customer_id == customers.c.id, orders.c.status != "cancelled")

    def aggregate(expression: Any) -> Any:
        return select(expression).where(counted).scalar_subquery()

    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        where = and_(customers.c.shop_id == shop_id, one_of(session, customers.c.id, chunk))
        session.execute(update(customers).where(where).values(
            order_count=aggregate(func.count()),
            first_order_at=aggregate(func.min(orders.c.placed_at)),
            last_order_at=aggregate(func.max(orders.c.placed_at)),
            total_spent=aggregate(func.coalesce(func.sum(orders.c.total - orders.c.refunded_total), 0)),
            updated_at=now,
        ))
        session.execute(update(customers).where(where).values(
            average_order_value=case((customers.c.order_count > 0, customers.c.total_spent // customers.c.order_count),
                                     else_=0)  # whole minor units: // is integer division on both databases
        ))


def add_new_orders(session: Session, shop_id: int, totals: dict[int, tuple[int, int, datetime, datetime]],
                   now: datetime) -> None:
    """Add brand-new orders to the customers' aggregates: ``totals`` maps a customer id to the
    new orders' (count, net total, first placed, last placed). Exact for orders that did not
    exist before (what a bulk file mostly holds), where ``refresh_aggregates`` recomputes from
    all of the customer's orders. One statement over arrays on PostgreSQL; a raw executemany on
    SQLite (SQLAlchemy's per-row parameter handling cost more than the updates themselves)."""
    if not totals:
        return
    ordered = sorted(totals.items())
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        if session.get_bind().dialect.name == "postgresql":
            cursor.execute(_ADD_NEW_ORDERS_POSTGRESQL, {
                "shop_id": shop_id, "now": now,
                "rows": orjson.dumps([(customer_id, *item) for customer_id, item in ordered]).decode()})
        else:
            now_text = sqlite_datetime(now)
            values = [(customer_id, count, spent, sqlite_datetime(first), sqlite_datetime(last))
                      for customer_id, (count, spent, first, last) in ordered]
            for size, chunks in sqlite_chunks(values, 5):
                cursor.executemany(_ADD_NEW_ORDERS_SQLITE.format(values=", ".join(["(?, ?, ?, ?, ?)"] * size)),
                                   [[now_text, *chain.from_iterable(chunk), shop_id] for chunk in chunks])
    finally:
        cursor.close()


_ADD_NEW_ORDERS_POSTGRESQL = """
UPDATE customers AS c SET
    order_count = c.order_count + d.count,
    total_spent = c.total_spent + d.spent,
    average_order_value = (c.total_spent + d.spent) / (c.order_count + d.count),
    first_order_at = LEAST(c.first_order_at, d.first),
    last_order_at = GREATEST(c.last_order_at, d.last),
    updated_at = %(now)s
FROM (SELECT (row->>0)::bigint AS id, (row->>1)::bigint AS count, (row->>2)::bigint AS spent,
             (row->>3)::timestamptz AS first, (row->>4)::timestamptz AS last
      FROM json_array_elements(%(rows)s::json) AS row) AS d
WHERE c.shop_id = %(shop_id)s AND c.id = d.id
"""
# The rows travel as one JSON text ([[id, count, spent, first, last], ...]; orjson writes the
# times in ISO 8601 with their offset): psycopg's array parameters cost 0.5 us per element of the
# writer's CPU (see db.filters.one_of).
# LEAST/GREATEST ignore NULLs on PostgreSQL; SQLite's MIN/MAX of values do not, hence COALESCE.
# One UPDATE ... FROM (VALUES ...) per few hundred customers, not an executemany of one UPDATE each:
# sqlite3 lets go of Python's lock at every statement run (see db.upsert.sqlite_insert_many).
_ADD_NEW_ORDERS_SQLITE = """
UPDATE customers SET
    order_count = order_count + d.column2,
    total_spent = total_spent + d.column3,
    average_order_value = (total_spent + d.column3) / (order_count + d.column2),
    first_order_at = MIN(COALESCE(first_order_at, d.column4), d.column4),
    last_order_at = MAX(COALESCE(last_order_at, d.column5), d.column5),
    updated_at = ?
FROM (VALUES {values}) AS d
WHERE customers.shop_id = ? AND customers.id = d.column1
"""


def get(session: Session, shop_id: int, customer_id: int) -> Customer | None:
    return session.get(Customer, (shop_id, customer_id))


def get_by_external_id(session: Session, shop_id: int, external_id: str) -> Customer | None:
    return session.scalars(
        select(Customer).where(Customer.shop_id == shop_id, Customer.external_id == external_id)
    ).first()


def page(session: Session, shop_id: int, *, limit: int, after: tuple[datetime, int] | None = None,
         email: str | None = None, external_id: str | None = None,
         updated_since: datetime | None = None, search: str | None = None,
         order_by_updated: bool = False) -> list[Customer]:
    query = select(Customer).where(Customer.shop_id == shop_id)
    if email:
        query = query.where(Customer.email == email)
    if external_id:
        query = query.where(Customer.external_id == external_id)
    if updated_since:
        query = query.where(Customer.updated_at >= updated_since)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(
            Customer.email.like(pattern), func.lower(Customer.first_name).like(pattern),
            func.lower(Customer.last_name).like(pattern), Customer.external_id == search.strip(),
            func.lower(Customer.company_name).like(pattern), Customer.phone.like(pattern),
        ))
    if order_by_updated:
        if after is not None:
            query = query.where(or_(Customer.updated_at > after[0],
                                    and_(Customer.updated_at == after[0], Customer.id > after[1])))
        query = query.order_by(Customer.updated_at, Customer.id)
    else:
        if after is not None:
            query = query.where(Customer.id > after[1])
        query = query.order_by(Customer.id)
    return list(session.scalars(query.limit(limit)))


def count(session: Session, shop_id: int) -> int:
    return session.scalar(select(func.count()).select_from(customers)
                          .where(customers.c.shop_id == shop_id)) or 0


def ids_with_birthday(session: Session, shop_id: int, month: int, day: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        day_of_year = func.to_char(customers.c.birth_date, "MM-DD")
    else:
        day_of_year = func.strftime("%m-%d", customers.c.birth_date)
    query = select(customers.c.id).where(customers.c.shop_id == shop_id, day_of_year == f"{month:02d}-{day:02d}")
    return list(session.scalars(query.order_by(customers.c.id)))


def insert_tombstones(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_ignoring_conflicts(session, CustomerTombstone.__table__, rows, ["shop_id", "key_hash"])


def tombstoned(session: Session, shop_id: int, key_hashes: Iterable[str]) -> dict[str, int]:
    """Which of these keyed hashes belong to an erased customer, and which."""
    hashes = sorted(set(key_hashes))
    if not hashes:
        return {}
    table = CustomerTombstone.__table__
    rows = session.execute(select(table.c.key_hash, table.c.customer_id)
                           .where(table.c.shop_id == shop_id, one_of(session, table.c.key_hash, hashes)))
    return {key_hash: customer_id for key_hash, customer_id in rows}


def shop_settings(session: Session, shop_id: int) -> dict[str, Any] | None:
    session.flush()
    return session.scalar(select(Shop.settings).where(Shop.id == shop_id))


def update_shop_settings(session: Session, shop_id: int, settings: dict[str, Any]) -> None:
    session.execute(update(Shop.__table__).where(Shop.__table__.c.id == shop_id).values(settings=settings))
