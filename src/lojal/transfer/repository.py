"""Queries of the transfer domain: a shop's customers, orders, order lines and events in id order
for the exports (read with a raw driver cursor in chunks, or as PostgreSQL's ``COPY ... TO STDOUT``
with the CSV formatting done in SQL), and the stored state of customers an import names (to leave unchanged ones
alone). Every query filters by the shop."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from lojal.models import Customer, CustomerEvent, Order, OrderLine

customers = Customer.__table__
orders = Order.__table__
lines = OrderLine.__table__
events = CustomerEvent.__table__
logger = logging.getLogger("lojal.transfer")

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


def _sources(kind: str) -> tuple[Any, dict[str, Any]]:
    """The FROM clause of an export and its source columns by name (the names export.py uses)."""
    if kind == "customers":
        return customers, {name: customers.c[name] for name in CUSTOMER_COLUMNS}
    if kind == "orders":
        joined = customers.join(orders, (customers.c.shop_id == orders.c.shop_id)
                                & (customers.c.id == orders.c.customer_id))
        return joined, ({name: orders.c[name] for name in ORDER_COLUMNS}
                        | {"customer_external_id": customers.c.external_id,
                           "net_total": orders.c.total - orders.c.refunded_total})
    if kind == "order-lines":
        joined = orders.join(lines, (orders.c.shop_id == lines.c.shop_id) & (orders.c.id == lines.c.order_id))
        return joined, ({name: lines.c[name] for name in LINE_COLUMNS}
                        | {"order_external_id": orders.c.external_id, "currency": orders.c.currency})
    joined = events.outerjoin(customers, (customers.c.shop_id == events.c.shop_id)
                              & (customers.c.id == events.c.customer_id))
    return joined, {name: events.c[name] for name in EVENT_COLUMNS} | {"customer_external_id": customers.c.external_id}


EXPORT_TABLES = {"customers": customers, "orders": orders, "order-lines": lines, "events": events}


def export_query(kind: str, shop_id: int, sources: list[str]) -> Select[Any]:
    """Every row of one shop's export in id order, with the named source columns."""
    joined, columns = _sources(kind)
    table = EXPORT_TABLES[kind]
    return (select(*(columns[name].label(name) for name in sources)).select_from(joined)
            .where(table.c.shop_id == shop_id).order_by(table.c.id))


def raw_chunks(session: Session, query: Select[Any], chunk_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The query's rows as the database driver gives them (no SQLAlchemy result processing), in
    lists of ``chunk_size``; on PostgreSQL through a server-side cursor, so memory holds one list."""
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver_connection = connection.connection.dbapi_connection
    assert driver_connection is not None
    if connection.dialect.name == "postgresql":
        cursor = driver_connection.cursor(name=f"lojal_export_{secrets.token_hex(6)}")
        cursor.itersize = chunk_size
    else:
        cursor = driver_connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk_size):
            yield rows
    finally:
        cursor.close()


def _copy_expression(source: str, kind: str, digits: int) -> str:
    """A column as PostgreSQL text formatted exactly as export.py formats it in Python."""
    if kind == "str":
        return f"NULLIF({source}, '')"
    if kind == "int":
        return source
    if kind == "bool":
        return f"CASE WHEN {source} THEN 'true' WHEN NOT {source} THEN 'false' END"
    if kind == "datetime":
        return (f"replace(to_char({source} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                f"'.000000Z', 'Z')")
    if kind == "date":
        return f"to_char({source}, 'YYYY-MM-DD')"
    if kind == "list":
        return (f"CASE WHEN jsonb_typeof({source}) = 'array' THEN NULLIF(array_to_string(ARRAY("
                f"SELECT jsonb_array_elements_text({source})), ', '), '') END")
    if kind == "money":
        if digits == 0:
            return f"({source})::text"
        scale = 10**digits
        return (f"CASE WHEN {source} < 0 THEN '-' ELSE '' END || (abs({source}) / {scale})::text || '.' || "
                f"lpad((abs({source}) % {scale})::text, {digits}, '0')")
    raise ValueError(f"no COPY formatting for {kind}")


def copy_out(session: Session, sql: str) -> Iterator[Any]:
    """The rows of a ``COPY ... TO STDOUT`` on PostgreSQL, each a buffer of CSV bytes, read off
    libpq's own buffer (psycopg's ``Copy`` iteration waits through its generator machinery for
    every row, which costs about as much as the database's own work for a 1,000,000-row export).
    The statement runs in the session's transaction; waiting happens in ``select`` (the GIL is
    released). Given up early (a client went away), the COPY is cancelled and drained."""
    import select as selectors

    from psycopg import OperationalError, errors, pq

    driver_connection = session.connection().connection.dbapi_connection
    assert driver_connection is not None
    driver_connection.execute("SELECT 1")  # psycopg begins the transaction as for any statement
    pgconn = driver_connection.pgconn

    def wait(write: bool = False) -> None:
        if write:
            selectors.select([], [pgconn.socket], [])
        else:
            selectors.select([pgconn.socket], [], [])

    def next_result() -> Any:
        while pgconn.is_busy():
            wait()
            pgconn.consume_input()
        return pgconn.get_result()

    def drain_results() -> None:
        while next_result() is not None:
            pass

    pgconn.send_query(sql.encode())
    while pgconn.flush():
        wait(write=True)
    started = next_result()
    if started is None or started.status != pq.ExecStatus.COPY_OUT:
        drain_results()
        if started is None:
            raise OperationalError("COPY gave no result")
        raise errors.error_from_result(started, encoding="utf-8")  # the COPY path is taken on UTF-8 only
    finished = False
    try:
        while True:
            size, data = pgconn.get_copy_data(1)
            if size > 0:
                yield data
            elif size == 0:
                wait()
                pgconn.consume_input()
            elif size == -1:
                break
            else:
                raise OperationalError(f"COPY failed: {pgconn.get_error_message()}")
        finished = True
        result = next_result()
        drain_results()
        if result is None or result.status != pq.ExecStatus.COMMAND_OK:
            raise OperationalError(f"COPY did not end well: {pgconn.get_error_message()}")
    finally:
        if not finished:
            _abandon_copy(driver_connection, wait)


def _abandon_copy(driver_connection: Any, wait: Any) -> None:
    """Cancel a COPY that is read no further and drain what is left, so the connection can roll
    back and go back to the pool."""
    pgconn = driver_connection.pgconn
    try:
        driver_connection.cancel_safe()
    except Exception:  # the connection is rolled back or dropped by the pool anyway
        logger.warning("could not cancel an abandoned export's COPY", exc_info=True)
    while True:
        size, _ = pgconn.get_copy_data(1)
        if size == 0:
            wait()
            pgconn.consume_input()
        elif size < 0:
            break
    while True:
        while pgconn.is_busy():
            wait()
            pgconn.consume_input()
        if pgconn.get_result() is None:
            break


def copy_sql(kind: str, shop_id: int, columns: list[tuple[str, str, str]], digits: int) -> str:
    """``COPY (SELECT ...) TO STDOUT (FORMAT csv, HEADER)`` for PostgreSQL: the export's CSV made by
    the database. ``columns`` are (output name, type, source name); a ``constant`` type's source
    is its value."""
    joined, sources = _sources(kind)
    dialect = postgresql.dialect()
    from_sql = dialect.statement_compiler(dialect, None).process(joined, asfrom=True)
    table = EXPORT_TABLES[kind]
    selected = []
    for name, column_type, source in columns:
        if column_type == "constant":
            expression = "'" + source.replace("'", "''") + "'"
        else:
            expression = _copy_expression(f"({sources[source].compile(dialect=dialect)})", column_type, digits)
        selected.append(f'{expression} AS "{name}"')
    return (f"COPY (SELECT {', '.join(selected)} FROM {from_sql} WHERE {table.name}.shop_id = {int(shop_id)} "
            f"ORDER BY {table.name}.id) TO STDOUT WITH (FORMAT csv, HEADER)")


def stored_customers(session: Session, shop_id: int, external_ids: Iterable[str]) -> dict[str, Any]:
    """The stored rows of the customers with these external ids, by external id."""
    wanted = sorted(set(external_ids))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 1000):
        query = select(*(customers.c[name] for name in CUSTOMER_COLUMNS)).where(
            customers.c.shop_id == shop_id, customers.c.external_id.in_(wanted[start:start + 1000]))
        found.update({row.external_id: row for row in session.execute(query)})
    return found
