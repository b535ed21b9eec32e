"""Shopify's orders and customers exports into the hub: exact amounts in øre, the same file from
Norwegian Excel, bad rows, and importing twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, DomainEvent, Order
from tests.fixtures.api import ShopWithKeys
from tests.transfer.helpers import DATA, customers_state, lines_state, orders_state, refunds_state, run_import

EXPECTED_ORDERS = [
    # external_id, name, email, status, placed_at (UTC), subtotal, discount, shipping, tax, incl., total, refunded
    ("5001000001", "#1001", "kari.nordmann@example.no", "fulfilled", "2026-01-15T09:12:45+00:00",
     48880, 0, 4900, 10756, True, 53780, 0, ["var10"]),
    ("5001000002", "#1002", "ola.normann@example.no", "fulfilled", "2026-02-03T17:40:00+00:00",
     129900, 0, 0, 25980, True, 129900, 29900, []),
    ("5001000003", "#1003", "kari.nordmann@example.no", "paid", "2026-03-01T19:04:30+00:00",
     113770, 0, 7900, 24334, True, 121670, 0, []),
    ("5001000004", "#1004", "ase.odegard@example.no", "cancelled", "2026-03-10T07:00:00+00:00",
     24900, 0, 0, 4980, True, 24900, 0, []),
]
EXPECTED_LINES = [
    ("5001000001", 1, "KF-4-100", "Kaffefilter str. 4", 2, 3990, 0, 7980),
    ("5001000001", 2, "TR-PRO", "Tennisracket Pro", 1, 45900, 5000, 40900),
    ("5001000002", 1, "LS-42", "Løpesko «Ærlig Østavind»", 1, 129900, 0, 129900),
    ("5001000003", 1, "US-3", "Ullsokker, 3-pk", 3, 12990, 0, 38970),
    ("5001000003", 2, "HL-1", "Hodelykt", 1, 34900, 0, 34900),
    ("5001000003", 3, "DF-075", "Drikkeflaske 0,75 l", 2, 19950, 0, 39900),
    ("5001000004", 1, "SL-1", "Strikkelue", 1, 24900, 0, 24900),
]
EXPECTED_CUSTOMERS = [
    (None, "ase.odegard@example.no", "Åse", "Ødegård", None, None, "NO", [], False, "shopify-csv", None, 0, 0, 0, True),
    (None, "kari.nordmann@example.no", "Kari", "Nordmann", "+4791234567", None, "NO", [], True, "shopify-csv", None,
     2, 175450, 87725, True),
    (None, "ola.normann@example.no", "Ola", "Normann", None, None, "NO", [], False, "shopify-csv", None,
     1, 100000, 100000, True),
]


def _without_times(state: list[tuple]) -> list[tuple]:
    return [row[:12] + (row[12],) for row in state]


@pytest.mark.parametrize("name", ["shopify_orders.csv", "shopify_orders_bom.csv", "shopify_orders_excel_nb.csv"])
def test_shopify_orders_export_lands_exactly(db: Session, shop: ShopWithKeys, name: str) -> None:
    report = run_import(db, shop.shop, "orders", name)
    assert report.imported and report.bulk.failed == 0, report.bulk.errors
    assert report.rows == 7
    assert report.bulk.counts == {"order": 4, "refund": 1}
    if name.endswith("excel_nb.csv"):
        assert (report.dialect.encoding, report.dialect.delimiter, report.dialect.decimal_comma) == ("cp1252", ";", True)
    else:
        assert (report.dialect.encoding, report.dialect.delimiter, report.dialect.decimal_comma) == ("utf-8-sig", ",", False)
    orders = orders_state(db, shop.shop.id)
    assert [row[:13] for row in orders] == EXPECTED_ORDERS
    assert orders[0][13] == "2026-01-15T09:13:02+00:00"  # Paid at
    assert orders[3][14] == "2026-03-10T08:30:00+00:00"  # Cancelled at
    assert lines_state(db, shop.shop.id) == EXPECTED_LINES
    assert refunds_state(db, shop.shop.id) == [("shopify-csv-refund-5001000002", 29900, "NOK")]
    assert customers_state(db, shop.shop.id) == EXPECTED_CUSTOMERS


def test_importing_twice_changes_nothing(db: Session, shop: ShopWithKeys) -> None:
    run_import(db, shop.shop, "orders", "shopify_orders.csv")
    before = (orders_state(db, shop.shop.id), lines_state(db, shop.shop.id), refunds_state(db, shop.shop.id),
              customers_state(db, shop.shop.id))
    events = db.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.shop_id == shop.shop.id))
    again = run_import(db, shop.shop, "orders", "shopify_orders_excel_nb.csv")
    assert again.imported and again.bulk.failed == 0
    after = (orders_state(db, shop.shop.id), lines_state(db, shop.shop.id), refunds_state(db, shop.shop.id),
             customers_state(db, shop.shop.id))
    assert after == before  # orders' updated_at included: no order was touched
    assert db.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.shop_id == shop.shop.id)) == events


def test_a_bad_row_refuses_the_whole_file(db: Session, shop: ShopWithKeys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (DATA / "shopify_orders.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text[4] = text[4].replace(',3,"Ullsokker', ',tre,"Ullsokker')  # line 5: #1003's first line item
    text[7] = text[7].replace("249.00", "249.0O", 1)  # line 8: #1004's Subtotal
    broken = tmp_path / "orders.csv"
    broken.write_text("".join(text), encoding="utf-8")
    report = _import_path(db, shop, broken)
    assert not report.imported
    assert [(error.line, error.external_id, error.field, error.message) for error in report.bulk.errors] == [
        (5, "#1003", "Lineitem quantity", "not a quantity: 'tre'"),
        (8, "#1004", "Subtotal", "not an amount: '249.0O'"),
    ]
    assert "nothing was imported" in report.message
    assert db.scalar(select(func.count()).select_from(Order).where(Order.shop_id == shop.shop.id)) == 0
    assert db.scalar(select(func.count()).select_from(Customer).where(Customer.shop_id == shop.shop.id)) == 0
    skipped = _import_path(db, shop, broken, skip_bad_rows=True)
    assert skipped.imported and skipped.bulk.failed == 2
    assert [row[0] for row in orders_state(db, shop.shop.id)] == ["5001000001", "5001000002"]


def _import_path(db: Session, shop: ShopWithKeys, path, **options):  # type: ignore[no-untyped-def]
    from lojal.transfer.imports import ImportOptions, import_file

    with path.open("rb") as source:
        report = import_file(db, shop.shop, "orders", "shopify", source, ImportOptions(batch_size=2, **options),
                             after_batch=db.commit)
    db.commit() if report.imported else db.rollback()
    return report


def test_rows_of_an_order_must_be_together(db: Session, shop: ShopWithKeys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = (DATA / "shopify_orders.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    moved = tmp_path / "orders.csv"
    moved.write_text("".join(lines[:2] + lines[3:5] + lines[2:3]), encoding="utf-8")
    report = _import_path(db, shop, moved)
    assert not report.imported
    assert report.bulk.errors[0].line == 5 and "keep each order's rows together" in report.bulk.errors[0].message


def test_shopify_customers_then_orders_link_by_email(db: Session, shop: ShopWithKeys) -> None:
    customers = run_import(db, shop.shop, "customers", "shopify_customers.csv")
    assert customers.imported and customers.bulk.counts == {"customer": 3}
    run_import(db, shop.shop, "orders", "shopify_orders.csv")
    state = customers_state(db, shop.shop.id)
    assert state == [
        ("7003", "ase.odegard@example.no", "Åse", "Ødegård", "+4748001122", None, "NO", ["løping"], False,
         "shopify-csv", True, 0, 0, 0, False),
        ("7001", "kari.nordmann@example.no", "Kari", "Nordmann", "+4791234567", None, "NO", ["tennis", "vip"], True,
         "shopify-csv", False, 2, 175450, 87725, False),
        ("7002", "ola.normann@example.no", "Ola", "Normann", None, "Klipp og Krøll AS", "NO", [], False,
         "shopify-csv", False, 1, 100000, 100000, False),
    ]
    stamps = db.execute(select(Customer.external_id, Customer.updated_at, Customer.email_consent_at)
                        .where(Customer.shop_id == shop.shop.id).order_by(Customer.id)).all()
    again = run_import(db, shop.shop, "customers", "shopify_customers.csv")
    assert again.imported and again.unchanged == 3 and again.bulk.counts == {}
    assert db.execute(select(Customer.external_id, Customer.updated_at, Customer.email_consent_at)
                      .where(Customer.shop_id == shop.shop.id).order_by(Customer.id)).all() == stamps


def test_orders_then_customers_turn_guests_into_customers(db: Session, shop: ShopWithKeys) -> None:
    run_import(db, shop.shop, "orders", "shopify_orders.csv")
    run_import(db, shop.shop, "customers", "shopify_customers.csv")
    state = customers_state(db, shop.shop.id)
    assert [(row[0], row[1], row[11], row[12], row[14]) for row in state] == [
        ("7003", "ase.odegard@example.no", 0, 0, False), ("7001", "kari.nordmann@example.no", 2, 175450, False),
        ("7002", "ola.normann@example.no", 1, 100000, False)]


def test_unknown_format_and_wrong_file_are_clear(db: Session, shop: ShopWithKeys) -> None:
    from lojal.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="unknown customers format 'woocommerce'"):
        run_import(db, shop.shop, "customers", "shopify_customers.csv", file_format="woocommerce")
    with pytest.raises(ValidationFailed, match="lacks the column"):
        run_import(db, shop.shop, "orders", "shopify_customers.csv")
