"""The pipelined bulk ingestor (a writer thread stores a batch while the next is parsed) stores
and reports exactly what the plain one does, and a failure in the writer reaches the caller."""

import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.ingest.bulk import BulkIngestor
from lojal.models import Customer, Order, OrderLine
from tests.fixtures.api import ShopWithKeys
from tests.ingest.test_bulk_endpoint import order


def records() -> list[Any]:
    """Forty customers and eighty orders, with bad lines spread over several batches: a wrong
    total, an unknown customer reference kind, a foreign currency, bad JSON, an order whose
    customer e-mail belongs to someone else."""
    lines: list[Any] = []
    for number in range(40):
        lines.append({"type": "customer", "external_id": f"c-{number}", "email": f"k{number}@example.no"})
        lines.append(order(f"o-{number}-a", f"c-{number}", total=1000 + 2 * number))
        lines.append(order(f"o-{number}-b", f"c-{number}", total=2000 + 2 * number))
    lines[7] = order("bad-total", "c-1") | {"total": 1}
    lines[31] = order("bad-currency", "c-2") | {"currency": "SEK"}
    lines[55] = "{not json"
    lines[88] = order("taken-email", "c-new") | {"customer": {"external_id": "c-new", "email": "k3@example.no"}}
    return lines


def feed(db: Session, shop: ShopWithKeys, *, pipelined: bool) -> tuple[Any, list[Any]]:
    import orjson

    with BulkIngestor(db, shop.shop, batch_size=7, after_batch=db.commit, pipelined=pipelined) as ingestor:
        for number, record in enumerate(records(), start=1):
            ingestor.feed_line(number, record if isinstance(record, str) else orjson.dumps(record))
        report = ingestor.finish()
    stored = db.execute(select(Order.external_id, Order.total, Customer.external_id, Customer.order_count)
                        .join(Customer, (Customer.shop_id == Order.shop_id) & (Customer.id == Order.customer_id))
                        .where(Order.shop_id == shop.shop.id).order_by(Order.external_id)).all()
    return report, stored


def test_pipelined_ingestion_equals_the_plain_one(db: Session, shop: ShopWithKeys, other_shop: ShopWithKeys) -> None:
    plain_report, plain_rows = feed(db, shop, pipelined=False)
    piped_report, piped_rows = feed(db, other_shop, pipelined=True)
    assert piped_report.as_dict() == plain_report.as_dict()
    assert piped_rows == plain_rows
    assert [error.line for error in piped_report.errors] == [8, 32, 56, 89]
    assert piped_report.counts == {"customer": 40, "order": 76}
    assert len(piped_rows) == 76
    assert db.scalar(select(func.count()).select_from(OrderLine).where(OrderLine.shop_id == other_shop.shop.id)) == 76


def test_a_failure_in_the_writer_reaches_the_caller(db: Session, shop: ShopWithKeys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import orjson

    writer_threads: set[str] = set()

    def broken_apply(self: BulkIngestor, batch: list[Any], now: Any) -> None:
        writer_threads.add(threading.current_thread().name)
        raise RuntimeError("disk full")

    monkeypatch.setattr(BulkIngestor, "_apply", broken_apply)
    ingestor = BulkIngestor(db, shop.shop, batch_size=2, pipelined=True)
    with pytest.raises(RuntimeError, match="disk full"):
        for number in range(10):
            ingestor.feed_line(number + 1, orjson.dumps({"type": "customer", "external_id": f"c-{number}"}))
        ingestor.finish()
    ingestor.close()
    assert writer_threads and all(name.startswith("lojal-bulk") for name in writer_threads)


def test_text_survives_the_batch_insert_exactly(db: Session, shop: ShopWithKeys) -> None:
    """Batches go to PostgreSQL by COPY in text format: JSON and text columns with tabs, line
    breaks, backslashes, quotes and non-ASCII letters come back as sent."""
    import orjson

    tricky = "tab\there \"quoted\" back\\slash\\n\nny linje, æøå ÆØÅ \u2603 \\."
    with BulkIngestor(db, shop.shop, batch_size=100) as ingestor:
        for number in range(30):  # enough rows for COPY
            record = order(f"o-{number}", f"c-{number}") | {"order_number": tricky, "attributes": {"note": tricky, tricky: [1]}}
            record["lines"][0]["name"] = tricky
            ingestor.feed_line(number + 1, orjson.dumps(record))
        report = ingestor.finish()
    assert report.failed == 0, report.errors
    stored = db.execute(select(Order.order_number, Order.attributes).where(Order.shop_id == shop.shop.id)).all()
    assert len(stored) == 30
    assert all(row.order_number == tricky and row.attributes == {"note": tricky, tricky: [1]} for row in stored)
    names = db.scalars(select(OrderLine.name).where(OrderLine.shop_id == shop.shop.id)).all()
    assert names == [tricky] * 30


def test_aggregates_added_for_new_orders_equal_a_recount(db: Session, shop: ShopWithKeys) -> None:
    """New orders add to a customer's aggregates; updates recompute them. After new orders,
    replays, cancellations, moves to another customer and cancelled new orders, every
    customer's aggregates equal a recount from their orders."""
    import orjson

    from lojal.customers.repository import refresh_aggregates
    from lojal.kit.clock import utcnow

    def placed(day: int) -> str:
        return f"2026-03-{day:02d}T12:00:00+01:00"

    files = [
        [order(f"o-{n}", f"c-{n % 5}", total=1000 + 2 * n, placed_at=placed(1 + n % 27)) for n in range(40)],
        [order(f"o-{n}", f"c-{n % 5}", total=1000 + 2 * n, placed_at=placed(1 + n % 27), status="cancelled")
         for n in range(0, 40, 3)]
        + [order(f"o-{n}", f"c-{(n + 1) % 5}", total=5000, placed_at=placed(2)) for n in range(1, 40, 7)]
        + [order(f"n-{n}", f"c-{n % 7}", total=700, placed_at=placed(28), status="cancelled" if n % 2 else "paid")
           for n in range(10)],
    ]
    for records_of_file in files:
        with BulkIngestor(db, shop.shop, batch_size=9, pipelined=True) as ingestor:
            for number, record in enumerate(records_of_file, start=1):
                ingestor.feed_line(number, orjson.dumps(record))
            assert ingestor.finish().failed == 0

    def aggregates() -> list[Any]:
        db.expire_all()
        return db.execute(select(Customer.external_id, Customer.order_count, Customer.total_spent,
                                 Customer.average_order_value, Customer.first_order_at, Customer.last_order_at)
                          .where(Customer.shop_id == shop.shop.id).order_by(Customer.external_id)).all()

    added = aggregates()
    assert len(added) == 7  # 40 - 14 cancelled + 2 moved back out of cancelled + 5 new paid:
    assert sum(row.order_count for row in added) == 40 - 14 + 2 + 5
    refresh_aggregates(db, shop.shop.id, list(db.scalars(select(Customer.id).where(Customer.shop_id == shop.shop.id))),
                       utcnow())
    assert aggregates() == added


def test_a_reference_restating_stored_fields_writes_none_of_them(db: Session, shop: ShopWithKeys,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders that restate their customer's stored name send no update of the name; one that
    changes it does."""
    import orjson

    from lojal.customers import repository as customers_repository

    written: list[dict[int, dict[str, Any]]] = []
    update_many = customers_repository.update_many

    def record(session: Session, shop_id: int, changes: dict[int, dict[str, Any]]) -> None:
        written.append({customer_id: dict(values) for customer_id, values in changes.items() if values})
        update_many(session, shop_id, changes)

    def send(records_of_file: list[dict[str, Any]]) -> None:
        with BulkIngestor(db, shop.shop, batch_size=2) as ingestor:
            for number, record_of_line in enumerate(records_of_file, start=1):
                ingestor.feed_line(number, orjson.dumps(record_of_line))
            assert ingestor.finish().failed == 0

    send([{"type": "customer", "external_id": "c-1", "first_name": "Kari", "last_name": "Nordmann"}])
    monkeypatch.setattr(customers_repository, "update_many", record)
    send([order(f"o-{n}", "c-1") | {"customer": {"external_id": "c-1", "first_name": "Kari"}} for n in range(5)])
    assert written and not any(written)
    written.clear()
    send([order("o-9", "c-1") | {"customer": {"external_id": "c-1", "first_name": "Kari Anne"}}])
    assert [sorted(values) for changes in written for values in changes.values()] == [["first_name", "updated_at"]]
    assert db.scalar(select(Customer.first_name).where(Customer.shop_id == shop.shop.id)) == "Kari Anne"
