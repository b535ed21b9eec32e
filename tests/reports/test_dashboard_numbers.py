"""The dashboard's numbers, computed by the database, on SQLite and PostgreSQL alike."""

from datetime import date, datetime, timezone

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lojal.reports import service as reports
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=timezone.utc)  # a Wednesday


def put_order(client: TestClient, shop: ShopWithKeys, external_id: str, placed_at: str, **changes: object) -> None:
    body = order_payload(placed_at=placed_at, **changes)
    assert client.put(f"/api/v1/orders/{external_id}", json=body, headers=auth(shop.ingest_key)).status_code == 201


def test_orders_per_week_count_in_the_shops_time_zone(client: TestClient, shop: ShopWithKeys, db: Session) -> None:
    put_order(client, shop, "o-1", "2026-03-15T23:30:00+00:00")  # Monday 00:30 in Oslo: this week
    put_order(client, shop, "o-2", "2026-03-15T22:30:00+00:00")  # Sunday 23:30 in Oslo: last week
    put_order(client, shop, "o-3", "2026-03-16T08:00:00+01:00")
    put_order(client, shop, "o-4", "2026-03-17T08:00:00+01:00", status="cancelled")
    put_order(client, shop, "o-5", "2025-03-01T08:00:00+01:00")  # older than 52 weeks
    weeks = reports.orders_per_week(db, shop.shop, now=NOW)
    assert len(weeks) == 52 and weeks[0][0] == date(2025, 3, 24) and weeks[-1][0] == date(2026, 3, 16)
    assert weeks[-1] == (date(2026, 3, 16), 2)
    assert weeks[-2] == (date(2026, 3, 9), 1)
    assert sum(count for _, count in weeks) == 3


def test_headline_counts_buyers_repeat_buyers_and_net_revenue(client: TestClient, shop: ShopWithKeys, other_shop: ShopWithKeys,
                                                              db: Session) -> None:
    put_order(client, shop, "o-1", "2026-03-01T10:00:00+01:00")
    put_order(client, shop, "o-2", "2026-03-02T10:00:00+01:00")
    put_order(client, shop, "o-3", "2026-03-03T10:00:00+01:00", customer={"external_id": "c-2", "email": "b@example.no"})
    put_order(client, shop, "o-4", "2026-03-04T10:00:00+01:00", customer={"external_id": "c-3", "email": "c@example.no"},
              status="cancelled")
    put_order(client, other_shop, "o-1", "2026-03-01T10:00:00+01:00")
    headline = reports.headline(db, shop.shop)
    assert (headline.customers, headline.orders, headline.repeat_buyers, headline.revenue) == (3, 3, 1, 3 * 53780)
    assert headline.buyers == 2 and headline.repeat_share == 0.5 and headline.average_order_value == 53780
