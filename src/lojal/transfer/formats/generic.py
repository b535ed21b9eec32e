"""Lojal's generic formats, for any shop system (documented in docs/import.md).

Orders, one row per order line, an order's rows together:
``customer_id, email, order_id, placed_at, sku, quantity, unit_price, currency`` and optionally
``name`` (of the product), ``line_discount``, ``status`` (placed, paid, fulfilled, cancelled;
default paid), ``order_number``, ``shipping``, ``tax``, ``taxes_included`` (yes/no, default yes),
``total`` (when given, what it holds beyond lines, shipping and tax is an order discount),
``discount_code``, ``first_name``, ``last_name``, ``phone``. Amounts are decimal (``129.90``).

Customers, one row per customer: ``customer_id, email`` and optionally ``first_name``,
``last_name``, ``phone``, ``country``, ``company``, ``group``, ``interests`` (comma separated),
``locale``, ``birth_date``, ``created_at``, ``email_consent``, ``email_consent_at``,
``sms_consent``, ``sms_consent_at`` (yes/no and a time)."""

from __future__ import annotations

from datetime import date
from typing import Any

from lojal.integrations import mapping
from lojal.integrations.mapping import MappingError
from lojal.transfer.formats.base import Context, LineItem, on_line, order_sums
from lojal.transfer.values import amount, cell, flag, moment, quantity, tags

STATUSES = ("placed", "paid", "fulfilled", "cancelled")


class GenericOrders:
    kind = "order"
    required = ("order_id", "placed_at", "quantity", "unit_price")

    def key(self, row: dict[str, str]) -> str | None:
        return cell(row, "order_id")

    def map(self, rows: list[tuple[int, dict[str, str]]], context: Context) -> list[dict[str, Any]]:
        first = rows[0][1]
        currency = (cell(first, "currency") or context.currency).upper()
        money = lambda column: amount(cell(first, column), currency, column, decimal_comma=context.decimal_comma)  # noqa: E731
        status = (cell(first, "status") or "paid").lower()
        if status not in STATUSES:
            raise MappingError(f"status must be one of {', '.join(STATUSES)}", "status")
        placed_at = moment(cell(first, "placed_at"), "placed_at", context.zone)
        lines = [on_line(line, lambda row=row: _line(row, currency, context).as_record()) for line, row in rows]
        shipping, tax = money("shipping"), money("tax")
        taxes_included = flag(cell(first, "taxes_included"), "taxes_included")
        taxes_included = True if taxes_included is None else taxes_included
        natural = sum(line["total"] for line in lines) + shipping + (0 if taxes_included else tax)
        total = money("total") if cell(first, "total") else natural
        return [{
            "type": "order", "external_id": cell(first, "order_id"), "order_number": cell(first, "order_number"),
            "customer": _reference(first), "placed_at": placed_at, "currency": currency, "status": status,
            "discount_codes": tags(cell(first, "discount_code"))[:50], "attributes": {"source": "csv"},
            "lines": lines, **order_sums(lines, shipping=shipping, tax=tax, taxes_included=taxes_included, total=total),
        }]


def _line(row: dict[str, str], currency: str, context: Context) -> LineItem:
    return LineItem(sku=mapping.text(cell(row, "sku"), 255), name=mapping.text(cell(row, "name"), 500),
                    quantity=quantity(cell(row, "quantity"), "quantity", decimal_comma=context.decimal_comma),
                    unit_price=amount(cell(row, "unit_price"), currency, "unit_price", decimal_comma=context.decimal_comma),
                    discount=amount(cell(row, "line_discount"), currency, "line_discount", decimal_comma=context.decimal_comma))


def _reference(first: dict[str, str]) -> dict[str, Any]:
    raw_email = cell(first, "email")
    email = mapping.email(raw_email)
    if raw_email and email is None:
        raise MappingError(f"not an e-mail address: {raw_email!r}", "email")
    reference = mapping.compact({
        "external_id": cell(first, "customer_id"), "email": email,
        "first_name": mapping.text(cell(first, "first_name"), 200),
        "last_name": mapping.text(cell(first, "last_name"), 200), "phone": mapping.phone(cell(first, "phone")),
    })
    if "external_id" not in reference and "email" not in reference:
        raise MappingError("the order needs a customer_id or an email", "customer_id")
    return reference


class GenericCustomers:
    kind = "customer"
    required = ("customer_id", "email")

    def key(self, row: dict[str, str]) -> str | None:
        return cell(row, "customer_id")

    def map(self, rows: list[tuple[int, dict[str, str]]], context: Context) -> list[dict[str, Any]]:
        return [_customer(row, context) for _, row in rows]


def _customer(row: dict[str, str], context: Context) -> dict[str, Any]:
    raw_email = cell(row, "email")
    email = mapping.email(raw_email)
    if raw_email and email is None:
        raise MappingError(f"not an e-mail address: {raw_email!r}", "email")
    birth = cell(row, "birth_date")
    try:
        birth_date = date.fromisoformat(birth) if birth else None
    except ValueError as error:
        raise MappingError(f"not a date (YYYY-MM-DD): {birth!r}", "birth_date") from error
    created = moment(cell(row, "created_at"), "created_at", context.zone)
    record: dict[str, Any] = {"type": "customer", "external_id": cell(row, "customer_id"), **mapping.compact({
        "email": email, "first_name": mapping.text(cell(row, "first_name"), 200),
        "last_name": mapping.text(cell(row, "last_name"), 200), "phone": mapping.phone(cell(row, "phone")),
        "country": mapping.country(cell(row, "country")), "company_name": mapping.text(cell(row, "company"), 255),
        "customer_group": mapping.text(cell(row, "group"), 100), "interests": tags(cell(row, "interests")),
        "locale": mapping.locale(cell(row, "locale")), "birth_date": birth_date, "created_at": created,
    })}
    for channel in ("email", "sms"):
        granted = flag(cell(row, f"{channel}_consent"), f"{channel}_consent")
        if granted is not None and cell(row, f"{channel}_consent") is not None:
            at = moment(cell(row, f"{channel}_consent_at"), f"{channel}_consent_at", context.zone)
            record[f"{channel}_consent"] = {"granted": granted, "source": "csv", **({"at": at} if at else {})}
    return record
