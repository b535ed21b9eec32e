"""Orders and lines have no foreign keys in the database (migration 0007: they were checked row
by row, 30 % of PostgreSQL's work on the bulk path); the ingestion path keeps them pointing at
rows that exist. Checked here across the ways an order finds its customer and its lines change."""

from typing import Any

import orjson
import pytest
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from lojal.ingest.bulk import BulkIngestor
from lojal.models import Customer, Order, OrderLine
from tests.fixtures.api import ShopWithKeys
from tests.ingest.test_bulk_endpoint import order


def guest_order(external_id: str, email: str, total: int = 5000) -> dict[str, Any]:
    record = order(external_id, "unused", total=total)
    del record["customer"]
    return record | {"email": email}


def two_lines(record: dict[str, Any]) -> dict[str, Any]:
    total = record["total"]
    return record | {"subtotal": total * 2, "total": total * 2, "lines": [
        {"external_id": "1", "sku": "A", "quantity": 1, "unit_price": total, "total": total},
        {"external_id": "2", "sku": "B", "quantity": 1, "unit_price": total, "total": total}]}


RECORDS: list[dict[str, Any]] = [
    {"type": "customer", "external_id": "c-1", "email": "kari@example.no"},
    order("o-1", "c-1"),
    guest_order("o-2", "ola@example.no"),  # a guest, by e-mail alone
    order("o-3", "c-2") | {"customer": {"external_id": "c-2", "email": "per@example.no"}},  # made by its order
    {"type": "customer", "external_id": "c-3", "email": "ola@example.no"},  # the guest registers
    order("o-4", "c-3"),
    two_lines(order("o-1", "c-2", total=4000)),  # o-1 moves to c-2 and gains a line
    order("o-5", "c-1"),
    order("o-5", "c-1"),  # a replay in the same batch
    order("o-4", "c-3", total=3000),  # o-4 updated: its line changes
    guest_order("o-6", "ny@example.no"),
]


@pytest.mark.parametrize("pipelined", [False, True])
def test_every_order_and_line_points_at_a_stored_row(db: Session, shop: ShopWithKeys, pipelined: bool) -> None:
    for _ in range(2):  # and the whole file again: a replay changes nothing
        with BulkIngestor(db, shop.shop, batch_size=3, after_batch=db.commit, pipelined=pipelined) as ingestor:
            for number, record in enumerate(RECORDS, start=1):
                ingestor.feed_line(number, orjson.dumps(record))
            report = ingestor.finish()
        assert report.failed == 0, report.errors
        assert_references(db, shop.shop.id)


def assert_references(db: Session, shop_id: int) -> None:
    orphans = db.execute(select(Order.external_id).outerjoin(Customer, and_(
        Customer.shop_id == Order.shop_id, Customer.id == Order.customer_id))
        .where(Order.shop_id == shop_id, Customer.id.is_(None))).all()
    assert orphans == []
    lines_without_order = db.execute(select(OrderLine.id).outerjoin(Order, and_(
        Order.shop_id == OrderLine.shop_id, Order.id == OrderLine.order_id))
        .where(OrderLine.shop_id == shop_id, Order.id.is_(None))).all()
    assert lines_without_order == []
    owners = dict(db.execute(select(Order.external_id, Customer.email).join(Customer, and_(
        Customer.shop_id == Order.shop_id, Customer.id == Order.customer_id)).where(Order.shop_id == shop_id)).all())
    assert owners == {"o-1": "per@example.no", "o-2": "ola@example.no", "o-3": "per@example.no",
                      "o-4": "ola@example.no", "o-5": "kari@example.no", "o-6": "ny@example.no"}
    lines = db.execute(select(Order.external_id, OrderLine.external_id, OrderLine.total).join(Order, and_(
        Order.shop_id == OrderLine.shop_id, Order.id == OrderLine.order_id)).where(OrderLine.shop_id == shop_id)
        .order_by(Order.external_id, OrderLine.position)).all()
    assert lines == [("o-1", "1", 4000), ("o-1", "2", 4000), ("o-2", "1", 5000), ("o-3", "1", 7980),
                     ("o-4", "1", 3000), ("o-5", "1", 7980), ("o-6", "1", 5000)]
