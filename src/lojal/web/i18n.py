"""Locale-aware formatting of money, numbers and dates for the pages, and the translations of
``lojal.kit.i18n`` (re-exported here)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from lojal.kit.i18n import (  # noqa: F401  (re-exported for the pages)
    DEFAULT_LANGUAGE,
    DOMAIN,
    DYNAMIC_MESSAGES,
    LANGUAGES,
    LOCALE_DIR,
    N_,
    Translator,
    choose_language,
    translations,
    translator,
)
from lojal.kit.money import format_money


class Formatter:
    """Money, numbers and dates for one language and one time zone."""

    def __init__(self, language: str, timezone: str) -> None:
        self.locale = Locale.parse("nb_NO" if language == "nb" else "en_GB")
        self.zone = ZoneInfo(timezone)

    def money(self, minor: int | None, currency: str, *, whole: bool = False) -> str:
        return "–" if minor is None else format_money(minor, currency, locale=str(self.locale), whole=whole)

    def number(self, value: float | int | None) -> str:
        return "–" if value is None else format_decimal(value, locale=self.locale)

    def percent(self, value: float | None, places: int = 1) -> str:
        if value is None or value != value:  # None or NaN
            return "–"
        pattern = "#,##0%" if places == 0 else "#,##0." + "0" * places + "%"
        return format_percent(value, format=pattern, locale=self.locale)

    def decimal(self, value: float | None, places: int = 2) -> str:
        """A decimal with exactly ``places`` digits after the separator; NaN and None as "–"."""
        if value is None or value != value:
            return "–"
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0", locale=self.locale)

    def month(self, value: date, *, short: bool = False) -> str:
        """"oktober 2026" / "October 2026"; short: "okt. 2026" / "Oct 2026"."""
        return format_date(value, "MMM y" if short else "LLLL y", locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        return "–" if value is None else format_datetime(value.astimezone(self.zone), "short", locale=self.locale)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, "medium", locale=self.locale)

    def short_date(self, value: date) -> str:
        return format_date(value, "d. MMM" if str(self.locale).startswith("nb") else "d MMM", locale=self.locale)
