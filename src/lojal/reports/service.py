"""The dashboard's numbers: customers, orders, revenue net of refunds, repeat customers, AOV,
and orders per week over the last 52 weeks in the shop's time zone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lojal.kit.clock import utcnow
from lojal.models import Shop
from lojal.reports import repository

WEEKS = 52


@dataclass(frozen=True)
class Headline:
    customers: int
    buyers: int
    repeat_buyers: int
    orders: int
    revenue: int
    currency: str

    @property
    def repeat_share(self) -> float:
        """Share of customers with an order who have two or more."""
        return self.repeat_buyers / self.buyers if self.buyers else 0.0

    @property
    def average_order_value(self) -> int:
        return self.revenue // self.orders if self.orders else 0


def headline(session: Session, shop: Shop) -> Headline:
    counts = repository.customer_counts(session, shop.id)
    totals = repository.order_totals(session, shop.id)
    return Headline(counts["customers"], counts["buyers"], counts["repeat_buyers"], totals["orders"],
                    totals["revenue"], shop.currency)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def orders_per_week(session: Session, shop: Shop, now: datetime | None = None) -> list[tuple[date, int]]:
    """Every one of the last 52 ISO weeks (Monday dates in the shop's zone), zeros included."""
    zone = ZoneInfo(shop.timezone)
    today = (now or utcnow()).astimezone(zone).date()
    first = week_start(today) - timedelta(weeks=WEEKS - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    rows = repository.orders_per_week(session, shop.id, since, shop.timezone)
    counts: Counter[date] = Counter()
    for row in rows:
        if isinstance(row, tuple):
            counts[row[0]] += row[1]
        else:
            counts[week_start(row.astimezone(zone).date())] += 1
    return [(first + timedelta(weeks=index), counts.get(first + timedelta(weeks=index), 0)) for index in range(WEEKS)]
