"""The time of a marketing consent says since when it stands: an order restating the consent as
it stands leaves the time (and writes nothing), an earlier restatement moves it back, a change of
the consent or of its source dates it anew."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.customers.schemas import CustomerRef
from lojal.customers.service import resolve
from lojal.models import Customer
from tests.fixtures.api import ShopWithKeys

T1 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _restate(db: Session, shop: ShopWithKeys, granted: bool, at: datetime, source: str, now: datetime) -> tuple[Any, ...]:
    resolve(db, shop.shop, [CustomerRef(external_id="c-1", email="kari@example.no",
                                        email_consent={"granted": granted, "at": at, "source": source})], now)
    db.commit()
    db.expire_all()
    row = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id)).one()
    return row.email_consent, row.email_consent_at, row.email_consent_source, row.updated_at


def test_a_restated_consent_keeps_the_time_it_stands_since(db: Session, shop: ShopWithKeys) -> None:
    now = T1 + timedelta(days=30)
    assert _restate(db, shop, True, T1, "shopify", now) == (True, T1, "shopify", now)
    later = now + timedelta(days=1)
    assert _restate(db, shop, True, T1 + timedelta(days=10), "shopify", later) == (True, T1, "shopify", now)
    earlier = T1 - timedelta(days=20)
    assert _restate(db, shop, True, earlier, "shopify", later) == (True, earlier, "shopify", later)
    withdrawn = T1 + timedelta(days=40)
    assert _restate(db, shop, False, withdrawn, "shopify", later + timedelta(hours=1)) == (
        False, withdrawn, "shopify", later + timedelta(hours=1))
    granted_again = withdrawn + timedelta(days=1)
    assert _restate(db, shop, True, granted_again, "shopify", later + timedelta(hours=2)) == (
        True, granted_again, "shopify", later + timedelta(hours=2))
    elsewhere = granted_again + timedelta(days=1)
    assert _restate(db, shop, True, elsewhere, "checkout", later + timedelta(hours=3)) == (
        True, elsewhere, "checkout", later + timedelta(hours=3))
