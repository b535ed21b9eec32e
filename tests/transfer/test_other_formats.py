"""WooCommerce's order export and the generic format."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.models import Customer

from tests.fixtures.api import ShopWithKeys
from tests.transfer.helpers import DATA, customers_state, lines_state, orders_state, refunds_state, run_import


def test_woocommerce_order_export(db: Session, shop: ShopWithKeys) -> None:
    report = run_import(db, shop.shop, "orders", "woocommerce_orders.csv", file_format="woocommerce")
    assert report.imported and report.bulk.failed == 0, report.bulk.errors
    assert [row[:13] for row in orders_state(db, shop.shop.id)] == [
        ("727", "727", "per.hansen@example.no", "fulfilled", "2026-02-10T13:03:00+00:00",
         40000, 4000, 5900, 10475, False, 52375, 0, ["vinter20"]),
        ("728", "728", "gjest@example.no", "paid", "2026-02-11T08:30:00+00:00",
         15000, 0, 0, 3750, False, 18750, 18750, []),
    ]
    assert lines_state(db, shop.shop.id) == [
        ("727", 1, "VH-M", "Vinterhansker", 2, 10000, 0, 20000), ("727", 2, "SK-1", "Skjerf", 1, 20000, 0, 20000),
        ("728", 1, "TM-1", "Termos", 1, 15000, 0, 15000)]
    assert refunds_state(db, shop.shop.id) == [("woocommerce-csv-refund-728", 18750, "NOK")]
    assert [(row[0], row[1], row[5], row[11], row[12], row[14]) for row in customers_state(db, shop.shop.id)] == [
        (None, "gjest@example.no", "Fjelltur AS", 1, 0, True), ("12", "per.hansen@example.no", None, 1, 52375, False)]


def test_generic_orders(db: Session, shop: ShopWithKeys) -> None:
    report = run_import(db, shop.shop, "orders", "generic_orders.csv", file_format="generic")
    assert report.imported and report.bulk.failed == 0, report.bulk.errors
    assert [row[:13] for row in orders_state(db, shop.shop.id)] == [
        ("g-1", None, "kari.nordmann@example.no", "paid", "2026-04-01T10:00:00+00:00",
         53880, 0, 4900, 0, True, 58780, 0, []),
        ("g-2", None, "bjorn@example.no", "fulfilled", "2026-04-02T06:30:00+00:00", 34900, 0, 0, 0, True, 34900, 0, []),
    ]
    assert [(row[0], row[1], row[11], row[12]) for row in customers_state(db, shop.shop.id)] == [
        ("c-2", "bjorn@example.no", 1, 34900), ("c-1", "kari.nordmann@example.no", 1, 58780)]
    again = run_import(db, shop.shop, "orders", "generic_orders.csv", file_format="generic")
    assert again.imported and [row[:13] for row in orders_state(db, shop.shop.id)][0][10] == 58780


def test_generic_customers_with_consents(db: Session, shop: ShopWithKeys) -> None:
    report = run_import(db, shop.shop, "customers", "generic_customers.csv", file_format="generic")
    assert report.imported, report.bulk.errors
    customer = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id)).one()
    assert (customer.external_id, customer.email, customer.customer_group, customer.interests,
            customer.email_consent, customer.email_consent_at.isoformat(), customer.email_consent_source) == (
        "c-9", "nina@example.no", "frisør", ["løping", "tennis"], True, "2026-01-05T09:00:00+00:00", "csv")


def test_a_row_with_a_nul_character_is_refused_with_its_line(db: Session, shop: ShopWithKeys) -> None:
    """PostgreSQL cannot store NUL: the order with a row holding one is refused whole (that row's
    line and column named), the others are imported with --skip-bad-rows, and by default the
    file imports nothing."""
    import io

    from lojal.transfer.imports import ImportOptions, import_file

    text = (DATA / "generic_orders.csv").read_text(encoding="utf-8")
    header, first, *rest = text.splitlines(keepends=True)
    bad = first.replace("kari.nordmann@example.no", "kari\x00@example.no")
    content = (header + bad + "".join(rest)).encode()
    strict = import_file(db, shop.shop, "orders", "generic", io.BytesIO(content), ImportOptions(batch_size=2))
    db.rollback()
    assert not strict.imported
    assert [(error.line, error.field, "NUL" in error.message) for error in strict.bulk.errors] == [(2, "email", True)]
    skipping = import_file(db, shop.shop, "orders", "generic", io.BytesIO(content),
                           ImportOptions(batch_size=2, skip_bad_rows=True))
    db.commit()
    assert skipping.imported and skipping.bulk.failed == 1
    assert [row[0] for row in orders_state(db, shop.shop.id)] == ["g-2"]
