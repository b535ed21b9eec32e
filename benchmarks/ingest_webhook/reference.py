"""The reference for ingest_webhook: the rows one PUT of a new order writes (the customer found or
created, the order, its lines, the customer's aggregates, the domain events and their dispatch
job), written by the same number of concurrent clients straight through psycopg in 6-8
statements per order, with no HTTP, no validation and no ORM. It is what PostgreSQL alone costs
on this machine: the floor under `lojal serve`'s figure."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from random import Random
from typing import Any

import psycopg
from cpu import cpu_seconds, used_between
from psycopg.types.json import Jsonb

CUSTOMER = """
INSERT INTO customers (shop_id, id, external_id, email, interests, attributes, is_guest, created_at, updated_at,
                       order_count, total_spent, average_order_value)
VALUES (%(shop)s, nextval('customers_id_seq'), %(customer)s, %(email)s, '[]', '{}', false, %(now)s, %(now)s, 0, 0, 0)
ON CONFLICT DO NOTHING
RETURNING id"""
EXISTING_CUSTOMER = "SELECT id FROM customers WHERE shop_id = %(shop)s AND external_id = %(customer)s"
LOCK = "SELECT id FROM customers WHERE shop_id = %(shop)s AND id = %(customer_id)s FOR UPDATE"
ORDER = """
INSERT INTO orders (shop_id, id, external_id, customer_id, email, placed_at, currency, subtotal, discount_total,
                    shipping_total, tax_total, taxes_included, total, refunded_total, discount_codes, status,
                    paid_at, source, attributes, created_at, updated_at)
VALUES (%(shop)s, nextval('orders_id_seq'), %(order)s, %(customer_id)s, %(email)s, %(placed)s, 'NOK', 53880, 0,
        4900, 11756, true, 58780, 0, '[]', 'paid', %(placed)s, 'api', '{}', %(now)s, %(now)s)
ON CONFLICT (shop_id, external_id) DO NOTHING
RETURNING id"""
LINES = """
INSERT INTO order_lines (shop_id, id, order_id, external_id, position, sku, quantity, unit_price, discount, total,
                         refunded_quantity, refunded_amount)
VALUES (%(shop)s, nextval('order_lines_id_seq'), %(order_id)s, '1', 1, 'KF-4-100', 2, 3990, 0, 7980, 0, 0),
       (%(shop)s, nextval('order_lines_id_seq'), %(order_id)s, '2', 2, 'TR-PRO', 1, 45900, 0, 45900, 0, 0)"""
AGGREGATES = """
UPDATE customers SET order_count = order_count + 1, total_spent = total_spent + 58780,
    average_order_value = (total_spent + 58780) / (order_count + 1),
    first_order_at = LEAST(first_order_at, %(placed)s), last_order_at = GREATEST(last_order_at, %(placed)s),
    updated_at = %(now)s
WHERE shop_id = %(shop)s AND id = %(customer_id)s"""
EVENTS = """
INSERT INTO domain_events (shop_id, id, type, subject_type, subject_id, customer_id, payload, occurred_at)
SELECT %(shop)s, nextval('domain_events_id_seq'), type, subject_type, subject_id, %(customer_id)s, payload, %(now)s
FROM unnest(%(types)s::text[], %(subject_types)s::text[], %(subject_ids)s::bigint[], %(payloads)s::jsonb[])
     AS event(type, subject_type, subject_id, payload)
RETURNING id"""
JOB = """
INSERT INTO jobs (shop_id, task, payload, status, attempts, max_attempts, run_at, created_at)
VALUES (%(shop)s, 'events.dispatch', %(job)s, 'queued', 0, 8, %(now)s, %(now)s)"""


def _one_order(connection: psycopg.Connection[Any], shop_id: int, order_id: str, customer: int) -> None:
    now = datetime.now(UTC)
    values: dict[str, Any] = {"shop": shop_id, "customer": f"c-{customer}", "email": f"k{customer}@example.no",
                              "now": now, "placed": datetime(2026, 3, 14, 17, 22, 5, tzinfo=UTC), "order": order_id}
    with connection.transaction(), connection.cursor() as cursor:
        inserted = cursor.execute(CUSTOMER, values).fetchone()
        created = inserted is not None
        if inserted is None:  # a known customer (or one another client inserted meanwhile): find and lock it
            values["customer_id"] = cursor.execute(EXISTING_CUSTOMER, values).fetchone()[0]  # type: ignore[index]
            cursor.execute(LOCK, values)
        else:
            values["customer_id"] = inserted[0]
        row = cursor.execute(ORDER, values).fetchone()
        assert row is not None, "the reference writes new orders only"
        values["order_id"] = row[0]
        cursor.execute(LINES, values)
        cursor.execute(AGGREGATES, values)
        payload = Jsonb({"order_id": row[0], "external_id": order_id, "status": "paid", "total": 58780})
        kinds = ([("customer.created", "customer", values["customer_id"], Jsonb({}))] if created else []) + [
            ("order.placed", "order", row[0], payload), ("order.paid", "order", row[0], payload)]
        values.update(types=[kind[0] for kind in kinds], subject_types=[kind[1] for kind in kinds],
                      subject_ids=[kind[2] for kind in kinds], payloads=[kind[3] for kind in kinds])
        event_ids = [event_row[0] for event_row in cursor.execute(EVENTS, values).fetchall()]
        values["job"] = Jsonb({"event_ids": event_ids})
        cursor.execute(JOB, values)


def raw_reference(url: str, shop_id: int, clients: int, seconds: float) -> dict[str, Any]:
    """Orders per second and latencies (ms) of ``clients`` threads writing new orders for ``seconds``."""
    url = url.replace("postgresql+psycopg://", "postgresql://")
    connections = [psycopg.connect(url) for _ in range(clients)]
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        random, mine, count = Random(number * 7919), [], 0
        while time.monotonic() < deadline:
            count += 1
            started = time.perf_counter()
            _one_order(connections[number], shop_id, f"reference-{number}-{count}", random.randint(1, 20000))
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    pids = [connection.info.backend_pid for connection in connections]
    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    backends_before, client_before, started = cpu_seconds(pids), time.process_time(), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    backends_cpu, client_cpu = used_between(backends_before, cpu_seconds(pids)), time.process_time() - client_before
    for connection in connections:
        connection.close()
    latencies.sort()
    orders = len(latencies)
    return {"orders": orders, "rate": orders / elapsed, "p50_ms": 1000 * latencies[orders // 2],
            "p99_ms": 1000 * latencies[int(orders * 0.99)], "database_cpu_ms": 1000 * backends_cpu / orders,
            "client_cpu_ms": 1000 * client_cpu / orders}
