"""Money is an integer number of minor units plus an ISO 4217 currency code. Never floats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies


@lru_cache(maxsize=1)
def known_currencies() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isupper())


def is_currency(code: str) -> bool:
    return code in known_currencies()


@lru_cache(maxsize=256)
def minor_digits(currency: str) -> int:
    """Decimal places of the currency's minor unit (NOK 2, JPY 0, KWD 3)."""
    return get_currency_precision(currency)


def to_minor(amount: str | Decimal | int, currency: str) -> int:
    """Exact conversion of a decimal amount ("129.90") to minor units (12990).

    Raises ValueError when the amount has more decimals than the currency allows."""
    try:
        value = Decimal(str(amount).strip().replace(" ", ""))
    except InvalidOperation as error:
        raise ValueError(f"not a decimal amount: {amount!r}") from error
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    scaled = value.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount!r} has more decimals than {currency} allows")
    return int(scaled)


def round_to_minor(amount: Decimal, currency: str) -> int:
    """Round half up to whole minor units (for computed shares, not for input)."""
    return int(amount.scaleb(minor_digits(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_digits(currency))


_LETTER_BEFORE_DIGIT = re.compile(r"^([-\u2212]?[^\W\d_]+)(?=\d)")


def format_money(minor: int, currency: str, locale: str = "en", *, whole: bool = False) -> str:
    """The amount as the locale writes it ("537,80 kr", "NOK 537.80"); ``whole`` rounds to whole
    units for headline figures ("29 950 537 kr"). Babel leaves out CLDR's currency spacing, so a
    letter code that touches a digit gets the no-break space CLDR asks for."""
    amount = from_minor(minor, currency)
    if whole:
        pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
        pattern = re.sub(r"\.0+", "", pattern)
        amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        text = format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)
    else:
        text = format_currency(amount, currency, locale=locale)
    return _LETTER_BEFORE_DIGIT.sub("\\1\u00a0", text)
