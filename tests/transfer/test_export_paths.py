"""The two export paths give the same bytes: the generic path (driver rows formatted in Python)
and, on PostgreSQL, ``COPY ... TO STDOUT`` with the formatting done in SQL. Awkward values on
purpose: quotes, separators, line breaks and carriage returns in names, empty strings beside
missing values, microseconds, negative amounts, lists with commas, a birth date, all three
states of a consent."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import orjson
import pytest
from sqlalchemy.orm import Session

from lojal.models import Customer, Order, OrderLine
from lojal.transfer import export as exports
from tests.fixtures.api import ShopWithKeys

WHEN = datetime(2026, 3, 14, 17, 22, 5, tzinfo=UTC)
PRECISE = datetime(2026, 3, 14, 17, 22, 5, 120000, tzinfo=UTC)


def _awkward_shop(db: Session, shop: ShopWithKeys) -> None:
    shop_id = shop.shop.id
    first = Customer(shop_id=shop_id, external_id="c-1", email="kari@example.no", phone="+4791234567",
                     first_name='Kari "Kaffe"', last_name="Nordmann, jr.", locale="nb-NO", birth_date=date(1990, 5, 17),
                     country="NO", company_name="Line\nbreak AS", customer_group="frisør",
                     interests=["tennis, indoor", "løping"], email_consent=True, email_consent_at=PRECISE,
                     email_consent_source="checkout", sms_consent=False, sms_consent_at=WHEN, is_guest=False,
                     created_at=WHEN, updated_at=PRECISE, order_count=2, first_order_at=WHEN, last_order_at=PRECISE,
                     total_spent=-1205, average_order_value=5)
    second = Customer(shop_id=shop_id, external_id=None, email="", first_name="Carriage\rreturn", last_name=None,
                      interests=[], email_consent=None, is_guest=True, created_at=WHEN, updated_at=WHEN, order_count=0,
                      total_spent=0, average_order_value=0)
    db.add_all([first, second])
    db.flush()
    order = Order(shop_id=shop_id, external_id="o-1", order_number="#1001", customer_id=first.id, email="kari@example.no",
                  placed_at=PRECISE, currency="NOK", subtotal=100000, discount_total=5, shipping_total=4900,
                  tax_total=0, taxes_included=True, total=104895, refunded_total=104900, discount_codes=["SOMMER, 10"],
                  status="paid", paid_at=WHEN, source="csv", created_at=WHEN, updated_at=WHEN)
    db.add(order)
    db.flush()
    db.add(OrderLine(shop_id=shop_id, order_id=order.id, external_id="1", position=1, sku='SKU "1"',
                     name="Kaffe;filter\r\nstr. 4", quantity=3, unit_price=3990, discount=0, total=11970,
                     refunded_quantity=0, refunded_amount=0))
    db.commit()


def _export(db: Session, shop: ShopWithKeys, kind: str, *, use_copy: bool) -> bytes:
    buffer = io.BytesIO()
    exports.export(db, shop.shop, kind, "csv", buffer, use_copy=use_copy)
    return buffer.getvalue()


def test_generic_csv_formats_awkward_values_exactly(db: Session, shop: ShopWithKeys) -> None:
    _awkward_shop(db, shop)
    text = _export(db, shop, "customers", use_copy=False).decode()
    lines = text.split("\n")
    assert lines[0].startswith("id,external_id,email,phone,") and lines[0].endswith(",currency")
    first = text.split("\n", 1)[1]
    assert first.split(",", 1)[1].startswith(
        'c-1,kari@example.no,+4791234567,"Kari ""Kaffe""","Nordmann, jr.",nb-NO,1990-05-17,NO,"Line\nbreak AS",frisør,'
        '"tennis, indoor, løping",true,2026-03-14T17:22:05.120000Z,checkout,false,2026-03-14T17:22:05Z,,false,'
        '2026-03-14T17:22:05Z,2026-03-14T17:22:05.120000Z,2,2026-03-14T17:22:05Z,2026-03-14T17:22:05.120000Z,'
        '-1205,-12.05,5,0.05,NOK\n')
    assert ',,,"Carriage\rreturn",,,,,,,,,,,,,,true,' in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 3 and rows[2][4] == "Carriage\rreturn"
    lines_text = _export(db, shop, "order-lines", use_copy=False).decode()
    assert ',1,,,"SKU ""1""","Kaffe;filter\r\nstr. 4",3,3990,39.90,0,0.00,11970,119.70,0,0,0.00,NOK\n' in lines_text
    orders_text = _export(db, shop, "orders", use_copy=False).decode()
    assert ',true,104895,1048.95,104900,1049.00,-5,-0.05,"SOMMER, 10",2026-03-14T17:22:05Z,,,csv,' in orders_text


def test_ndjson_keeps_types(db: Session, shop: ShopWithKeys) -> None:
    _awkward_shop(db, shop)
    buffer = io.BytesIO()
    assert exports.export(db, shop.shop, "customers", "ndjson", buffer) == 2
    first, second = (orjson.loads(line) for line in buffer.getvalue().splitlines())
    assert (first["interests"], first["email_consent"], first["sms_consent"], first["birth_date"],
            first["email_consent_at"], first["total_spent"], first["total_spent_minor"]) == (
        ["tennis, indoor", "løping"], True, False, "1990-05-17", "2026-03-14T17:22:05.120000Z", "-12.05", -1205)
    assert (second["email"], second["email_consent"], second["last_name"], second["interests"]) == ("", None, None, [])


@pytest.mark.parametrize("kind", ["customers", "orders", "order-lines"])
def test_copy_gives_the_same_bytes_as_the_generic_path(db: Session, shop: ShopWithKeys, other_shop: ShopWithKeys,
                                                       kind: str) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    _awkward_shop(db, shop)
    _awkward_shop(db, other_shop)
    generic = _export(db, shop, kind, use_copy=False)
    copied = _export(db, shop, kind, use_copy=True)
    assert copied == generic
    assert copied.count(b"kari@example.no") == (1 if kind != "order-lines" else 0)


def test_copy_counts_rows_for_the_progress_bar(db: Session, shop: ShopWithKeys) -> None:
    _awkward_shop(db, shop)
    seen: list[int] = []
    assert exports.export(db, shop.shop, "customers", "csv", io.BytesIO(), on_rows=seen.append) == 2
    assert seen[-1] == 2


def test_a_copy_given_up_early_leaves_a_connection_that_still_works(db: Session, shop: ShopWithKeys) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    _awkward_shop(db, shop)
    blocks = exports.csv_chunks(db, shop.shop, "customers")
    assert next(blocks).startswith(b"id,external_id,")
    blocks.close()
    db.rollback()
    assert _export(db, shop, "customers", use_copy=True) == _export(db, shop, "customers", use_copy=False)
