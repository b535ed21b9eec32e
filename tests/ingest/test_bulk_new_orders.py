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
