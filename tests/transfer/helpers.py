from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.models import Customer, Order, OrderLine, Refund, Shop
from lojal.transfer.imports import ImportOptions, ImportReport, import_file

DATA = Path(__file__).parent / "data"


def run_import(db: Session, shop: Shop, what: str, name: str, file_format: str = "shopify", **options: Any) -> ImportReport:
    with (DATA / name).open("rb") as source:
        report = import_file(db, shop, what, file_format, source, ImportOptions(batch_size=2, **options))
    if report.imported:
        db.commit()
    else:
        db.rollback()
    return report


def orders_state(db: Session, shop_id: int) -> list[tuple[Any, ...]]:
    orders = db.scalars(select(Order).where(Order.shop_id == shop_id).order_by(Order.external_id)).all()
    return [(o.external_id, o.order_number, o.email, o.status, o.placed_at.isoformat(), o.subtotal, o.discount_total,
             o.shipping_total, o.tax_total, o.taxes_included, o.total, o.refunded_total, o.discount_codes,
             o.paid_at and o.paid_at.isoformat(), o.cancelled_at and o.cancelled_at.isoformat(), o.updated_at)
            for o in orders]


def lines_state(db: Session, shop_id: int) -> list[tuple[Any, ...]]:
    rows = db.execute(select(Order.external_id, OrderLine.position, OrderLine.sku, OrderLine.name, OrderLine.quantity,
                             OrderLine.unit_price, OrderLine.discount, OrderLine.total)
                      .join(Order, (Order.shop_id == OrderLine.shop_id) & (Order.id == OrderLine.order_id))
                      .where(OrderLine.shop_id == shop_id).order_by(Order.external_id, OrderLine.position)).all()
    return [tuple(row) for row in rows]


def customers_state(db: Session, shop_id: int) -> list[tuple[Any, ...]]:
    customers = db.scalars(select(Customer).where(Customer.shop_id == shop_id).order_by(Customer.email)).all()
    return [(c.external_id, c.email, c.first_name, c.last_name, c.phone, c.company_name, c.country, c.interests,
             c.email_consent, c.email_consent_source, c.sms_consent, c.order_count, c.total_spent,
             c.average_order_value, c.is_guest) for c in customers]


def refunds_state(db: Session, shop_id: int) -> list[tuple[Any, ...]]:
    return [(r.external_id, r.amount, r.currency) for r in
            db.scalars(select(Refund).where(Refund.shop_id == shop_id).order_by(Refund.external_id))]
