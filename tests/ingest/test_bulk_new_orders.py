"""Bulk batches insert orders they expect to be new without looking them up; a batch where one
exists after all is taken back whole and stored the careful way. Raw batch inserts report a taken
key as SQLAlchemy's IntegrityError, so the callers' savepoints and fallbacks see it."""

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lojal.customers import repository as customer_repository
from lojal.db.upsert import insert_rows
from lojal.ingest.bulk import BulkIngestor
from lojal.models import Customer, DomainEvent, Order, OrderLine
from tests.fixtures.api import ShopWithKeys
from tests.ingest.test_bulk_endpoint import order


def ingest(db: Session, shop: ShopWithKeys, lines: list[Any], *, pipelined: bool = False) -> Any:
    with BulkIngestor(db, shop.shop, batch_size=4, after_batch=db.commit, pipelined=pipelined) as ingestor:
        for number, record in enumerate(lines, start=1):
            ingestor.feed_line(number, orjson.dumps(record))
        return ingestor.finish()


def stored(db: Session, shop: ShopWithKeys) -> list[Any]:
    return db.execute(select(Order.external_id, Order.status, Order.total).where(Order.shop_id == shop.shop.id)
                      .order_by(Order.external_id)).all()


def customer_totals(db: Session, shop: ShopWithKeys) -> list[Any]:
    return db.execute(select(Customer.external_id, Customer.order_count, Customer.total_spent)
                      .where(Customer.shop_id == shop.shop.id).order_by(Customer.external_id)).all()


@pytest.mark.parametrize("pipelined", [False, True])
def test_a_batch_with_one_known_order_after_new_ones_converges(db: Session, shop: ShopWithKeys,
                                                              pipelined: bool) -> None:
    customers = [{"type": "customer", "external_id": f"c-{number}"} for number in range(3)]
    first = [*customers, *(order(f"o-{number}", f"c-{number % 3}", total=1000 + 2 * number) for number in range(6))]
    assert ingest(db, shop, first, pipelined=pipelined).failed == 0
    # New orders, then the known o-4 paid again with a new total, then new ones: one batch of four.
    second = [order("o-6", "c-0", total=2000), order("o-7", "c-1", total=2002),
              order("o-4", "c-1", total=3004, status="fulfilled"), order("o-8", "c-2", total=2004),
              order("o-9", "c-0", total=2006)]
    report = ingest(db, shop, second, pipelined=pipelined)
    assert (report.failed, report.counts) == (0, {"order": 5})
    assert stored(db, shop) == [(f"o-{number}", "fulfilled" if number == 4 else "paid",
                                 {4: 3004, 6: 2000, 7: 2002, 8: 2004, 9: 2006}.get(number, 1000 + 2 * number))
                                for number in range(10)]
    assert db.scalar(select(func.count()).select_from(OrderLine).where(OrderLine.shop_id == shop.shop.id)) == 10
    spent = {f"c-{number}": 0 for number in range(3)}
    count = dict.fromkeys(spent, 0)
    for external_id, _, total in stored(db, shop):
        customer = {0: "c-0", 1: "c-1", 2: "c-2", 3: "c-0", 4: "c-1", 5: "c-2", 6: "c-0", 7: "c-1", 8: "c-2",
                    9: "c-0"}[int(external_id[2:])]
        spent[customer] += total
        count[customer] += 1
    assert customer_totals(db, shop) == [(name, count[name], spent[name]) for name in sorted(spent)]


def test_a_replayed_file_changes_nothing_and_records_no_events(db: Session, shop: ShopWithKeys) -> None:
    lines = [{"type": "customer", "external_id": "c-1"}, *(order(f"o-{number}", "c-1") for number in range(9))]
    ingest(db, shop, lines)
    before = (stored(db, shop), customer_totals(db, shop),
              db.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.shop_id == shop.shop.id)))
    report = ingest(db, shop, lines)
    assert (report.failed, report.succeeded) == (0, 10)
    after = (stored(db, shop), customer_totals(db, shop),
             db.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.shop_id == shop.shop.id)))
    assert after == before


def _customer_rows(shop_id: int, numbers: range) -> list[dict[str, Any]]:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    return [{"shop_id": shop_id, "id": 10_000 + number, "external_id": f"taken-{number}", "email": None,
             "interests": [], "attributes": {}, "is_guest": False, "created_at": now, "updated_at": now,
             "order_count": 0, "total_spent": 0, "average_order_value": 0} for number in numbers]


def test_a_raw_batch_insert_reports_a_taken_key_as_integrity_error(db: Session, shop: ShopWithKeys) -> None:
    insert_rows(db, Customer.__table__, _customer_rows(shop.shop.id, range(30)))
    with pytest.raises(IntegrityError), db.begin_nested():
        insert_rows(db, Customer.__table__, _customer_rows(shop.shop.id, range(25, 55)))


def test_customers_that_lost_a_race_are_skipped_and_the_rest_stored(db: Session, shop: ShopWithKeys) -> None:
    customer_repository.insert_new(db, _customer_rows(shop.shop.id, range(30)))
    assert customer_repository.insert_new(db, _customer_rows(shop.shop.id, range(25, 55))) is False
    assert db.scalar(select(func.count()).select_from(Customer).where(Customer.shop_id == shop.shop.id)) == 55


def aggregates(db: Session, shop: ShopWithKeys) -> list[Any]:
    db.expire_all()
    return db.execute(select(Customer.external_id, Customer.email, Customer.order_count, Customer.total_spent,
                             Customer.average_order_value, Customer.first_order_at, Customer.last_order_at)
                      .where(Customer.shop_id == shop.shop.id).order_by(Customer.id)).all()


@pytest.mark.parametrize("pipelined", [False, True])
def test_customers_created_with_their_orders_start_with_the_right_aggregates(
        db: Session, shop: ShopWithKeys, pipelined: bool) -> None:
    """Customer lines followed by their orders in the same batches: new customers are inserted
    with their orders already counted. Cancelled orders, orders naming their customer with more
    than the external id, guests by e-mail, an order sent twice in one batch, a refund and, in a second
    file, new customers whose orders include one that exists: every customer's aggregates equal
    a recount from their orders."""
    from lojal.customers.repository import refresh_aggregates
    from lojal.kit.clock import utcnow

    def placed(day: int) -> str:
        return f"2026-04-{day:02d}T09:30:00+02:00"

    first: list[Any] = []
    for number in range(12):
        first.append({"type": "customer", "external_id": f"c-{number}", "email": f"k{number}@example.no"})
        first.append(order(f"o-{number}-a", f"c-{number}", total=1000 + 2 * number, placed_at=placed(1 + number)))
        first.append(order(f"o-{number}-b", f"c-{number}", total=3000, placed_at=placed(20 - number),
                           status="cancelled" if number % 4 == 0 else "paid"))
        if number % 3 == 0:
            first.append(order(f"o-{number}-c", f"c-{number}", total=500, placed_at=placed(25))
                         | {"customer": {"external_id": f"c-{number}", "first_name": "Kari"}})
        if number % 5 == 0:
            first.append(order(f"g-{number}", f"c-{number}", total=200, placed_at=placed(3))
                         | {"customer": None, "email": f"gjest{number}@example.no"})
    first.insert(9, order("o-1-a", "c-1", total=1002, placed_at=placed(2), status="fulfilled"))  # twice in a batch
    first.insert(2, {"type": "refund", "external_id": "r-1", "order_external_id": "o-0-a",  # in o-0-a's batch
                     "refunded_at": placed(2), "lines": [{"line_external_id": "1", "quantity": 1, "amount": 500}]})
    assert ingest(db, shop, first, pipelined=pipelined).failed == 0
    second = [{"type": "customer", "external_id": "c-new", "email": "ny@example.no"},
              order("o-new", "c-new", total=4000, placed_at=placed(26)),
              order("o-2-a", "c-new", total=1004, placed_at=placed(3)),  # exists: moves to c-new
              {"type": "customer", "external_id": "c-newer"}, order("o-newer", "c-newer", total=800)]
    assert ingest(db, shop, second, pipelined=pipelined).failed == 0
    added = aggregates(db, shop)
    assert len(added) == 12 + 3 + 2
    assert {row.external_id: row.order_count for row in added}["c-new"] == 2
    refresh_aggregates(db, shop.shop.id, list(db.scalars(select(Customer.id).where(Customer.shop_id == shop.shop.id))),
                       utcnow())
    assert aggregates(db, shop) == added


def test_new_customers_with_new_orders_send_no_aggregate_update(db: Session, shop: ShopWithKeys,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from lojal.orders import service

    added: list[dict[int, Any]] = []
    original = service.customer_repository.add_new_orders

    def add_new_orders(session: Session, shop_id: int, totals: dict[int, Any], now: datetime) -> None:
        added.append(dict(totals))
        original(session, shop_id, totals, now)

    monkeypatch.setattr(service.customer_repository, "add_new_orders", add_new_orders)
    lines = [item for number in range(3) for item in (
        {"type": "customer", "external_id": f"c-{number}"}, order(f"o-{number}", f"c-{number}"))]
    ingest(db, shop, lines)  # customer, order, customer, order in the first batch of four
    assert [row.order_count for row in aggregates(db, shop)] == [1, 1, 1]
    assert [len(totals) for totals in added] == [0, 0]  # c-2's order came in the second batch


@pytest.mark.parametrize("count", [1, 2, 3, 511, 512, 513, 1000, 1537, 4097])
def test_sqlite_many_rows_per_statement_store_every_row_once_in_order(count: int) -> None:
    import sqlite3

    from lojal.db.upsert import sqlite_insert_many

    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    rows = [(number, f"r{number}") for number in range(count)]
    sqlite_insert_many(connection, "INSERT INTO t (a, b)", 2, rows)
    assert connection.execute("SELECT a, b FROM t ORDER BY rowid").fetchall() == rows


def test_customer_lines_record_their_created_events_with_the_orders_in_one_dispatch_job(
        db: Session, shop: ShopWithKeys) -> None:
    from lojal.events.domain import DISPATCH_TASK, ids_of
    from lojal.models import Job

    lines = [{"type": "customer", "external_id": "c-1"}, order("o-1", "c-1"),
             {"type": "customer", "external_id": "c-2"}, {"type": "customer", "external_id": "c-3"},  # batch 1
             {"type": "customer", "external_id": "c-4"}, {"type": "customer", "external_id": "c-1"}]  # batch 2
    assert ingest(db, shop, lines).failed == 0
    stored = db.execute(select(DomainEvent.id, DomainEvent.type, DomainEvent.subject_id)
                        .where(DomainEvent.shop_id == shop.shop.id).order_by(DomainEvent.id)).all()
    customer_ids = dict(db.execute(select(Customer.external_id, Customer.id).where(Customer.shop_id == shop.shop.id)).all())
    order_id = db.scalar(select(Order.id).where(Order.shop_id == shop.shop.id))
    assert [(row.type, row.subject_id) for row in stored] == [
        ("customer.created", customer_ids["c-1"]), ("customer.created", customer_ids["c-2"]),
        ("customer.created", customer_ids["c-3"]), ("order.placed", order_id), ("order.paid", order_id),
        ("customer.created", customer_ids["c-4"])]
    jobs = db.scalars(select(Job).where(Job.shop_id == shop.shop.id, Job.task == DISPATCH_TASK).order_by(Job.id)).all()
    assert [ids_of(job.payload) for job in jobs] == [[row.id for row in stored[:5]], [stored[5].id]]
