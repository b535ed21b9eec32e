"""Translations (gettext catalogues compiled from the .po files at start, so a fresh install
needs no build step) and locale-aware formatting of money, numbers and dates."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from lojal.kit.money import format_money

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "lojal"
LANGUAGES = {"en": "English", "nb": "Norsk bokmål"}
"""Add a catalogue in locale/<code>/LC_MESSAGES/lojal.po and name it here (sv and da next)."""
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Marks a message for extraction where it is translated later (nav labels, statuses)."""
    return message


DYNAMIC_MESSAGES = (
    N_("owner"), N_("marketer"), N_("support"),
    N_("placed"), N_("paid"), N_("fulfilled"), N_("cancelled"), N_("refunded"), N_("partially refunded"),
)
"""Words that reach the templates as data (roles, order statuses) and are translated there."""


@lru_cache(maxsize=16)
def translations(language: str) -> NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


class Translator:
    """gettext and ngettext for templates, with named placeholders filled in after translation:
    ``_('%(count)s orders', count=3)``."""

    def __init__(self, language: str) -> None:
        self.catalogue = translations(language)

    def gettext(self, message: str, **variables: object) -> str:
        text = self.catalogue.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, count: int, **variables: object) -> str:
        text = self.catalogue.ngettext(singular, plural, count)
        return text % ({"count": count} | variables)


@lru_cache(maxsize=16)
def translator(language: str) -> Translator:
    return Translator(language)


def choose_language(preferred: str | None, accept_language: str | None, shop_locale: str | None) -> str:
    """The user's choice, else the browser's first supported language, else the shop's."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        for candidate in (code, code.split("-")[0], "nb" if code.split("-")[0] in ("no", "nn") else ""):
            if candidate in LANGUAGES:
                return candidate
    shop_language = (shop_locale or "").split("-")[0].lower()
    return shop_language if shop_language in LANGUAGES else DEFAULT_LANGUAGE


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
