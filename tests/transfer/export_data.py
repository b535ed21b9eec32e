"""Awkward shop data for the byte-for-byte export tests (tests/transfer/test_export_csv_bytes.py):
every value a CSV writer can get wrong, stored the way the application stores it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy.orm import Session

from lojal.models import Customer, CustomerEvent, Order, OrderLine, Shop
from lojal.privacy import service as privacy

WHEN = datetime(2026, 3, 14, 17, 22, 5, tzinfo=UTC)
PRECISE = datetime(2026, 3, 14, 17, 22, 5, 120000, tzinfo=UTC)
ONE_MICROSECOND = datetime(2025, 12, 31, 23, 59, 59, 1, tzinfo=UTC)
LATE = datetime(2026, 1, 1, 0, 30, 0, 999999, tzinfo=timezone(timedelta(hours=1)))  # 2025-12-31T23:30:00.999999Z


def tricky_customers(db: Session, shop: Shop) -> list[Customer]:
    """Seven customers, the fifth erased through the privacy service (its e-mail and names
    cleared, its external id replaced by a pseudonym)."""
    shop_id = shop.id
    customers = [
        Customer(shop_id=shop_id, external_id="c-1", email="kari@example.no", phone="+4791234567",
                 first_name='Kari "Kaffe"', last_name="Nordmann, jr.", locale="nb-NO", birth_date=date(1990, 5, 17),
                 country="NO", company_name="Line\nbreak AS", customer_group="frisør",
                 interests=["tennis, indoor", "løping"], email_consent=True, email_consent_at=PRECISE,
                 email_consent_source="checkout", sms_consent=False, sms_consent_at=WHEN, is_guest=False,
                 created_at=WHEN, updated_at=PRECISE, order_count=2, first_order_at=WHEN, last_order_at=PRECISE,
                 total_spent=-1205, average_order_value=5),
        Customer(shop_id=shop_id, external_id=None, email="", first_name="Carriage\rreturn", last_name=None,
                 interests=[], email_consent=None, is_guest=True, created_at=WHEN, updated_at=WHEN, order_count=0,
                 total_spent=0, average_order_value=0),
        Customer(shop_id=shop_id, external_id="c,3", email="åse.ødegård@example.no", phone=None, first_name="Åse",
                 last_name="Ødegård", locale="nb", country="NO", company_name='"Quoted" Ltd', customer_group="B2B",
                 interests=["一", 'say "hi"', "crlf\r\nend", "emoji 🎉"], email_consent=False,
                 email_consent_at=ONE_MICROSECOND, email_consent_source="csv, import", sms_consent=True,
                 sms_consent_at=LATE, sms_consent_source="sms\nkeyword", is_guest=False, created_at=LATE,
                 updated_at=ONE_MICROSECOND, order_count=1, first_order_at=LATE, last_order_at=LATE,
                 total_spent=-100, average_order_value=-99),
        Customer(shop_id=shop_id, external_id=" spaces ", email="tab\there@example.no", first_name=" leading",
                 last_name="trailing ", locale="", country="SE", company_name="semi;colon", customer_group="",
                 interests=["only"], email_consent=True, email_consent_at=WHEN, sms_consent=None, is_guest=False,
                 created_at=PRECISE, updated_at=PRECISE, order_count=12, first_order_at=None, last_order_at=None,
                 total_spent=123456789012, average_order_value=10288065751),
        Customer(shop_id=shop_id, external_id="c-5", email="erase.me@example.no", phone="+4799999999", first_name="Erik",
                 last_name="Slett", birth_date=date(1985, 1, 2), company_name="Gone AS", interests=["fiske"],
                 email_consent=True, email_consent_at=WHEN, email_consent_source="api", sms_consent=True,
                 sms_consent_source="api", is_guest=False, created_at=WHEN, updated_at=WHEN, order_count=3,
                 first_order_at=WHEN, last_order_at=PRECISE, total_spent=29970, average_order_value=9990),
        Customer(shop_id=shop_id, external_id="c-6", email="one.comma@example.no", first_name="Single",
                 interests=["a,b"], is_guest=False, created_at=WHEN, updated_at=WHEN, order_count=0, total_spent=1,
                 average_order_value=-1),
        Customer(shop_id=shop_id, external_id="c-7", email="quote.only@example.no", first_name="Quote",
                 interests=['"'], is_guest=False, created_at=WHEN, updated_at=WHEN, order_count=0, total_spent=10,
                 average_order_value=100),
    ]
    db.add_all(customers)
    db.flush()
    privacy.erase_customer(db, shop, customers[4], actor="test", source="test", now=PRECISE)
    db.flush()
    return customers


def tricky_orders(db: Session, shop: Shop, customers: list[Customer]) -> list[Order]:
    shop_id = shop.id
    orders = [
        Order(shop_id=shop_id, external_id="o-1", order_number="#1001", customer_id=customers[0].id,
              email="kari@example.no", placed_at=PRECISE, currency=shop.currency, subtotal=100000, discount_total=5,
              shipping_total=4900, tax_total=0, taxes_included=True, total=104895, refunded_total=104900,
              discount_codes=["SOMMER, 10"], status="paid", paid_at=WHEN, source="csv", created_at=WHEN,
              updated_at=WHEN),
        Order(shop_id=shop_id, external_id='o,"2"', order_number=None, customer_id=customers[2].id, email=None,
              placed_at=LATE, currency=shop.currency, subtotal=0, discount_total=0, shipping_total=0, tax_total=-1,
              taxes_included=False, total=0, refunded_total=0, discount_codes=[], status="cancelled", paid_at=None,
              fulfilled_at=ONE_MICROSECOND, cancelled_at=LATE, source="api", created_at=LATE, updated_at=PRECISE),
        Order(shop_id=shop_id, external_id="o-3", order_number="#1003", customer_id=customers[4].id, email=None,
              placed_at=WHEN, currency=shop.currency, subtotal=9990, discount_total=0, shipping_total=0,
              tax_total=1998, taxes_included=True, total=9990, refunded_total=0, discount_codes=["A", "B", "Ø"],
              status="fulfilled", paid_at=WHEN, source="shopify", created_at=WHEN, updated_at=WHEN),
    ]
    db.add_all(orders)
    db.flush()
    db.add_all([
        OrderLine(shop_id=shop_id, order_id=orders[0].id, external_id="1", position=1, sku='SKU "1"',
                  name="Kaffe;filter\r\nstr. 4", quantity=3, unit_price=3990, discount=0, total=11970,
                  refunded_quantity=0, refunded_amount=0),
        OrderLine(shop_id=shop_id, order_id=orders[0].id, external_id="2", position=2, product_external_id="p,1",
                  variant_external_id="v-1", sku=None, name=None, quantity=1, unit_price=-5, discount=5, total=-10,
                  refunded_quantity=1, refunded_amount=1),
        OrderLine(shop_id=shop_id, order_id=orders[2].id, external_id="3", position=1, sku="FISK", name="Stang ✓",
                  quantity=1, unit_price=9990, discount=0, total=9990, refunded_quantity=0, refunded_amount=0),
    ])
    db.flush()
    return orders


def tricky_events(db: Session, shop: Shop, customers: list[Customer]) -> None:
    db.add_all([
        CustomerEvent(shop_id=shop.id, external_id="e-1", customer_id=customers[0].id, type="cart_updated",
                      name="Cart, updated", properties={"b": 2, "a": "ø", "nested": {"z": [1, 2.5, None], "y": True}},
                      cart={"items": [{"sku": 'S "1"', "quantity": 2}], "total": 7980},
                      recovery_url="https://example.no/cart?a=1,2", occurred_at=PRECISE, created_at=WHEN),
        CustomerEvent(shop_id=shop.id, external_id=None, customer_id=None, type="custom", name="line\nbreak",
                      properties={}, cart=None, recovery_url=None, occurred_at=LATE, created_at=LATE),
    ])
    db.flush()


def tricky_shop(db: Session, shop: Shop) -> None:
    customers = tricky_customers(db, shop)
    tricky_orders(db, shop, customers)
    tricky_events(db, shop, customers)
    db.commit()
