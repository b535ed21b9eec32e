"""customers.repository.update_many: many customers, each with its own values, written as the
raw batch statements send them (UPDATE ... FROM VALUES on SQLite, one JSON text on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.customers.repository import update_many
from lojal.customers.schemas import CustomerRef
from lojal.customers.service import resolve
from lojal.models import Customer
from tests.fixtures.api import ShopWithKeys

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_each_customer_gets_its_own_values_of_every_kind(db: Session, shop: ShopWithKeys,
                                                        other_shop: ShopWithKeys) -> None:
    references = [CustomerRef(external_id=f"c-{number}", email=f"k{number}@example.no", first_name="Kari")
                  for number in range(600)]  # more rows than one SQLite statement holds
    ids = resolve(db, shop.shop, references, NOW).ids
    other = resolve(db, other_shop.shop, references[:1], NOW).ids[0]
    oslo = timezone(timedelta(hours=2))
    changes = {customer_id: {"first_name": f"Kari {number}", "updated_at": NOW + timedelta(seconds=number)}
               for number, customer_id in enumerate(ids)}
    changes[ids[0]] |= {"email_consent": True, "email_consent_at": datetime(2026, 4, 1, 9, 30, 15, 250, tzinfo=oslo),
                        "email_consent_source": "checkout «kasse»", "interests": ["golf", "tennis"],
                        "attributes": {"tier": "gull", "visits": 3, "nested": {"ok": True}},
                        "birth_date": date(1990, 2, 28), "phone": None}
    changes[ids[1]] |= {"email_consent": False, "sms_consent": None, "last_name": "O'Brien \"Ø\"\\"}
    changes[other] = {"first_name": "Not in this shop"}  # another shop's id: filtered by shop_id, untouched
    update_many(db, shop.shop.id, changes)
    db.commit()
    db.expire_all()
    rows = {row.id: row for row in db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id))}
    assert [rows[customer_id].first_name for customer_id in ids] == [f"Kari {number}" for number in range(600)]
    assert rows[ids[599]].updated_at == NOW + timedelta(seconds=599)
    first, second = rows[ids[0]], rows[ids[1]]
    assert (first.email_consent, first.email_consent_at, first.email_consent_source) == (
        True, datetime(2026, 4, 1, 7, 30, 15, 250, tzinfo=UTC), "checkout «kasse»")
    assert (first.interests, first.attributes, first.birth_date, first.phone) == (
        ["golf", "tennis"], {"tier": "gull", "visits": 3, "nested": {"ok": True}}, date(1990, 2, 28), None)
    assert (second.email_consent, second.sms_consent, second.last_name) == (False, None, "O'Brien \"Ø\"\\")
    assert second.interests == [] and second.email_consent_at is None
    assert db.scalar(select(Customer.first_name).where(Customer.shop_id == other_shop.shop.id)) == "Kari"
