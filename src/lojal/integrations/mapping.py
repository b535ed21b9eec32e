"""Pure helpers the platform mappings share: money as decimal strings to minor units, blank
strings to None, e-mail and phone kept only when valid, timestamps, and balancing an order's
totals the way the hub adds them up. No database, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from lojal.kit.money import round_to_minor, to_minor
from lojal.kit.validation import normalise_email, normalise_phone
from lojal.orders.schemas import OrderIn, RefundIn


class MappingError(ValueError):
    """A payload the hub cannot take, with the platform's field that is wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


@dataclass
class MappedOrder:
    external_id: str
    order: OrderIn
    refunds: list[RefundIn] = field(default_factory=list)


def text(value: Any, limit: int | None = None) -> str | None:
    """A stripped string, or None for null, empty and blank values."""
    if value is None:
        return None
    result = str(value).strip()
    if not result:
        return None
    return result[:limit] if limit else result


def identifier(value: Any) -> str | None:
    """A platform id (number or string) as the hub's external id; 0 and blanks mean none."""
    if value is None or value == 0 or value == "0":
        return None
    return text(value, 255)


def email(value: Any) -> str | None:
    candidate = text(value)
    if candidate is None:
        return None
    try:
        return normalise_email(candidate)
    except ValueError:
        return None


def phone(*values: Any) -> str | None:
    """The first value that is a phone number in E.164 form; platforms also send local forms
    like "(555) 555-5555", which the hub cannot store without a country code."""
    for value in values:
        candidate = text(value)
        if candidate is None:
            continue
        try:
            return normalise_phone(candidate)
        except ValueError:
            continue
    return None


def minor(value: Any, currency: str, field: str) -> int:
    """A decimal string ("129.90") exactly in minor units; JSON numbers (some platforms send
    floats for a few fields) are read through their shortest decimal form and rounded."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise MappingError(f"expected an amount, got {value!r}", field)
    try:
        if isinstance(value, float):
            return round_to_minor(Decimal(repr(value)), currency)
        return to_minor(value, currency)
    except (ValueError, InvalidOperation) as error:
        raise MappingError(str(error), field) from error


def when(value: Any, field: str, *, naive_zone: tzinfo = UTC) -> datetime | None:
    """An ISO 8601 timestamp; one without an offset is read in ``naive_zone`` (WooCommerce's
    ``*_gmt`` fields are UTC without a ``Z``)."""
    candidate = text(value)
    if candidate is None:
        return None
    try:
        moment = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except ValueError as error:
        raise MappingError(f"not a timestamp: {candidate!r}", field) from error
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=naive_zone)


def quantity(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise MappingError(f"not a whole quantity: {value!r}", field)


@dataclass(frozen=True)
class Balance:
    """Order-level amounts that make the hub's sum hold exactly:
    total = subtotal - discount_total + shipping_total (+ tax_total unless taxes are included)."""

    discount_total: int
    shipping_total: int
    other_charges: int


def balance(*, subtotal: int, shipping: int, tax: int, taxes_included: bool, total: int) -> Balance:
    """What the platform's total holds beyond lines, shipping and tax: a shortfall is an
    order-level discount not allocated to lines; a surplus (tips, duties, fees) has no column in
    the hub and is counted with shipping as a non-goods charge (kept apart in the attributes)."""
    residual = total - (subtotal + shipping + (0 if taxes_included else tax))
    if residual <= 0:
        return Balance(discount_total=-residual, shipping_total=shipping, other_charges=0)
    return Balance(discount_total=0, shipping_total=shipping + residual, other_charges=residual)


def line_prices(line_subtotal: int, line_total: int, count: int, field: str) -> tuple[int, int]:
    """(unit_price, discount) for a line the platform gives as a subtotal before discounts and a
    total after them. When the subtotal does not divide by the quantity, the unit price is
    rounded up and the difference goes to the discount, so ``quantity x unit - discount`` is the
    platform's line total exactly."""
    if count <= 0:
        raise MappingError(f"quantity {count} is not positive", field)
    unit = -(-line_subtotal // count)
    discount = unit * count - line_total
    if discount < 0:
        raise MappingError(f"the line total {line_total} is more than its subtotal {line_subtotal}", field)
    return unit, discount


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out None, empty strings and empty containers."""
    return {key: value for key, value in values.items() if value not in (None, "", [], {})}


class Ignored(Exception):
    """A payload that is valid but holds nothing for the hub (an order without any customer, a
    completed checkout, a draft); the delivery is recorded as ignored with this reason."""


LOCALE_PATTERN = r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$"


def locale(value: Any) -> str | None:
    candidate = text(value)
    if candidate is None or len(candidate) > 16 or not re.fullmatch(LOCALE_PATTERN, candidate):
        return None
    return candidate


def country(value: Any) -> str | None:
    candidate = text(value)
    if candidate is None or len(candidate) != 2 or not candidate.isalpha():
        return None
    return candidate.upper()
