"""Periods for the analytics: half-open [start, end) spans of wall-clock time, calendar month and
week numbering for cohorts and time series, and marketing spend spread over a period.

Every instant here is a naive ``datetime`` read as wall-clock time in the time zone of the
transactions (see ``lojal.analytics.order_frame``); a time-zone-aware bound is converted to that
zone first. A ``date`` bound means midnight at the start of that day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

Every = Literal["month", "week"]
EVERY_CHOICES: tuple[str, ...] = ("month", "week")
Moment = date | datetime | str

# 1970-01-05 was a Monday: weeks are numbered from it, Monday to Sunday.
_FIRST_MONDAY_AFTER_EPOCH = 4


@dataclass(frozen=True)
class Period:
    """A half-open span of time: from ``start`` (included) to ``end`` (excluded)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a period must end after it starts ({self.start} to {self.end})")

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def to_instant(moment: Moment, time_zone: str | None = None) -> datetime:
    """A naive wall-clock datetime in ``time_zone`` (UTC when the data has none) for a date, a
    datetime or an ISO 8601 string."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo(time_zone or "UTC")).replace(tzinfo=None)
    return moment


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (earlier when negative); the day is
    clamped to the end of a shorter month."""
    month_number = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(month_number, 12)
    day = min(moment.day, _days_in_month(year, month + 1))
    return moment.replace(year=year, month=month + 1, day=day)


def month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1)


def is_month_start(moment: datetime) -> bool:
    return moment == month_start(moment)


def previous_period(period: Period) -> Period:
    """The period just before ``period``: as many calendar months when ``period`` runs from the
    start of a month to the start of a month (so the previous period of March is February), and
    otherwise a span of the same length ending where ``period`` starts."""
    if is_month_start(period.start) and is_month_start(period.end):
        months = _month_number(period.end) - _month_number(period.start)
        return Period(add_months(period.start, -months), period.start)
    return Period(period.start - period.length, period.start)


def default_period(first_order: datetime, last_order: datetime) -> Period:
    """The last calendar month the data covers in full: the month that ends at or before midnight
    after the last order and starts at or after the first order. When the data covers no full
    month, the whole span of the data, from the first order's day to the day after the last."""
    day_after_last = datetime(last_order.year, last_order.month, last_order.day) + timedelta(days=1)
    end = month_start(day_after_last)
    start = add_months(end, -1)
    if start >= first_order.replace(hour=0, minute=0, second=0, microsecond=0):
        return Period(start, end)
    return Period(datetime(first_order.year, first_order.month, first_order.day), day_after_last)


def period_index(column: pl.Expr, every: Every) -> pl.Expr:
    """The number of the calendar month (year * 12 + month - 1) or Monday-to-Sunday week (weeks
    since 1970-01-05) that a Datetime or Date column falls in."""
    if every == "month":
        return column.dt.year().cast(pl.Int64) * 12 + column.dt.month().cast(pl.Int64) - 1
    _check_every(every)
    return (column.dt.epoch("d").cast(pl.Int64) - _FIRST_MONDAY_AFTER_EPOCH) // 7


def period_start_of_index(index: pl.Expr, every: Every) -> pl.Expr:
    """The first day (a Date) of the month or week numbered ``index`` by ``period_index``."""
    if every == "month":
        return pl.date(index // 12, index % 12 + 1, 1)
    _check_every(every)
    return (index * 7 + _FIRST_MONDAY_AFTER_EPOCH).cast(pl.Int32).cast(pl.Date)


def index_of(moment: datetime, every: Every) -> int:
    """``period_index`` for one Python datetime."""
    if every == "month":
        return _month_number(moment)
    _check_every(every)
    return ((moment.date() - date(1970, 1, 1)).days - _FIRST_MONDAY_AFTER_EPOCH) // 7


def start_of_index(index: int, every: Every) -> datetime:
    """``period_start_of_index`` for one number, as a Python datetime at midnight."""
    if every == "month":
        year, month = divmod(index, 12)
        return datetime(year, month + 1, 1)
    _check_every(every)
    return datetime(1970, 1, 1) + timedelta(days=index * 7 + _FIRST_MONDAY_AFTER_EPOCH)


def spend_in_period(monthly_spend: Mapping[str | date, float], period: Period) -> float:
    """Marketing spend falling in ``period``, from spend per calendar month (keys "YYYY-MM" or any
    date in the month). A month only partly inside the period counts in proportion to the share
    of the month's time that lies inside it."""
    total = 0.0
    for key, amount in monthly_spend.items():
        month = _month_of_key(key)
        next_month = add_months(month, 1)
        overlap = min(next_month, period.end) - max(month, period.start)
        if overlap > timedelta(0):
            total += float(amount) * (overlap / (next_month - month))
    return total


def _month_of_key(key: str | date) -> datetime:
    if isinstance(key, str):
        try:
            year, month = key.strip().split("-")[:2]
            return datetime(int(year), int(month), 1)
        except ValueError as error:
            raise ValueError(f"a marketing spend month must look like 2024-03, not {key!r}") from error
    return datetime(key.year, key.month, 1)


def _month_number(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _check_every(every: str) -> None:
    if every not in EVERY_CHOICES:
        raise ValueError(f"every must be one of {', '.join(EVERY_CHOICES)}, not {every!r}")
