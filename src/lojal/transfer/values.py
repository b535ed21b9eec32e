"""Cells of a CSV file as the hub's values: amounts (decimal point or decimal comma, thousands
separators, exactly into minor units), timestamps (ISO 8601, Shopify's ``2026-03-14 18:22:05
+0100``, Excel's ``14.03.2026 18:22``), yes/no flags and quantities. Pure functions."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from lojal.integrations.mapping import MappingError
from lojal.kit.money import minor_digits, to_minor

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                 "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y")
YES = {"yes", "true", "1", "ja", "y", "x", "subscribed"}
NO = {"no", "false", "0", "nei", "n", "", "not_subscribed", "unsubscribed"}


def cell(row: dict[str, str], column: str) -> str | None:
    """The stripped value of a column, None when blank or missing."""
    value = row.get(column)
    if value is None:
        return None
    value = value.strip()
    return value or None


def decimal_text(value: str, decimal_comma: bool) -> str:
    """``1 234,50`` (decimal comma) or ``1,234.50`` as ``1234.50``. Excel's ``-`` for zero and a
    leading currency code are tolerated."""
    text = _SPACES.sub("", value).replace("\u2212", "-")
    text = re.sub(r"^(?:[A-Za-z]{3}|kr\.?)|(?:[A-Za-z]{3}|kr\.?|,-)$", "", text)
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return text


_SCALES: dict[str, tuple[int, int] | None] = {}


def _scale(currency: str) -> tuple[int, int] | None:
    """(digits, 10 ** digits) of a currency, None when it is unknown (the general way says why)."""
    if currency not in _SCALES:
        try:
            digits = minor_digits(currency)
            _SCALES[currency] = (digits, 10**digits)
        except (ValueError, LookupError):
            _SCALES[currency] = None
    return _SCALES[currency]


def amount(value: str | None, currency: str, column: str, *, decimal_comma: bool) -> int:
    """A money cell exactly in minor units; blank is 0. More decimals than the currency has are
    refused, not rounded. Plain cells (``129.90``, ``129``: most of them) are read with integer
    arithmetic; the rest the exact general way (Decimal)."""
    if value is None:
        return 0
    if not decimal_comma:
        whole, point, fraction = value.partition(".")
        if whole.isdecimal() and (scale := _SCALES.get(currency) or _scale(currency)):
            digits, factor = scale
            if not point:
                return int(whole) * factor
            if fraction.isdecimal() and len(fraction) <= digits:
                return int(whole) * factor + int(fraction.ljust(digits, "0"))
    if value.strip() in ("", "-"):
        return 0
    text = decimal_text(value, decimal_comma)
    try:
        minor = to_minor(Decimal(text), currency)
    except (ValueError, InvalidOperation) as error:
        raise MappingError(f"not an amount: {value!r}", column) from error
    if minor < 0:
        raise MappingError(f"a negative amount: {value!r}", column)
    return minor


def quantity(value: str | None, column: str, *, decimal_comma: bool) -> int:
    if value is None:
        raise MappingError("the quantity is missing", column)
    if value.isdecimal() and value[0] != "0":
        return int(value)
    text = decimal_text(value, decimal_comma)
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise MappingError(f"not a quantity: {value!r}", column) from error
    if number != number.to_integral_value() or number <= 0:
        raise MappingError(f"not a whole positive quantity: {value!r}", column)
    return int(number)


def moment(value: str | None, column: str, zone: tzinfo) -> datetime | None:
    """A timestamp; one without an offset (Excel drops it) is read in the shop's time zone."""
    if value is None:
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for pattern in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if parsed is None:
            raise MappingError(f"not a date and time: {value!r}", column) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def flag(value: str | None, column: str) -> bool | None:
    """yes/no, true/false, ja/nei, 1/0; blank is unknown (None)."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise MappingError(f"not yes or no: {value!r}", column)


def tags(value: str | None) -> list[str]:
    """Comma-separated tags, lower-cased, without blanks or repeats, in their first order."""
    if value is None:
        return []
    found: list[str] = []
    for tag in value.split(","):
        tag = tag.strip().lower()[:100]
        if tag and tag not in found:
            found.append(tag)
    return found
