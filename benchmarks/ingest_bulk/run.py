"""benchmarks/ingest_bulk: 100,000 orders with 3 lines each (plus their customers) through
POST /api/v1/bulk of a running `lojal serve`, into SQLite and into PostgreSQL.

Beside it, in the same run, the raw insert of the same rows (customers, orders, order lines) with
no validation, no events and no aggregates: executemany on SQLite, COPY on PostgreSQL. The ratio
says what Lojal's checks, idempotent upserts, domain events and aggregates cost.

Target (issue #2): >= 10,000 orders/s on each database on this 2-core machine.
Run: .venv/bin/python benchmarks/ingest_bulk/run.py [--orders 100000] [--databases sqlite,postgresql]"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA, POSTGRES_URL, fresh_database, lojal_server, shop_with_key  # noqa: E402

from lojal.db.engine import create_db_engine  # noqa: E402

START = datetime(2024, 11, 1, tzinfo=UTC)


def generate(orders: int, path: Path, seed: int = 7) -> None:
    """Deterministic NDJSON: a customer line before their first order; 3 lines per order."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    generator = random.Random(seed)
    customers = max(1, orders // 3)
    seen: set[int] = set()
    with path.open("wb") as out:
        for number in range(orders):
            customer = generator.randrange(customers)
            if customer not in seen:
                seen.add(customer)
                out.write(orjson.dumps({"type": "customer", "external_id": f"c-{customer}",
                                        "email": f"kunde{customer}@example.no", "first_name": "Kari",
                                        "last_name": "Nordmann", "country": "NO"}) + b"\n")
            lines = []
            for position in range(1, 4):
                quantity, price = generator.randint(1, 3), generator.randrange(4900, 99900, 100)
                lines.append({"external_id": str(position), "sku": f"SKU-{generator.randrange(500)}",
                              "product_external_id": None, "name": "Vare", "quantity": quantity,
                              "unit_price": price, "total": quantity * price})
            subtotal = sum(line["total"] for line in lines)
            shipping = 0 if subtotal > 100000 else 4900
            placed = START + timedelta(minutes=number * 5)
            out.write(orjson.dumps({
                "type": "order", "external_id": f"o-{number}", "order_number": f"#{10000 + number}",
                "customer": {"external_id": f"c-{customer}"}, "placed_at": placed.isoformat(), "currency": "NOK",
                "status": "fulfilled", "subtotal": subtotal, "shipping_total": shipping,
                "tax_total": (subtotal + shipping) // 5, "taxes_included": True, "total": subtotal + shipping,
                "lines": [{key: value for key, value in line.items() if value is not None} for line in lines],
            }) + b"\n")


def through_lojal(url: str, path: Path, orders: int) -> tuple[float, dict[str, Any]]:
    key = shop_with_key(url)
    with lojal_server(url) as base:
        started = time.perf_counter()
        with path.open("rb") as body:
            response = httpx.post(f"{base}/api/v1/bulk", content=iter(lambda: body.read(1 << 20), b""),
                                  headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
                                  timeout=3600)
        elapsed = time.perf_counter() - started
    report = response.json()
    if report.get("counts", {}).get("order") != orders:
        raise SystemExit(f"bulk report does not add up: {report}")
    return orders / elapsed, report


def raw_rows(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    now = datetime.now(UTC)
    customers, orders, lines, ids = [], [], [], {}
    for raw in path.open("rb"):
        record = orjson.loads(raw)
        if record["type"] == "customer":
            ids[record["external_id"]] = len(ids) + 1
            customers.append({"shop_id": 1, "id": ids[record["external_id"]], "external_id": record["external_id"],
                              "email": record["email"], "first_name": record["first_name"], "last_name": record["last_name"],
                              "country": "NO", "interests": [], "attributes": {}, "is_guest": False, "created_at": now,
                              "updated_at": now, "order_count": 0, "total_spent": 0, "average_order_value": 0})
            continue
        order_id = len(orders) + 1
        orders.append({"shop_id": 1, "id": order_id, "external_id": record["external_id"],
                       "order_number": record["order_number"], "customer_id": ids[record["customer"]["external_id"]],
                       "placed_at": datetime.fromisoformat(record["placed_at"]), "currency": "NOK",
                       "subtotal": record["subtotal"], "discount_total": 0, "shipping_total": record["shipping_total"],
                       "tax_total": record["tax_total"], "taxes_included": True, "total": record["total"],
                       "refunded_total": 0, "discount_codes": [], "status": record["status"], "source": "api",
                       "attributes": {}, "created_at": now, "updated_at": now})
        for position, line in enumerate(record["lines"], start=1):
            lines.append({"shop_id": 1, "id": len(lines) + 1, "order_id": order_id, "external_id": line["external_id"],
                          "position": position, "sku": line["sku"], "name": line["name"], "quantity": line["quantity"],
                          "unit_price": line["unit_price"], "discount": 0, "total": line["total"],
                          "refunded_quantity": 0, "refunded_amount": 0})
    return customers, orders, lines


def sqlite_executemany(session: Any, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """The issue's reference on SQLite: one executemany of a one-row INSERT, the values converted
    to the columns' text forms as Lojal stores them (Lojal itself sends many rows per INSERT)."""
    from lojal.db.upsert import _sqlite_converters

    conversions = [(position, convert) for position, convert in enumerate(_sqlite_converters(table, columns))
                   if convert is not None]
    values = []
    for row in rows:
        row_values = list(row)
        for position, convert in conversions:
            if row_values[position] is not None:
                row_values[position] = convert(row_values[position])
        values.append(row_values)
    raw = session.connection().connection.dbapi_connection
    raw.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values)


def raw_insert(url: str, rows: tuple[list[dict[str, Any]], ...], orders: int) -> float:
    """The same rows, inserted as fast as the database takes them: COPY / executemany of
    tuples built before the clock starts."""
    from lojal.db.engine import make_session_factory
    from lojal.db.upsert import insert_tuples
    from lojal.models import Customer, Order, OrderLine

    shop_with_key(url)
    engine = create_db_engine(url)
    tables = (Customer.__table__, Order.__table__, OrderLine.__table__)
    prepared = []
    for table_rows in rows:
        columns = tuple(table_rows[0])
        prepared.append((columns, [tuple(row[name] for name in columns) for row in table_rows]))
    with make_session_factory(engine)() as session:
        started = time.perf_counter()
        for table, (columns, table_rows) in zip(tables, prepared, strict=True):
            for start in range(0, len(table_rows), 10000):
                chunk = table_rows[start : start + 10000]
                if engine.dialect.name == "sqlite":
                    sqlite_executemany(session, table, columns, chunk)
                else:
                    insert_tuples(session, table, columns, chunk)
            session.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return orders / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    arguments = parser.parse_args()
    path = DATA / f"bulk-{arguments.orders}.ndjson"
    generate(arguments.orders, path)
    rows = raw_rows(path)
    print(f"{arguments.orders:,} orders x 3 lines + {len(rows[0]):,} customers "
          f"({path.stat().st_size / 1e6:.0f} MB NDJSON) through POST /api/v1/bulk")
    for database in arguments.databases.split(","):
        url = (f"sqlite:///{DATA / 'bench-bulk.sqlite'}" if database == "sqlite"
               else POSTGRES_URL.rsplit("/", 1)[0] + "/lojal_bench_bulk")
        lojal_rate, _ = through_lojal(fresh_database(url), path, arguments.orders)
        raw_rate = raw_insert(fresh_database(url), rows, arguments.orders)
        print(f"  {database:<10} Lojal {lojal_rate:>9,.0f} orders/s   raw insert ({'COPY' if database != 'sqlite' else 'executemany'}) "
              f"{raw_rate:>9,.0f} orders/s   Lojal/raw {lojal_rate / raw_rate:.2f}   target >= 10,000 orders/s")


if __name__ == "__main__":
    main()
